"""Every lookup a participant's answer makes is found through an index: with 100,000 cases
behind it an answer costs what it costs on an empty database. SQLite's query plan for each
statement of a real answer, taken through the real `Application`, is read back."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.clock import ManualClock
from bot.db import Database
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    make_world,
    offender_to_responsibility,
    open_case,
)

OFFENDER = 7401


@pytest.fixture
async def sqlite_world(sqlite_db: Database, clock: ManualClock) -> AsyncIterator[World]:
    async for made in make_world(sqlite_db, clock):
        yield made


def full_scans(database: Path, statements: list[tuple[str, Any]]) -> list[str]:
    """The statements whose plan reads a whole table (SCAN without an index). A subquery's
    own rows read whole are no table (the outbox claim numbers a chat's rows): the lines of
    the tables inside it say whether an index was used."""
    found = []
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        for sql, parameters in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
            for row in plan:
                detail = str(row[-1])
                words = detail.split()
                if (detail.startswith("SCAN") and "INDEX" not in detail and len(words) > 1
                        and words[1] in tables):
                    found.append(f"{detail}: {' '.join(sql.split())[:160]}")
    return found


async def test_a_participants_answers_touch_no_table_from_end_to_end(
        sqlite_world: World) -> None:
    world = sqlite_world
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statements.append((sql, parameters))

    engine = world.services.db.engine.sync_engine
    token = await add_offender(coordinator)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        await offender_to_responsibility(offender, token)  # opens the link, taps, types
        await offender.send("Ik nam de fiets mee.")
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) > 20
    database = Path(str(world.db.engine.url.database))
    assert full_scans(database, statements) == []
