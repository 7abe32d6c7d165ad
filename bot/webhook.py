"""Webhook mode: Telegram posts each update to us, and hears "taken" only once it is handled.

python-telegram-bot's own webhook server answers Telegram as soon as an update is queued:
a bot stopped (or killed) before handling it loses it, since Telegram forgets what it was
told was taken. It also logs an update it cannot read with its raw contents, people's words
among them, and answers 400, so Telegram sends it again and again. Here the request waits
until the update is handled (`FeedBot.handled`), an unreadable update is skipped by id
(`FeedBot.read`), and a stop signal lets the updates in hand finish before the bot exits.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.settings import Settings
from bot.update_feed import FeedBot

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 40  # Telegram's default: updates it may have in flight to us at once
REGISTER_TRIES = 4

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class _Inbox:
    """Hands posted updates to the application, and tells each request when its is done."""

    def __init__(self, application: AnyApplication, feed: FeedBot) -> None:
        self.application = application
        self.feed = feed
        self.closing = False

    async def take(self, item: dict[str, Any]) -> HTTPStatus:
        if self.closing:  # Telegram keeps it and sends it again to the next bot
            return HTTPStatus.SERVICE_UNAVAILABLE
        update = self.feed.read(item)
        if update is not None:
            await self.application.update_queue.put(update)
        update_id = item.get("update_id")
        if isinstance(update_id, int):
            try:
                await self.feed.handled(update_id)
            except asyncio.CancelledError:  # the bot stopped before it could handle it
                return HTTPStatus.SERVICE_UNAVAILABLE
        return HTTPStatus.OK


class _Hook(tornado.web.RequestHandler):
    def initialize(self, inbox: _Inbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("a webhook request without the right secret was refused")
            self.set_status(HTTPStatus.FORBIDDEN)
            return
        try:
            item = json.loads(self.request.body)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            log.warning("a webhook request that is no update was refused")
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        self.set_status(await self.inbox.take(item))

    def log_exception(self, *args: Any) -> None:
        """Tornado would log the request; ours carry people's words, so only that it failed."""
        log.error("a webhook request failed")


async def serve(application: AnyApplication, settings: Settings) -> None:
    """Runs the bot in webhook mode until SIGTERM or SIGINT, then finishes what is in hand."""
    feed = application.bot
    if not isinstance(feed, FeedBot):
        raise TypeError("webhook mode needs the application's FeedBot")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopping.set)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        inbox = _Inbox(application, feed)
        path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
        server = HTTPServer(tornado.web.Application(
            [(path, _Hook, {"inbox": inbox, "secret": settings.webhook_secret})]))
        server.listen(settings.webhook_port, address=settings.webhook_listen)
        await _register(feed, settings)
        log.info("taking updates at the webhook on port %d", settings.webhook_port)
        await stopping.wait()
        log.info("stopping: the updates in hand are finished first")
        server.stop()  # no new connections
        inbox.closing = True  # and a request arriving on an open one is sent back
        await application.stop()  # handles everything queued, and waits for it
        feed.let_go()
        if application.post_stop is not None:  # the scheduler's running jobs finish too
            await application.post_stop(application)
        await server.close_all_connections()
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _register(feed: FeedBot, settings: Settings) -> None:
    """Tells Telegram where to post, with the secret; patient with a Telegram that falters."""
    from bot.telegram_app import ALLOWED_UPDATES

    for attempt in range(REGISTER_TRIES):
        try:
            await feed.set_webhook(url=settings.webhook_url, secret_token=settings.webhook_secret,
                                   allowed_updates=ALLOWED_UPDATES,
                                   max_connections=MAX_CONNECTIONS)
            return
        except RetryAfter as exc:
            wait = float(exc.retry_after if isinstance(exc.retry_after, int)
                         else exc.retry_after.total_seconds())
        except (TimedOut, NetworkError):
            if attempt == REGISTER_TRIES - 1:
                raise
            wait = 2.0 ** attempt
        log.warning("registering the webhook failed; trying again in %.0f s", wait)
        await asyncio.sleep(wait)
    raise TimedOut("the webhook could not be registered")
