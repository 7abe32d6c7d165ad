"""Fetches updates so that none is lost and none can stop the others.

python-telegram-bot acknowledges a batch of updates (the next `getUpdates` offset) as soon as
it has queued it, before any is handled: a bot killed in between would lose them. `FeedBot`
holds the offset back to the oldest update still being handled, so Telegram keeps every
unhandled update until it is done (a restart gets them again; the de-duplication in the
database makes that safe), and leaves out the copies it is handling or has handled.

It also parses each update on its own: one the library cannot read (a field Telegram added,
one missing) is skipped, logged by id only (its text may be personal), instead of stopping
every update behind it in a loop.

In webhook mode (bot/webhook.py) the same bookkeeping tells the request Telegram is waiting
on when its update is handled, so Telegram hears "taken" only then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import ExtBot

log = logging.getLogger(__name__)
IDLE_WAIT = 0.25  # seconds to wait for a handler to finish when only copies came back
DONE_KEPT = 4096  # handled ids remembered without an offset to forget by (webhook mode)


class FeedBot(ExtBot[None]):
    """An `ExtBot` whose `get_updates` acknowledges only what has been handled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_hand: set[int] = set()
        self._done: set[int] = set()  # handled, but Telegram may send them again (see offset)
        self._finished = asyncio.Event()
        self._skipped = 0
        self._waiting: dict[int, list[asyncio.Future[None]]] = {}

    def done(self, update_id: int) -> None:
        """The update is handled (or failed for good): Telegram may forget it."""
        self._in_hand.discard(update_id)
        self._done.add(update_id)
        if len(self._done) > DONE_KEPT:  # Telegram does not send ids this old again
            self._done = set(sorted(self._done)[DONE_KEPT // 2:])
        self._finished.set()
        for waiter in self._waiting.pop(update_id, []):
            if not waiter.done():
                waiter.set_result(None)

    async def handled(self, update_id: int) -> None:
        """Returns once the update (read, and in hand or done) has been handled."""
        if update_id not in self._in_hand:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(update_id, []).append(waiter)
        await waiter

    def let_go(self) -> None:
        """Stops every wait in `handled`: the bot is stopping and will not handle them."""
        for waiters in self._waiting.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.cancel()
        self._waiting.clear()

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    @property
    def skipped(self) -> int:
        """Updates that could not be read."""
        return self._skipped

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 (the Bot API's own parameter)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        oldest = min(self._in_hand, default=None)
        if oldest is not None and (offset is None or oldest < offset):
            offset = oldest
        if offset is not None:  # Telegram forgets what lies below the offset; so can we
            self._done = {i for i in self._done if i >= offset}
        if self._in_hand:
            timeout = 0  # copies of what is in hand come back at once; don't block on them
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout or 0
        base_read = (self._request[0].read_timeout or 0) if isinstance(
            read_timeout, DefaultValue) else (read_timeout or 0)
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit,
                          "allowed_updates": allowed_updates}
        self._finished.clear()
        raw = cast("list[JSONDict]", await self._post(
            "getUpdates", data, read_timeout=base_read + seconds, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout, api_kwargs=api_kwargs))
        updates = [update for item in raw if (update := self.read(item)) is not None]
        if not updates and self._in_hand:
            # wait a little for a handler to finish, instead of asking again at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finished.wait(), IDLE_WAIT)
        return tuple(updates)

    def read(self, item: JSONDict) -> Update | None:
        """The update to handle, now in hand; None for a copy of one in hand or done."""
        update_id = item.get("update_id")
        if not isinstance(update_id, int):
            log.warning("an update without an id was skipped")
            return None
        if update_id in self._in_hand or update_id in self._done:
            return None  # a copy of one being handled, or handled already
        try:
            update = Update.de_json(item, self)
        except Exception as exc:  # what the library cannot parse must not stop the rest
            self._skipped += 1
            log.warning("update %s could not be read (%s) and was skipped", update_id,
                        type(exc).__name__)
            update = Update(update_id)  # handled as empty: acknowledged, nothing else
            update.set_bot(self)
        self._in_hand.add(update_id)
        self.insert_callback_data(update)
        return update
