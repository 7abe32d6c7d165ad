"""Shared fixtures: the real flow files, a real database (SQLite file; PostgreSQL too when
TEST_DATABASE_URL points at a server), and a clock the tests move."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import encryption
from bot.catalog import Catalog, load_catalog
from bot.clock import ManualClock
from bot.db import Database, make_engine, migrate
from bot.flows import FlowRegistry, load_registry
from tests.data_keys import TEST_KEYS
from tests.world import World, make_world

ROOT = Path(__file__).resolve().parent.parent
DIALOGS = ROOT / "dialogs"


@pytest.fixture(autouse=True, scope="session")
def data_key() -> str:
    """Personal columns are sealed in every test, as in production."""
    encryption.install(encryption.parse_keyring(TEST_KEYS))
    return TEST_KEYS


@pytest.fixture(scope="session")
def flows() -> FlowRegistry:
    return load_registry(DIALOGS)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DIALOGS / "messages.yaml")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


async def fresh_database(url: str) -> Database:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(sa.text("CREATE SCHEMA public"))
    await migrate(engine)
    return Database(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same tests run on an SQLite file and, where there is one, on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'herstelbot.db'}"
    else:
        found = postgres_url()
        if found is None:
            pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
        url = found
    database = await fresh_database(url)
    yield database
    await database.dispose()


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> AsyncIterator[World]:
    """The bot in process, through the real `Application`, on each database."""
    async for made in make_world(db, clock):
        yield made


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(f"sqlite+aiosqlite:///{tmp_path / 'herstelbot.db'}")
    yield database
    await database.dispose()
