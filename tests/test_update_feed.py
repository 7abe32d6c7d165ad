"""How updates come in: the real `Application` polling the fake Bot API in this process.

An update the library cannot read must not stop the others; an update is acknowledged to
Telegram only once it has been handled; one person's slow moment does not hold up others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.settings import Settings
from bot.startup import LIBRARY_LEVELS
from bot.telegram_app import ALLOWED_UPDATES, build_application
from bot.update_feed import FeedBot
from tests.fakes import FakeBotAPI, FakeRequest, TelegramUser, queued_only

from .data_keys import TEST_KEYS
from .waiting import eventually

AnyApp = Application[Any, Any, Any, Any, Any, Any]


async def polling(api: FakeBotAPI, tmp_path: Path, **settings: Any) -> AsyncIterator[AnyApp]:
    config = Settings(bot_token=api.token, database_url=f"sqlite:///{tmp_path / 'h.db'}",
                      telegram_api_url="http://telegram.invalid", data_keys=TEST_KEYS,
                      **settings)
    application = build_application(config, request=FakeRequest(api),
                                    updates_request=FakeRequest(api))
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


@pytest.fixture
async def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
def debug_logging() -> Iterator[None]:
    """The levels `python -m bot` sets at LOG_LEVEL=DEBUG (libraries capped), restored after."""
    levels = {"": logging.INFO, "bot": logging.DEBUG,
              **{name: max(floor, logging.DEBUG) for name, floor in LIBRARY_LEVELS.items()}}
    before = {name: logging.getLogger(name).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def running(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[AnyApp]:
    async for application in polling(api, tmp_path):
        yield application


async def test_an_update_the_library_cannot_read_is_skipped_and_the_next_is_answered(
        api: FakeBotAPI, running: AnyApp, caplog: pytest.LogCaptureFixture,
        debug_logging: None) -> None:
    broken = api._queue("message", {"message_id": 5, "text": "mijn geheim verhaal"})  # no chat
    person = TelegramUser(api, 4242, "Lien", queued_only)
    await person.send("/help")
    await person.wait_for_text("", timeout=10)
    assert isinstance(running.bot, FeedBot) and running.bot.skipped == 1
    # the unreadable one is acknowledged, not asked for again
    assert await eventually(lambda: api.pending_updates() == 0)
    assert f"update {broken['update_id']} could not be read" in caplog.text
    assert "geheim" not in caplog.text  # by id only, at every level
    polls = [c for c in api.calls if c.method.lower() == "getupdates"]
    assert len(polls) < 40  # no tight loop of asking for the same update


async def test_an_update_is_acknowledged_only_after_it_was_handled(
        api: FakeBotAPI, running: AnyApp) -> None:
    """Telegram keeps an update until the bot asks past it: a bot killed while handling it
    gets it again. So the offset never passes an update still in hand."""
    bot = running.bot
    assert isinstance(bot, FeedBot)
    api.delay_next("sendMessage", 1.5)  # the reply to /help is slow to go out
    person = TelegramUser(api, 4243, "Jo", queued_only)
    update = await person.send("/help")
    await asyncio.sleep(0.6)  # being handled now: the polls meanwhile hold it
    held = [c for c in api.calls if c.method.lower() == "getupdates"
            and (c.params.get("offset") or 0) > update["update_id"]]
    assert bot.in_hand == 1 and not held
    await person.wait_for_text("", timeout=10)
    assert await eventually(lambda: bot.in_hand == 0)


async def test_one_persons_slow_reply_does_not_hold_up_a_strangers_help(
        api: FakeBotAPI, running: AnyApp) -> None:
    slow = TelegramUser(api, 4244, "Traag", queued_only)
    other = TelegramUser(api, 4245, "Vlot", queued_only)
    api.delay_next("sendMessage", 3.0)  # the first reply hangs for three seconds
    await slow.send("/help")
    await asyncio.sleep(0.2)
    await other.send("/help")
    await other.wait_for_text("", timeout=10)
    assert slow.messages == []  # still waiting for its own reply: the other did not wait
