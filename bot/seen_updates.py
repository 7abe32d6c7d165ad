"""Telegram may deliver an update again (after a crash, a retry): each is handled once.

The mark is written in the update's own transaction, so it is kept exactly when the update's
work is. Telegram redelivers an update for at most a day, so marks older than a week go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.models import SeenUpdate

KEEP = timedelta(days=7)


async def first_time(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Marks the update seen; False if it was (one statement: an insert that ignores a
    clash, also with another instance racing for the same update)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(SeenUpdate).values(update_id=update_id, seen_at=now)
                 .on_conflict_do_nothing(index_elements=["update_id"])
                 .returning(col(SeenUpdate.update_id)))
    return (await session.exec(statement)).first() is not None


async def forget_old(db: Database, clock: Clock) -> int:
    """The de-duplication table stays bounded: marks Telegram can no longer need go."""
    async with db.transaction() as session:
        result = await session.exec(sa.delete(SeenUpdate)
                                    .where(col(SeenUpdate.seen_at) < clock() - KEEP))
        return int(result.rowcount or 0)
