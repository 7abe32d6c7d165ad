"""PostgreSQL away for a while (a restart, a failover), played by a TCP proxy in front of
the real server: cut (connections refused, open ones broken), then answering as a server that
is starting up (57P03), then through again. The bot does not crash, tells each person once
that the answer comes shortly, loses no update (also none that came in while it was away),
and answers them all by itself once the database is back.

DB_AWAY_SECONDS sets how long it is away (a few seconds by default; a minute is the real
test: `DB_AWAY_SECONDS=60 TEST_DATABASE_URL=... pytest -s tests/test_database_away.py`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.catalog import Catalog
from tests.fakes import FakeBotAPI, FakeBotAPIServer, TelegramUser, queued_only
from tests.fakes.tcp_proxy import CuttableProxy

from .conftest import fresh_database, postgres_url
from .test_end_to_end import COORDINATOR_ID, BotProcess
from .waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
AWAY = float(os.environ.get("DB_AWAY_SECONDS", "3"))
STARTING = 2.0  # seconds the server says it is starting up, after it was away
ANSWERED_WITHIN = 90  # seconds after the database is back (the bot's pauses top out below)


async def said(user: TelegramUser, action: Callable[[], Awaitable[Any]], expect: str) -> str:
    since = len(user.messages)
    await action()
    return (await user.wait_for_text(expect, timeout=30, since=since)).content


async def test_the_database_away_for_a_while_loses_no_update(tmp_path: Path,
                                                             catalog: Catalog) -> None:
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
    await (await fresh_database(url)).dispose()  # a clean schema; the bot migrates it
    server_url = make_url(url)
    with CuttableProxy(server_url.host or "127.0.0.1", server_url.port or 5432) as proxy:
        proxied = server_url.set(host="127.0.0.1", port=proxy.port)
        api = FakeBotAPI()
        with FakeBotAPIServer(api) as server:
            bot = BotProcess(api, server, tmp_path / "unused.db", tmp_path / "bot.log",
                             DATABASE_URL=proxied.render_as_string(hide_password=False))
            bot.start()
            try:
                coordinator = TelegramUser(api, COORDINATOR_ID, "Coördinator", queued_only)
                others = [TelegramUser(api, 8201, "An", queued_only),
                          TelegramUser(api, 8202, "Bo", queued_only, language_code="en"),
                          TelegramUser(api, 8203, "Cas", queued_only),
                          TelegramUser(api, 8204, "Dee", queued_only)]
                everyone = [coordinator, *others]
                shortly = {p.user_id: catalog("error.database_away", p.language_code)
                           for p in everyone}
                await said(coordinator, lambda: coordinator.send("/newcase"), "kort kenmerk")
                since = len(coordinator.messages)
                proxy.cut()
                cut = time.monotonic()
                await said(coordinator, lambda: coordinator.send("REF-AWAY"),
                           shortly[COORDINATOR_ID])
                # Others write while it is away; An twice (her second waits behind her first).
                writers = [others[0], others[1], others[0], others[2]]
                for n, person in enumerate(writers, start=1):
                    await asyncio.sleep(max(0.0, cut + AWAY * n / (len(writers) + 1)
                                            - time.monotonic()))
                    await person.send("/help")
                await asyncio.sleep(max(0.0, cut + AWAY - time.monotonic()))
                proxy.starting_up()  # the server is there again, but not yet open
                writers.append(others[3])
                await others[3].send("/help")
                for person in others:
                    await person.wait_for_text(shortly[person.user_id], timeout=30)
                await asyncio.sleep(max(0.0, cut + AWAY + STARTING - time.monotonic()))
                for person, first in ((coordinator, since), *((p, 0) for p in others)):
                    assert [m.content for m in person.messages[first:]] == [
                        shortly[person.user_id]], person.transcript()  # only the promise
                proxy.restore()
                back = time.monotonic()
                await coordinator.wait_for_text("Welke methode", timeout=ANSWERED_WITHIN,
                                                since=since)
                sent = {p.user_id: writers.count(p) for p in others}
                for person in others:  # the promise, then an answer to each /help
                    assert await eventually(
                        lambda p=person: len(p.messages) >= 1 + sent[p.user_id],
                        timeout=ANSWERED_WITHIN), person.transcript()
                recovered = time.monotonic() - back
                await said(coordinator, lambda: coordinator.tap("HERGO (herstelgericht "
                                                                "groepsoverleg)"), "Beschrijf")
                assert bot.process is not None and bot.process.poll() is None  # still up
            finally:
                assert bot.stop() == 0
    told = {p.first_name: sum(m.content == shortly[p.user_id] for m in p.messages)
            for p in everyone}
    answered = {p.first_name: sum(m.content == catalog("stranger.not_invited",
                                                       p.language_code) for m in p.messages)
                for p in others}
    print(  # noqa: T201 - the figures for the closing note, shown with -s
        f"\ndatabase away {AWAY:.0f} s (+ {STARTING:.0f} s starting up): all answered "
        f"{recovered:.1f} s after it was back; "
        f"{len(writers)} updates from others while away, answered {answered}; "
        f"'shortly' sent {told}")
    assert told == {p.first_name: 1 for p in everyone}  # once each, not once per try
    assert answered == {p.first_name: sent[p.user_id] for p in others}  # none lost
    assert api.pending_updates() == 0  # every update acknowledged
    log = bot.log.read_text()
    assert "Traceback" not in log  # no failing tick logged at every turn
    assert log.count("bot.database_wait: database unreachable") == 1  # one outage, one probe
    assert "bot.database_wait: database back" in log
