"""What following the plan owes others, made when the outbox sends it: a commitment done (to
whoever asked to be told), "this did not happen" (to the coordinator), "you are informed of
the plan" (to the person marked), and the evaluation moment (the coordinator's prompt, the
participant's question, their answer). Each is rendered from the database at sending time, in
its reader's language, and skipped when it no longer holds."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import buttons
from bot.buttons import CaseTap, CaseVerb, Evaluate, Keyboard, ShowPlan
from bot.catalog import role_name
from bot.models import (
    Case,
    Commitment,
    Outbox,
    Party,
    Plan,
    PlanEvaluation,
    PlanInvocation,
    PlanWatcher,
)
from bot.notifications import Message, Render, renders
from bot.plan_record import first_name, gather_followed_plan, progress
from bot.views.plan_view import a_date
from bot.vocabulary import CommitmentStatus, EvaluationAnswer, Notice


def _show_plan(r: Render, language: str) -> Keyboard:
    return (((r.catalog("button.plan_show", language), buttons.encode(ShowPlan())),),)


def _followers(r: Render, case_id: int | None) -> Keyboard:
    return (((r.t("button.plan_followers"),
              buttons.encode(CaseTap(CaseVerb.PLAN_FOLLOWERS, case_id or 0))),),
            ((r.t("button.case_card"), buttons.encode(CaseTap(CaseVerb.CARD, case_id or 0))),))


async def _plan_case(session: AsyncSession, plan_id: int | None) -> tuple[Plan, Case] | None:
    plan = await session.get(Plan, plan_id)
    case = await session.get(Case, plan.case_id) if plan else None
    return (plan, case) if plan is not None and case is not None else None


async def _case_of_commitment(session: AsyncSession, row: Outbox) -> int | None:
    commitment = await session.get(Commitment, row.ref_id)
    found = await _plan_case(session, commitment.plan_id) if commitment else None
    return found[1].id if found else None


async def _case_of_invocation(session: AsyncSession, row: Outbox) -> int | None:
    invocation = await session.get(PlanInvocation, row.ref_id)
    party = await session.get(Party, invocation.party_id) if invocation else None
    return party.case_id if party else None


async def _case_of_plan(session: AsyncSession, row: Outbox) -> int | None:
    found = await _plan_case(session, row.ref_id)
    return found[1].id if found else None


async def _case_of_evaluation(session: AsyncSession, row: Outbox) -> int | None:
    evaluation = await session.get(PlanEvaluation, row.ref_id)
    party = await session.get(Party, evaluation.party_id) if evaluation else None
    return party.case_id if party else None


async def _case_of_watcher(session: AsyncSession, row: Outbox) -> int | None:
    watcher = await session.get(PlanWatcher, row.ref_id)
    party = await session.get(Party, watcher.party_id) if watcher else None
    return party.case_id if party else None


@renders(Notice.PLAN_COMMITMENT_DONE, case_of=_case_of_commitment)
async def _done(r: Render) -> Message | None:
    commitment = await r.session.get(Commitment, r.row.ref_id)
    found = await _plan_case(r.session, commitment.plan_id) if commitment else None
    if commitment is None or found is None or commitment.status != CommitmentStatus.DONE:
        return None  # undone since: nothing to tell
    plan, case = found
    record = await gather_followed_plan(r.session, plan)
    reader = next((p for p in record.parties.values()
                   if p.telegram_user_id == r.row.chat_id and record.may_follow(p)), None)
    numbered = {c.commitment.id: (n, c) for n, c in enumerate(record.commitments, start=1)}
    if reader is None or commitment.id not in numbered:
        return None
    number, item = numbered[commitment.id]
    language = reader.language
    today = r.now.astimezone(ZoneInfo(case.timezone)).date()
    state = progress(item, today, case.timezone)
    return Message(r.catalog("planview.done_notice", language, reference=case.reference,
                             number=number, what=commitment.what,
                             date=a_date(r.catalog, language, state.on or today)),
                   _show_plan(r, language))


@renders(Notice.PLAN_INVOKED, case_of=_case_of_invocation)
async def _invoked(r: Render) -> Message | None:
    invocation = await r.session.get(PlanInvocation, r.row.ref_id)
    commitment = await r.session.get(Commitment, invocation.commitment_id) if invocation else None
    party = await r.session.get(Party, invocation.party_id) if invocation else None
    found = await _plan_case(r.session, commitment.plan_id) if commitment else None
    if invocation is None or commitment is None or party is None or found is None:
        return None
    _, case = found
    return Message(r.t("notify.plan_invoked", name=party.name, reference=case.reference,
                       role=role_name(r.catalog, party.role, r.language), what=commitment.what),
                   _followers(r, case.id))


@renders(Notice.PLAN_SHARED, case_of=_case_of_watcher)
async def _shared(r: Render) -> Message | None:
    watcher = await r.session.get(PlanWatcher, r.row.ref_id)
    party = await r.session.get(Party, watcher.party_id) if watcher else None
    case = await r.session.get(Case, party.case_id) if party else None
    if (watcher is None or party is None or case is None or not watcher.informed
            or party.telegram_user_id != r.row.chat_id):
        return None  # no longer informed, or someone else's account now
    return Message(r.catalog("planview.shared_notice", party.language, name=first_name(party),
                             reference=case.reference), _show_plan(r, party.language))


@renders(Notice.EVALUATION_DUE, case_of=_case_of_plan)
async def _evaluation_due(r: Render) -> Message | None:
    found = await _plan_case(r.session, r.row.ref_id)
    if found is None:
        return None
    plan, case = found
    record = await gather_followed_plan(r.session, plan)
    done = sum(1 for c in record.commitments if c.commitment.status == CommitmentStatus.DONE)
    asked = (await r.session.exec(select(PlanEvaluation.id).where(
        PlanEvaluation.plan_id == plan.id))).all()
    return Message(r.t("notify.evaluation_due", reference=case.reference, done=done,
                       total=len(record.commitments), asked=len(asked)), (
        ((r.t("button.follow_up_report"),
          buttons.encode(CaseTap(CaseVerb.FOLLOW_UP_REPORT, case.id or 0))),),
        *_followers(r, case.id)))


@renders(Notice.EVALUATION_QUESTION, case_of=_case_of_evaluation)
async def _evaluation_question(r: Render) -> Message | None:
    evaluation = await r.session.get(PlanEvaluation, r.row.ref_id)
    party = await r.session.get(Party, evaluation.party_id) if evaluation else None
    case = await r.session.get(Case, party.case_id) if party else None
    if (evaluation is None or party is None or case is None or evaluation.answer is not None
            or party.telegram_user_id != r.row.chat_id):
        return None
    language = party.language
    keyboard = tuple(((r.catalog(f"evaluation.button.{how}", language),
                       buttons.encode(Evaluate(evaluation.id or 0, how))),)
                     for how in EvaluationAnswer)
    return Message(r.catalog("evaluation.question", language, name=first_name(party),
                             reference=case.reference), keyboard)


@renders(Notice.EVALUATION_ANSWERED, case_of=_case_of_evaluation)
async def _evaluation_answered(r: Render) -> Message | None:
    evaluation = await r.session.get(PlanEvaluation, r.row.ref_id)
    party = await r.session.get(Party, evaluation.party_id) if evaluation else None
    case = await r.session.get(Case, party.case_id) if party else None
    if evaluation is None or party is None or case is None or evaluation.answer is None:
        return None
    newer = (await r.session.exec(select(Outbox.id).where(
        Outbox.kind == Notice.EVALUATION_ANSWERED, Outbox.ref_id == evaluation.id,
        col(Outbox.id) > r.row.id))).first()
    if newer is not None:
        return None  # they changed their answer: the newer row tells it
    return Message(r.t(f"notify.evaluation_answered.{evaluation.answer}", name=party.name,
                       role=role_name(r.catalog, party.role, r.language),
                       reference=case.reference), _followers(r, case.id))
