"""Alerts the coordinator would want, each told once: a link not opened after a few days,
and a talk that stalled (no answer for days after the gentle nudge)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, or_, select

from bot.clock import Clock
from bot.db import Database
from bot.models import Case, Invite, Party, Talk
from bot.notifications import tell_coordinator
from bot.vocabulary import OPEN_STATUSES, InviteKind, Notice

QUIET_LINK = timedelta(days=3)
STALLED_AFTER_NUDGE = timedelta(days=3)


async def plan_alerts(db: Database, clock: Clock) -> int:
    now = clock()
    told = 0
    async with db.transaction() as session:
        quiet = await session.exec(
            select(Invite, Party, Case)
            .join(Party, col(Party.id) == Invite.party_id)
            .join(Case, col(Case.id) == Party.case_id)
            .where(Invite.kind == InviteKind.PARTY, col(Invite.redeemed_at).is_(None),
                   col(Invite.revoked_at).is_(None), col(Invite.quiet_alerted_at).is_(None),
                   col(Invite.created_at) <= now - QUIET_LINK, col(Invite.expires_at) > now)
            .limit(500))
        for invite, party, case in quiet.all():
            invite.quiet_alerted_at = now
            session.add(invite)
            await tell_coordinator(session, case, Notice.LINK_NOT_OPENED, party.id, now)
            told += 1
        stalled = await session.exec(
            select(Talk, Case)
            .join(Case, col(Case.id) == Talk.case_id)
            .where(col(Talk.party_id).is_not(None), col(Talk.status).in_(OPEN_STATUSES),
                   col(Talk.nudged_at).is_not(None),
                   col(Talk.last_activity_at) <= Talk.nudged_at,
                   col(Talk.nudged_at) <= now - STALLED_AFTER_NUDGE,
                   or_(col(Talk.stalled_at).is_(None),
                       col(Talk.stalled_at) < Talk.last_activity_at))
            .limit(500))
        for talk, case in stalled.all():
            talk.stalled_at = now
            session.add(talk)
            await tell_coordinator(session, case, Notice.TALK_STALLED, talk.id, now)
            told += 1
    return told
