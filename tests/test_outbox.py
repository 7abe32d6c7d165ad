"""The outbox sender against a Telegram that enforces its flood limits: a burst goes out at
Telegram's pace without a single 429, each chat's notifications in order, none lost or twice;
a chat Telegram asks to wait waits alone, and its later notifications wait behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import Case, Coordinator, Outbox, Party
from bot.outbox import OutboxSender
from bot.pacing import ChatPacer
from bot.update_feed import FeedBot
from bot.vocabulary import Notice, OutboxStatus
from tests.conftest import fresh_database
from tests.fakes import FakeBotAPI, FakeRequest, TelegramLimits
from tests.world import World

CHATS, PER_CHAT = 12, 4


async def owed_burst(world: World, db: Database, api: FakeBotAPI) -> dict[int, list[str]]:
    """Twelve coordinators, each owed four "invite opened" notices at once; per chat, the
    names in the order they are owed. In a database of their own: the world's own sender
    must not take these rows."""
    now = world.clock()
    expected: dict[int, list[str]] = {}
    async with db.transaction() as session:
        for c in range(CHATS):
            chat = 8000 + c
            api.register_user(chat)
            coordinator = Coordinator(telegram_user_id=chat, created_at=now)
            session.add(coordinator)
            await session.flush()
            case = Case(coordinator_id=coordinator.id or 0, reference=f"B-{c}", variant="hergo",
                        facts="feiten", language="nl", timezone="Europe/Brussels",
                        created_at=now)
            session.add(case)
            await session.flush()
            for i in range(PER_CHAT):
                name = f"Naam{c:02d}x{i}"
                party = Party(case_id=case.id or 0, role="offender", name=name, language="nl",
                              created_at=now)
                session.add(party)
                await session.flush()
                session.add(Outbox(chat_id=chat, kind=Notice.INVITE_OPENED, ref_id=party.id,
                                   due_at=now, created_at=now))
                expected.setdefault(chat, []).append(name)
    return expected


def sender_for(world: World, db: Database, api: FakeBotAPI) -> OutboxSender:
    bot: FeedBot = FeedBot(api.token, request=FakeRequest(api), rate_limiter=ChatPacer())
    services = world.services
    return OutboxSender(db=db, bot=bot, catalog=services.catalog, flows=services.flows,
                        clock=world.clock)


def received(api: FakeBotAPI, chat: int, names: list[str]) -> list[str]:
    return [n for m in api.messages_to(chat) for n in names if n in m.content]


@pytest.fixture
async def own_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    yield database
    await database.dispose()


async def rows(db: Database) -> list[Outbox]:
    async with db.transaction() as session:
        return list((await session.exec(select(Outbox))).all())


async def test_a_burst_goes_out_at_telegrams_pace_without_a_429_and_in_each_chats_order(
        world: World, own_db: Database) -> None:
    api = FakeBotAPI(limits=TelegramLimits())
    expected = await owed_burst(world, own_db, api)
    sender = sender_for(world, own_db, api)
    async with sender.bot:
        sent = await sender.flush()
    assert sent == CHATS * PER_CHAT, [c.description for c in api.calls if c.description][:3]
    assert api.too_many == 0
    for chat, names in expected.items():
        assert received(api, chat, names) == names  # all, once, in order
    assert {r.status for r in await rows(own_db)} == {OutboxStatus.SENT}


async def test_a_chat_telegram_asks_to_wait_waits_alone_and_keeps_its_order(
        world: World, own_db: Database) -> None:
    api = FakeBotAPI()
    expected = await owed_burst(world, own_db, api)
    held = 8003
    api.fail_next("sendMessage", error_code=429, retry_after=30, chat_id=held)
    sender = sender_for(world, own_db, api)
    async with sender.bot:
        assert await sender.flush() == (CHATS - 1) * PER_CHAT
        assert received(api, held, expected[held]) == []
        waiting = [r for r in await rows(own_db) if r.chat_id == held]
        assert all(r.status == OutboxStatus.PENDING and r.attempts == 0 for r in waiting)
        assert await sender.flush() == 0  # not before Telegram's wait is over
        world.clock.advance(seconds=31)
        assert await sender.flush() == PER_CHAT
    assert received(api, held, expected[held]) == expected[held]


async def test_a_kick_that_fails_is_logged_by_kind_only_and_the_next_round_goes_on(
        world: World, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sender = world.services.sender

    async def broken() -> int:
        raise RuntimeError("Noor vertelde over de fiets")  # a database error's parameters

    monkeypatch.setattr(sender, "flush", broken)
    sender.kick()
    await sender.close()  # no error reaches whoever stops the bot
    assert "sending what is owed failed (RuntimeError)" in caplog.text
    assert "Noor" not in caplog.text
