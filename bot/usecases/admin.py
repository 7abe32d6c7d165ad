"""An organisation admin: every coordinator and case at a glance, a case handed to another
coordinator, the audit trail. No talk contents: those are for a case's own coordinator."""

from __future__ import annotations

import logging

from sqlalchemy import func
from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, refuse
from bot.audit import record, trail
from bot.buttons import HandOver
from bot.models import Case, Coordinator, Party
from bot.notifications import owe, redirect_pending
from bot.turn import Turn
from bot.views.staff import audit_lines, case_lines, coordinator_lines
from bot.vocabulary import ActorKind, AuditAction, Notice

log = logging.getLogger(__name__)
MAX_LISTED = 40


@allowed(ActorKind.ADMIN)
async def list_coordinators(ctx: Turn, *, args: str = "") -> None:
    counts = dict((await ctx.session.exec(
        select(Case.coordinator_id, func.count(col(Case.id))).group_by(col(Case.coordinator_id))
    )).all())
    coordinators = (await ctx.session.exec(select(Coordinator).order_by(col(Coordinator.id)))).all()
    ctx.response.say(coordinator_lines(ctx.app.catalog, ctx.language, list(coordinators), counts))


@allowed(ActorKind.ADMIN)
async def list_all_cases(ctx: Turn, *, args: str = "") -> None:
    cases = list((await ctx.session.exec(select(Case).order_by(col(Case.id).desc())
                                         .limit(MAX_LISTED))).all())
    parties = dict((await ctx.session.exec(
        select(Party.case_id, func.count(col(Party.id))).group_by(col(Party.case_id)))).all())
    text, keyboard = case_lines(ctx.app.catalog, ctx.language, cases, parties)
    ctx.response.say(text, keyboard)


@allowed(ActorKind.ADMIN)
async def ask_handover(ctx: Turn, *, ref: int) -> None:
    case = await ctx.session.get(Case, ref)
    if case is None:
        refuse(ctx, case_id=ref)
    coordinators = (await ctx.session.exec(select(Coordinator).where(
        Coordinator.id != case.coordinator_id).order_by(col(Coordinator.id)))).all()
    rows = [((ctx.t("admin.coordinator_button", user_id=c.telegram_user_id),
              buttons.encode(HandOver(ref, c.id or 0))),) for c in coordinators]
    if ctx.actor.coordinator is None:
        rows.append(((ctx.t("admin.take_over_myself"), buttons.encode(HandOver(ref, 0))),))
    ctx.say("admin.handover_pick", tuple(rows), reference=case.reference)


@allowed(ActorKind.ADMIN)
async def hand_over(ctx: Turn, *, tap: HandOver) -> None:
    """The case goes to another coordinator (0: the admin takes it over and becomes its
    coordinator); both coordinators are told, and the trail keeps it."""
    case = await ctx.session.get(Case, tap.case_id)
    if case is None:
        refuse(ctx, case_id=tap.case_id)
    if tap.coordinator_id == 0:
        target = ctx.actor.coordinator or Coordinator(
            telegram_user_id=ctx.actor.user_id, language=ctx.language, created_at=ctx.now)
        ctx.session.add(target)
        await ctx.session.flush()
        ctx.actor.coordinator = target
        ctx.actor.kinds |= {ActorKind.COORDINATOR}
        ctx.response.menu = ctx.language
    else:
        found = await ctx.session.get(Coordinator, tap.coordinator_id)
        if found is None:
            refuse(ctx, case_id=case.id)
        target = found
    previous = await ctx.session.get(Coordinator, case.coordinator_id)
    if target.id == case.coordinator_id:
        ctx.say("admin.handover_same", reference=case.reference)
        return
    case.coordinator_id = target.id or 0
    ctx.session.add(case)
    record(ctx, AuditAction.CASE_HANDED_OVER, case_id=case.id)
    if previous is not None:
        await redirect_pending(ctx.session, case_id=case.id or 0,
                               from_chat=previous.telegram_user_id,
                               to_chat=target.telegram_user_id)
    for coordinator in (previous, target):
        if coordinator is not None and coordinator.telegram_user_id != ctx.actor.user_id:
            await owe(ctx.session, chat_id=coordinator.telegram_user_id,
                      kind=Notice.CASE_HANDED_OVER, ref_id=case.id, now=ctx.now)
    log.info("case %s handed over to coordinator %s", case.id, target.id)
    ctx.say("admin.handed_over", reference=case.reference, user_id=target.telegram_user_id)


@allowed(ActorKind.ADMIN)
async def show_audit(ctx: Turn, *, args: str = "") -> None:
    """/audit <case reference or number>."""
    wanted = args.strip()
    if not wanted:
        ctx.say("admin.audit_usage")
        return
    query = select(Case).where(Case.reference == wanted)
    if wanted.isdigit():
        query = select(Case).where((Case.reference == wanted) | (Case.id == int(wanted)))
    cases = (await ctx.session.exec(query)).all()
    if len(cases) != 1:
        ctx.say("admin.audit_no_case" if not cases else "admin.audit_ambiguous", case=wanted)
        return
    await show_audit_of(ctx, ref=cases[0].id or 0)


@allowed(ActorKind.ADMIN)
async def show_audit_of(ctx: Turn, *, ref: int) -> None:
    case = await ctx.session.get(Case, ref)
    if case is None:
        refuse(ctx, case_id=ref)
    entries = await trail(ctx, ref)
    record(ctx, AuditAction.AUDIT_VIEWED, case_id=ref)
    ctx.response.say(audit_lines(ctx.app.catalog, ctx.language, case, entries))
