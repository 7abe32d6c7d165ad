"""`python -m bench.profile`: where the bot's answer path spends its time (issue 8).

    python -m bench.profile                          # 200 talks, SQLite in a temp folder
    python -m bench.profile --database postgresql://postgres@127.0.0.1:5432/bench  # wiped!
    python -m bench.profile --sql                    # and the statements of one update a kind

The answers measure of `bench.answers` for the bot only, in this one process: N participants
open their talks with `/start <token>` and answer at once through the bot's real
`Application` (in-process fake Bot API), under cProfile from the first update to the last
reply (the warm-up before it is not profiled). It prints:

  - the share of the profiled time by where the code lives (sqlalchemy, the driver, PTB,
    herstelbot's own `bot.*`, ...): each function's own time (tottime) goes to the package its
    file is in; a C function (a builtin) is charged to the code that called it. "waiting" is
    the event loop's `select` with nothing to run: every update waits on the database (on
    SQLite on the driver's own thread, which cProfile does not see: its CPU is printed apart);
  - the 25 functions of `bot.*` with the most cumulative time;
  - the SQL statements per update (SQLAlchemy's `before_cursor_execute`, BEGIN included; a
    COMMIT is the driver's own call and counted apart), by kind of update: /start with an
    invite token, a button tap, a typed answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import cProfile
import json
import os
import pstats
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from telegram import Update

import bot.telegram_app as telegram_app
from bench.answers import COORDINATOR, FIRST_USER, _people
from bench.apps import running_bot, services_of
from bench.common import ROOT, BenchFakeBotAPI, Figures, scratch, seed_talks, wiped
from bench.walk import TALK, Person, Walk, script

# Where code lives, tried in order on the file's path (site-packages or the stdlib).
PLACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sqlmodel", ("/sqlmodel/",)),
    ("sqlalchemy", ("/sqlalchemy/",)),
    ("driver (aiosqlite, sqlite3, asyncpg)", ("/aiosqlite/", "/sqlite3/", "/asyncpg/")),
    ("telegram (python-telegram-bot)", ("/telegram/",)),
    ("httpx, json", ("/httpx/", "/httpcore/", "/json/", "/h11/", "/anyio/")),
    ("cryptography (bot/encryption.py's AES-GCM)", ("/cryptography/",)),
    ("yaml", ("/yaml/",)),
    ("asyncio", ("/asyncio/",)),
    ("apscheduler", ("/apscheduler/",)),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("greenlet", ("/greenlet/",)),
)
OURS = "herstelbot (bot.*)"
HARNESS = "the harness (bench.*, the tests' fake Bot API)"
WAITING = "waiting (event loop idle in select)"
STDLIB = "other stdlib"
OTHER = "other"
# C functions, by the words of their name, when no caller can be charged.
BUILTIN_PLACES = (("sqlite3", "driver (aiosqlite, sqlite3, asyncpg)"),
                  ("asyncpg", "driver (aiosqlite, sqlite3, asyncpg)"),
                  ("_json", "httpx, json"), ("_asyncio", "asyncio"),
                  ("cryptography", "cryptography (bot/encryption.py's AES-GCM)"),
                  ("_rust", "cryptography (bot/encryption.py's AES-GCM)"),
                  ("_greenlet", "greenlet"), ("greenlet", "greenlet"))
STDLIB_DIR = str(Path(os.__file__).parent)

Func = tuple[str, int, str]  # pstats' key: (file, line, name)

# ------------------------------------------------------------------------------ statements

UPDATE_SQL: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("update_sql",
                                                                            default=None)


def kind_of_update(update: Update) -> str:
    if update.callback_query is not None:
        return "tap"
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    if text.startswith("/start "):
        return "/start with a token"
    if text.startswith("/"):
        return "other command"
    return "text answer"


class StatementCount:
    """Statements each update caused (every transaction of it: the update's own, and those
    after it, e.g. remembering the chat's copy of a talk), by kind of update."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.per_kind: dict[str, list[int]] = defaultdict(list)
        self.commits: dict[str, list[int]] = defaultdict(list)
        self.sample: dict[str, list[str]] = {}
        self.outside = 0  # by the scheduler, the outbox sender: no update

    def statement(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        found = UPDATE_SQL.get()
        if found is None:
            self.outside += 1
        else:
            found.append(" ".join(sql.split()))

    def commit(self, _conn: Any) -> None:
        found = UPDATE_SQL.get()
        if found is not None:
            found.append("COMMIT")

    def done(self, kind: str, statements: list[str]) -> None:
        commits = statements.count("COMMIT")
        self.per_kind[kind].append(len(statements) - commits)
        self.commits[kind].append(commits)
        self.sample.setdefault(kind, statements)

    def figures(self) -> Figures:
        return {kind: {"updates": len(counts),
                       "statements_mean": round(sum(counts) / len(counts), 2),
                       "statements_min": min(counts), "statements_max": max(counts),
                       "commits_mean": round(sum(self.commits[kind]) / len(counts), 2)}
                for kind, counts in sorted(self.per_kind.items())}


def counting(count: StatementCount) -> Any:
    """`bot.telegram_app._on_update`, counting the statements of each update it handles."""
    original = telegram_app._on_update

    async def on_update(update: Update, context: Any) -> None:
        if UPDATE_SQL.get() is not None:  # already counted (nested)
            await original(update, context)
            return
        statements: list[str] = []
        UPDATE_SQL.set(statements)  # this update's task's own context
        try:
            await original(update, context)
        finally:
            count.done(kind_of_update(update), statements)

    return original, on_update


# ------------------------------------------------------------------------------ profile

def place_of(file: str) -> str:
    if file == "~":
        return OTHER
    path = file.replace("\\", "/")
    if path.startswith(str(ROOT / "bot") + "/"):
        return OURS
    if path.startswith((str(ROOT / "bench") + "/", str(ROOT / "tests") + "/")):
        return HARNESS
    for place, parts in PLACES:
        if any(part in path for part in parts):
            return place
    if path.startswith(STDLIB_DIR) and "site-packages" not in path:
        return STDLIB
    return OTHER


def builtin_place(name: str) -> str | None:
    for word, place in BUILTIN_PLACES:
        if word in name:
            return place
    return None


def shares(stats: pstats.Stats) -> tuple[dict[str, float], float]:
    """Seconds by place (each function's own time; a builtin's charged to its callers,
    the event loop's select to waiting); and the total."""
    seconds: defaultdict[str, float] = defaultdict(float)
    table: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    for (file, _line, name), (_cc, _nc, tottime, _ct, callers) in table.items():
        if file != "~":
            seconds[place_of(file)] += tottime
            continue
        if "select" in name and ("epoll" in name or "poll" in name or "kqueue" in name):
            seconds[WAITING] += tottime
            continue
        named = builtin_place(name)
        if named is not None or not callers:
            seconds[named or OTHER] += tottime
            continue
        charged: float = sum(caller[2] for caller in callers.values())
        for (caller_file, _l, _n), caller in callers.items():
            part: float = caller[2] if charged else tottime / len(callers)
            seconds[place_of(caller_file) if caller_file != "~" else OTHER] += part
        seconds[OTHER] += max(0.0, tottime - charged) if charged else 0.0
    total = sum(seconds.values())
    return dict(seconds), total


def ours_by_cumulative(stats: pstats.Stats, top: int) -> list[Figures]:
    table: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    rows = [(ct, nc, tt, file, line, name)
            for (file, line, name), (_cc, nc, tt, ct, _callers) in table.items()
            if place_of(file) == OURS]
    rows.sort(reverse=True)
    return [{"function": f"{Path(file).relative_to(ROOT)}:{line}({name})", "calls": nc,
             "cumulative_s": round(ct, 3), "own_s": round(tt, 3)}
            for ct, nc, tt, file, line, name in rows[:top]]


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's threads so far: the main one (the event loop) and the
    others together (aiosqlite's driver threads), from /proc/self/task."""
    main, others = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    main_id = threading.main_thread().native_id
    try:
        for task in Path("/proc/self/task").iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            if int(task.name) == main_id:
                main += used
            else:
                others += used
    except OSError:
        pass
    return {"main": main, "others": others}


async def profile(url: str, talks: int, answers: int, warm: int, top: int,
                  dump: Path | None = None) -> Figures:
    db = await wiped(url)
    tokens = await seed_talks(db, talks, coordinator_user_id=COORDINATOR)
    warm_tokens = await seed_talks(db, warm, coordinator_user_id=COORDINATOR, reference="B-3")
    await db.dispose()
    api = BenchFakeBotAPI(forget=True)
    api.register_user(COORDINATOR)
    count = StatementCount()
    original, on_update = counting(count)
    telegram_app._on_update = on_update
    try:
        async with running_bot(url, api, coordinators=[COORDINATOR]) as application:
            engine = services_of(application).db.engine.sync_engine
            sa.event.listen(engine, "before_cursor_execute", count.statement)
            sa.event.listen(engine, "commit", count.commit)
            people = _people(tokens, answers)
            warmers = [Person(FIRST_USER + 200_000 + i, script(t, len(TALK)))
                       for i, t in enumerate(warm_tokens)]
            walk = Walk(application, api, [*people, *warmers], checked=True)
            await walk.closed_loop(warmers)  # caches filled, code paths taken once
            count.reset()  # the warm-up's statements do not count
            cpu_before = thread_cpu()
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            closed = await walk.closed_loop(people)
            profiler.disable()
            wall = time.perf_counter() - started
            cpu_after = thread_cpu()
            sa.event.remove(engine, "before_cursor_execute", count.statement)
            sa.event.remove(engine, "commit", count.commit)
    finally:
        telegram_app._on_update = original
    stats = pstats.Stats(profiler)
    if dump is not None:
        stats.dump_stats(dump)
    seconds, total = shares(stats)
    updates = max(1, closed["updates"])
    return {
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "talks": talks, "answers": answers, "updates": closed["updates"],
        "missing_buttons": closed["missing_buttons"],
        "wall_seconds": round(wall, 2), "profiled_seconds": round(total, 2),
        "cpu_ms_per_update": {
            "event_loop_thread": round((cpu_after["main"] - cpu_before["main"]) * 1000
                                       / updates, 2),
            "other_threads": round((cpu_after["others"] - cpu_before["others"]) * 1000
                                   / updates, 2)},
        "shares_percent": {place: round(100 * s / total, 1) for place, s in
                           sorted(seconds.items(), key=lambda kv: -kv[1]) if total},
        "ours_top": ours_by_cumulative(stats, top),
        "statements": count.figures(),
        "statements_sample": count.sample,
        "statements_outside_updates": count.outside,
    }


def report(figures: Figures, sql: bool) -> str:
    cpu = figures["cpu_ms_per_update"]
    lines = [f"Profile of the bot's answer path: {figures['talks']} talks, "
             f"{figures['database']}, /start + {figures['answers']} answer(s) each, closed "
             f"loop: {figures['updates']} updates in {figures['wall_seconds']} s under "
             f"cProfile; CPU per update {cpu['event_loop_thread']} ms on the event loop's "
             f"thread, {cpu['other_threads']} ms on other threads (the driver's)", "",
             "| where the code lives | share of profiled time |", "| --- | --- |"]
    lines += [f"| {place} | {share:.1f}% |" for place, share in
              figures["shares_percent"].items()]
    lines += [f"| total | {sum(figures['shares_percent'].values()):.1f}% |", "",
              f"Top {len(figures['ours_top'])} functions of bot.* by cumulative time:", "",
              "| function | calls | cumulative s | own s |", "| --- | --- | --- | --- |"]
    lines += [f"| {row['function']} | {row['calls']} | {row['cumulative_s']} | "
              f"{row['own_s']} |" for row in figures["ours_top"]]
    lines += ["", "SQL statements per update (BEGIN included; COMMITs apart):", "",
              "| update | updates | statements mean (min-max) | commits |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {kind} | {s['updates']} | {s['statements_mean']} ({s['statements_min']}-"
              f"{s['statements_max']}) | {s['commits_mean']} |"
              for kind, s in figures["statements"].items()]
    if sql:
        for kind, statements in figures["statements_sample"].items():
            lines += ["", f"The statements of one {kind}:"]
            lines += [f"  {i:2}. {statement[:220]}" for i, statement in
                      enumerate(statements, 1)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", metavar="URL",
                        help="a scratch database (it is WIPED); default: SQLite in a temp dir")
    parser.add_argument("--talks", type=int, default=200, help="participants (200)")
    parser.add_argument("--answers", type=int, default=len(TALK),
                        help=f"answers each after /start ({len(TALK)}: the whole walk)")
    parser.add_argument("--warm", type=int, default=10, help="warm-up talks, not profiled")
    parser.add_argument("--top", type=int, default=25, help="functions of bot.* listed")
    parser.add_argument("--sql", action="store_true",
                        help="also print the statements of one update of each kind")
    parser.add_argument("--json", metavar="PATH", type=Path, help="write the figures as JSON")
    parser.add_argument("--pstats", metavar="PATH", type=Path,
                        help="write the raw profile (for `python -m pstats PATH`)")
    args = parser.parse_args(argv)
    if args.database and args.database.rsplit("/", 1)[-1] == "test":
        parser.error("refusing to wipe a database named 'test'")
    with scratch(args.database, "profile") as url:
        figures = asyncio.run(profile(url, args.talks, args.answers, args.warm, args.top,
                                      args.pstats))
    print(report(figures, args.sql), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
