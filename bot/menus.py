"""The command menus Telegram shows: one per language for everyone, and a staff member's
own in their chat. A staff menu is set when it changes, not at every start: the menu's
digest is kept on the staff row, so a restart with 500 coordinators makes no calls."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlmodel import select
from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.catalog import Catalog
from bot.commands import menu_for
from bot.db import Database
from bot.models import Admin, Coordinator
from bot.vocabulary import ActorKind

log = logging.getLogger(__name__)


def _commands(catalog: Catalog, kinds: frozenset[ActorKind], language: str) -> list[BotCommand]:
    return [BotCommand(c.name, catalog(f"menu.{c.name}", language)) for c in menu_for(kinds)]


def digest(commands: list[BotCommand]) -> str:
    text = "\n".join(f"{c.command} {c.description}" for c in commands)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def set_menus(bot: Any, db: Database, catalog: Catalog) -> None:
    """At start: the default menus, and the staff menus that changed since they were set."""
    try:
        for language in ("en", "nl"):
            await bot.set_my_commands(_commands(catalog, frozenset(), language),
                                      scope=BotCommandScopeDefault(),
                                      language_code=None if language == "en" else language)
    except TelegramError as exc:  # a menu is a comfort, not a reason to stop
        log.warning("could not set the command menu: %s", type(exc).__name__)
        return
    async with db.transaction() as session:
        staff: dict[int, tuple[set[ActorKind], str, list[Coordinator | Admin]]] = {}
        rows: list[tuple[ActorKind, Coordinator | Admin]] = [
            (ActorKind.COORDINATOR, c) for c in (await session.exec(select(Coordinator))).all()]
        rows += [(ActorKind.ADMIN, a) for a in (await session.exec(select(Admin))).all()]
        for kind, row in rows:
            entry = staff.setdefault(row.telegram_user_id, (set(), row.language, []))
            entry[0].add(kind)
            entry[2].append(row)
    for chat_id, (kinds, language, members) in staff.items():
        wanted = digest(_commands(catalog, frozenset(kinds), language))
        if all(m.menu_digest == wanted for m in members):
            continue
        await set_staff_menu(bot, db, catalog, chat_id, frozenset(kinds), language)


async def set_staff_menu(bot: Any, db: Database, catalog: Catalog, chat_id: int,
                         kinds: frozenset[ActorKind], language: str) -> None:
    """A coordinator's or admin's own menu in their chat, from the command table."""
    commands = _commands(catalog, kinds, language)
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # "chat not found" until they first write; set again then
        log.info("no menu for staff chat %s yet: %s", chat_id, type(exc).__name__)
        return
    async with db.transaction() as session:
        for model in (Coordinator, Admin):
            for row in (await session.exec(select(model).where(
                    model.telegram_user_id == chat_id))).all():
                row.menu_digest = digest(commands)
                session.add(row)
