"""The Telegram shell: translates updates into `Incoming`, and `Response`s into messages.

`build_application` is the one composition root, used by `python -m bot` and by the tests.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ParamSpec

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import select
from telegram import (
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest

from bot import buttons, chat_copies, encryption
from bot.alerts import plan_alerts
from bot.buttons import TalkTap
from bot.catalog import Catalog, load_catalog
from bot.clock import Clock, system_clock
from bot.database_wait import DatabaseWait, database_away
from bot.db import Database
from bot.evaluation import plan_evaluations
from bot.flows import FlowRegistry, load_registry
from bot.language import pick_language
from bot.lifecycle import plan_retention
from bot.menus import set_menus, set_staff_menu
from bot.models import Admin, Coordinator
from bot.nudges import plan_nudges
from bot.outbox import OutboxSender, markup, send_text, surely_not_sent
from bot.pacing import ChatPacer, retry_seconds
from bot.router import Router
from bot.seen_updates import forget_old
from bot.settings import Settings
from bot.turn import App, Incoming, Outgoing, Response
from bot.update_feed import FeedBot
from bot.update_order import PerChatOrder

log = logging.getLogger(__name__)
P = ParamSpec("P")
# Only what the bot handles: fewer updates, and none the library cannot parse.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_MESSAGE = 4096
NOT_THE_DATABASE = 3  # tries that failed though the database answered at once


@dataclass
class Services:
    db: Database
    flows: FlowRegistry
    catalog: Catalog
    router: Router
    sender: OutboxSender
    scheduler: AsyncIOScheduler
    waiting: DatabaseWait
    jobs: BackgroundJobs


class BackgroundJobs:
    """The scheduler's jobs running now: at a stop they finish, not cut off (APScheduler's
    asyncio executor cancels them at its shutdown, mid-transaction or mid-send)."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def track(self, job: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job(*args, **kwargs)
            finally:
                self._running.discard(task)

        run.__name__ = run.__qualname__ = getattr(job, "__name__", "job")
        return run

    async def finish(self) -> None:
        await asyncio.gather(*self._running, return_exceptions=True)


def build_application(settings: Settings, *, clock: Clock = system_clock,
                      request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None) -> Application[Any, Any, Any,
                                                                                 Any, Any, Any]:
    # Loaded before anything connects: a broken flow file or a missing data key stops the
    # bot at once, clearly.
    encryption.install(encryption.load_keyring(settings.data_keys, settings.data_key_file))
    flows = load_registry(settings.dialogs_dir)
    catalog = load_catalog(settings.dialogs_dir / "messages.yaml")

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        from bot.startup import open_database

        db = await open_database(settings)  # waits while the database is unreachable
        await _register_staff(db, settings.coordinator_user_ids, settings.admin_user_ids, clock)
        app = App(flows=flows, catalog=catalog, bot_username=application.bot.username,
                  invite_valid=timedelta(days=settings.invite_valid_days),
                  pdf_font_dir=settings.pdf_font_dir)
        router = Router(db=db, app=app, clock=clock)
        sender = OutboxSender(db=db, bot=application.bot, catalog=catalog, flows=flows,
                              clock=clock,
                              lease=timedelta(seconds=settings.outbox_lease_seconds))
        waiting = DatabaseWait(db)
        jobs = BackgroundJobs()

        def patient(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
            # while the database is away the jobs skip their turns; a stop lets them finish
            return jobs.track(waiting.patient(job))

        scheduler = AsyncIOScheduler(timezone="UTC")
        # A long flush is normal (a burst at Telegram's pace); a tick meanwhile only asks
        # it to look once more, so two may run.
        scheduler.add_job(patient(sender.flush), "interval",
                          seconds=settings.outbox_interval_seconds, id="outbox",
                          max_instances=2, coalesce=True)
        scheduler.add_job(patient(plan_nudges), "interval", minutes=settings.nudge_scan_minutes,
                          args=[db, clock, timedelta(hours=settings.nudge_after_hours)],
                          id="nudges", max_instances=1, coalesce=True)
        scheduler.add_job(patient(plan_alerts), "interval", minutes=settings.nudge_scan_minutes,
                          args=[db, clock], id="alerts", max_instances=1, coalesce=True)
        scheduler.add_job(patient(plan_retention), "interval", minutes=settings.nudge_scan_minutes,
                          args=[db, clock, timedelta(days=settings.retention_days)],
                          id="retention", max_instances=1, coalesce=True)
        scheduler.add_job(patient(plan_evaluations), "interval",
                          minutes=settings.nudge_scan_minutes, args=[db, clock],
                          id="evaluations", max_instances=1, coalesce=True)
        scheduler.add_job(patient(forget_old), "interval", hours=6, args=[db, clock],
                          id="seen_updates", max_instances=1, coalesce=True)
        scheduler.start()
        application.bot_data["services"] = Services(db, flows, catalog, router, sender,
                                                     scheduler, waiting, jobs)
        await set_menus(application.bot, db, catalog)
        sender.kick()  # whatever was owed when the bot last stopped
        log.info("herstelbot ready as @%s with flows %s", application.bot.username, flows.ids())

    async def post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The updates in hand are done; the outbox or a scan running now finishes too
        (with Telegram still reachable), instead of being cut off mid-transaction."""
        services: Services | None = application.bot_data.get("services")
        if services is None:
            return
        if services.scheduler.running:
            services.scheduler.pause()
        await services.jobs.finish()
        await services.sender.close()

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        services: Services | None = application.bot_data.get("services")
        if services is None:
            return
        await post_stop(application)  # again: not every way of running calls post_stop
        services.scheduler.shutdown(wait=False)
        await services.waiting.close()
        await services.db.dispose()

    pacer = ChatPacer(per_second=settings.telegram_per_second,
                      per_chat_per_second=settings.telegram_per_chat_per_second,
                      per_chat_burst=settings.telegram_per_chat_burst)
    feed = FeedBot(settings.bot_token, base_url=settings.api_base_url,
                   base_file_url=settings.telegram_api_url.rstrip("/") + "/file/bot",
                   request=request or HTTPXRequest(connect_timeout=10, read_timeout=20,
                                                   connection_pool_size=64),
                   get_updates_request=updates_request or HTTPXRequest(read_timeout=40),
                   rate_limiter=pacer)
    builder = (
        ApplicationBuilder()
        .bot(feed)
        .concurrent_updates(PerChatOrder())
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    application = builder.build()
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def _register_staff(db: Database, coordinator_ids: list[int], admin_ids: list[int],
                          clock: Clock) -> None:
    """COORDINATOR_IDS and ADMIN_IDS: staff known before they first write."""
    async with db.transaction() as session:
        for model, user_ids in ((Coordinator, coordinator_ids), (Admin, admin_ids)):
            for user_id in user_ids:
                found = (await session.exec(select(model).where(
                    model.telegram_user_id == user_id))).first()
                if found is None:
                    session.add(model(telegram_user_id=user_id, created_at=clock()))


# Characters that are never part of an answer: NUL and the other C0 controls (PostgreSQL
# refuses NUL in text), the C1 controls (what a wrongly decoded text may hold; unseen, an
# answer of only these looked empty to the coordinator), and direction overrides that make
# a text read otherwise than it is.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Input is normalised once, here at the edge, for every database."""
    return _UNWANTED.sub("", unicodedata.normalize("NFC", text))


def to_incoming(update: Update, bot_username: str = "") -> Incoming | None:
    """The pure translation of an update; None for what the bot ignores (groups, joins).
    A command addressed to another bot (`/help@otherbot`) is no command of ours."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    if chat.type != ChatType.PRIVATE:
        return None
    base: dict[str, Any] = {"update_id": update.update_id, "user_id": user.id,
                            "chat_id": chat.id, "language_code": user.language_code}
    if update.my_chat_member is not None:  # the person blocked (or unblocked) the bot
        status = update.my_chat_member.new_chat_member.status
        return Incoming(kind="blocked" if status == "kicked" else "unblocked", **base)
    if update.callback_query is not None:
        return Incoming(kind="callback", callback_data=update.callback_query.data or "", **base)
    if update.edited_message is not None:
        return Incoming(kind="edited", **base)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = clean(message.text)
        if text.startswith("/"):
            word, _, args = text.partition(" ")
            command, _, addressee = word[1:].partition("@")
            if addressee and addressee.lower() != bot_username.lower():
                command = f"{command}@other"  # not ours: answered as an unknown command
            return Incoming(kind="command", command=command.lower(), text=args, **base)
        return Incoming(kind="text", text=text, **base)
    return Incoming(kind="media", **base)


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await _on_update(update, context)
    finally:  # handled, or failed for good (the error handler has it): Telegram may forget it
        if isinstance(context.bot, FeedBot):
            context.bot.done(update.update_id)


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data["services"]
    incoming = to_incoming(update, context.bot.username)
    query = update.callback_query
    if incoming is None:
        if query is not None:
            await _quietly(query.answer())
        return
    response = await _handle_patiently(context.bot, services, incoming)
    if query is not None:
        await _quietly(query.answer(response.callback_notice))
        if (isinstance(query.message, Message) and response.messages
                and isinstance(buttons.decode(query.data or ""), TalkTap)):
            await _mark_answered(query.message, response.answered)
    if response.owes_others:
        services.sender.kick()
    sent = await send_response(context.bot, incoming.chat_id, response)
    if response.talk_id is not None:  # the chat's copy of the talk, deletable later
        typed = [update.message.message_id] if update.message is not None else []
        await chat_copies.remember(services.db, response.talk_id, [*typed, *sent],
                                   services.router.clock())
    for start in range(0, len(response.delete_message_ids), 100):
        await _quietly(context.bot.delete_messages(
            incoming.chat_id, response.delete_message_ids[start:start + 100]))
    if response.menu is not None:
        await set_staff_menu(context.bot, services.db, services.catalog, incoming.chat_id,
                             response.menu_kinds, response.menu)


async def _handle_patiently(bot: Any, services: Services, incoming: Incoming) -> Response:
    """The database may be away for a while (a restart, a failover): the update is not
    lost. The person is told once that the answer comes shortly, and the update is handled
    again as soon as the database answers (the transaction and the de-duplication make a
    retry safe). An error that looks like the database but is not (it answers, and the
    update still fails) is not waited out for ever."""
    told, misses = False, 0
    while True:
        try:
            return await services.router.handle(incoming)
        except Exception as exc:
            if not database_away(exc) or misses >= NOT_THE_DATABASE:
                raise
            if not told:
                log.warning("database unreachable while handling update %s (%s); it waits",
                            incoming.update_id, type(exc).__name__)
                text = services.catalog("error.database_away", pick_language(
                    incoming.language_code))
                await _quietly(bot.send_message(incoming.chat_id, text))
                told = True
            await services.waiting.until_back(exc)
            misses = misses + 1 if services.waiting.answered_at_once else 0


async def _mark_answered(message: Message, answered: str | None) -> None:
    """The question was answered: its buttons go, so they cannot be tapped twice, and the
    choice made stays readable under it ("✔ Ja")."""
    text = message.text or ""
    marked = f"{text}\n\n✔ {answered}" if answered else ""
    if marked and len(marked) <= MAX_MESSAGE and not message.caption:
        await _quietly(message.edit_text(marked, reply_markup=None))
    else:
        await _quietly(message.edit_reply_markup(None))


async def send_response(bot: Any, chat_id: int, response: Response) -> list[int]:
    """Sends the replies; the ids of the messages that arrived."""
    sent: list[int] = []
    for outgoing in response.messages:
        sent += await _send(bot, chat_id, outgoing)
    return sent


async def _send(bot: Any, chat_id: int, outgoing: Outgoing) -> list[int]:
    """Sends one reply, paced to the chat (a 429 is waited out there, for this chat only);
    gives up quietly when the user blocked us. The talk's state is already stored, so a
    reply that never arrives is shown again on /start: one Telegram did not take is sent
    once more, one that may have arrived (a read timeout) is not, to say nothing twice."""
    sent: list[int] = []
    for attempt in range(2):
        try:
            if outgoing.document is not None:
                name, content = outgoing.document
                message = await bot.send_document(chat_id, InputFile(content, filename=name),
                                                  caption=outgoing.text[:1000])
                return [message.message_id]
            if outgoing.photo is not None:
                message = await bot.send_photo(chat_id, outgoing.photo,
                                               caption=outgoing.text[:1000],
                                               reply_markup=markup(outgoing.buttons))
                return [message.message_id]
            return await send_text(bot, chat_id, outgoing.text, outgoing.buttons,
                                   skip=len(sent), sent=sent)
        except RetryAfter as exc:
            log.warning("reply to chat %s dropped: Telegram asks to wait %.0f s", chat_id,
                        retry_seconds(exc))
            return sent
        except Forbidden:
            log.info("chat %s blocked the bot; reply dropped", chat_id)
            return sent
        except BadRequest as exc:
            log.error("reply to chat %s refused by Telegram: %s", chat_id, type(exc).__name__)
            return sent
        except NetworkError as exc:  # a 5xx, or no connection: try once more
            if attempt or not surely_not_sent(exc):
                log.warning("reply to chat %s not sent again (%s)", chat_id,
                            type(exc).__name__)
                return sent
    return sent


async def _quietly(call: Any) -> None:
    try:
        await call
    except TelegramError as exc:
        log.info("ignored Telegram error on a courtesy call: %s", type(exc).__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for failures; logs the kind of error and the update id, never its text."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if update is None and isinstance(error, TelegramError):  # fetching updates: one line
        from bot.startup import report_polling_error

        report_polling_error(error, context.bot_data)
        return
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    # The type and the code path only: an exception's message may quote personal data.
    log.error("update %s failed: %s\n%s", update_id, type(error).__name__, frames)
    if isinstance(update, Update) and update.effective_chat is not None:
        services: Services | None = context.bot_data.get("services")
        if services is not None:
            user = update.effective_user
            language = pick_language(user.language_code if user else None)
            text = services.catalog("error.general", language)
            await _quietly(context.bot.send_message(update.effective_chat.id, text))
