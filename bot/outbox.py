"""Delivers what the outbox holds, as fast as Telegram allows, without losing or repeating it.

Rows are claimed in short transactions (a lease: status `sending` until `not_before`), sent
outside any transaction (the shared `ChatPacer` keeps every send within Telegram's limits),
and marked one by one as they go out. Chats are served side by side, each chat's rows in
their order (`due_at`, then `id`); a chat that must wait (a 429, a timeout) waits alone, and
its later rows wait behind it. A 429 is Telegram asking to wait, never a failed attempt.

Two instances on one PostgreSQL database never claim the same row (the claim is one
conditional UPDATE). A bot killed mid-send leaves its claimed rows to come back when their
lease ends: at least once. Only a row whose send had already reached Telegram when the
process died can go out twice, and the sender marks each row the moment it is sent to keep
that window small.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import timedelta
from enum import Enum, auto
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.buttons import Keyboard
from bot.catalog import Catalog
from bot.chunks import split_text
from bot.clock import Clock
from bot.db import Database
from bot.flows import FlowRegistry
from bot.models import Outbox
from bot.notifications import render
from bot.pacing import BACKGROUND, retry_seconds
from bot.usecases.reach import mark_unreachable
from bot.vocabulary import OutboxStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # failures that are not Telegram asking to wait
WINDOW = 120  # rows claimed and not yet sent: about four seconds of Telegram's ceiling
PER_CHAT = 10  # rows of one chat claimed at once (one chat gets about one a second)
OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in buttons])


async def send_text(bot: ExtBot[Any], chat_id: int, text: str, buttons: Keyboard, *,
                    patient: bool = True, skip: int = 0,
                    sent: list[int] | None = None) -> list[int]:
    """Sends a text of any length; the buttons go under its last part. The message ids.
    `patient=False` (the outbox): a 429 comes back at once (it waits in the database
    instead), and replies to people go first. `skip` parts went out before; `sent` collects
    the ids as they go, so a caller whose send failed halfway knows what arrived."""
    parts = split_text(text)
    sent = [] if sent is None else sent
    for index in range(skip, len(parts)):
        last = index == len(parts) - 1
        message = await bot.send_message(chat_id, parts[index],
                                         reply_markup=markup(buttons) if last else None,
                                         rate_limit_args=None if patient else BACKGROUND)
        sent.append(message.message_id)
    return sent


def surely_not_sent(exc: NetworkError) -> bool:
    """Whether Telegram cannot have taken the message, so sending it again doubles nothing:
    it answered with an error (a 5xx), or the request never reached it whole. After a read
    timeout or a connection dropped mid-answer the message may well have arrived."""
    cause = exc.__cause__
    if cause is None:
        return not isinstance(exc, TimedOut)  # an answer from Telegram, not a silence
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                              httpx.WriteError, httpx.WriteTimeout))


class Outcome(Enum):
    NEXT = auto()  # this row is done (sent, or failed for good): the chat's next one may go
    HOLD = auto()  # this chat must wait: its later rows wait behind this one


class OutboxSender:
    def __init__(self, *, db: Database, bot: ExtBot[Any], catalog: Catalog, flows: FlowRegistry,
                 clock: Clock, lease: timedelta = timedelta(seconds=60)) -> None:
        self.db = db
        self.bot = bot
        self.catalog = catalog
        self.flows = flows
        self.clock = clock
        self.lease = lease
        self._lock = asyncio.Lock()
        self._again = False
        self._tasks: set[asyncio.Task[int]] = set()

    def kick(self) -> None:
        """Sends what is due now, without waiting for the next scheduler tick."""
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._kicked)

    def _kicked(self, task: asyncio.Task[int]) -> None:
        """A kick that failed (the database away, say) is logged by kind only, never with
        its parameters; the scheduler's next tick sends what it could not."""
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("sending what is owed failed (%s); the next round tries again",
                        type(exc).__name__)

    async def flush(self) -> int:
        """Sends everything due; the number of messages that went out."""
        if self._lock.locked():
            self._again = True  # the running flush looks once more before it ends
            return 0
        async with self._lock:
            sent = 0
            while True:
                self._again = False
                sent += await self._drain()
                if not self._again:
                    return sent

    async def _drain(self) -> int:
        queues: dict[int, deque[int]] = {}
        workers: dict[int, asyncio.Task[int]] = {}
        sent, renewed = 0, self.clock()
        while True:
            queued = sum(len(q) for q in queues.values())
            if not workers or queued <= WINDOW // 2:
                for row_id, chat_id in await self._claim(WINDOW - queued):
                    queues.setdefault(chat_id, deque()).append(row_id)
                    if chat_id not in workers:
                        workers[chat_id] = asyncio.create_task(
                            self._serve(chat_id, queues[chat_id]))
            if not workers:
                return sent
            if self.clock() - renewed > self.lease / 3:
                renewed = self.clock()
                await self._renew([i for q in queues.values() for i in q])
            done, _ = await asyncio.wait(workers.values(), timeout=1.0,
                                         return_when=asyncio.FIRST_COMPLETED)
            for chat_id in [c for c, t in workers.items() if t in done]:
                sent += workers.pop(chat_id).result()
                if not queues[chat_id]:
                    del queues[chat_id]
                else:  # rows claimed while it finished: serve them too
                    workers[chat_id] = asyncio.create_task(
                        self._serve(chat_id, queues[chat_id]))

    async def _serve(self, chat_id: int, queue: deque[int]) -> int:
        """One chat's rows, in order; stops at the first that must wait."""
        sent = 0
        while queue:
            row_id = queue[0]
            try:
                outcome, went = await self._deliver(row_id)
            except Exception:
                log.exception("outbox %s: delivery failed", row_id)
                outcome, went = Outcome.HOLD, 0
            sent += went
            queue.popleft()
            if outcome is Outcome.HOLD:
                await self._release(list(queue))
                queue.clear()
        return sent

    async def _claim(self, room: int) -> list[tuple[int, int]]:
        """Takes due rows for sending: at most `PER_CHAT` of a chat, none of a chat whose
        earlier row waits. (row id, chat id) in sending order."""
        if room <= 0:
            return []
        now = self.clock()
        earlier = aliased(Outbox)
        waiting_before = sa.exists().where(
            col(earlier.chat_id) == col(Outbox.chat_id), col(earlier.status).in_(OPEN),
            col(earlier.not_before) > now,
            sa.or_(col(earlier.due_at) < col(Outbox.due_at),
                   sa.and_(col(earlier.due_at) == col(Outbox.due_at),
                           col(earlier.id) < col(Outbox.id))))
        place = sa.func.row_number().over(partition_by=col(Outbox.chat_id),
                                          order_by=(col(Outbox.due_at), col(Outbox.id)))
        due = (sa.select(col(Outbox.id).label("id"), place.label("place"),
                         col(Outbox.due_at).label("due_at"))
               .where(col(Outbox.status).in_(OPEN), col(Outbox.due_at) <= now,
                      sa.or_(col(Outbox.not_before).is_(None), col(Outbox.not_before) <= now),
                      ~waiting_before)
               .subquery())
        chosen = (sa.select(due.c.id).where(due.c.place <= PER_CHAT)
                  .order_by(due.c.due_at, due.c.id).limit(room))
        async with self.db.transaction() as session:
            ids = list((await session.exec(chosen)).scalars())  # type: ignore[call-overload]
            if not ids:
                return []
            claimed = (await session.exec(
                sa.update(Outbox)
                .where(col(Outbox.id).in_(ids), col(Outbox.status).in_(OPEN),
                       sa.or_(col(Outbox.not_before).is_(None),
                              col(Outbox.not_before) <= now))
                .values(status=OutboxStatus.SENDING, not_before=now + self.lease)
                .returning(col(Outbox.id), col(Outbox.chat_id)))).all()
        order = {row_id: index for index, row_id in enumerate(ids)}
        return sorted(((r[0], r[1]) for r in claimed), key=lambda r: order[r[0]])

    async def _renew(self, ids: list[int]) -> None:
        """Rows still queued here keep their claim (another instance would send them)."""
        if ids:
            async with self.db.transaction() as session:
                await session.exec(sa.update(Outbox)
                                   .where(col(Outbox.id).in_(ids),
                                          col(Outbox.status) == OutboxStatus.SENDING)
                                   .values(not_before=self.clock() + self.lease))

    async def _release(self, ids: list[int]) -> None:
        """Claimed rows handed back unsent: they wait behind the row that must wait."""
        if ids:
            async with self.db.transaction() as session:
                await session.exec(sa.update(Outbox)
                                   .where(col(Outbox.id).in_(ids),
                                          col(Outbox.status) == OutboxStatus.SENDING)
                                   .values(status=OutboxStatus.PENDING, not_before=None))

    async def _deliver(self, row_id: int) -> tuple[Outcome, int]:
        async with self.db.transaction() as session:
            row = await session.get(Outbox, row_id)
            if row is None or row.status != OutboxStatus.SENDING:
                return Outcome.NEXT, 0
            message = await render(session, row, self.catalog, self.flows, self.clock())
            if message is None:
                row.status, row.last_error, row.not_before = (OutboxStatus.SENT,
                                                              "nothing_to_say", None)
                session.add(row)
                return Outcome.NEXT, 0
            chat_id, attempts, skip = row.chat_id, row.attempts, row.parts_sent
        sent: list[int] = []
        try:
            if message.document is not None:
                name, content = message.document
                await self.bot.send_document(chat_id, InputFile(content, filename=name),
                                             caption=message.text,
                                             rate_limit_args=BACKGROUND)
            else:
                await send_text(self.bot, chat_id, message.text, message.buttons,
                                patient=False, skip=skip, sent=sent)
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            log.warning("outbox %s: Telegram asks to wait %.0f s", row_id, seconds)
            await self._settle(row_id, OutboxStatus.PENDING, "retry_after", wait=seconds,
                               parts=skip + len(sent))
            return Outcome.HOLD, 0
        except Forbidden:
            log.warning("outbox %s: the recipient blocked the bot", row_id)
            await self._settle(row_id, OutboxStatus.FAILED, "forbidden", attempt=True,
                               unreachable=chat_id)
            return Outcome.NEXT, 0
        except BadRequest as exc:
            log.error("outbox %s: Telegram refused the message", row_id)
            await self._settle(row_id, OutboxStatus.FAILED, f"bad_request: {type(exc).__name__}",
                               attempt=True)
            return Outcome.NEXT, 0
        except NetworkError as exc:  # a timeout or a 5xx: try again later, with a growing pause
            # The parts that arrived are not sent again. After a read timeout the part in
            # flight may have arrived too; it is sent again all the same (at least once).
            maybe = "" if surely_not_sent(exc) else ", maybe arrived"
            log.warning("outbox %s: %s%s, will try again", row_id, type(exc).__name__, maybe)
            last = attempts + 1 >= MAX_ATTEMPTS
            await self._settle(row_id, OutboxStatus.FAILED if last else OutboxStatus.PENDING,
                               type(exc).__name__, attempt=True,
                               wait=min(3600.0, 5.0 * 2 ** attempts), parts=skip + len(sent))
            return Outcome.HOLD, 0
        await self._settle(row_id, OutboxStatus.SENT, None, attempt=True)
        return Outcome.NEXT, 1

    async def _settle(self, row_id: int, status: OutboxStatus, error: str | None, *,
                      attempt: bool = False, wait: float = 0.0,
                      unreachable: int | None = None, parts: int | None = None) -> None:
        now = self.clock()
        async with self.db.transaction() as session:
            row = await session.get(Outbox, row_id)
            if row is None:
                return
            row.status, row.last_error = status, error
            row.attempts += 1 if attempt else 0
            row.parts_sent = row.parts_sent if parts is None else parts
            row.not_before = now + timedelta(seconds=wait) if wait else None
            if status is OutboxStatus.SENT:
                row.sent_at = now
            session.add(row)
            if unreachable is not None:
                await mark_unreachable(session, unreachable, now)

    async def close(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)  # each logged by _kicked

    async def settle(self) -> None:
        """Waits until nothing is being sent: the kicks in flight and a flush in progress
        (the scheduler's, say) have ended."""
        await self.close()
        async with self._lock:
            pass
