"""Paces everything the bot sends to Telegram's limits, so that it meets no 429.

Telegram allows a bot about 30 messages a second, about one a second in one private chat
(short bursts pass), and 20 a minute in a group. python-telegram-bot's `AIORateLimiter` does
not pace private chats, so this limiter does: every send reserves the next free moment of its
chat and of the bot (a GCRA schedule: fair, in call order), and waits only for
that. A busy chat waits for itself; other chats go on. A 429 that still comes (another
instance, a stricter Telegram) moves that chat's schedule back by `retry_after` and the call
is made again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

SENDING = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio", "sendVideo",
    "sendSticker", "sendAnimation", "sendMediaGroup", "sendLocation", "sendContact",
    "sendPoll", "sendDice", "copyMessage", "forwardMessage",
})


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (a timedelta from PTB 22.2 on, seconds before)."""
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


@dataclass
class _Schedule:
    """One limit as a schedule of reserved moments: `interval` apart, `burst` at once."""

    interval: float
    burst: int
    next_at: float = 0.0  # the theoretical moment of the next send

    def earliest(self, now: float) -> float:
        """The earliest moment this limit allows one more message."""
        return max(now, max(self.next_at, now) - (self.burst - 1) * self.interval)

    def book(self, at: float) -> None:
        self.next_at = max(self.next_at, at) + self.interval

    def hold(self, until: float) -> None:
        self.next_at = max(self.next_at, until)

    def slip(self, late: float) -> None:
        """A message went `late` seconds after its booked moment. Telegram counts from when it
        arrived, so every later moment of this limit moves back by as much."""
        self.next_at += late


@dataclass(frozen=True)
class Patience:
    """How a call is paced (`rate_limit_args`): how many 429s it waits out before the
    caller hears of it, and whether it is background work that yields to replies."""

    retries: int
    background: bool = False


# The outbox: it waits its own way after a 429 (in the database), and a person waiting for a
# reply goes before it.
BACKGROUND = Patience(retries=0, background=True)


class ChatPacer(BaseRateLimiter[Patience]):
    def __init__(self, *, per_second: float = 29.0, per_chat_per_second: float = 1.0,
                 per_chat_burst: int = 2, per_group_per_minute: float = 19.0,
                 max_retries: int = 3, max_wait: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_chat_interval = 1 / per_chat_per_second
        self.per_chat_burst = per_chat_burst
        self.group_interval = 60 / per_group_per_minute
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.clock = clock
        self._bot = _Schedule(1 / per_second, 1)
        self._chats: dict[int, _Schedule] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def chat_schedule(self, chat_id: int) -> _Schedule:
        schedule = self._chats.get(chat_id)
        if schedule is None:
            if len(self._chats) > 50_000:  # forget idle chats; their schedules lie in the past
                now = self.clock()
                self._chats = {c: s for c, s in self._chats.items() if s.next_at > now}
            group = chat_id < 0
            schedule = self._chats[chat_id] = _Schedule(
                self.group_interval if group else self.per_chat_interval,
                1 if group else self.per_chat_burst)
        return schedule

    async def wait_turn(self, chat_id: int | None, *, background: bool = False) -> None:
        """Waits until this chat and the bot may send one more message. The moment is booked
        in both schedules at once, so what a chat waited for is not squeezed together by the
        bot's limit afterwards. Background sends book no more than the bot's next moment
        ahead, so a reply to someone waiting goes within a message or two, however long the
        outbox's queue."""
        if background:
            while (ahead := self._bot.next_at - self.clock()) > self._bot.interval:  # noqa: ASYNC110
                await asyncio.sleep(ahead - self._bot.interval)
        now = self.clock()
        at = self._bot.earliest(now)
        chat = self.chat_schedule(chat_id) if chat_id is not None else None
        if chat is not None:
            at = max(at, chat.earliest(now))
            chat.book(at)
        self._bot.book(at)
        if at > now:
            await asyncio.sleep(at - now)
            late = self.clock() - at
            if chat is not None and late > 0:
                chat.slip(late)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Patience | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _chat_of(data)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args.retries
        for attempt in range(retries + 1):
            if endpoint in SENDING:
                await self.wait_turn(chat_id, background=bool(
                    rate_limit_args and rate_limit_args.background))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                if attempt == retries or seconds > self.max_wait:
                    raise
                log.warning("Telegram asked to wait %.0f s (%s); waiting for that chat only",
                            seconds, endpoint)
                until = self.clock() + seconds
                if chat_id is not None:
                    self.chat_schedule(chat_id).hold(until)
                else:
                    self._bot.hold(until)
                if endpoint not in SENDING:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")


def _chat_of(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
