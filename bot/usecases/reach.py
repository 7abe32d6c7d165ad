"""Whether a participant can be reached: one who blocks the bot is marked unreachable and
their coordinator told (once); unblocking makes them reachable again."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import EVERYONE, allowed
from bot.models import Case, Party
from bot.notifications import tell_coordinator
from bot.turn import Turn
from bot.vocabulary import Notice


async def mark_unreachable(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Telegram refuses messages to this account (it blocked the bot)."""
    parties = await session.exec(select(Party).where(
        Party.telegram_user_id == user_id, col(Party.unreachable_at).is_(None)))
    for party in parties.all():
        party.unreachable_at = now
        session.add(party)
        case = await session.get(Case, party.case_id)
        if case is not None:
            await tell_coordinator(session, case, Notice.PARTY_UNREACHABLE, party.id, now)


@allowed(EVERYONE)
async def blocked(ctx: Turn) -> None:
    await mark_unreachable(ctx.session, ctx.actor.user_id, ctx.now)


@allowed(EVERYONE)
async def unblocked(ctx: Turn) -> None:
    parties = await ctx.session.exec(select(Party).where(
        Party.telegram_user_id == ctx.actor.user_id, col(Party.unreachable_at).is_not(None)))
    for party in parties.all():
        party.unreachable_at = None
        ctx.session.add(party)
