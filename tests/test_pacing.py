"""The pacer keeps every send within Telegram's limits as the fake Bot API enforces them,
whatever mix of replies and outbox sends, and a reply does not wait behind the outbox."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.pacing import ChatPacer
from tests.fakes import TelegramLimits


async def test_a_mixed_burst_never_meets_a_limit_and_a_reply_goes_first() -> None:
    pacer = ChatPacer(per_second=29, per_chat_per_second=1.0, per_chat_burst=3)
    limits = TelegramLimits()  # the fake's own check, on the same clock
    refused: list[int] = []
    reply_waits: list[float] = []

    async def send(chat: int, *, background: bool) -> None:
        started = time.monotonic()
        await pacer.wait_turn(chat, background=background)
        if not background:
            reply_waits.append(time.monotonic() - started)
        if limits.check("sendmessage", chat) is not None:
            refused.append(chat)

    async def chat_in_order(chat: int, count: int) -> None:
        for _ in range(count):
            await send(chat, background=True)

    outbox = [asyncio.create_task(chat_in_order(chat, 3)) for chat in range(1000, 1030)]
    outbox.append(asyncio.create_task(chat_in_order(7, 6)))
    await asyncio.sleep(0.5)
    replies = [asyncio.create_task(send(chat, background=False)) for chat in range(50, 55)]
    await asyncio.gather(*outbox, *replies)
    assert refused == []
    assert max(reply_waits) < 0.5  # 96 outbox messages queued; a reply is not behind them


async def test_a_send_that_wakes_late_moves_its_chat_schedule_so_the_next_burst_is_not_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram counts a chat's messages from when they arrive, not from when the pacer
    booked them. A send that wakes late (a busy event loop) must push that chat's later
    moments back by as much, or a burst after it is one message too many."""
    now = [100.0]
    late = iter([0.05])  # the first wake-up is 50 ms late; the rest are on time

    async def sleep(seconds: float) -> None:
        now[0] += seconds + next(late, 0.0)

    monkeypatch.setattr("bot.pacing.asyncio.sleep", sleep)
    pacer = ChatPacer(per_second=29, per_chat_per_second=1.0, per_chat_burst=3,
                      clock=lambda: now[0])
    limits = TelegramLimits(clock=lambda: now[0])
    refused = 0
    for chat in [1] + [7] * 6:
        await pacer.wait_turn(chat)
        if limits.check("sendmessage", chat) is not None:
            refused += 1
    assert refused == 0
    assert now[0] < 104  # and the chat still goes at its one a second
