"""Section 4, growth: the same answers on an empty database and on one seeded with 100,000
cases (~800,000 parties; bench/seed.py), for participants and for a coordinator with 500
cases behind them; the update de-duplication table's rows; and `python -m bot`'s start-up
(to polling) and resident memory on each.

Per-answer cost: for participants, the wall time per update with N of them answering at once
(1 / answers a second); for the coordinator, the mean latency of one message at a time, a
tenth of a second apart (a plain message, /help).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.apps import running_bot
from bench.common import (
    BenchFakeBotAPI,
    Figures,
    count_rows,
    in_child,
    install_key,
    kind_of,
    ratio,
    seed_talks,
    table_of,
    wiped,
)
from bench.processes import BotProcess
from bench.report import Row
from bench.seed import FIRST_COORDINATOR, seed_cases
from bench.walk import Person, Walk, script
from bot.models import SeenUpdate
from tests.fakes import FakeBotAPIServer

PARTICIPANTS_COORDINATOR = 6_999_999
FIRST_USER = 50_000_000
WARM = 5
COORDINATOR_GAP = 0.1  # seconds between a coordinator's messages


def plan(quick: bool) -> dict[str, Any]:
    if quick:
        return {"cases": 5_000, "participants": 30, "answers": 3, "messages": 5, "starts": 1}
    return {"cases": 100_000, "participants": 200, "answers": 5, "messages": 30, "starts": 3}


async def measure_answers(url: str, participants: int, answers: int, messages: int) -> Figures:
    """On the database as it is: participants answering at once, then the coordinator
    (FIRST_COORDINATOR: 500 cases in the seeded database, none in the empty one)."""
    install_key()
    from bot.db import Database, make_engine

    db = Database(make_engine(url))
    tokens = await seed_talks(db, participants + WARM,
                              coordinator_user_id=PARTICIPANTS_COORDINATOR,
                              reference=f"G-{time.time_ns()}")
    await db.dispose()
    api = BenchFakeBotAPI(forget=True)
    api.register_user(PARTICIPANTS_COORDINATOR)
    people = [Person(FIRST_USER + i, script(token, answers)) for i, token in enumerate(tokens)]
    people, warm = people[WARM:], people[:WARM]
    # One message at a time with a short pause, as a person types: the cost is the mean
    # latency (the fake enforces no limits and the bot's pacer is opened as wide).
    coordinator = Person(FIRST_COORDINATOR, ["hallo"] * (messages + 2), think=COORDINATOR_GAP)
    helper = Person(FIRST_COORDINATOR, ["/help"] * (messages + 2), think=COORDINATOR_GAP)
    figures: Figures = {}
    async with running_bot(url, api, coordinators=[FIRST_COORDINATOR]) as application:
        walk = Walk(application, api, [*people, *warm], checked=True)
        await walk.closed_loop(warm)  # untimed: caches filled, code paths taken once
        walked = await walk.closed_loop(people)
        figures["participants"] = {**walked, "ms_per_update": round(
            1000 / walked["per_second"], 2)}
        for key, person in (("coordinator_message", coordinator), ("coordinator_help", helper)):
            walk.add([person])
            person.steps, warming = person.steps[2:], Person(
                person.user_id, person.steps[:2], think=COORDINATOR_GAP)
            walk.add([warming])
            await walk.closed_loop([warming])
            await asyncio.sleep(COORDINATOR_GAP)
            walk.add([person])
            one = await walk.closed_loop([person])
            figures[key] = {**one, "ms_per_update": one["mean_ms"]}
    return figures


async def startup(url: str, starts: int) -> Figures:
    """`python -m bot` on this database, `starts` times: the median start."""
    runs = [await start_once(url, 2.0 if starts > 1 else 0.5) for _ in range(starts)]
    runs.sort(key=lambda run: float(run["ready_seconds"]))
    return {**runs[len(runs) // 2], "starts": starts,
            "all_ready_seconds": [run["ready_seconds"] for run in runs]}


async def start_once(url: str, settle: float) -> Figures:
    """`python -m bot` on this database: seconds to polling, memory then, menus set."""
    api = BenchFakeBotAPI()
    for chat in (PARTICIPANTS_COORDINATOR, FIRST_COORDINATOR):  # notices still owed to them
        api.register_user(chat)
    with tempfile.TemporaryDirectory(prefix="herstelbot-bench-start-") as folder, \
            FakeBotAPIServer(api) as server:
        process = BotProcess(api, server, Path(folder) / "bot.log", DATABASE_URL=url)
        process.start()
        await asyncio.sleep(settle)  # what it does right after start (menus, the outbox)
        figures: Figures = {"ready_seconds": round(process.ready_seconds, 2),
                            "ready_rss_mb": process.ready_rss_mb,
                            "settled_seconds": settle, "rss_settled_mb": process.rss_mb()}
        figures["exit_code"] = process.stop()
        errors = process.errors_logged()
        figures["errors_logged"] = len(errors)
        figures["error_lines"] = sorted(set(errors))[:5]
        figures["set_my_commands_calls"] = sum(
            1 for call in api.calls if call.method.lower() == "setmycommands")
    return figures


async def measure(url: str, quick: bool, isolate: bool = True, **sizes: Any) -> Figures:
    config = {**plan(quick), **sizes}
    cases, starts = config.pop("cases"), config.pop("starts")
    result: Figures = {"database": kind_of(url), "cases": cases, "starts": starts, **config}

    def answers() -> Figures:
        if isolate:
            return in_child(measure_answers, timeout=1800, url=url, **config)
        return asyncio.run(measure_answers(url, **config))

    await (await wiped(url)).dispose()
    result["empty_startup"] = await startup(url, starts)
    result["empty"] = await asyncio.to_thread(answers)
    result["empty_dedup_rows"] = await count_rows(url, table_of(SeenUpdate))

    db = await wiped(url)
    result["seeding"] = await seed_cases(db, cases)
    await db.dispose()
    result["seeded_dedup_rows_before"] = await count_rows(url, table_of(SeenUpdate))
    result["seeded"] = await asyncio.to_thread(answers)
    result["seeded_startup"] = await startup(url, starts)
    result["seeded_dedup_rows_after"] = await count_rows(url, table_of(SeenUpdate))
    for key in ("participants", "coordinator_message", "coordinator_help"):
        result[f"{key}_cost_ratio"] = ratio(result["seeded"][key]["ms_per_update"],
                                            result["empty"][key]["ms_per_update"])
    result["startup_ratio"] = ratio(result["seeded_startup"]["ready_seconds"],
                                    result["empty_startup"]["ready_seconds"])
    return result


def rows(result: Figures) -> list[Row]:
    cases, db = result["cases"], result["database"]
    seeded, empty = result["seeded"], result["empty"]
    seeding = result["seeding"]
    where = f"{cases:,} cases ({seeding['rows']['party']:,} parties) vs empty, {db}"
    table = [
        Row("growth", f"per-answer cost, {result['participants']} participants answering at "
            f"once: {where}", f"{seeded['participants']['ms_per_update']} ms",
            f"{empty['participants']['ms_per_update']} ms", result["participants_cost_ratio"]),
    ]
    for key, what in (("coordinator_message", "plain message"), ("coordinator_help", "/help")):
        table.append(Row("growth", f"  a coordinator's {what}, one at a time (mean latency), "
                         f"500 cases behind them vs none", f"{seeded[key]['ms_per_update']} ms",
                         f"{empty[key]['ms_per_update']} ms", result[f"{key}_cost_ratio"]))
    before, after = result["seeded_dedup_rows_before"], result["seeded_dedup_rows_after"]
    start, empty_start = result["seeded_startup"], result["empty_startup"]
    table += [
        Row("growth", "  update de-duplication rows: seeded before the run -> after start-up "
            "(empty database: after its run)", f"{before:,} -> {after:,}",
            f"{result['empty_dedup_rows']:,}", None),
        Row("growth", f"  start-up of `python -m bot` to polling (seeded vs empty; median of "
            f"{result['starts']})",
            f"{start['ready_seconds']} s", f"{empty_start['ready_seconds']} s",
            result["startup_ratio"]),
        Row("growth", f"  resident memory at ready / {start['settled_seconds']:g} s later "
            "(VmRSS)", f"{start['ready_rss_mb']} / {start['rss_settled_mb']} MB",
            f"{empty_start['ready_rss_mb']} / {empty_start['rss_settled_mb']} MB", None),
        Row("growth", "  setMyCommands calls at start; ERROR lines logged (start + SIGTERM)",
            f"{start['set_my_commands_calls']}; {start['errors_logged']}",
            f"{empty_start['set_my_commands_calls']}; {empty_start['errors_logged']}", None),
        Row("growth", "  seeding (core insert, executemany in chunks)",
            f"{sum(seeding['rows'].values()):,} rows in {seeding['seconds']} s", None, None),
    ]
    return table


TINY = {"cases": 20, "participants": 3, "answers": 1, "messages": 2, "starts": 1}


def section(url: str, quick: bool, tiny: bool = False) -> tuple[Figures, list[Row]]:
    result = asyncio.run(measure(url, True, False, **TINY) if tiny else measure(url, quick))
    return result, rows(result)
