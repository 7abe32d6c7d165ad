"""Waiting for the database: one probe for everything that waits, jobs that skip their turns
instead of failing at every tick, and no endless waiting for an error that is not the
database. (The database really away, over a proxy: tests/test_database_away.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from bot.database_wait import DatabaseWait, database_away
from bot.telegram_app import NOT_THE_DATABASE
from tests.world import World


class Server(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failed(sqlstate: str) -> DBAPIError:
    return DBAPIError("SELECT 1", {}, Server(sqlstate))


def test_a_server_starting_up_or_shutting_down_is_away_a_broken_rule_is_not() -> None:
    assert database_away(ConnectionRefusedError())
    assert database_away(failed("57P03"))  # the database system is starting up
    assert database_away(failed("57P01"))  # terminating connection (administrator command)
    assert database_away(failed("08006"))  # connection failure
    assert not database_away(failed("23505"))  # a unique rule broken: a bug, not a wait
    assert not database_away(ValueError("no"))


class FlakyEngine:
    """Refuses `down` connections, then answers."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.tries = 0

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        self.tries += 1
        if self.tries <= self.down:
            raise ConnectionRefusedError

        class Connection:
            async def execute(self, _statement: object) -> None:
                return None

        yield Connection()


class FlakyDatabase:
    def __init__(self, down: int) -> None:
        self.engine = FlakyEngine(down)


async def test_everything_waiting_goes_on_after_one_shared_probe_gets_through() -> None:
    db = FlakyDatabase(down=3)
    waiting = DatabaseWait(db, first=0.001, most=0.002)  # type: ignore[arg-type]
    waiters = [asyncio.create_task(waiting.until_back(ConnectionRefusedError()))
               for _ in range(20)]
    await asyncio.wait_for(asyncio.gather(*waiters), timeout=10)
    assert db.engine.tries == 4  # three refused, one through: not one probe per waiter
    assert not waiting.away and not waiting.answered_at_once


async def test_a_job_skips_its_turns_while_the_database_is_away() -> None:
    db = FlakyDatabase(down=1_000_000)
    waiting = DatabaseWait(db, first=3600, most=3600)  # type: ignore[arg-type]
    runs: list[int] = []

    async def flush(n: int) -> None:
        runs.append(n)
        raise ConnectionRefusedError

    job = waiting.patient(flush)
    await job(1)  # meets the database away: no exception, a probe starts
    assert waiting.away
    await job(2)  # skipped: the probe will tell when it is back
    assert runs == [1]
    await waiting.close()

    async def broken(n: int) -> None:
        raise ValueError(n)

    with pytest.raises(ValueError):  # a bug is not mistaken for the database
        await waiting.patient(broken)(3)


async def test_an_error_that_only_looks_like_the_database_is_not_waited_out_for_ever(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    services = world.services
    services.waiting.first = services.waiting.most = 0.001
    tries: list[int] = []

    async def lost_file(incoming: Any) -> Any:
        tries.append(incoming.update_id)
        raise FileNotFoundError("a font")  # an OSError, as a lost connection is

    monkeypatch.setattr(services.router, "handle", lost_file)
    person = world.person(8301, "Ida")
    with pytest.raises(FileNotFoundError):
        await asyncio.wait_for(person.send("/help"), timeout=30)
    assert len(tries) == NOT_THE_DATABASE + 1
    told = [services.catalog(key, "nl") for key in ("error.database_away", "error.general")]
    assert [m.content for m in person.messages] == told  # once each: it gave up
