"""The coordinator records the repair plan, during or right after the conference: its
commitments one at a time (add, change, remove), who takes each on, who is informed, what
happens if things go otherwise, and the evaluation. A change after a version was put to
signing makes the plan differ from it: it must be signed again (bot/usecases/plan_signing.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from sqlmodel import select

from bot import buttons
from bot.access import allowed, own_case, refuse
from bot.audit import record
from bot.buttons import CaseTap, CaseVerb, Keyboard, Owner
from bot.models import Case, Commitment, CommitmentOwner, Plan, Talk
from bot.plan_store import PlanRecord, gather_plan, plan_of
from bot.turn import Turn
from bot.usecases import forms
from bot.usecases.follow_up_staff import follow_up_section
from bot.usecases.plan_view import plan_view_section
from bot.views.case_card import Section
from bot.views.conference import first_name
from bot.views.plan import plan_parts, plan_text, signature_lines
from bot.vocabulary import ActorKind, AuditAction, CommitmentStatus

Row = tuple[tuple[str, str], ...]
# What follows the signed plan shows its part of the plan card (how each commitment goes, who
# follows the plan): async (ctx, plan) -> Section.
PLAN_SECTIONS: list[Callable[[Turn, Plan], Awaitable[Section]]] = [follow_up_section,
                                                                   plan_view_section]


def tap(verb: CaseVerb, ref: int | None) -> str:
    return buttons.encode(CaseTap(verb, ref or 0))


async def plan_for(ctx: Turn, case: Case) -> Plan:
    """The case's plan, begun the first time the coordinator opens it."""
    plan = await plan_of(ctx.session, case.id)
    if plan is None:
        plan = Plan(case_id=case.id or 0, changed_at=ctx.now, created_at=ctx.now)
        ctx.session.add(plan)
        await ctx.session.flush()
    return plan


async def own_commitment(ctx: Turn, commitment_id: int) -> tuple[Commitment, Plan, Case]:
    commitment = await ctx.session.get(Commitment, commitment_id)
    plan = await ctx.session.get(Plan, commitment.plan_id) if commitment else None
    if commitment is None or plan is None or commitment.removed_at is not None:
        refuse(ctx)
    return commitment, plan, await own_case(ctx, plan.case_id)


@allowed(ActorKind.COORDINATOR)
async def show_plan(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    plan = await plan_for(ctx, case)
    found = await gather_plan(ctx.session, case, plan)
    sections = [await section(ctx, plan) for section in PLAN_SECTIONS]
    text, keyboard = plan_card(ctx, found, sections)
    ctx.response.say(text, keyboard)


def plan_card(ctx: Turn, found: PlanRecord,
              sections: Sequence[Section] = ()) -> tuple[str, Keyboard]:
    """The plan as it stands, where its signing is, how it is followed, and what the
    coordinator can do."""
    lines = [plan_text(plan_parts(ctx.app.catalog, ctx.language, found))]
    if found.version is not None:
        lines.append("\n" + ctx.t("plan.card.signatures", number=found.version.number))
        lines += signature_lines(ctx.app.catalog, ctx.language, found.signatures,
                                 found.parties, found.case.timezone)
        if found.changed_since_version:
            lines.append(ctx.t("plan.card.changed", number=found.version.number))
    for section in sections:
        if section.lines:
            lines.append("")
            lines += section.lines
    case = found.case
    rows: list[Row] = [((ctx.t("plan.button.add"), tap(CaseVerb.ADD_COMMITMENT, case.id)),)]
    for number, commitment in enumerate(found.commitments, start=1):
        rows.append(((ctx.t("plan.button.edit", number=number),
                      tap(CaseVerb.EDIT_COMMITMENT, commitment.id)),
                     (ctx.t("plan.button.owners", number=number),
                      tap(CaseVerb.OWNERS_DONE, commitment.id)),
                     (ctx.t("plan.button.remove", number=number),
                      tap(CaseVerb.REMOVE_COMMITMENT, commitment.id))))
    rows.append(((ctx.t("plan.button.details"), tap(CaseVerb.PLAN_DETAILS, case.id)),))
    if found.commitments and (found.changed_since_version or not found.signatures):
        rows.append(((ctx.t("plan.button.send"), tap(CaseVerb.SEND_PLAN, case.id)),))
    elif found.version is not None and not found.all_signed:
        rows.append(((ctx.t("plan.button.remind"), tap(CaseVerb.REMIND_SIGNERS, case.id)),))
    for section in sections:
        rows += section.rows
    rows.append(((ctx.t("button.case_card"), tap(CaseVerb.CARD, case.id)),))
    return "\n".join(lines), tuple(rows)


@allowed(ActorKind.COORDINATOR)
async def add_commitment(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    await forms.start_form(ctx, "commitment", case)


@allowed(ActorKind.COORDINATOR)
async def edit_commitment(ctx: Turn, *, ref: int) -> None:
    """The commitment's form at its review: every answer filled in, any of them changed."""
    commitment, _, case = await own_commitment(ctx, ref)
    answers: dict[str, object] = {"what": commitment.what, "aim": commitment.aim,
                                  "due": commitment.due_on.isoformat() if commitment.due_on
                                  else None, "amount": str(commitment.amount_cents)
                                  if commitment.amount_cents else None,
                                  "follow_up": commitment.follow_up}
    if commitment.due_on is not None:
        answers["repeat"] = str(commitment.every_days or 0)
        if commitment.every_days:
            answers["times"] = str(commitment.times or 1)
        answers["size"] = str(commitment.lead_days)
    await forms.start_form(ctx, "commitment", case, about_id=commitment.id, answers=answers)


@forms.on_complete("commitment")
async def commitment_recorded(ctx: Turn, talk: Talk) -> None:
    case = await own_case(ctx, talk.case_id or 0)
    plan = await plan_for(ctx, case)
    answers = talk.answers
    if talk.about_id is not None:
        commitment, _, _ = await own_commitment(ctx, talk.about_id)
    else:
        commitment = Commitment(plan_id=plan.id or 0, what="", aim="", created_at=ctx.now,
                                status=CommitmentStatus.OPEN)
    commitment.what, commitment.aim = answers["what"], answers["aim"]
    due = answers.get("due")
    commitment.due_on = date.fromisoformat(due) if due else None
    every = int(answers.get("repeat") or 0) if due else 0
    commitment.every_days = every or None
    commitment.times = int(answers["times"]) if every and answers.get("times") else None
    commitment.lead_days = int(answers.get("size") or 1)
    commitment.amount_cents = int(answers["amount"]) if answers.get("amount") else None
    commitment.follow_up = answers.get("follow_up") or None
    ctx.session.add(commitment)
    plan.changed_at = ctx.now
    ctx.session.add(plan)
    await ctx.session.flush()
    record(ctx, AuditAction.PLAN_CHANGED, case_id=case.id)
    if talk.about_id is None:
        await ask_owners(ctx, case, commitment)
    else:
        await show_plan(ctx, ref=case.id or 0)


async def ask_owners(ctx: Turn, case: Case, commitment: Commitment) -> None:
    """Who takes the commitment on: one or more parties, a tap each, then "done"."""
    found = await gather_plan(ctx.session, case, await plan_for(ctx, case))
    owners = {p.id for p in found.owners.get(commitment.id or 0, [])}
    rows: list[Row] = []
    for party in found.parties.values():
        mark = "✔ " if party.id in owners else ""
        rows.append(((f"{mark}{first_name(party)}", buttons.encode(
            Owner(commitment.id or 0, party.id or 0))),))
    rows.append(((ctx.t("button.done"), tap(CaseVerb.PLAN_CARD, case.id)),))
    ctx.say("plan.ask_owners", tuple(rows), what=commitment.what)


@allowed(ActorKind.COORDINATOR)
async def pick_owners(ctx: Turn, *, ref: int) -> None:
    commitment, _, case = await own_commitment(ctx, ref)
    await ask_owners(ctx, case, commitment)


@allowed(ActorKind.COORDINATOR)
async def toggle_owner(ctx: Turn, *, tap: Owner) -> None:
    commitment, plan, case = await own_commitment(ctx, tap.commitment_id)
    found = await gather_plan(ctx.session, case, plan)
    if tap.party_id not in found.parties:
        refuse(ctx, case_id=case.id)
    existing = next((p for p in found.owners.get(commitment.id or 0, [])
                     if p.id == tap.party_id), None)
    if existing is None:
        ctx.session.add(CommitmentOwner(commitment_id=commitment.id or 0,
                                        party_id=tap.party_id))
    else:
        row = (await ctx.session.exec(select(CommitmentOwner).where(
            CommitmentOwner.commitment_id == commitment.id,
            CommitmentOwner.party_id == tap.party_id))).one()
        await ctx.session.delete(row)
    plan.changed_at = ctx.now
    ctx.session.add(plan)
    await ctx.session.flush()
    await ask_owners(ctx, case, commitment)


@allowed(ActorKind.COORDINATOR)
async def remove_commitment(ctx: Turn, *, ref: int) -> None:
    """Taken out of the plan; kept, because an earlier version may name it."""
    commitment, plan, case = await own_commitment(ctx, ref)
    commitment.removed_at = ctx.now
    plan.changed_at = ctx.now
    ctx.session.add(commitment)
    ctx.session.add(plan)
    record(ctx, AuditAction.PLAN_CHANGED, case_id=case.id)
    await ctx.session.flush()
    await show_plan(ctx, ref=case.id or 0)


@allowed(ActorKind.COORDINATOR)
async def edit_details(ctx: Turn, *, ref: int) -> None:
    case = await own_case(ctx, ref)
    plan = await plan_for(ctx, case)
    answers = {"inform": plan.inform, "otherwise": plan.otherwise,
               "evaluation": plan.evaluation_on.isoformat() if plan.evaluation_on else None}
    await forms.start_form(ctx, "plan_details", case, answers=answers
                           if any(answers.values()) else None)


@forms.on_complete("plan_details")
async def details_recorded(ctx: Turn, talk: Talk) -> None:
    case = await own_case(ctx, talk.case_id or 0)
    plan = await plan_for(ctx, case)
    answers = talk.answers
    plan.inform, plan.otherwise = answers.get("inform") or None, answers.get("otherwise") or None
    evaluation = answers.get("evaluation")
    plan.evaluation_on = date.fromisoformat(evaluation) if evaluation else None
    plan.changed_at = ctx.now
    ctx.session.add(plan)
    record(ctx, AuditAction.PLAN_CHANGED, case_id=case.id)
    await ctx.session.flush()
    await show_plan(ctx, ref=case.id or 0)
