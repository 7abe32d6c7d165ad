"""A gentle reminder after a day of silence: once per silence, at a reasonable local hour.

A talk never expires silently; it waits, and the participant is nudged once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select

from bot.clock import Clock
from bot.db import Database
from bot.models import Case, Party, Talk
from bot.notifications import owe
from bot.vocabulary import OPEN_STATUSES, Notice

DAYTIME = (time(9, 0), time(20, 0))


def reasonable_time(moment: datetime, timezone: str) -> datetime:
    """The first moment from `moment` that falls between 09:00 and 20:00 local time."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    start, end = DAYTIME
    if start <= local.time() < end:
        return moment
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone).astimezone(moment.tzinfo)


async def plan_nudges(db: Database, clock: Clock, after: timedelta) -> int:
    now = clock()
    planned = 0
    async with db.transaction() as session:
        rows = await session.exec(
            select(Talk, Party, Case)
            .join(Party, col(Party.id) == Talk.party_id)
            .join(Case, col(Case.id) == Party.case_id)
            .where(col(Talk.status).in_(OPEN_STATUSES),
                   col(Talk.last_activity_at) <= now - after,
                   or_(col(Talk.nudged_at).is_(None),
                       col(Talk.nudged_at) < Talk.last_activity_at))
            .limit(500)
        )
        for talk, party, case in rows.all():
            if party.telegram_user_id is None:
                continue
            await owe(session, chat_id=party.telegram_user_id, kind=Notice.NUDGE, ref_id=talk.id,
                      now=now, due_at=reasonable_time(now, case.timezone))
            talk.nudged_at = now
            session.add(talk)
            planned += 1
    return planned
