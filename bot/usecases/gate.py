"""The method's order: a victim's talk opens only once an offender in the case has
acknowledged their part and wants to set things right, or once the coordinator has released
it early, with a reason (recorded and audited)."""

from __future__ import annotations

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import allowed, own_party
from bot.audit import record
from bot.models import Case, Party, Talk
from bot.notifications import owe
from bot.talk_store import party_talk
from bot.turn import Turn
from bot.usecases import forms
from bot.vocabulary import ActorKind, AuditAction, Notice, Role


async def is_open(session: AsyncSession, party: Party) -> bool:
    """Whether this party's talk may begin: always, except a victim's before an offender has
    acknowledged their part without a flag to discuss (partly, unsure, facts disputed)."""
    if party.role != Role.VICTIM or party.released_at is not None:
        return True
    found = await session.exec(select(Party.id).where(
        Party.case_id == party.case_id, Party.role == Role.OFFENDER,
        Party.acknowledged == "yes", Party.wants_to_set_right == "yes",
        or_(col(Party.facts_right).is_(None), Party.facts_right != "no")))
    return found.first() is not None


async def waiting_victims(session: AsyncSession, case_id: int) -> list[Party]:
    """Victims who opened their link while the gate was closed, and have no talk yet."""
    victims = await session.exec(select(Party).where(
        Party.case_id == case_id, Party.role == Role.VICTIM,
        col(Party.telegram_user_id).is_not(None)))
    waiting = []
    for victim in victims.all():
        if await party_talk(session, victim.id) is None:
            waiting.append(victim)
    return waiting


async def tell_waiting_victims(ctx: Turn, case: Case) -> None:
    """The gate has opened: a victim who already tried their link hears they can begin."""
    for victim in await waiting_victims(ctx.session, case.id or 0):
        if await is_open(ctx.session, victim) and victim.telegram_user_id is not None:
            await owe(ctx.session, chat_id=victim.telegram_user_id, kind=Notice.VICTIM_RELEASED,
                      ref_id=victim.id, now=ctx.now)


@allowed(ActorKind.COORDINATOR)
async def ask_release(ctx: Turn, *, ref: int) -> None:
    party, case = await own_party(ctx, ref)
    if await is_open(ctx.session, party):
        ctx.say("coordinator.gate_open_already", name=party.name)
        return
    await forms.start_form(ctx, "release_victim", case, about_id=party.id,
                           values={"name": party.name})


@forms.on_complete("release_victim")
async def release(ctx: Turn, talk: Talk) -> None:
    party, case = await own_party(ctx, talk.about_id or 0)
    party.released_at, party.release_reason = ctx.now, talk.answers["reason"]
    ctx.session.add(party)
    record(ctx, AuditAction.GATE_RELEASED, case_id=case.id, party_id=party.id)
    await tell_waiting_victims(ctx, case)
    ctx.say("coordinator.released", name=party.name)
