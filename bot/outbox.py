"""Delivers what the outbox holds, within Telegram's limits, without losing or repeating it.

Each row is claimed inside its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
bot instances never take the same row; SQLite has a single writer), sent, and marked in the
same transaction. A failure leaves the row pending for a later try, with a growing pause.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlmodel import col, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.buttons import Keyboard
from bot.catalog import Catalog
from bot.chunks import split_text
from bot.clock import Clock
from bot.db import Database
from bot.flows import FlowRegistry
from bot.models import Outbox
from bot.notifications import render
from bot.usecases.reach import mark_unreachable
from bot.vocabulary import OutboxStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
SEND_GAP_SECONDS = 1 / 25  # stays under Telegram's ~30 messages a second


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (a timedelta from PTB 22.2 on, seconds before)."""
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in buttons])


async def send_text(bot: Bot, chat_id: int, text: str, buttons: Keyboard) -> list[int]:
    """Sends a text of any length; the buttons go under its last part. The message ids."""
    parts = split_text(text)
    sent = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(chat_id, part,
                                         reply_markup=markup(buttons) if last else None)
        sent.append(message.message_id)
    return sent


class OutboxSender:
    def __init__(self, *, db: Database, bot: Bot, catalog: Catalog, flows: FlowRegistry,
                 clock: Clock, batch: int = 25) -> None:
        self.db = db
        self.bot = bot
        self.catalog = catalog
        self.flows = flows
        self.clock = clock
        self.batch = batch
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[int]] = set()

    def kick(self) -> None:
        """Sends what is due now, without waiting for the next scheduler tick."""
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> int:
        if self._lock.locked():
            return 0
        async with self._lock:
            sent = 0
            for _ in range(self.batch):
                outcome = await self._send_one()
                if outcome is None:
                    break
                sent += outcome
                await asyncio.sleep(SEND_GAP_SECONDS)
            return sent

    async def _send_one(self) -> int | None:
        """1 if a row went out, 0 if one was tried, None if nothing is due (or we must wait)."""
        now = self.clock()
        async with self.db.transaction() as session:
            row = (await session.exec(
                select(Outbox)
                .where(Outbox.status == OutboxStatus.PENDING, col(Outbox.due_at) <= now)
                .order_by(col(Outbox.due_at), col(Outbox.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            )).first()
            if row is None:
                return None
            message = await render(session, row, self.catalog, self.flows)
            if message is None:
                row.status, row.last_error = OutboxStatus.SENT, "nothing_to_say"
                session.add(row)
                return 0
            try:
                await send_text(self.bot, row.chat_id, message.text, message.buttons)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self._retry(row, now, seconds, "retry_after")
                session.add(row)
                log.warning("outbox %s: Telegram asks to wait %.0f s", row.id, seconds)
                return None
            except Forbidden:
                row.status, row.last_error = OutboxStatus.FAILED, "forbidden"
                row.attempts += 1
                session.add(row)
                await mark_unreachable(session, row.chat_id, now)
                log.warning("outbox %s: the recipient blocked the bot", row.id)
                return 0
            except BadRequest as exc:
                row.status, row.attempts = OutboxStatus.FAILED, row.attempts + 1
                row.last_error = f"bad_request: {type(exc).__name__}"
                session.add(row)
                log.error("outbox %s: Telegram refused the message", row.id)
                return 0
            except (TimedOut, NetworkError) as exc:
                self._retry(row, now, min(3600.0, 5.0 * 2 ** row.attempts), type(exc).__name__)
                session.add(row)
                log.warning("outbox %s: %s, will try again", row.id, type(exc).__name__)
                return 0
            row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
            session.add(row)
            return 1

    @staticmethod
    def _retry(row: Outbox, now: datetime, seconds: float, reason: str) -> None:
        row.attempts += 1
        row.last_error = reason
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
        row.due_at = now + timedelta(seconds=seconds)

    async def close(self) -> None:
        for task in list(self._tasks):
            await task
