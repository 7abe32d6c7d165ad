"""The chat's own copy of a talk: which messages (the bot's questions and the person's
answers) belong to it, so that the person can have them deleted from the chat once the
talk is done. Telegram lets a bot delete messages for 48 hours; only ids are kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import Database
from bot.models import ChatMessage

DELETABLE_FOR = timedelta(hours=48)


async def remember(db: Database, talk_id: int, message_ids: Iterable[int],
                   now: datetime) -> None:
    ids = [i for i in message_ids if i]
    if not ids:
        return
    async with db.transaction() as session:
        session.add_all(ChatMessage(talk_id=talk_id, message_id=i, at=now) for i in ids)


async def take_deletable(session: AsyncSession, talk_id: int, now: datetime) -> list[int]:
    """The talk's messages Telegram still lets us delete; they are forgotten here."""
    rows = (await session.exec(select(ChatMessage).where(ChatMessage.talk_id == talk_id))).all()
    ids = sorted({row.message_id for row in rows if row.at >= now - DELETABLE_FOR})
    for row in rows:
        await session.delete(row)
    return ids

