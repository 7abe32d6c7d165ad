"""Following the plan after it is signed.

For the person harmed and whoever the plan says must be informed (/plan): how each commitment
goes, an opt-in to be told when one is done, and "this did not happen", which reaches the
coordinator at once (the method: the person harmed "kan zich beroepen op de afspraken"). An
owner who sends /plan sees what it is for and their own commitments. For the coordinator: who
follows the plan (`plan_view_section`, on the plan card), marking someone informed, and the
follow-up report for the referrer.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.access import EVERYONE, allowed, own_case, own_party, refuse
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb, Invoke, ShowPlan, TellDone
from bot.models import (
    Commitment,
    Outbox,
    Party,
    Plan,
    PlanEvaluation,
    PlanInvocation,
    PlanWatcher,
)
from bot.notifications import owe, tell_coordinator
from bot.pdf_document import find_fonts
from bot.plan_record import FollowedPlan, gather_followed_plan, newest_version, plan_of_case
from bot.turn import Outgoing, Turn
from bot.views.case_card import Section
from bot.views.follow_up_report import report_pdf
from bot.views.plan_view import (
    follower_view,
    invoke_question,
    may_invoke,
    owner_view,
    section_lines,
    section_rows,
)
from bot.vocabulary import ActorKind, AuditAction, CommitmentStatus, Notice, Role

AGAIN_AFTER = timedelta(hours=20)  # "this did not happen" twice in a day: told once
MAX_PLANS = 5


async def _signed_plans(ctx: Turn) -> list[tuple[Party, FollowedPlan]]:
    """Each case this person is a party of whose plan has been put to the parties."""
    parties = (await ctx.session.exec(select(Party).where(
        Party.telegram_user_id == ctx.actor.user_id).order_by(col(Party.id)))).all()
    found = []
    for party in parties[:MAX_PLANS]:
        plan = await plan_of_case(ctx.session, party.case_id)
        if plan is not None and await newest_version(ctx.session, plan.id) is not None:
            found.append((party, await gather_followed_plan(ctx.session, plan)))
    return found


def _today(ctx: Turn, plan: FollowedPlan) -> datetime:
    return ctx.now.astimezone(ZoneInfo(plan.case.timezone))


@allowed(EVERYONE)
async def show_plan(ctx: Turn, *, args: str = "", tap: ShowPlan | None = None) -> None:
    if not ctx.actor.is_(ActorKind.PARTICIPANT):
        ctx.say("planview.for_staff" if ctx.actor.kinds else "planview.stranger")
        return
    plans = await _signed_plans(ctx)
    if not plans:
        ctx.say("planview.no_plan")
        return
    for party, plan in plans:
        today = _today(ctx, plan).date()
        if plan.may_follow(party):
            record(ctx, AuditAction.PLAN_VIEWED, case_id=plan.case.id, party_id=party.id)
            text, keyboard = follower_view(ctx.app.catalog, ctx.language, plan, party, today)
            ctx.response.say(text, keyboard)
        elif plan.owned_by(party.id):
            ctx.response.say(owner_view(ctx.app.catalog, ctx.language, plan, party, today))
        else:
            ctx.say("planview.not_following", reference=plan.case.reference)


async def _reader(ctx: Turn, plan: Plan) -> tuple[Party, FollowedPlan]:
    """The tapping person's party in this plan's case, if they may follow it; else refused."""
    record_ = await gather_followed_plan(ctx.session, plan)
    party = next((p for p in record_.parties.values()
                  if p.telegram_user_id == ctx.actor.user_id), None)
    if party is None or not record_.may_follow(party) or record_.version is None:
        refuse(ctx, case_id=plan.case_id)
    return party, record_


@allowed(ActorKind.PARTICIPANT)
async def tell_done(ctx: Turn, *, tap: TellDone) -> None:
    plan = await ctx.session.get(Plan, tap.plan_id)
    if plan is None:
        refuse(ctx)
    party, found = await _reader(ctx, plan)
    watcher = found.watcher(party.id) or PlanWatcher(plan_id=plan.id or 0,
                                                      party_id=party.id or 0)
    watcher.tell_done = bool(tap.send)
    ctx.session.add(watcher)
    ctx.response.callback_notice = ctx.t("planview.tell_set" if tap.send
                                         else "planview.tell_unset")
    ctx.say("planview.tell_set" if tap.send else "planview.tell_unset",
            (((ctx.t("button.plan_back"), buttons.encode(ShowPlan())),),))


@allowed(ActorKind.PARTICIPANT)
async def invoke(ctx: Turn, *, tap: Invoke) -> None:
    """"This did not happen": asked once more (a tap by mistake tells no one), then the
    coordinator hears it at once, with who said it about which commitment."""
    commitment = await ctx.session.get(Commitment, tap.commitment_id)
    plan = await ctx.session.get(Plan, commitment.plan_id) if commitment else None
    if commitment is None or plan is None:
        refuse(ctx)
    party, found = await _reader(ctx, plan)
    numbered = {c.commitment.id: (n, c) for n, c in enumerate(found.commitments, start=1)}
    if commitment.id not in numbered or not may_invoke(numbered[commitment.id][1],
                                                       _today(ctx, found).date()):
        refuse(ctx, case_id=found.case.id, party_id=party.id)
    number, item = numbered[commitment.id]
    if not tap.send:
        text, keyboard = invoke_question(ctx.app.catalog, ctx.language, number, item)
        ctx.response.say(text, keyboard)
        return
    recent = (await ctx.session.exec(select(PlanInvocation.id).where(
        PlanInvocation.commitment_id == commitment.id, PlanInvocation.party_id == party.id,
        col(PlanInvocation.at) > ctx.now - AGAIN_AFTER))).first()
    back = (((ctx.t("button.plan_back"), buttons.encode(ShowPlan())),),)
    if recent is not None:
        ctx.say("planview.invoked_already", back)
        return
    invocation = PlanInvocation(commitment_id=commitment.id or 0, party_id=party.id or 0,
                                at=ctx.now)
    ctx.session.add(invocation)
    await ctx.session.flush()
    record(ctx, AuditAction.PLAN_INVOKED, case_id=found.case.id, party_id=party.id)
    await tell_coordinator(ctx.session, found.case, Notice.PLAN_INVOKED, invocation.id, ctx.now)
    ctx.say("planview.invoked", back)


async def tell_watchers_done(session: AsyncSession, commitment: Commitment,
                             now: datetime) -> int:
    """Call in the transaction that marks `commitment` done: everyone following the plan who
    asked to be told gets a message (an outbox row each, once per commitment). Returns how
    many were owed."""
    if commitment.status != CommitmentStatus.DONE or commitment.removed_at is not None:
        return 0
    plan = await session.get(Plan, commitment.plan_id)
    if plan is None or await newest_version(session, plan.id) is None:
        return 0
    rows = (await session.exec(select(PlanWatcher, Party)
                               .join(Party, col(Party.id) == PlanWatcher.party_id)
                               .where(PlanWatcher.plan_id == plan.id,
                                      col(PlanWatcher.tell_done).is_(True)))).all()
    owed = 0
    for watcher, party in rows:
        if (party.telegram_user_id is None or party.unreachable_at is not None
                or not (party.role == Role.VICTIM or watcher.informed)):
            continue
        told = (await session.exec(select(Outbox.id).where(
            Outbox.kind == Notice.PLAN_COMMITMENT_DONE, Outbox.ref_id == commitment.id,
            Outbox.chat_id == party.telegram_user_id))).first()
        if told is None:
            await owe(session, chat_id=party.telegram_user_id,
                      kind=Notice.PLAN_COMMITMENT_DONE, ref_id=commitment.id, now=now)
            owed += 1
    return owed


async def plan_view_section(ctx: Turn, plan: Plan) -> Section:
    """The plan card's part about following the plan: who follows it with /plan (the person
    harmed, and whoever the coordinator marked as informed), who asked to be told, the
    evaluation moment and its answers, any "did not happen"; a button per party to mark
    them informed or not, and the follow-up report."""
    found = await gather_followed_plan(ctx.session, plan)
    evaluations = (await ctx.session.exec(select(PlanEvaluation).where(
        PlanEvaluation.plan_id == plan.id).order_by(col(PlanEvaluation.id)))).all()
    ids = [c.commitment.id for c in found.commitments]
    invocations = (await ctx.session.exec(select(PlanInvocation).where(
        col(PlanInvocation.commitment_id).in_(ids)).order_by(col(PlanInvocation.id)))).all()
    today = _today(ctx, found).date()
    catalog, language = ctx.app.catalog, ctx.language
    return Section(section_lines(catalog, language, found, today, evaluations, invocations[-5:]),
                   section_rows(catalog, language, found))


async def _own_plan(ctx: Turn, case_id: int) -> Plan | None:
    case = await own_case(ctx, case_id)
    plan = await plan_of_case(ctx.session, case.id)
    if plan is None:
        ctx.say("planview.no_plan_yet", reference=case.reference)
    return plan


@allowed(ActorKind.COORDINATOR)
async def show_followers(ctx: Turn, *, ref: int) -> None:
    plan = await _own_plan(ctx, ref)
    if plan is None:
        return
    section = await plan_view_section(ctx, plan)
    card = ((ctx.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, ref))),)
    ctx.response.say("\n".join(section.lines), (*section.rows, card))


@allowed(ActorKind.COORDINATOR)
async def toggle_informed(ctx: Turn, *, ref: int) -> None:
    """The plan says this person must be informed: they may follow it with /plan (and are
    told so), or no longer."""
    party, case = await own_party(ctx, ref)
    plan = await _own_plan(ctx, case.id or 0)
    if plan is None:
        return
    if party.role == Role.VICTIM:  # the person harmed always follows the plan
        await show_followers(ctx, ref=case.id or 0)
        return
    watcher = (await ctx.session.exec(select(PlanWatcher).where(
        PlanWatcher.plan_id == plan.id, PlanWatcher.party_id == party.id))).first()
    watcher = watcher or PlanWatcher(plan_id=plan.id or 0, party_id=party.id or 0)
    watcher.informed = not watcher.informed
    ctx.session.add(watcher)
    await ctx.session.flush()
    record(ctx, AuditAction.PLAN_INFORMED, case_id=case.id, party_id=party.id)
    if watcher.informed and party.telegram_user_id is not None:
        await owe(ctx.session, chat_id=party.telegram_user_id, kind=Notice.PLAN_SHARED,
                  ref_id=watcher.id, now=ctx.now)
    ctx.say("planview.informed_on" if watcher.informed else "planview.informed_off",
            name=party.name)
    await show_followers(ctx, ref=case.id or 0)


@allowed(ActorKind.COORDINATOR)
async def follow_up_report(ctx: Turn, *, ref: int) -> None:
    """The follow-up report (HERGO: uitvoeringsverslag) as a PDF, for the coordinator to
    review before sending it on to the referrer."""
    plan = await _own_plan(ctx, ref)
    if plan is None:
        return
    found = await gather_followed_plan(ctx.session, plan)
    record(ctx, AuditAction.REPORT_MADE, case_id=found.case.id)
    # Laying out a PDF takes a tenth of a second or more: off the event loop, as the export.
    pdf = await asyncio.to_thread(report_pdf, found, ctx.app.catalog, ctx.language,
                                  find_fonts(ctx.app.pdf_font_dir), ctx.now)
    ctx.response.messages.append(Outgoing(
        ctx.t("report.caption", reference=found.case.reference),
        document=(f"uitvoeringsverslag-{found.case.id}.pdf", pdf)))
