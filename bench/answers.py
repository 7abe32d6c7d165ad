"""Section 1, answers: N participants walking their talks at once through the bot's real
`Application` (in-process fake Bot API), beside the floor driven the same way: a bare
`Application` storing each update with one INSERT + COMMIT and sending one reply.

Each configuration runs in its own process (its peak memory is its own). Per configuration:
  - saturation: every participant answers as soon as the last answer arrived (closed loop):
    answers stored a second, reply latency p50/p99 (mostly queueing at saturation);
  - paced: a Poisson stream of answers at a fixed rate from people who think between
    answers, well below saturation: the latency a person feels (issue 8: p99 < 50 ms).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.apps import bot_concurrency, floor_rows, running_bot, running_floor
from bench.common import (
    BenchFakeBotAPI,
    Figures,
    count_rows,
    cpu_seconds,
    in_child,
    kind_of,
    peak_rss_mb,
    ratio,
    seed_talks,
    table_of,
    wiped,
)
from bench.report import Row
from bench.walk import TALK, Person, Walk, script
from bot.models import SeenUpdate

COORDINATOR = 5_000_000
FIRST_USER = 10_000_000


def plan(participants: int, quick: bool) -> dict[str, Any]:
    """How much each participant does after /start: the whole talk for small N, fewer
    answers for large N (about 5,000 updates; at least /start and one answer each)."""
    answers = max(1, min(9, 5_000 // participants - 1))
    if quick:
        answers = min(answers, 1)
    return {"participants": participants, "answers": answers, "paced_rate": 25.0,
            "paced_seconds": 2.0 if quick else 12.0, "paced_people": 40 if quick else 300,
            "warm": 3 if quick else 10}


def _people(tokens: list[str], answers: int) -> list[Person]:
    return [Person(FIRST_USER + i, script(token, answers))
            for i, token in enumerate(tokens)]


async def bot_measure(url: str, participants: int, answers: int, paced_rate: float,
                      paced_seconds: float, paced_people: int, warm: int) -> Figures:
    """The bot: saturation over a fresh database, then the paced stream on opened talks."""
    db = await wiped(url)
    tokens = await seed_talks(db, participants, coordinator_user_id=COORDINATOR)
    paced_tokens = await seed_talks(db, min(participants, paced_people),
                                    coordinator_user_id=COORDINATOR, reference="B-2")
    warm_tokens = await seed_talks(db, warm, coordinator_user_id=COORDINATOR, reference="B-3")
    await db.dispose()
    api = BenchFakeBotAPI(forget=True)
    api.register_user(COORDINATOR)
    figures: Figures = {}
    async with running_bot(url, api, coordinators=[COORDINATOR]) as application:
        people = _people(tokens, answers)
        warmers = [Person(FIRST_USER + 200_000 + i, script(t, len(TALK)))
                   for i, t in enumerate(warm_tokens)]
        walk = Walk(application, api, [*people, *warmers], checked=True)
        await walk.closed_loop(warmers)  # caches filled, code paths taken once: untimed
        cpu = cpu_seconds()
        figures.update(await walk.closed_loop(people))
        figures["cpu_ms_per_update"] = round(
            (cpu_seconds() - cpu) * 1000 / max(1, figures["updates"]), 2)
        await _paced(walk, paced_tokens, paced_rate, paced_seconds, figures)
    figures["stored"] = await count_rows(url, table_of(SeenUpdate))
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


async def _paced(walk: Walk, tokens: list[str], rate: float, seconds: float,
                 figures: Figures) -> None:
    """Opens `tokens`' talks (untimed), then the paced stream of answers."""
    people = [Person(FIRST_USER + 100_000 + i, script(token, 0)) for i, token in
              enumerate(tokens)]
    walk.add(people)
    await walk.closed_loop(people)  # everyone's talk open (untimed) ...
    for person in people:  # ... then answers at a pace
        person.steps, person.at = script(None, len(TALK)), 0
    paced = await walk.paced(people, rate, seconds)
    figures.update({f"paced_{key}": value for key, value in paced.items()})


async def floor_measure(url: str, participants: int, answers: int, paced_rate: float,
                        paced_seconds: float, paced_people: int, warm: int,
                        concurrency: int) -> Figures:
    db = await wiped(url)
    await db.dispose()
    api = BenchFakeBotAPI(forget=True)
    tokens = [f"floor{i}" for i in range(participants)]
    figures: Figures = {}
    async with running_floor(url, api, concurrency) as application:
        people = _people(tokens, answers)
        warmers = [Person(FIRST_USER + 200_000 + i, script(f"w{i}", len(TALK)))
                   for i in range(warm)]
        walk = Walk(application, api, [*people, *warmers], checked=False)
        await walk.closed_loop(warmers)
        cpu = cpu_seconds()
        figures.update(await walk.closed_loop(people))
        figures["cpu_ms_per_update"] = round(
            (cpu_seconds() - cpu) * 1000 / max(1, figures["updates"]), 2)
        await _paced(walk, [f"p{i}" for i in range(min(participants, paced_people))],
                     paced_rate, paced_seconds, figures)
    figures["stored"] = await floor_rows(url)
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def measure(url: str, participants: int, quick: bool, isolate: bool = True,
            **overrides: Any) -> Figures:
    """Bot and floor for one N, side by side; the bot's figures, the floor's, and ratios."""
    config = {**plan(participants, quick), **overrides}
    concurrency = bot_concurrency()
    if isolate:
        bot = in_child(bot_measure, url=url, **config)
        floor = in_child(floor_measure, url=url, concurrency=concurrency, **config)
    else:
        bot = asyncio.run(bot_measure(url, **config))
        floor = asyncio.run(floor_measure(url, concurrency=concurrency, **config))
    return {
        **config, "database": kind_of(url), "concurrent_updates": concurrency,
        "bot": bot, "floor": floor,
        "answers_per_second_ratio": ratio(bot["per_second"], floor["per_second"]),
        "paced_p99_ratio": ratio(bot["paced_p99_ms"], floor["paced_p99_ms"]),
    }


def rows(result: Figures) -> list[Row]:
    n, db = result["participants"], result["database"]
    bot, floor = result["bot"], result["floor"]
    what = (f"{n:,} talks at once, {db}, {result['answers']} answer(s) each after /start, "
            f"closed loop; updates handled {result['concurrent_updates']} at a time")
    return [
        Row("answers", f"answers stored/s: {what}", bot["per_second"], floor["per_second"],
            result["answers_per_second_ratio"]),
        Row("answers", f"  reply latency p50 / p99 at saturation, {n:,} talks, {db}",
            f"{bot['p50_ms']:.0f} / {bot['p99_ms']:.0f} ms",
            f"{floor['p50_ms']:.0f} / {floor['p99_ms']:.0f} ms", None),
        Row("answers", f"  CPU per update, {n:,} talks, {db}",
            f"{bot['cpu_ms_per_update']} ms", f"{floor['cpu_ms_per_update']} ms", None),
        Row("answers", f"  reply latency p50 / p99, paced {bot['paced_offered_per_second']:g}"
            f" answers/s (Poisson) from {min(n, result['paced_people']):,} people, {db}",
            f"{bot['paced_p50_ms']:.1f} / {bot['paced_p99_ms']:.1f} ms",
            f"{floor['paced_p50_ms']:.1f} / {floor['paced_p99_ms']:.1f} ms",
            result["paced_p99_ratio"]),
        Row("answers", f"  peak memory (process, incl. the in-process fake), {n:,} talks",
            f"{bot['peak_rss_mb']} MB", f"{floor['peak_rss_mb']} MB", None),
    ]


TINY = {"answers": 1, "paced_seconds": 0.5, "paced_people": 3, "warm": 0}


def section(url: str, sizes: list[int], quick: bool, tiny: bool = False) -> tuple[
        list[Figures], list[Row]]:
    """`tiny`: the harness's own test (in process, a handful of people)."""
    results, table = [], []
    for participants in sizes:
        started = time.perf_counter()
        result = (measure(url, participants, True, False, **TINY) if tiny
                  else measure(url, participants, quick))
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        results.append(result)
        table += rows(result)
    return results, table
