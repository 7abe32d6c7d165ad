"""The database: an async engine for the event loop, and Alembic migrations on start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Accepts the URLs people write and picks the async driver for them."""
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"),
                          ("postgres://", "postgresql+asyncpg://"),
                          ("sqlite://", "sqlite+aiosqlite://")):
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


def make_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The driver's own transaction handling starts no transaction before a first
            # write, so a savepoint would begin (and its release commit) one of its own: the
            # mark that an update was seen was kept though the update's work was not. We
            # begin every transaction ourselves (below), as SQLAlchemy advises for SQLite.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the writer's lock from the start

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Brings the schema to the newest migration (run by `python -m bot` on start)."""

    def upgrade(connection: sa.Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


class HoldingSession(Session):
    """A session that keeps every row it loaded for as long as it lives (one transaction).

    SQLAlchemy's identity map holds rows weakly: a row read, used and let go is read again by
    the next `session.get` of it in the same update (a case's coordinator was read twice when
    a link was opened). Held, a second get of the same row costs no statement."""


@sa.event.listens_for(HoldingSession, "loaded_as_persistent")
def _hold(session: sa.orm.Session, instance: object) -> None:
    session.info.setdefault("held", []).append(instance)


_IN_TRANSACTION: ContextVar[bool] = ContextVar("in_transaction", default=False)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False,
                                            sync_session_class=HoldingSession)
        # SQLite has one writer. Updates from several chats are handled at once, and a
        # transaction that reads and then writes would meet SQLITE_BUSY at its first write
        # if another wrote meanwhile; taking turns here costs nothing a single writer had.
        self._turns = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed together, or not at all."""
        if self._turns is None or _IN_TRANSACTION.get():
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self._turns:
            token = _IN_TRANSACTION.set(True)
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            finally:
                _IN_TRANSACTION.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()
