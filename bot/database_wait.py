"""The database away for a while (a restart, a failover): nothing is lost, and the bot goes on
the moment it is back.

Whatever meets a lost or refused connection (an update being handled, the outbox, a scan)
waits for one shared probe: a `SELECT 1` at growing pauses (up to `MOST` seconds). A minute
without the database costs a handful of probes and two log lines, not a retry and a
traceback per update and per tick; and everything waiting goes on as soon as a probe gets
through, not at the end of its own long pause.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.db import Database
from bot.startup import database_trouble

log = logging.getLogger(__name__)
FIRST, MOST = 0.5, 5.0  # seconds between probes while the database is away
# SQLSTATE classes of a server that is not there for now: a connection exception (08), or
# one that is shutting down, crashed or starting up (57P01, 57P02, 57P03).
AWAY_STATES = ("08", "57P")
P = ParamSpec("P")


def database_away(exc: BaseException) -> bool:
    """A lost or refused database connection (worth waiting for), not a bug."""
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if isinstance(state, str) and state.startswith(AWAY_STATES):
            return True
    return database_trouble(exc) is not None


class DatabaseWait:
    def __init__(self, db: Database, *, first: float = FIRST, most: float = MOST) -> None:
        self.db = db
        self.first, self.most = first, most
        self._probe: asyncio.Task[None] | None = None
        self.answered_at_once = False  # the last probe got through at its first try

    @property
    def away(self) -> bool:
        """The database was found away and no probe has got through since."""
        return self._probe is not None and not self._probe.done()

    def noticed(self, exc: BaseException) -> None:
        """The database is away: a probe starts, unless one runs already."""
        if not self.away:
            log.warning("database unreachable (%s); waiting for it", type(exc).__name__)
            self._probe = asyncio.get_running_loop().create_task(self._until_it_answers())

    async def until_back(self, exc: BaseException) -> None:
        """Returns once the database answers again (or a probe meets another error, which
        the caller's next try will meet too)."""
        self.noticed(exc)
        assert self._probe is not None
        await asyncio.shield(self._probe)

    async def close(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)

    async def _until_it_answers(self) -> None:
        started, pause, probes = time.monotonic(), self.first, 0
        while True:
            await asyncio.sleep(pause)
            probes += 1
            self.answered_at_once = probes == 1
            try:
                async with self.db.engine.connect() as connection:
                    await connection.execute(sa.text("SELECT 1"))
            except Exception as exc:
                if not database_away(exc):
                    log.warning("database probe failed (%s); trying the work again",
                                type(exc).__name__)
                    return
                log.debug("database still unreachable (%s)", type(exc).__name__)
                pause = min(pause * 2, self.most)
                continue
            log.warning("database back after %.0f s (%d probes)", time.monotonic() - started,
                        probes)
            return

    def patient(self, job: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[None]]:
        """A background job (the outbox, a scan) that skips its turns while the database is
        away, instead of failing with a traceback at every tick; the next tick after it is
        back does the work."""

        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            if self.away:
                return
            try:
                await job(*args, **kwargs)
            except Exception as exc:
                if not database_away(exc):
                    raise
                self.noticed(exc)

        run.__name__ = run.__qualname__ = getattr(job, "__name__", "job")
        return run
