"""A simulated Telegram user, so scenario tests read like what a person does.

Why: dialog tests should say ``await anna.send("/start")`` and ``await anna.tap("Ja")``
rather than hand-build update dicts. The same driver works in-process (``deliver`` feeds
the PTB Application) and end-to-end over HTTP (``deliver`` is a no-op because the update
is already queued for the bot's getUpdates).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.bot_api import FakeBotAPI, SentMessage

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = ["Deliver", "TelegramUser", "deliver_to_application", "queued_only"]

JSONDict = dict[str, Any]
Deliver = Callable[[JSONDict], Awaitable[None]]


async def queued_only(update: JSONDict) -> None:
    """``deliver`` for HTTP mode: the bot fetches the update itself via getUpdates."""
    del update


def deliver_to_application(
    application: Application[Any, Any, Any, Any, Any, Any], *, raise_errors: bool = False
) -> Deliver:
    """``deliver`` for in-process mode: run the update through the Application's handlers.

    ``process_update`` runs handlers to completion, so replies exist when ``send`` returns.
    PTB swallows handler exceptions (error handlers / a log line); with ``raise_errors=True``
    the first one is re-raised from ``deliver`` so a crashing handler fails the test.
    The update also stays queued in the fake (harmless unless something polls).
    """
    from telegram import Update

    errors: list[BaseException] = []
    if raise_errors:

        async def remember(update: object, context: Any) -> None:
            if context.error is not None:
                errors.append(context.error)

        application.add_error_handler(remember)

    async def deliver(update: JSONDict) -> None:
        errors.clear()
        await application.process_update(Update.de_json(update, application.bot))
        if errors:
            raise errors[0]

    return deliver


class TelegramUser:
    """One person in a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        api: FakeBotAPI,
        user_id: int,
        first_name: str,
        deliver: Deliver,
        language_code: str = "nl",
    ) -> None:
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self._deliver = deliver
        # Not registered yet on purpose: the chat exists for Telegram only once the user acts.

    def _introduce(self) -> None:
        """Make sure the fake knows this user's name/language before they do something."""
        self.api.register_user(self.user_id, self.first_name, language_code=self.language_code)

    def __repr__(self) -> str:
        return f"TelegramUser({self.user_id}, {self.first_name!r})"

    # ------------------------------------------------------------------ actions

    async def send(self, text: str) -> JSONDict:
        """Type and send a text message (commands get bot_command entities)."""
        update = self.api.user_sends_text(
            self.user_id, text, first_name=self.first_name, language_code=self.language_code
        )
        await self._deliver(update)
        return update

    async def tap(self, label: str) -> JSONDict:
        """Press the inline button labelled ``label`` on the newest message that has it.

        Exact label matches win over substring matches. URL/web-app buttons cannot be
        tapped into a callback; that raises like a missing button does.
        """
        message, button = self._find_button(label)
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise AssertionError(
                f"button {label!r} on message #{message.message_id} has no callback_data "
                f"(it is {sorted(k for k in button if k != 'text')}); a tap sends nothing"
            )
        return await self.tap_data(message.message_id, data)

    async def tap_data(self, message_id: int, data: str) -> JSONDict:
        """Send a callback query with arbitrary data (stale or forged taps)."""
        self._introduce()
        update = self.api.user_taps(self.user_id, message_id, data)
        await self._deliver(update)
        return update

    async def send_photo(self, caption: str | None = None) -> JSONDict:
        self._introduce()
        update = self.api.user_sends_photo(self.user_id, caption=caption)
        await self._deliver(update)
        return update

    async def send_sticker(self) -> JSONDict:
        self._introduce()
        update = self.api.user_sends_sticker(self.user_id)
        await self._deliver(update)
        return update

    async def send_voice(self) -> JSONDict:
        self._introduce()
        update = self.api.user_sends_voice(self.user_id)
        await self._deliver(update)
        return update

    async def send_document(self, file_name: str = "verslag.pdf") -> JSONDict:
        self._introduce()
        update = self.api.user_sends_document(self.user_id, file_name=file_name)
        await self._deliver(update)
        return update

    async def edit(self, message_id: int, text: str) -> JSONDict:
        """Edit one of this user's earlier text messages."""
        self._introduce()
        update = self.api.user_edits(self.user_id, message_id, text)
        await self._deliver(update)
        return update

    # ------------------------------------------------------------------ what the user sees

    @property
    def messages(self) -> list[SentMessage]:
        """Bot messages in this chat, oldest first (deleted ones flagged, not removed)."""
        return self.api.messages_to(self.user_id)

    @property
    def last_message(self) -> SentMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def last_text(self) -> str | None:
        """Text (or caption) of the newest bot message, as rendered by Telegram."""
        last = self.last_message
        return last.content if last is not None else None

    def texts_since(self, index: int) -> list[str]:
        """Texts/captions of bot messages from position ``index`` (use ``len(user.messages)``)."""
        return [message.content for message in self.messages[index:]]

    @staticmethod
    def buttons(message: SentMessage) -> list[str]:
        """Labels of the inline buttons currently on ``message``."""
        return message.button_labels

    def transcript(self) -> str:
        """The conversation so far, for assertion messages."""
        return self.api.dump_chat(self.user_id)

    async def wait_for_text(
        self,
        substring: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - a plain deadline reads better in tests
        since: int = 0,
    ) -> SentMessage:
        """Wait for a bot message (index >= ``since``) containing ``substring``.

        Polls without blocking the event loop, so it works while the bot runs in the same
        loop or in another process.
        """
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages[since:]:
                if substring in message.content:
                    return message
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{self!r} got no bot message containing {substring!r} within {timeout}s "
                    f"(since index {since}). Conversation:\n{self.transcript()}"
                )
            await asyncio.sleep(0.02)

    def _find_button(self, label: str) -> tuple[SentMessage, JSONDict]:
        candidates = [m for m in reversed(self.messages) if not m.deleted]
        for matches in (
            lambda text: text == label,
            lambda text: label in text,
        ):
            for message in candidates:
                for button in message.buttons:
                    if matches(str(button.get("text", ""))):
                        return message, button
        available = [f"#{m.message_id}: {m.button_labels}" for m in candidates if m.button_labels]
        raise AssertionError(
            f"{self!r} sees no button {label!r}. Buttons on screen: "
            f"{available or 'none'}. Conversation:\n{self.transcript()}"
        )
