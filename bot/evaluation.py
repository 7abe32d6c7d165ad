"""The plan's evaluation moment (Eigen Kracht checks in some four weeks after the conference):
on `Plan.evaluation_on`, from 10:00 in the case's time zone, the coordinator is prompted and
each participant who signed the plan is asked one short question: how is it going?

The database is the source of truth: the scheduler only wakes `plan_evaluations`. A plan is
claimed by setting `evaluation_prompted_at` with a conditional update in the same transaction
as its outbox rows, so the prompt is written once, even by two instances at a time. After a
downtime it comes late but once, and never at night: the rows wait for daytime.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.models import Case, Coordinator, Party, Plan, PlanEvaluation, PlanVersion, Signature
from bot.notifications import owe
from bot.nudges import reasonable_time
from bot.plan_record import newest_version
from bot.vocabulary import Notice

PROMPT_AT = time(10, 0)  # local time on the evaluation day


def prompt_moment(plan: Plan, timezone: str) -> datetime | None:
    if plan.evaluation_on is None:
        return None
    return datetime.combine(plan.evaluation_on, PROMPT_AT, tzinfo=ZoneInfo(timezone))


async def plan_evaluations(db: Database, clock: Clock) -> int:
    """Prompts every plan whose evaluation moment has come; returns how many."""
    now = clock()
    done = 0
    async with db.transaction() as session:
        rows = (await session.exec(
            select(Plan, Case).join(Case, col(Case.id) == Plan.case_id)
            .where(col(Plan.evaluation_on).is_not(None),
                   col(Plan.evaluation_prompted_at).is_(None),
                   col(Case.closed_at).is_(None), col(Case.erased_at).is_(None)))).all()
        for plan, case in rows:
            moment = prompt_moment(plan, case.timezone)
            if moment is None or now < moment:
                continue
            if await newest_version(session, plan.id) is None:
                continue  # never put to the parties: nothing to evaluate yet
            if await _claim(session, plan, now):
                await _prompt(session, plan, case, now)
                done += 1
    return done


async def _claim(session: AsyncSession, plan: Plan, now: datetime) -> bool:
    """Marks the plan prompted unless another instance did so first."""
    claimed = await session.exec(
        update(Plan).where(col(Plan.id) == plan.id, col(Plan.evaluation_prompted_at).is_(None))
        .values(evaluation_prompted_at=now).returning(col(Plan.id)))
    return claimed.first() is not None


async def _prompt(session: AsyncSession, plan: Plan, case: Case, now: datetime) -> None:
    due = reasonable_time(now, case.timezone)
    coordinator = await session.get(Coordinator, case.coordinator_id)
    if coordinator is not None:
        await owe(session, chat_id=coordinator.telegram_user_id, kind=Notice.EVALUATION_DUE,
                  ref_id=plan.id, now=now, due_at=due)
    signed = (await session.exec(
        select(Party).join(Signature, col(Signature.party_id) == Party.id)
        .join(PlanVersion, col(PlanVersion.id) == Signature.version_id)
        .where(PlanVersion.plan_id == plan.id, col(Signature.signed_at).is_not(None))
        .order_by(col(Party.id)))).all()
    for party in {p.id: p for p in signed}.values():  # once each, whichever they signed
        if party.telegram_user_id is None or party.unreachable_at is not None:
            continue
        evaluation = PlanEvaluation(plan_id=plan.id or 0, party_id=party.id or 0, asked_at=now)
        session.add(evaluation)
        await session.flush()
        await owe(session, chat_id=party.telegram_user_id, kind=Notice.EVALUATION_QUESTION,
                  ref_id=evaluation.id, now=now, due_at=due)
