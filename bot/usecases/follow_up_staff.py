"""The coordinator follows the commitments: each one's state at a glance (overdue first to
see), and marks one done, gives it a new date, or ends it. Every action is audited.

A new date is a matter of the follow-up, not a change of the signed plan: the next open due
date moves (its check-in and reminder planned anew); the plan's text stays as it was signed.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot import buttons
from bot.access import allowed, own_case, refuse
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb, Keyboard
from bot.engine.formats import parse_date
from bot.follow_up_rules import local_date
from bot.models import Case, Commitment, CommitmentCheck, Plan, Talk
from bot.turn import Turn
from bot.usecases import forms
from bot.usecases.follow_up import (
    checks_of,
    is_answered,
    is_followed,
    owners_of,
    replan,
    stop_following,
)
from bot.usecases.payments import paid_so_far
from bot.usecases.plan_view import tell_watchers_done
from bot.views.case_card import Section
from bot.views.follow_up import CommitmentLine, long_date, section_lines, section_rows
from bot.vocabulary import ActorKind, AuditAction, CheckAnswer, CommitmentStatus

FURTHEST_DAYS = 3 * 366


async def follow_up_section(ctx: Turn, plan: Plan) -> Section:
    """The plan's commitments as the coordinator follows them, for the case card: each one's
    state (open / done / overdue since a date / ended), instalments paid of the amount, the
    latest check-in answer, and buttons done / new date / end for each one still open.
    Commitments taken out of the plan are not shown. No access check: the caller's."""
    case = await ctx.session.get(Case, plan.case_id)
    if case is None:
        return Section()
    commitments = (await ctx.session.exec(select(Commitment).where(
        Commitment.plan_id == plan.id, col(Commitment.removed_at).is_(None))
        .order_by(col(Commitment.id)))).all()
    lines = []
    for commitment in commitments:
        paid, confirmed = await paid_so_far(ctx.session, commitment.id)
        lines.append(CommitmentLine(commitment, await owners_of(ctx.session, commitment.id),
                                    await checks_of(ctx.session, commitment.id), paid, confirmed))
    today = local_date(ctx.now, case.timezone)
    catalog = ctx.app.catalog
    return Section(section_lines(catalog, ctx.language, lines, today),
                   section_rows(catalog, ctx.language, lines))


def _overview_button(ctx: Turn, case: Case) -> Keyboard:
    return (((ctx.t("followup.button.overview"),
              buttons.encode(CaseTap(CaseVerb.FOLLOW_UP, case.id or 0))),),)


@allowed(ActorKind.COORDINATOR)
async def show_follow_up(ctx: Turn, *, ref: int) -> None:
    """The follow-up on its own (from a notice about a commitment, or the card)."""
    case = await own_case(ctx, ref)
    plan = (await ctx.session.exec(select(Plan).where(Plan.case_id == case.id))).first()
    section = await follow_up_section(ctx, plan) if plan is not None else Section()
    record(ctx, AuditAction.FOLLOW_UP_VIEWED, case_id=case.id)
    if not section.lines:
        ctx.say("followup.staff.nothing", reference=case.reference)
        return
    card = ((ctx.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case.id or 0))),)
    ctx.response.say(ctx.t("followup.staff.head", reference=case.reference) + "\n"
                     + "\n".join(section.lines), (*section.rows, card))


async def _own_commitment(ctx: Turn, commitment_id: int) -> tuple[Commitment, Case]:
    commitment = await ctx.session.get(Commitment, commitment_id)
    plan = await ctx.session.get(Plan, commitment.plan_id) if commitment else None
    if commitment is None or plan is None:
        refuse(ctx)
    return commitment, await own_case(ctx, plan.case_id)


def _open(ctx: Turn, commitment: Commitment, case: Case) -> bool:
    if is_followed(commitment):
        return True
    ctx.say("followup.staff.not_open", _overview_button(ctx, case))
    return False


@allowed(ActorKind.COORDINATOR)
async def mark_done(ctx: Turn, *, ref: int) -> None:
    commitment, case = await _own_commitment(ctx, ref)
    if not _open(ctx, commitment, case):
        return
    commitment.status, commitment.done_at = CommitmentStatus.DONE, ctx.now
    ctx.session.add(commitment)
    await stop_following(ctx.session, commitment)
    await tell_watchers_done(ctx.session, commitment, ctx.now)
    record(ctx, AuditAction.COMMITMENT_DONE, case_id=case.id)
    ctx.say("followup.staff.done", _overview_button(ctx, case), what=commitment.what)


@allowed(ActorKind.COORDINATOR)
async def ask_new_date(ctx: Turn, *, ref: int) -> None:
    commitment, case = await _own_commitment(ctx, ref)
    if _open(ctx, commitment, case):
        ctx.say("followup.staff.which", what=commitment.what)
        await forms.start_form(ctx, "due_date", case, about_id=commitment.id)


@forms.on_complete("due_date")
async def new_date_typed(ctx: Turn, talk: Talk) -> None:
    commitment, case = await _own_commitment(ctx, talk.about_id or 0)
    if not _open(ctx, commitment, case):
        return
    day = parse_date(str(talk.answers["date"]))
    today = local_date(ctx.now, case.timezone)
    if day is None or day < today or (day - today).days > FURTHEST_DAYS:
        ctx.say("followup.staff.date_not_ahead", _overview_button(ctx, case))
        return
    check = await _next_open_check(ctx, commitment, day)
    check.snoozed_to = day
    await replan(ctx.session, check, commitment, case, await owners_of(ctx.session, commitment.id),
                 ctx.now, remind=True)
    record(ctx, AuditAction.COMMITMENT_REDATED, case_id=case.id)
    ctx.say("followup.staff.redated", _overview_button(ctx, case), what=commitment.what,
            date=long_date(ctx.app.catalog, ctx.language, day))


async def _next_open_check(ctx: Turn, commitment: Commitment, day: date) -> CommitmentCheck:
    """The due date the new date replaces: the first not answered for good; else the last
    one not done (asked about again); else a new one."""
    checks = await checks_of(ctx.session, commitment.id)
    waiting = [c for c in checks if not is_answered(c)]
    if waiting:
        return waiting[0]
    not_done = [c for c in checks if c.answer != CheckAnswer.DONE]
    if not_done:
        check = not_done[-1]
        check.answer = check.answered_at = None
        return check
    check = CommitmentCheck(commitment_id=commitment.id or 0,
                            occurrence=(checks[-1].occurrence + 1) if checks else 0,
                            due_on=day, created_at=ctx.now)
    ctx.session.add(check)
    await ctx.session.flush()
    return check


@allowed(ActorKind.COORDINATOR)
async def ask_end(ctx: Turn, *, ref: int) -> None:
    commitment, case = await _own_commitment(ctx, ref)
    if not _open(ctx, commitment, case):
        return
    ctx.say("followup.staff.ask_end", (
        ((ctx.t("followup.button.end_yes"),
          buttons.encode(CaseTap(CaseVerb.COMMITMENT_END_CONFIRM, commitment.id or 0))),),
        *_overview_button(ctx, case)), what=commitment.what)


@allowed(ActorKind.COORDINATOR)
async def end(ctx: Turn, *, ref: int) -> None:
    commitment, case = await _own_commitment(ctx, ref)
    if not _open(ctx, commitment, case):
        return
    commitment.status, commitment.ended_at = CommitmentStatus.ENDED, ctx.now
    ctx.session.add(commitment)
    await stop_following(ctx.session, commitment)
    record(ctx, AuditAction.COMMITMENT_ENDED, case_id=case.id)
    ctx.say("followup.staff.ended", _overview_button(ctx, case), what=commitment.what)
