"""How the plan's commitments are going, in words: for the person harmed and whoever must be
informed (/plan), for an owner (their own), and the coordinator's part of the plan card.

Facts only, never blame: "planned for", "done on", "not reported as done yet". The owner's
"I need help" is between them and the coordinator, so it reads as open here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Invoke, Keyboard, ShowPlan, TellDone
from bot.catalog import Catalog, role_name
from bot.models import Party, PlanEvaluation, PlanInvocation
from bot.plan_record import CommitmentRecord, FollowedPlan, first_name, progress
from bot.vocabulary import CommitmentStatus, PlanAim, Role


def a_date(catalog: Catalog, language: str, day: date) -> str:
    return catalog("planview.date", language, day=day.day,
                   month=catalog(f"month.{day.month}", language), year=day.year)


def euros(cents: int, language: str) -> str:
    whole, rest = divmod(cents, 100)
    amount = f"{whole:,}".replace(",", "." if language == "nl" else ",")
    if rest:
        amount += ("," if language == "nl" else ".") + f"{rest:02d}"
    return f"€ {amount}" if language == "nl" else f"€{amount}"


def state_text(catalog: Catalog, language: str, record: CommitmentRecord, today: date,
               zone: str) -> str:
    """"done on 14 March 2026", "planned for 1 April 2026", "2 of 6 times done; ..."."""
    state = progress(record, today, zone)
    when = a_date(catalog, language, state.on) if state.on else ""
    key = f"planview.state.{state.kind}" + ("" if state.on else "_undated")
    text = catalog(key, language, date=when)
    if state.times > 1 and state.kind != "done":
        text = catalog("planview.times_done", language, done=state.done_times,
                       times=state.times) + text
    return text


def money_text(catalog: Catalog, language: str, record: CommitmentRecord) -> str | None:
    amount = record.commitment.amount_cents
    if not amount:
        return None
    text = catalog("planview.paid", language, paid=euros(record.paid_cents, language),
                   amount=euros(amount, language))
    if record.confirmed_cents < record.paid_cents:
        text += " " + catalog("planview.paid_confirmed", language,
                              confirmed=euros(record.confirmed_cents, language))
    return text


def _item(catalog: Catalog, language: str, number: int, record: CommitmentRecord, today: date,
          zone: str, *, money: bool) -> list[str]:
    owners = ", ".join(first_name(p) for p in record.owners)
    lines = [catalog("planview.item", language, number=number, owners=owners,
                     what=record.commitment.what),
             "   ➜ " + state_text(catalog, language, record, today, zone)]
    shown = money_text(catalog, language, record) if money else None
    if shown:
        lines.append("   " + shown)
    return lines


def may_invoke(record: CommitmentRecord, today: date) -> bool:
    """"This did not happen" makes sense once something was due, or reported done."""
    commitment = record.commitment
    if commitment.status == CommitmentStatus.ENDED:
        return False
    return (commitment.status == CommitmentStatus.DONE or commitment.due_on is None
            or commitment.due_on <= today)


def follower_view(catalog: Catalog, language: str, plan: FollowedPlan, reader: Party,
                  today: date) -> tuple[str, Keyboard]:
    """/plan for the person harmed (every commitment, theirs first, with payments) or for
    someone informed of the plan (every commitment, no sums)."""
    zone = plan.case.timezone
    victim = reader.role == Role.VICTIM
    numbered = list(enumerate(plan.commitments, start=1))
    text = [catalog("planview.head", language, reference=plan.case.reference)]
    if victim:
        groups = [("planview.towards_you",
                   [(n, c) for n, c in numbered if c.commitment.aim == PlanAim.VICTIM]),
                  ("planview.the_others",
                   [(n, c) for n, c in numbered if c.commitment.aim != PlanAim.VICTIM])]
    else:
        groups = [("planview.informed_intro", numbered)]
    for key, items in groups:
        if not items:
            continue
        text += ["", catalog(key, language)]
        for number, record in items:
            text += _item(catalog, language, number, record, today, zone, money=victim)
    if not plan.commitments:
        text += ["", catalog("planview.no_commitments", language)]
    watcher = plan.watcher(reader.id)
    told = watcher is not None and watcher.tell_done
    text += ["", catalog("planview.told_on" if told else "planview.tell_offer", language),
             catalog("planview.invoke_offer", language)]
    rows: list[tuple[tuple[str, str], ...]] = [(
        (catalog("button.plan_tell_off" if told else "button.plan_tell_on", language),
         buttons.encode(TellDone(plan.plan.id or 0, 0 if told else 1))),)]
    invokable = [(n, c) for n, c in numbered if may_invoke(c, today)]
    row: list[tuple[str, str]] = []
    for number, record in invokable:
        row.append((catalog("button.plan_invoke", language, number=number),
                    buttons.encode(Invoke(record.commitment.id or 0, 0))))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    return "\n".join(text), tuple(rows)


def owner_view(catalog: Catalog, language: str, plan: FollowedPlan, reader: Party,
               today: date) -> str:
    """An owner's /plan: what /plan is for, and their own commitments with their dates."""
    zone = plan.case.timezone
    text = [catalog("planview.owner_intro", language, reference=plan.case.reference)]
    for number, record in enumerate(plan.commitments, start=1):
        if any(o.id == reader.id for o in record.owners):
            text.append(catalog("planview.own_item", language, number=number,
                                what=record.commitment.what))
            text.append("   ➜ " + state_text(catalog, language, record, today, zone))
    return "\n".join(text)


def invoke_question(catalog: Catalog, language: str, number: int, record: CommitmentRecord,
                    ) -> tuple[str, Keyboard]:
    text = catalog("planview.invoke_ask", language, number=number, what=record.commitment.what)
    return text, (
        ((catalog("button.plan_invoke_yes", language),
          buttons.encode(Invoke(record.commitment.id or 0, 1))),),
        ((catalog("button.plan_back", language), buttons.encode(ShowPlan())),))


def section_lines(catalog: Catalog, language: str, plan: FollowedPlan, today: date,
                  evaluations: Sequence[PlanEvaluation],
                  invocations: Sequence[PlanInvocation]) -> list[str]:
    """The coordinator's view of who follows the plan, the evaluation, what was said."""
    t = catalog
    lines = [t("planview.section_head", language)]
    followers = [p for p in plan.parties.values() if plan.may_follow(p)]
    for follower in followers:
        watcher = plan.watcher(follower.id)
        key = ("planview.section_follower_told" if watcher and watcher.tell_done
               else "planview.section_follower")
        lines.append(t(key, language, name=follower.name,
                       role=role_name(catalog, follower.role, language)))
    if not followers:
        lines.append(t("planview.section_nobody", language))
    evaluation_on = plan.plan.evaluation_on
    if evaluation_on is None:
        lines.append(t("planview.section_evaluation_unset", language))
    else:
        lines.append(t("planview.section_evaluation", language,
                       date=a_date(catalog, language, evaluation_on)))
    for evaluation in evaluations:
        answerer = plan.parties.get(evaluation.party_id)
        if answerer is not None and evaluation.answer is not None:
            lines.append(t("planview.section_evaluation_answer", language, name=answerer.name,
                           answer=t(f"evaluation.answer.{evaluation.answer}", language)))
    numbers = {c.commitment.id: n for n, c in enumerate(plan.commitments, start=1)}
    for invocation in invocations:
        party = plan.parties.get(invocation.party_id)
        if party is not None and invocation.commitment_id in numbers:
            lines.append(t("planview.section_invoked", language, name=party.name,
                           number=numbers[invocation.commitment_id],
                           date=a_date(catalog, language, invocation.at.date())))
    return lines


def section_rows(catalog: Catalog, language: str, plan: FollowedPlan) -> Keyboard:
    """A button per party who is not the person harmed: mark them informed, or not; and the
    follow-up report."""
    rows: list[tuple[tuple[str, str], ...]] = []
    row: list[tuple[str, str]] = []
    for party in plan.parties.values():
        if party.role == Role.VICTIM or (party.telegram_user_id is None
                                         and not plan.may_follow(party)):
            continue
        key = "button.plan_uninform" if plan.may_follow(party) else "button.plan_inform"
        row.append((catalog(key, language, name=first_name(party)),
                    buttons.encode(CaseTap(CaseVerb.PLAN_INFORM, party.id or 0))))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    rows.append(((catalog("button.follow_up_report", language),
                  buttons.encode(CaseTap(CaseVerb.FOLLOW_UP_REPORT, plan.case.id or 0))),))
    return tuple(rows)
