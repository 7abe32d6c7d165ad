"""What every section shares: figures, the scratch database, the instrumented fake Bot API,
the bot's own `Application` in process, and running one measure in a child process (so its
peak memory is its own)."""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import os
import resource
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import select

from bot import encryption
from bot.db import Database, make_engine
from bot.encryption import new_key_line
from bot.models import Case, Coordinator, Invite, Party
from bot.settings import Settings
from bot.tokens import new_token, token_hash
from bot.vocabulary import Variant
from tests.conftest import fresh_database
from tests.fakes import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
SENDS = frozenset({"sendmessage", "sendphoto", "senddocument"})
JSONDict = dict[str, Any]
Figures = dict[str, Any]
# One data key for the whole run; child processes get it from the parent.
KEY_LINE = os.environ.get("BENCH_KEY_LINE") or new_key_line()


# ------------------------------------------------------------------------------ figures

def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(seconds: list[float], prefix: str = "") -> Figures:
    return {f"{prefix}p50_ms": round(percentile(seconds, 50) * 1000, 2),
            f"{prefix}p99_ms": round(percentile(seconds, 99) * 1000, 2)}


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def vm_rss_mb(pid: int) -> float | None:
    """A process's resident memory now, from /proc/PID/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------------------ database

@contextmanager
def scratch(url: str | None, name: str = "bench") -> Iterator[str]:
    """The database to wipe and use: the given URL, or an SQLite file in a temp folder."""
    if url:
        yield url
        return
    with TemporaryDirectory(prefix="herstelbot-bench-") as folder:
        yield f"sqlite+aiosqlite:///{folder}/{name}.db"


def kind_of(url: str) -> str:
    return "postgresql" if url.startswith(("postgres", "postgresql")) else "sqlite"


async def wiped(url: str) -> Database:
    """The database emptied and migrated to the newest schema (as the bot does on start)."""
    install_key()
    remove_sqlite(url)
    return await fresh_database(url)


def remove_sqlite(url: str) -> None:
    file = sqlite_file(url)
    if file is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{file}{suffix}").unlink(missing_ok=True)


def table_of(model: Any) -> sa.Table:
    """A model's table (SQLModel's classes do not declare `__table__` to type checkers)."""
    return cast(sa.Table, model.__table__)


async def count_rows(url: str, table: sa.Table) -> int:
    """Rows in a table now (the database is not wiped)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(
                sa.select(sa.func.count()).select_from(table))).scalar_one())
    finally:
        await engine.dispose()


def sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    return Path(sa.engine.make_url(url).database or "")


def install_key() -> None:
    encryption.install(encryption.parse_keyring(KEY_LINE))


def now() -> datetime:
    return datetime.now(UTC)


async def seed_talks(db: Database, participants: int, *, coordinator_user_id: int,
                     reference: str = "B-1") -> list[str]:
    """One case with `participants` offenders, each with an open invite; the tokens."""
    if participants <= 0:
        return []
    at = now()
    async with db.transaction() as session:
        coordinator = (await session.exec(select(Coordinator).where(
            Coordinator.telegram_user_id == coordinator_user_id))).first()
        if coordinator is None:
            coordinator = Coordinator(telegram_user_id=coordinator_user_id, created_at=at)
            session.add(coordinator)
            await session.flush()
        case = Case(coordinator_id=coordinator.id or 0, reference=reference, variant=Variant.HERGO,
                    facts="Op 3 maart nam Sam de fiets van Noor mee.", language="nl",
                    timezone="Europe/Brussels", created_at=at)
        session.add(case)
        await session.flush()
        connection = await session.connection()
        await connection.execute(sa.insert(table_of(Party)), [
            {"case_id": case.id, "role": "offender", "name": f"Sam {index}", "language": "nl",
             "created_at": at} for index in range(participants)])
        party = table_of(Party)
        ids = (await connection.execute(sa.select(party.c.id).where(
            party.c.case_id == case.id).order_by(party.c.id))).scalars().all()
        tokens = [new_token() for _ in ids]
        await connection.execute(sa.insert(table_of(Invite)), [
            {"token_hash": token_hash(token), "kind": "party", "party_id": party_id,
             "created_at": at, "expires_at": at + timedelta(days=365)}
            for token, party_id in zip(tokens, ids, strict=True)])
    return tokens


# A fake without Telegram's limits: the bot's pacer is opened as wide, so that a measure of
# its cost beside a floor without a pacer compares the same work. The burst section keeps the
# limits in the fake and the bot's own pacing.
UNPACED = {"telegram_per_second": 1_000_000.0, "telegram_per_chat_per_second": 1_000_000.0}


def pacing_for(api: FakeBotAPI) -> dict[str, float]:
    """The bot's pacing settings for a run against `api`: its defaults if the fake enforces
    Telegram's limits, none if it enforces none."""
    return {} if api.limits is not None else dict(UNPACED)


def settings_for(url: str, api: FakeBotAPI, *, coordinators: list[int] | None = None,
                 **extra: Any) -> Settings:
    return Settings(_env_file=None, bot_token=api.token, database_url=url,
                    coordinator_ids=",".join(str(c) for c in coordinators or []),
                    telegram_api_url="http://telegram.invalid", data_keys=KEY_LINE,
                    **{**pacing_for(api), **extra})


# ------------------------------------------------------------------------------ the fake

class BenchFakeBotAPI(FakeBotAPI):
    """The tests' fake Bot API, told about every message that arrives (`on_send`), and
    forgetful in process (`forget=True`): it keeps only what later calls need, so the
    memory measured is the bot's, not the fake's record of thousands of messages."""

    def __init__(self, *, on_send: Callable[[int, JSONDict], None] | None = None,
                 forget: bool = False, keep_per_chat: int = 4, **kw: Any) -> None:
        super().__init__(strict_chats=kw.pop("strict_chats", True), **kw)
        self.on_send = on_send
        self.forget = forget
        self.keep_per_chat = keep_per_chat
        self.delivered = 0
        self._recent: dict[int, deque[int]] = {}

    def handle(self, method: str, params: Any, files: Any = None, **kw: Any) -> tuple[int,
                                                                                     JSONDict]:
        status, body = super().handle(method, params, files, **kw)
        if status == 200 and method.lower() in SENDS:
            result = body["result"]
            chat = int(result["chat"]["id"])
            with self._cond:
                self.delivered += 1
                if self.forget:
                    self._prune(chat, int(result["message_id"]))
            if self.on_send is not None:
                self.on_send(chat, result)
        elif self.forget:
            with self._cond:
                self.calls.clear()
        return status, body

    def _prune(self, chat: int, message_id: int) -> None:
        for record in (self.calls, self.sent, self.edits, self.callback_answers,
                       self.user_messages, self.chat_actions, self.deleted):
            record.clear()
        getattr(self, "_user_messages", {}).clear()
        queries = getattr(self, "_queries", {})
        for query_id in [q for q, pending in queries.items() if pending.answered]:
            del queries[query_id]
        recent = self._recent.setdefault(chat, deque())
        recent.append(message_id)
        messages = getattr(self, "_bot_messages", {})
        while len(recent) > self.keep_per_chat:
            messages.pop((chat, recent.popleft()), None)

    def forget_updates(self) -> None:
        """In process nothing polls: the queued copies of updates can go."""
        with self._cond:
            getattr(self, "_updates", []).clear()


def buttons_of(result: JSONDict) -> list[str]:
    """The callback data of a sent message's inline buttons."""
    rows = (result.get("reply_markup") or {}).get("inline_keyboard") or []
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


# ------------------------------------------------------------------------------ children

def in_child(function: Callable[..., Any], timeout: float = 3600,
             **kwargs: Any) -> Figures:
    """Runs `await function(**kwargs)` (or `function(**kwargs)`) in a fresh Python process;
    its figures, with the child's peak memory. Keeps measures from sharing memory or state."""
    target = f"{function.__module__}:{function.__qualname__}"
    command = [sys.executable, "-m", "bench.child", target, json.dumps(kwargs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_KEY_LINE": KEY_LINE}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{target} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    figures: Figures = json.loads(lines[-1])
    return figures


def child_main(argv: list[str]) -> None:
    """Prints the figures as soon as they are there, and leaves without tearing the event
    loop down: a task the bot left behind (a flush cancelled at stop, holding a database
    connection) can hang asyncio.run's clean-up, and the figures are measured already."""
    module, _, name = argv[0].partition(":")
    kwargs = json.loads(argv[1])
    function = getattr(importlib.import_module(module), name)
    result = function(**kwargs)
    if asyncio.iscoroutine(result):
        result = asyncio.new_event_loop().run_until_complete(result)
    figures = dict(result)
    figures.setdefault("peak_rss_mb", peak_rss_mb())
    print(json.dumps(figures), flush=True)
    sys.stderr.flush()
    os._exit(0)
