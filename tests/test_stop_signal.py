"""A stop signal (SIGTERM: a deploy, `docker stop`) while the bot is answering someone: the
answer in hand is finished and stored, the process exits cleanly, and nothing that came in
meanwhile is lost or handled twice after the restart.

`python -m bot` runs as its own process against the fake Bot API over real HTTP; in process,
a stop lets the outbox finish the notification it is sending.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlmodel import select

from bot.db import Database, make_engine
from bot.models import Case, Coordinator, Outbox, Party, Talk
from bot.vocabulary import Notice, OutboxStatus
from tests.fakes import FakeBotAPI, FakeBotAPIServer, TelegramUser, queued_only
from tests.world import World

from .conftest import fresh_database, postgres_url
from .test_end_to_end import COORDINATOR_ID, OFFENDER_ID, BotProcess, invite_offender, step
from .waiting import eventually

STRANGER_ID = 8103
ANSWER = "Ik nam de fiets van Noor."


async def stored_answers(url: str) -> list[dict[str, object]]:
    db = Database(make_engine(url))
    try:
        async with db.transaction() as session:
            talks = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER_ID))).all()
            return [dict(talk.answers) for talk in talks]
    finally:
        await db.dispose()


@pytest.mark.e2e
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)])
async def test_a_stop_signal_mid_answer_finishes_the_answer_and_loses_nothing(
        tmp_path: Path, database: str) -> None:
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'herstelbot.db'}"
    else:
        found = postgres_url()
        if found is None:
            pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
        url = found
    await (await fresh_database(url)).dispose()
    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "unused.db", tmp_path / "bot.log",
                         DATABASE_URL=url)
        bot.start()
        try:
            coordinator = TelegramUser(api, COORDINATOR_ID, "Coördinator", queued_only)
            offender = TelegramUser(api, OFFENDER_ID, "Sam", queued_only)
            stranger = TelegramUser(api, STRANGER_ID, "Lien", queued_only)
            token = await invite_offender(coordinator, "TERM-1")
            await step(offender, lambda: offender.send(f"/start {token}"), "Hallo Sam")
            await step(offender, lambda: offender.tap("Verder"), "Eigen Kracht-conferentie")
            await step(offender, lambda: offender.tap("Verder"), "vrijwillig")
            await step(offender, lambda: offender.tap("Ja, ik doe mee"), "Klopt dit voor jou?")
            await step(offender, lambda: offender.tap("Ja, dat klopt"), "eigen woorden")

            # Sam answers; the reply is slow to go out, and the stop signal comes meanwhile.
            api.delay_next("sendMessage", 4.0, chat_id=OFFENDER_ID)
            since = len(offender.messages)
            await offender.send(ANSWER)
            assert await eventually(lambda: api.delays_pending("sendMessage") == 0,
                                    timeout=20), "the reply never set out"
            assert bot.process is not None
            bot.process.send_signal(signal.SIGTERM)
            await stranger.send("/help")  # arrives while the bot is stopping

            reply = await offender.wait_for_text("Erken je jouw aandeel", timeout=20,
                                                 since=since)
            assert bot.wait_for_exit(timeout=30) == 0, bot.log.read_text()
            assert any(answer == ANSWER for talk in await stored_answers(url)
                       for answer in talk.values()), "the answer in hand was not stored"
            await offender.tap("Ja")  # the next question's button, tapped while it is down

            bot.start()
            await offender.wait_for_text("uitleggen", timeout=20, since=since)
            await stranger.wait_for_text("", timeout=20)
            assert await eventually(lambda: api.pending_updates() == 0, timeout=20)
        finally:
            assert bot.stop() == 0
    replies = [m for m in offender.messages[since:] if "Erken je jouw aandeel" in m.content]
    assert replies == [reply], "the answer was handled twice after the restart"
    assert len(stranger.messages) == 1, stranger.transcript()  # answered, and once
    assert "Traceback" not in bot.log.read_text()


async def test_a_stop_lets_the_outbox_finish_the_notification_it_is_sending(
        world: World) -> None:
    """The scheduler's outbox run is under way (its send is slow) when the bot stops: the
    notification arrives and is marked sent, instead of the run being cut off mid-send."""
    coordinator_chat = 8401
    world.api.register_user(coordinator_chat)
    now = world.clock()
    async with world.db.transaction() as session:
        coordinator = Coordinator(telegram_user_id=coordinator_chat, created_at=now)
        session.add(coordinator)
        await session.flush()
        case = Case(coordinator_id=coordinator.id or 0, reference="STOP-1", variant="hergo",
                    facts="feiten", language="nl", timezone="Europe/Brussels", created_at=now)
        session.add(case)
        await session.flush()
        party = Party(case_id=case.id or 0, role="offender", name="Wout", language="nl",
                      created_at=now)
        session.add(party)
        await session.flush()
        session.add(Outbox(chat_id=coordinator_chat, kind=Notice.INVITE_OPENED,
                           ref_id=party.id, due_at=now, created_at=now))
    world.api.delay_next("sendMessage", 2.0, chat_id=coordinator_chat)
    # no kick: the scheduler's next outbox run takes the row
    assert await eventually(lambda: world.api.delays_pending("sendMessage") == 0,
                            timeout=30), "the outbox never set out"
    application = world.application
    assert application.post_stop is not None
    await application.post_stop(application)
    assert any("Wout" in m.content for m in world.api.messages_to(coordinator_chat))
    assert [row.status for row in await world.outbox()] == [OutboxStatus.SENT]
