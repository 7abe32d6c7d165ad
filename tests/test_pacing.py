"""The pacer keeps every send within Telegram's limits as the fake Bot API enforces them,
whatever mix of replies and outbox sends, and a reply does not wait behind the outbox."""

from __future__ import annotations

import asyncio
import time

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
