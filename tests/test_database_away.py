"""PostgreSQL away for a while (a restart, a failover), played by cutting a TCP proxy in
front of the real server: the bot does not crash, tells the person once that the answer comes
shortly, loses no update, and answers it by itself once the database is back."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.fakes import FakeBotAPI, FakeBotAPIServer, TelegramUser, queued_only
from tests.fakes.tcp_proxy import CuttableProxy

from .conftest import fresh_database, postgres_url
from .test_end_to_end import COORDINATOR_ID, BotProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def said(user: TelegramUser, action: Callable[[], Awaitable[Any]], expect: str) -> str:
    since = len(user.messages)
    await action()
    return (await user.wait_for_text(expect, timeout=30, since=since)).content


async def test_the_database_away_for_a_while_loses_no_update(tmp_path: Path) -> None:
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
                await said(coordinator, lambda: coordinator.send("/newcase"), "kort kenmerk")
                proxy.cut()
                started = time.monotonic()
                await said(coordinator, lambda: coordinator.send("REF-AWAY"),
                           "Het gaat niet verloren")
                time.sleep(3)  # noqa: ASYNC251 - the bot is another process; nothing to await
                proxy.restore()
                answer = await coordinator.wait_for_text("Welke methode", timeout=60)
                assert answer is not None and time.monotonic() - started >= 3
                await said(coordinator, lambda: coordinator.tap("HERGO (herstelgericht "
                                                                "groepsoverleg)"), "Beschrijf")
                assert bot.process is not None and bot.process.poll() is None  # still up
            finally:
                assert bot.stop() == 0
