"""Signing the repair plan in the chat. Putting the plan to signing freezes it as a version
(its canonical form and hash); every signer gets it as text with the sign buttons and as a
PDF in their language; a signature records who, when, and the hash of the exact version they
saw. A tap on an older version's button signs nothing and says so. When everyone has signed,
everyone gets the final copy with the signatures, and the follow-up begins."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.access import allowed, own_case, refuse
from bot.audit import record
from bot.buttons import Sign
from bot.models import Case, Party, Plan, PlanVersion, Signature
from bot.notifications import owe, tell_coordinator
from bot.plan_store import PlanRecord, gather_plan, signers
from bot.turn import Turn
from bot.usecases.follow_up import start_follow_up
from bot.usecases.plan import plan_for
from bot.vocabulary import ActorKind, AuditAction, Notice

EVALUATION_AFTER = timedelta(weeks=4)


@allowed(ActorKind.COORDINATOR)
async def send_plan(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    plan = await plan_for(ctx, case)
    found = await gather_plan(ctx.session, case, plan)
    if not found.commitments:
        ctx.say("plan.nothing_to_sign")
        return
    without = [i for i, c in enumerate(found.commitments, start=1)
               if not found.owners.get(c.id or 0)]
    if without:
        ctx.say("plan.needs_owners", numbers=", ".join(map(str, without)))
        return
    people = await signers(ctx.session, case)
    if not people:
        ctx.say("plan.no_signers")
        return
    if plan.evaluation_on is None:  # four weeks on, unless the coordinator chose a date
        plan.evaluation_on = (ctx.now + EVALUATION_AFTER).astimezone(
            ZoneInfo(case.timezone)).date()
        ctx.session.add(plan)
    canonical = found.canonical()
    if found.version is not None and found.version.digest == canonical.digest:
        version = found.version  # unchanged: the same version, to whoever has not had it
    else:
        version = PlanVersion(plan_id=plan.id or 0, number=(found.version.number + 1
                                                             if found.version else 1),
                              digest=canonical.digest, content=canonical.content,
                              created_at=ctx.now)
        ctx.session.add(version)
        await ctx.session.flush()
        record(ctx, AuditAction.PLAN_SENT, case_id=case.id)
    asked = {s.party_id for s in (await ctx.session.exec(select(Signature).where(
        Signature.version_id == version.id))).all()}
    for party in people:
        if party.id in asked or party.telegram_user_id is None:
            continue
        signature = Signature(version_id=version.id or 0, party_id=party.id or 0,
                              digest=version.digest)
        ctx.session.add(signature)
        await ctx.session.flush()
        for kind in (Notice.PLAN_TO_SIGN, Notice.PLAN_COPY):
            await owe(ctx.session, chat_id=party.telegram_user_id, kind=kind,
                      ref_id=signature.id, now=ctx.now)
    ctx.say("plan.sent", number=version.number,
            names=", ".join(p.name for p in people))


@allowed(ActorKind.COORDINATOR)
async def remind_signers(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    found = await gather_plan(ctx.session, case, await plan_for(ctx, case))
    waiting = [s for s in found.signatures if s.signed_at is None and s.declined_at is None]
    for signature in waiting:
        party = found.parties.get(signature.party_id)
        if party is not None and party.telegram_user_id is not None:
            await owe(ctx.session, chat_id=party.telegram_user_id,
                      kind=Notice.PLAN_SIGN_REMINDER, ref_id=signature.id, now=ctx.now)
    ctx.say("plan.reminded", names=", ".join(
        found.parties[s.party_id].name for s in waiting if s.party_id in found.parties)
        or "-")


@allowed(ActorKind.PARTICIPANT)
async def sign(ctx: Turn, *, tap: Sign) -> None:
    """The party's own signature (or refusal) of the version they were sent, if it is still
    the plan's newest; an older version's button signs nothing."""
    signature = await ctx.session.get(Signature, tap.signature_id)
    party = await ctx.session.get(Party, signature.party_id) if signature else None
    if signature is None or party is None or party.telegram_user_id != ctx.actor.user_id:
        refuse(ctx, party_id=party.id if party else None)
    version = await ctx.session.get(PlanVersion, signature.version_id)
    plan = await ctx.session.get(Plan, version.plan_id) if version else None
    case = await ctx.session.get(Case, plan.case_id) if plan else None
    assert version is not None and plan is not None and case is not None
    newest = (await ctx.session.exec(select(PlanVersion.id).where(
        PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number).desc()))).first()
    if newest != version.id:
        ctx.say("plan.old_version")
        return
    if signature.signed_at is not None:
        ctx.say("plan.already_signed")
        return
    if not tap.send:
        signature.declined_at = ctx.now
        ctx.session.add(signature)
        record(ctx, AuditAction.PLAN_DECLINED, case_id=case.id, party_id=party.id)
        await tell_coordinator(ctx.session, case, Notice.PLAN_DECLINED, signature.id, ctx.now)
        ctx.say("plan.declined")
        return
    signature.signed_at, signature.declined_at = ctx.now, None
    signature.digest = version.digest
    ctx.session.add(signature)
    record(ctx, AuditAction.PLAN_SIGNED, case_id=case.id, party_id=party.id)
    await ctx.session.flush()
    ctx.response.callback_notice = ctx.t("plan.signed_notice")
    ctx.say("plan.thanks_signed")
    found = await gather_plan(ctx.session, case, plan)
    if found.all_signed:
        await everyone_signed(ctx, found)


async def everyone_signed(ctx: Turn, found: PlanRecord) -> None:
    """The final copy to every signer, the coordinator told, and the follow-up of the
    commitments begun."""
    for signature in found.signatures:
        party = found.parties.get(signature.party_id)
        if party is not None and party.telegram_user_id is not None:
            for kind in (Notice.PLAN_SIGNED, Notice.PLAN_FINAL_COPY):
                await owe(ctx.session, chat_id=party.telegram_user_id, kind=kind,
                          ref_id=signature.id, now=ctx.now)
    await tell_coordinator(ctx.session, found.case, Notice.PLAN_ALL_SIGNED,
                           found.version.id if found.version else None, ctx.now)
    await start_follow_up(ctx.session, found.plan, ctx.now)

