"""The two `Application`s every in-process measure runs: the bot's own, from its composition
root (`build_application`, as `python -m bot` builds it, with the fake Bot API in process),
and the floor: a bare python-telegram-bot `Application` whose one handler does one INSERT and
one COMMIT on the same database (the bot's engine: same driver, same settings) and one reply.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bench.common import BenchFakeBotAPI, count_rows, settings_for
from bench.walk import AnyApplication
from bot.db import make_engine
from bot.telegram_app import Services, build_application
from tests.fakes import FakeRequest

FLOOR = sa.Table(
    "bench_floor", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("update_id", sa.BigInteger, nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


def concurrency_of(application: AnyApplication) -> int:
    """How many updates the Application handles at once (1: one at a time)."""
    return int(application.update_processor.max_concurrent_updates)


def bot_concurrency() -> int:
    """The bot's own setting, read from its composition root without starting it."""
    api = BenchFakeBotAPI()
    application = build_application(settings_for("sqlite:///unused.db", api),
                                    request=FakeRequest(api), updates_request=FakeRequest(api))
    return concurrency_of(application)


@asynccontextmanager
async def running_bot(url: str, api: BenchFakeBotAPI, *, coordinators: list[int] | None = None,
                      **settings: Any) -> AsyncIterator[AnyApplication]:
    """The bot's Application, initialised and started as `python -m bot` would (its post_init
    opens the database, starts the scheduler and the outbox sender), fed via update_queue."""
    config = settings_for(url, api, coordinators=coordinators, **settings)
    application = build_application(config, request=FakeRequest(api),
                                    updates_request=FakeRequest(api))
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await quiesce(application)
        await application.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()


async def quiesce(application: AnyApplication, patience: float = 10.0) -> None:
    """Before stopping: no new scheduler runs, and the outbox sender's flush in progress
    finishes (the bot's post_shutdown does not wait for one; a flush cancelled mid-query
    can hang the clean-up of an in-process event loop)."""
    services: Services | None = application.bot_data.get("services")
    if services is None:
        return
    services.scheduler.pause()
    lock = getattr(services.sender, "_lock", None)  # the sender as built before issue 8
    if isinstance(lock, asyncio.Lock):
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(patience), lock:  # held by a flush in progress
                pass


def services_of(application: AnyApplication) -> Services:
    services: Services = application.bot_data["services"]
    return services


@asynccontextmanager
async def running_floor(url: str, api: BenchFakeBotAPI,
                        concurrency: int) -> AsyncIterator[AnyApplication]:
    """The floor's Application over the same database, one table of its own."""
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(FLOOR.metadata.drop_all)
        await connection.run_sync(FLOOR.metadata.create_all)

    async def handle(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        message = update.effective_message
        async with engine.begin() as connection:
            await connection.execute(FLOOR.insert().values(
                update_id=update.update_id, chat_id=update.effective_chat.id,
                body=message.text if message is not None else None, at=sa.func.now()))
        await context.bot.send_message(update.effective_chat.id, "Opgeslagen.")

    application = (ApplicationBuilder().token(api.token).request(FakeRequest(api))
                   .get_updates_request(FakeRequest(api)).concurrent_updates(concurrency)
                   .build())
    application.add_handler(TypeHandler(Update, handle))
    await application.initialize()
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.shutdown()
        await engine.dispose()


async def floor_rows(url: str) -> int:
    return await count_rows(url, FLOOR)
