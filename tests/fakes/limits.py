"""Telegram's flood limits, enforced by the fake Bot API when a test asks for them.

Telegram documents about 30 messages a second for one bot, about one a second in one chat
("short bursts" allowed), and 20 a minute in a group; past them it answers 429 with
``retry_after``. The fake models each as a token bucket, so a bot that paces its sending
never meets a 429, and one that does not meets many.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SENDING_METHODS = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendvoice", "sendaudio", "sendvideo",
    "sendsticker", "sendanimation", "sendmediagroup", "sendlocation", "sendcontact",
    "sendpoll", "senddice", "copymessage", "forwardmessage",
})


@dataclass
class _Bucket:
    rate: float  # tokens a second
    capacity: float
    tokens: float
    at: float

    def wait_for_one(self, now: float) -> float:
        """Seconds until a token is there (0: take it now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class TelegramLimits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    too_many: int = 0
    _global: _Bucket | None = None
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, method: str, chat_id: object) -> int | None:
        """None when the call may go; else the whole seconds Telegram would ask to wait."""
        if method not in SENDING_METHODS:
            return None
        with self._lock:
            now = self.clock()
            if self._global is None:
                self._global = _Bucket(self.per_second, self.per_second, self.per_second, now)
            chat = self._chat_bucket(chat_id, now)
            waits = [self._global.wait_for_one(now)]
            if chat is not None:
                waits.append(chat.wait_for_one(now))
            longest = max(waits)
            if longest > 0:
                self.too_many += 1
                return max(1, math.ceil(longest))
            self._global.tokens -= 1
            if chat is not None:
                chat.tokens -= 1
            return None

    def _chat_bucket(self, chat_id: object, now: float) -> _Bucket | None:
        try:
            chat = int(str(chat_id))
        except ValueError:
            return None
        bucket = self._chats.get(chat)
        if bucket is None:
            if chat < 0:  # groups and channels
                rate, burst = self.per_group_per_minute / 60, float(self.per_group_per_minute)
            else:
                rate, burst = self.per_chat_per_second, float(self.per_chat_burst)
            bucket = self._chats[chat] = _Bucket(rate, burst, burst, now)
        return bucket
