"""Section 3, burst: notifications all due at once (by default 10,000 for 2,000 chats, five in
a row per chat, and 300 for one chat), delivered by the bot's own outbox sender inside the
running bot (`python -m bot`'s wiring: post_init, scheduler, kicks), against a fake Bot API
that enforces Telegram's limits (tests/fakes/limits.py: 30 a second, about 1 a second per
chat, 429 with retry_after past them). Meanwhile participants keep answering their talks at
a slow pace; their reply latency shows whether the burst stalls them.

Beside it, in the same run and at the same time (each in its own process, each with its own
fake): an ideal paced sender, a token bucket sending the same messages in the same order
straight through the same kind of fake.
"""

from __future__ import annotations

import asyncio
import heapq
import re
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from telegram import Bot
from telegram.error import RetryAfter

from bench.apps import running_bot, services_of
from bench.common import (
    BenchFakeBotAPI,
    Figures,
    JSONDict,
    in_child,
    kind_of,
    now,
    ratio,
    seed_talks,
    table_of,
    wiped,
)
from bench.report import Row
from bench.walk import TALK, Person, Walk, script
from bot.db import Database
from bot.models import Case, Coordinator, Outbox, Party
from bot.pacing import retry_seconds
from tests.fakes import FakeRequest
from tests.fakes.limits import TelegramLimits

FIRST_CHAT = 40_000_000
PROBE_COORDINATOR, FIRST_PROBE = 4_999_999, 41_000_000
NAME = re.compile(r"N\d{6}")
LATER = timedelta(days=1)


def plan(quick: bool) -> dict[str, Any]:
    if quick:
        return {"chats": 20, "per_chat": 5, "single": 5, "probes": 10, "probe_rate": 1.0,
                "quick": True}
    return {"chats": 2000, "per_chat": 5, "single": 300, "probes": 100, "probe_rate": 1.0,
            "quick": False}


def messages(chats: int, per_chat: int, single: int) -> list[tuple[int, str]]:
    """(chat, party name) in outbox order: the one busy chat first, then five in a row for
    every other chat. A name identifies a row in what arrives."""
    order = [FIRST_CHAT] * single + [FIRST_CHAT + 1 + c for c in range(chats)
                                     for _ in range(per_chat)]
    return [(chat, f"N{index:06d}") for index, chat in enumerate(order)]


def deadline_for(count: int, single: int, quick: bool) -> float:
    """How long to wait for the bot: twice what the ceiling allows, and half a minute (a
    quick run: the ceiling's time and 3 s). What has not arrived by then counts as lost."""
    ceiling = max(count / 30, single)
    return ceiling + 3 if quick else 2 * ceiling + 30


class Recorder:
    """What arrives at the fake for the burst's chats, in order, with the time."""

    def __init__(self, plan: list[tuple[int, str]]) -> None:
        self.expected: dict[int, list[str]] = {}
        for chat, name in plan:
            self.expected.setdefault(chat, []).append(name)
        self.total = len(plan)
        self.arrived: dict[int, list[str]] = {chat: [] for chat in self.expected}
        self.unique: set[str] = set()
        self.count = 0
        self.started = time.perf_counter()
        self.last = self.started

    def __call__(self, chat: int, result: JSONDict) -> None:
        if chat not in self.arrived:
            return
        found = NAME.search(str(result.get("text") or ""))
        if found is None:
            return
        self.arrived[chat].append(found.group())
        self.unique.add(found.group())
        self.count += 1
        self.last = time.perf_counter()

    @property
    def complete(self) -> bool:
        return len(self.unique) >= self.total

    def figures(self, too_many: int) -> Figures:
        seconds = max(1e-9, self.last - self.started)
        out_of_order = 0
        for chat, names in self.arrived.items():
            rank = {name: i for i, name in enumerate(self.expected[chat])}
            firsts = list(dict.fromkeys(names))
            if [rank[name] for name in firsts] != sorted(rank[name] for name in firsts):
                out_of_order += 1
        return {"messages": self.total, "delivered": len(self.unique),
                "seconds": round(seconds, 1),
                "per_second": round(len(self.unique) / seconds, 2),
                "too_many_429": too_many, "lost": self.total - len(self.unique),
                "doubled": self.count - len(self.unique),
                "chats_out_of_order": out_of_order, "order_kept": out_of_order == 0}


async def seed(db: Database, plan: list[tuple[int, str]]) -> None:
    """A coordinator, a case and the parties behind each chat's notices; the outbox rows are
    due tomorrow until the burst starts (`release`)."""
    at = now()
    chats = list(dict.fromkeys(chat for chat, _ in plan))
    coordinator, case, party = table_of(Coordinator), table_of(Case), table_of(Party)
    async with db.engine.begin() as connection:
        await connection.execute(sa.insert(coordinator), [
            {"telegram_user_id": chat, "language": "nl", "created_at": at} for chat in chats])
        coordinators = {int(row[0]): int(row[1]) for row in (await connection.execute(
            sa.select(coordinator.c.telegram_user_id, coordinator.c.id))).all()}
        await connection.execute(sa.insert(case), [
            {"coordinator_id": coordinators[chat], "reference": f"R-{chat}", "variant": "hergo",
             "facts": "Feiten.", "language": "nl", "timezone": "Europe/Brussels",
             "created_at": at} for chat in chats])
        cases = {int(row[1]): int(row[0]) for row in (await connection.execute(sa.select(
            case.c.id, case.c.coordinator_id))).all()}
        await connection.execute(sa.insert(party), [
            {"case_id": cases[coordinators[chat]], "role": "offender", "name": name,
             "language": "nl", "created_at": at} for chat, name in plan])
        party_ids = (await connection.execute(sa.select(party.c.id).order_by(
            party.c.id))).scalars().all()
        await connection.execute(sa.insert(table_of(Outbox)), [
            {"chat_id": chat, "kind": "invite_opened", "ref_id": party_id, "status": "pending",
             "attempts": 0, "due_at": at + LATER, "created_at": at}
            for (chat, _), party_id in zip(plan, party_ids, strict=True)])


async def release(db: Database) -> None:
    """Every seeded notification due now, at once."""
    at = now()
    table = table_of(Outbox)
    async with db.engine.begin() as connection:
        await connection.execute(sa.update(table).where(table.c.due_at > at + LATER / 2)
                                 .values(due_at=at))


async def status_counts(db: Database) -> dict[str, int]:
    outbox = table_of(Outbox)
    async with db.engine.connect() as connection:
        rows = (await connection.execute(sa.select(outbox.c.status, sa.func.count()).where(
            outbox.c.chat_id >= FIRST_CHAT).group_by(outbox.c.status))).all()
    return {str(status): int(count) for status, count in rows}


async def bot_burst(url: str, chats: int, per_chat: int, single: int, probes: int,
                    probe_rate: float, quick: bool = False) -> Figures:
    plan_ = messages(chats, per_chat, single)
    db = await wiped(url)
    await seed(db, plan_)
    tokens = await seed_talks(db, probes, coordinator_user_id=PROBE_COORDINATOR)
    api = BenchFakeBotAPI(forget=True, limits=TelegramLimits())
    for chat in {chat for chat, _ in plan_} | {PROBE_COORDINATOR}:
        api.register_user(chat)
    recorder = Recorder(plan_)
    api.on_send = recorder
    people = [Person(FIRST_PROBE + i, script(token, 0)) for i, token in enumerate(tokens)]
    figures: Figures = {}
    async with running_bot(url, api, outbox_interval_seconds=2.0) as application:
        walk = Walk(application, api, people, checked=True)
        await walk.closed_loop(people)  # the probes' talks open before the burst
        await asyncio.sleep(1.0 if quick else 3.0)  # and their coordinator told
        for person in people:
            person.steps, person.at = script(None, len(TALK)), 0
        too_many_before = api.too_many
        await release(db)
        recorder.started = recorder.last = time.perf_counter()
        services_of(application).sender.kick()
        stop = asyncio.Event()
        probing = asyncio.create_task(walk.paced(people, probe_rate, 1e9, stop=stop))
        deadline = recorder.started + deadline_for(len(plan_), single, quick)
        checked = time.perf_counter()
        while not recorder.complete and time.perf_counter() < deadline:
            await asyncio.sleep(0.25)
            if time.perf_counter() - checked > 5:  # nothing left to send: done, however
                checked = time.perf_counter()
                counts = await status_counts(db)
                if not counts.get("pending") and time.perf_counter() - recorder.last > 5:
                    break
        stop.set()
        probe = await probing
        figures.update(recorder.figures(api.too_many - too_many_before))
        figures["timed_out"] = not recorder.complete and time.perf_counter() >= deadline
        figures.update({f"probe_{key}": value for key, value in probe.items()})
    figures["rows"] = await status_counts(db)
    await db.dispose()
    return figures


class Bucket:
    def __init__(self, rate: float, capacity: float, at: float) -> None:
        self.rate, self.capacity, self.tokens, self.at = rate, capacity, capacity, at

    def ready_at(self) -> float:
        return self.at if self.tokens >= 1 else self.at + (1 - self.tokens) / self.rate

    def take(self, at: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (at - self.at) * self.rate) - 1
        self.at = at


async def ideal_burst(chats: int, per_chat: int, single: int, **_: Any) -> Figures:
    """A token bucket for the bot (30/s) and one per chat (1/s, bursts of 3): the same
    messages, in the same order per chat, sent straight through the fake; no database.
    Of the chats whose bucket has a token, the one with the most messages left goes first
    (so the busy chat's one a second runs alongside everyone else's)."""
    plan_ = messages(chats, per_chat, single)
    limits = TelegramLimits()
    api = BenchFakeBotAPI(forget=True, limits=TelegramLimits())
    queues: dict[int, deque[str]] = {}
    for chat, name in plan_:
        queues.setdefault(chat, deque()).append(name)
        api.register_user(chat)
    recorder = Recorder(plan_)
    api.on_send = recorder
    loop = asyncio.get_running_loop()
    start = loop.time()
    overall = Bucket(limits.per_second, limits.per_second, start)
    per_chat_ = {chat: Bucket(limits.per_chat_per_second, limits.per_chat_burst, start)
                 for chat in queues}
    waiting: list[tuple[float, int, int]] = []  # (when its bucket has a token, order, chat)
    ready = [(-len(queue), order, chat) for order, (chat, queue) in enumerate(queues.items())]
    heapq.heapify(ready)  # (-messages left, order, chat)
    async with Bot(api.token, request=FakeRequest(api)) as bot:
        recorder.started = time.perf_counter()
        while ready or waiting:
            at = max(loop.time(), overall.ready_at())
            while waiting and (waiting[0][0] <= at or not ready):
                when, order, chat = heapq.heappop(waiting)
                at = max(at, when)
                heapq.heappush(ready, (-len(queues[chat]), order, chat))
            await asyncio.sleep(max(0.0, at - loop.time()))
            _left, order, chat = heapq.heappop(ready)
            sent_at = loop.time()
            overall.take(sent_at)
            per_chat_[chat].take(sent_at)
            try:
                await bot.send_message(chat, f"Zaak R-{chat}: {queues[chat][0]} (dader) heeft "
                                             "de uitnodiging geopend en is met het gesprek "
                                             "begonnen.")
                queues[chat].popleft()
            except RetryAfter as exc:  # should not happen; counted by the fake
                heapq.heappush(waiting, (loop.time() + retry_seconds(exc), order, chat))
                continue
            if queues[chat]:
                heapq.heappush(waiting, (per_chat_[chat].ready_at(), order, chat))
    return recorder.figures(api.too_many)


def measure(url: str, quick: bool, isolate: bool = True, **sizes: Any) -> Figures:
    config = {**plan(quick), **sizes}
    if isolate:  # side by side in time: one process each, each with its own fake
        with ThreadPoolExecutor(2) as pool:
            bot_job = pool.submit(in_child, bot_burst, timeout=7200, url=url, **config)
            ideal_job = pool.submit(in_child, ideal_burst, **config)
            bot, ideal = bot_job.result(), ideal_job.result()
    else:
        bot = asyncio.run(bot_burst(url, **config))
        ideal = asyncio.run(ideal_burst(**config))
    return {**config, "database": kind_of(url), "bot": bot, "ideal": ideal,
            "messages_per_second_ratio": ratio(bot["per_second"], ideal["per_second"])}


def rows(result: Figures) -> list[Row]:
    bot, ideal = result["bot"], result["ideal"]
    what = (f"{bot['messages']:,} notifications due at once: {result['chats']:,} chats x "
            f"{result['per_chat']} in a row + {result['single']} for one chat, fake enforcing "
            f"30/s and 1/s per chat, {result['database']}")
    probes = (f"{result['probe_rate']:g} answer/s from {result['probes']} participants "
              "during the burst")
    return [
        Row("burst", f"messages/s sustained: {what}", bot["per_second"], ideal["per_second"],
            result["messages_per_second_ratio"]),
        Row("burst", "  seconds to deliver all (or until given up)", bot["seconds"],
            ideal["seconds"], None),
        Row("burst", "  429s received", bot["too_many_429"], ideal["too_many_429"], None),
        Row("burst", "  lost / doubled", f"{bot['lost']:,} / {bot['doubled']:,}",
            f"{ideal['lost']:,} / {ideal['doubled']:,}", None),
        Row("burst", "  per-chat order kept (chats out of order)",
            f"{bot['order_kept']} ({bot['chats_out_of_order']})",
            f"{ideal['order_kept']} ({ideal['chats_out_of_order']})", None),
        Row("burst", "  outbox rows at the end", ", ".join(
            f"{k} {v:,}" for k, v in sorted(bot["rows"].items())), None, None),
        Row("burst", f"  participants' reply latency p50 / p99, {probes}",
            f"{bot['probe_p50_ms']:.0f} / {bot['probe_p99_ms']:.0f} ms "
            f"({bot['probe_updates']} answers)", None, None),
    ]


TINY = {"chats": 3, "per_chat": 2, "single": 2, "probes": 2}


def section(url: str, quick: bool, tiny: bool = False) -> tuple[Figures, list[Row]]:
    result = measure(url, True, False, **TINY) if tiny else measure(url, quick)
    return result, rows(result)

