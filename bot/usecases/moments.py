"""Before the date is fixed: the coordinator puts two or three moments to the prepared parties,
each taps the ones that suit them, and the coordinator picks one on the case card."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import allowed, own_case, refuse
from bot.audit import record
from bot.buttons import Vote
from bot.conference_rules import invitable
from bot.models import Case, MomentVote, Party, ProposedMoment, Talk
from bot.notifications import owe
from bot.talk_store import party_talk
from bot.turn import Turn
from bot.usecases import conference, forms
from bot.views.conference import long_moment, poll_keyboard
from bot.vocabulary import ActorKind, AuditAction, Notice

MOMENT_STEPS = ("first", "second", "third")


async def open_moments(session: AsyncSession, case_id: int | None) -> list[ProposedMoment]:
    return list((await session.exec(select(ProposedMoment).where(
        ProposedMoment.case_id == case_id, col(ProposedMoment.closed_at).is_(None))
        .order_by(col(ProposedMoment.starts_at)))).all())


async def tally(session: AsyncSession, moments: list[ProposedMoment],
                parties: list[Party]) -> list[tuple[ProposedMoment, list[Party]]]:
    """Each open moment with the parties it suits."""
    by_id = {p.id: p for p in parties}
    votes = (await session.exec(select(MomentVote).where(
        col(MomentVote.moment_id).in_([m.id for m in moments])))).all()
    return [(m, [by_id[v.party_id] for v in votes if v.moment_id == m.id and v.party_id in by_id])
            for m in moments]


async def marked_moments(session: AsyncSession, case_id: int | None,
                         party_id: int | None) -> list[tuple[ProposedMoment, bool]]:
    """The open moments, each with whether it suits this party (their poll's buttons)."""
    moments = await open_moments(session, case_id)
    mine = set((await session.exec(select(MomentVote.moment_id).where(
        MomentVote.party_id == party_id,
        col(MomentVote.moment_id).in_([m.id for m in moments])))).all())
    return [(m, m.id in mine) for m in moments]


@allowed(ActorKind.COORDINATOR)
async def propose(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    parties = await conference.parties_of(ctx.session, case.id)
    if await conference.still_blocked(ctx, case, parties):
        return
    await forms.start_form(ctx, "propose_moments", case,
                           values=await conference.planning_values(ctx, case, parties))


@forms.on_complete("propose_moments")
async def proposed(ctx: Turn, talk: Talk) -> None:
    case = await own_case(ctx, talk.case_id or 0)
    moments = sorted({conference.local_moment(talk.answers[step], case.timezone)
                      for step in MOMENT_STEPS if talk.answers.get(step)})
    if any(moment <= ctx.now for moment in moments):
        ctx.say("conference.moment_past")
        return
    for old in await open_moments(ctx.session, case.id):  # a new question replaces the old
        old.closed_at = ctx.now
        ctx.session.add(old)
    for moment in moments:
        ctx.session.add(ProposedMoment(case_id=case.id or 0, starts_at=moment, created_at=ctx.now))
    asked = []
    for party in await conference.parties_of(ctx.session, case.id):
        talk_of_party = await party_talk(ctx.session, party.id)
        if invitable(party, talk_of_party.outcome if talk_of_party else None):
            assert party.telegram_user_id is not None
            await owe(ctx.session, chat_id=party.telegram_user_id, kind=Notice.MOMENT_POLL,
                      ref_id=party.id, now=ctx.now)
            asked.append(party.name)
    record(ctx, AuditAction.MOMENTS_PROPOSED, case_id=case.id)
    ctx.say("conference.moments_asked", names=", ".join(asked) or ctx.t("conference.nobody"))


@allowed(ActorKind.PARTICIPANT)
async def vote(ctx: Turn, *, tap: Vote) -> None:
    """A tap on a moment: it suits me (1), or no longer (0)."""
    moment = await ctx.session.get(ProposedMoment, tap.moment_id)
    party = (await ctx.session.exec(select(Party).where(
        Party.case_id == moment.case_id, Party.telegram_user_id == ctx.actor.user_id))
        ).first() if moment else None
    if moment is None or party is None:
        refuse(ctx)
    if moment.closed_at is not None:
        ctx.say("poll.closed")
        return
    existing = (await ctx.session.exec(select(MomentVote).where(
        MomentVote.moment_id == moment.id, MomentVote.party_id == party.id))).first()
    if tap.send and existing is None:
        ctx.session.add(MomentVote(moment_id=moment.id or 0, party_id=party.id or 0, at=ctx.now))
    elif not tap.send and existing is not None:
        await ctx.session.delete(existing)
    await ctx.session.flush()
    case = await ctx.session.get(Case, moment.case_id)
    assert case is not None
    marked = await marked_moments(ctx.session, case.id, party.id)
    keyboard = poll_keyboard(marked, ctx.app.catalog, ctx.language, case.timezone)
    suits = [m for m, mine in marked if mine]
    if not suits:
        ctx.say("poll.none", keyboard)
        return
    ctx.say("poll.marked", keyboard, moments="\n".join(
        "• " + long_moment(ctx.app.catalog, ctx.language, m.starts_at, case.timezone)
        for m in suits))


@allowed(ActorKind.COORDINATOR)
async def pick(ctx: Turn, *, ref: int) -> None:
    """The coordinator picks a proposed moment: the planning form opens with it filled in."""
    moment = await ctx.session.get(ProposedMoment, ref)
    if moment is None:
        refuse(ctx)
    case = await own_case(ctx, moment.case_id)
    if moment.closed_at is not None:
        ctx.say("poll.closed")
        return
    await conference.plan_at(ctx, case, moment)
