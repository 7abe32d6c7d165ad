"""One update's world: what came in, who sent it, what to answer, and the shared services.

Every use case takes a `Turn` (keyword `ctx`): the session of the update's one transaction,
the clock's `now`, the resolved `actor` and the `response` it fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.actors import Actor
from bot.buttons import Keyboard
from bot.catalog import Catalog
from bot.flows import FlowRegistry
from bot.vocabulary import ActorKind

Kind = Literal["text", "command", "callback", "media", "edited", "blocked", "unblocked"]


@dataclass(frozen=True)
class Incoming:
    update_id: int
    user_id: int
    chat_id: int
    kind: Kind
    text: str = ""
    command: str | None = None
    callback_data: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: Keyboard = ()
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None  # (file name, content)


@dataclass
class Response:
    messages: list[Outgoing] = field(default_factory=list)
    callback_notice: str | None = None  # a short toast on the tapped button
    answered: str | None = None  # the tapped question was answered with this choice
    owes_others: bool = False  # outbox rows were written: wake the sender
    menu: str | None = None  # give this chat the menu of its actor, in this language
    menu_kinds: frozenset[ActorKind] = frozenset()  # the actor's kinds, for that menu
    talk_id: int | None = None  # the participant's talk these messages belong to
    delete_message_ids: list[int] = field(default_factory=list)  # the chat's copy, to delete

    def say(self, text: str, buttons: Keyboard = ()) -> None:
        self.messages.append(Outgoing(text, buttons))


@dataclass(frozen=True)
class App:
    """What every use case may use and no update changes."""

    flows: FlowRegistry
    catalog: Catalog
    bot_username: str
    invite_valid: timedelta = timedelta(days=14)
    pdf_font_dir: Path | None = None  # PDF_FONT_DIR: where the PDF font is, else the system's


@dataclass
class Turn:
    session: AsyncSession
    now: datetime
    incoming: Incoming
    actor: Actor
    app: App
    response: Response = field(default_factory=Response)

    @property
    def language(self) -> str:
        return self.actor.language

    def t(self, key: str, **params: object) -> str:
        """A catalogue text; `coordinator` (whom to contact) defaults to "your coordinator"."""
        params.setdefault("coordinator", self.app.catalog("contact.generic", self.language))
        return self.app.catalog(key, self.actor.language, **params)

    def say(self, key: str, buttons: Keyboard = (), **params: object) -> None:
        self.response.say(self.t(key, **params), buttons)
