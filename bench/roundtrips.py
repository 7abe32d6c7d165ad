"""Section 2, http: `python -m bot` as its own process, polling the tests' fake Bot API server
over real HTTP, beside a bare python-telegram-bot echo bot process on the same kind of
server. A round trip: a person sends /help, and the reply arrives at the server. Each person
sends again as soon as the reply is there (a closed loop), for 1 person and for 200.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.apps import bot_concurrency
from bench.common import (
    BenchFakeBotAPI,
    Figures,
    JSONDict,
    kind_of,
    latency_figures,
    ratio,
    wiped,
)
from bench.processes import BotProcess
from bench.report import Row
from tests.fakes import FakeBotAPIServer

FIRST_USER = 30_000_000


class RoundTrips:
    """People sending /help to one bot process, each waiting for its reply."""

    def __init__(self, api: BenchFakeBotAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.api = api
        self.loop = loop
        self.waiting: dict[int, asyncio.Future[float]] = {}
        api.on_send = self._arrived  # called on the server's threads

    def _arrived(self, chat: int, _result: JSONDict) -> None:
        at = time.perf_counter()
        self.loop.call_soon_threadsafe(self._resolve, chat, at)

    def _resolve(self, chat: int, at: float) -> None:
        future = self.waiting.pop(chat, None)
        if future is not None and not future.done():
            future.set_result(at)

    async def one(self, user: int) -> float:
        future: asyncio.Future[float] = self.loop.create_future()
        self.waiting[user] = future
        started = time.perf_counter()
        self.api.user_sends_text(user, "/help")
        return await asyncio.wait_for(future, 60) - started

    async def run(self, process: BotProcess, users: int, seconds: float) -> Figures:
        people = [FIRST_USER + i for i in range(users)]
        await asyncio.gather(*(self.one(user) for user in people))  # warm: each known once
        latencies: list[float] = []
        cpu = process.cpu_seconds()
        started = time.perf_counter()
        deadline = started + seconds

        async def person(user: int) -> None:
            while time.perf_counter() < deadline:
                latencies.append(await self.one(user))

        await asyncio.gather(*(person(user) for user in people))
        elapsed = time.perf_counter() - started
        used = process.cpu_seconds() - cpu
        return {"users": users, "round_trips": len(latencies), "seconds": round(elapsed, 2),
                "per_second": round(len(latencies) / elapsed, 1),
                "cpu_ms_per_round_trip": round(used * 1000 / max(1, len(latencies)), 2),
                **latency_figures(latencies)}


async def measure(url: str, quick: bool, users: tuple[int, ...] = (1, 200),
                  seconds: float | None = None) -> Figures:
    """Both processes up at once, each on its own server; measured alternately."""
    await (await wiped(url)).dispose()
    seconds = seconds or (1.0 if quick else 10.0)
    concurrency = bot_concurrency()
    loop = asyncio.get_running_loop()
    results: Figures = {"database": kind_of(url), "concurrent_updates": concurrency}
    with TemporaryDirectory(prefix="herstelbot-bench-http-") as folder:
        bot_api, echo_api = BenchFakeBotAPI(), BenchFakeBotAPI()
        with FakeBotAPIServer(bot_api) as bot_server, FakeBotAPIServer(echo_api) as echo_server:
            bot = BotProcess(bot_api, bot_server, Path(folder) / "bot.log", DATABASE_URL=url,
                             OUTBOX_INTERVAL_SECONDS="2")
            echo = BotProcess(echo_api, echo_server, Path(folder) / "echo.log",
                              module="bench.echo_bot",
                              BENCH_CONCURRENT_UPDATES=str(concurrency))
            with bot, echo:
                for count in users:
                    for name, process, api in (("echo", echo, echo_api), ("bot", bot, bot_api)):
                        figures = await RoundTrips(api, loop).run(process, count, seconds)
                        results[f"{name}_{count}"] = figures
                results["bot_rss_mb"] = bot.rss_mb()
                results["echo_rss_mb"] = echo.rss_mb()
    for count in users:
        results[f"round_trips_{count}_users_ratio"] = ratio(
            results[f"bot_{count}"]["per_second"], results[f"echo_{count}"]["per_second"])
    return results


def rows(result: Figures) -> list[Row]:
    table: list[Row] = []
    db = result["database"]
    for key in sorted(k for k in result if k.startswith("bot_") and k[4:].isdigit()):
        count = int(key[4:])
        bot: Any = result[key]
        echo: Any = result[f"echo_{count}"]
        people = "1 person" if count == 1 else f"{count} people at once"
        table += [
            Row("http", f"round trips/s over HTTP (/help, closed loop), {people}, {db}: "
                "`python -m bot` vs a bare PTB echo bot process", bot["per_second"],
                echo["per_second"], result[f"round_trips_{count}_users_ratio"]),
            Row("http", f"  latency p50 / p99, {people}",
                f"{bot['p50_ms']:.1f} / {bot['p99_ms']:.1f} ms",
                f"{echo['p50_ms']:.1f} / {echo['p99_ms']:.1f} ms", None),
            Row("http", f"  CPU per round trip (the bot's process), {people}",
                f"{bot['cpu_ms_per_round_trip']} ms", f"{echo['cpu_ms_per_round_trip']} ms",
                None),
        ]
    table.append(Row("http", "  resident memory after the runs (VmRSS)",
                      f"{result['bot_rss_mb']} MB", f"{result['echo_rss_mb']} MB", None))
    return table


def section(url: str, quick: bool, tiny: bool = False) -> tuple[Figures, list[Row]]:
    result = asyncio.run(measure(url, True, (1, 3), 0.5) if tiny else measure(url, quick))
    return result, rows(result)
