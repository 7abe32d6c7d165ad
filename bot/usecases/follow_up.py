"""The follow-up of a signed plan's commitments: each due date a `CommitmentCheck`, and what
is owed about it (a reminder before, a check-in on the day) an outbox row due at its moment.

`start_follow_up` is called when a plan version has been signed by everyone, in the same
transaction. It reconciles: called again after a later version, it plans what is new, moves
what changed and is not answered yet, withdraws what is gone, and keeps every answer; it never
owes a message twice. The one repeat and the coordinator's notice are owed by the sender when
the message before them goes out (bot/follow_up_notices.py), so a bot that was down never sends
a check-in and its repeat at once. The rules of when are in bot/follow_up_rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.follow_up_rules import check_in_at, occurrences, reminder_at
from bot.models import (
    Case,
    Commitment,
    CommitmentCheck,
    CommitmentOwner,
    Outbox,
    Party,
    Plan,
)
from bot.notifications import owe
from bot.vocabulary import CheckAnswer, CommitmentStatus, Notice, OutboxStatus

TO_OWNERS = (Notice.COMMITMENT_REMINDER, Notice.COMMITMENT_CHECK_IN, Notice.COMMITMENT_REPEAT)
WITHDRAWN = (*TO_OWNERS, Notice.COMMITMENT_NO_ANSWER)  # what a new date or an end takes back
ANSWERED = frozenset({CheckAnswer.DONE, CheckAnswer.PARTLY, CheckAnswer.HELP})


def is_answered(check: CommitmentCheck) -> bool:
    """Answered for good: "not yet" waits for the new date it leads to."""
    return check.answer in ANSWERED


def is_followed(commitment: Commitment) -> bool:
    return commitment.status == CommitmentStatus.OPEN and commitment.removed_at is None


@dataclass(frozen=True)
class Followed:
    """One check with everything its follow-up needs."""

    check: CommitmentCheck
    commitment: Commitment
    plan: Plan
    case: Case
    owners: list[Party]


async def owners_of(session: AsyncSession, commitment_id: int | None) -> list[Party]:
    rows = await session.exec(select(Party).join(
        CommitmentOwner, col(CommitmentOwner.party_id) == col(Party.id)).where(
        CommitmentOwner.commitment_id == commitment_id).order_by(col(Party.id)))
    return list(rows.all())


async def checks_of(session: AsyncSession, commitment_id: int | None) -> list[CommitmentCheck]:
    rows = await session.exec(select(CommitmentCheck).where(
        CommitmentCheck.commitment_id == commitment_id).order_by(col(CommitmentCheck.occurrence)))
    return list(rows.all())


async def followed(session: AsyncSession, check_id: int | None) -> Followed | None:
    check = await session.get(CommitmentCheck, check_id) if check_id else None
    commitment = await session.get(Commitment, check.commitment_id) if check else None
    plan = await session.get(Plan, commitment.plan_id) if commitment else None
    case = await session.get(Case, plan.case_id) if plan else None
    if check is None or commitment is None or plan is None or case is None:
        return None
    return Followed(check, commitment, plan, case, await owners_of(session, commitment.id))


async def start_follow_up(session: AsyncSession, plan: Plan, now: datetime) -> None:
    """Plans (or re-plans) the follow-up of every commitment of a plan just signed by all.

    Safe to call again after each later version: an answered check is kept as it is; an open
    one whose date changed is moved (its messages owed anew); a check no longer in the plan,
    or of a commitment removed, done or ended, has its pending messages withdrawn."""
    case = await session.get(Case, plan.case_id)
    if case is None:
        return
    commitments = await session.exec(select(Commitment).where(Commitment.plan_id == plan.id)
                                     .order_by(col(Commitment.id)))
    for commitment in commitments.all():
        await _reconcile(session, case, commitment, now)


async def _reconcile(session: AsyncSession, case: Case, commitment: Commitment,
                     now: datetime) -> None:
    checks = {c.occurrence: c for c in await checks_of(session, commitment.id)}
    wanted = occurrences(commitment) if is_followed(commitment) else []
    owners = await owners_of(session, commitment.id)
    for occurrence, check in checks.items():
        if occurrence >= len(wanted) and not is_answered(check):
            await withdraw(session, [check.id or 0])
            if not await _was_spoken_of(session, check):
                await session.delete(check)  # never asked about: as if it never was
    for occurrence, due_on in enumerate(wanted):
        known = checks.get(occurrence)
        if known is None:
            check = CommitmentCheck(commitment_id=commitment.id or 0, occurrence=occurrence,
                                    due_on=due_on, created_at=now)
            session.add(check)
            await session.flush()
            await plan_messages(session, check, commitment, case, owners, now, remind=True)
        elif is_answered(known):
            continue
        elif known.due_on != due_on:  # the plan moved it: asked about anew
            known.due_on, known.snoozed_to = due_on, None
            await replan(session, known, commitment, case, owners, now, remind=True)
        else:
            await _complete_rows(session, known, commitment, case, owners, now)


async def _was_spoken_of(session: AsyncSession, check: CommitmentCheck) -> bool:
    return check.answer is not None or (await session.exec(select(Outbox.id).where(
        Outbox.ref_id == check.id, col(Outbox.kind).in_(WITHDRAWN),
        Outbox.status != OutboxStatus.PENDING))).first() is not None


async def _complete_rows(session: AsyncSession, check: CommitmentCheck, commitment: Commitment,
                         case: Case, owners: list[Party], now: datetime) -> None:
    """An unchanged open check: an owner added since gets its messages; one no longer an
    owner gets none. Nothing owed before is owed again."""
    chats = {p.telegram_user_id for p in owners if p.telegram_user_id is not None}
    rows = (await session.exec(select(Outbox).where(
        Outbox.ref_id == check.id, col(Outbox.kind).in_(TO_OWNERS)))).all()
    for row in rows:
        if row.chat_id not in chats and row.status == OutboxStatus.PENDING:
            await session.delete(row)
    known = {row.chat_id for row in rows}
    new = [p for p in owners if p.telegram_user_id not in known]
    if new:
        await plan_messages(session, check, commitment, case, new, now, remind=True)


async def plan_messages(session: AsyncSession, check: CommitmentCheck, commitment: Commitment,
                        case: Case, owners: list[Party], now: datetime, *,
                        remind: bool) -> None:
    """Each owner's reminder (when `remind`, and still ahead) and check-in, as outbox rows."""
    check_in = check_in_at(check, case.timezone)
    reminder = reminder_at(check, commitment.lead_days, case.timezone)
    for owner in owners:
        if owner.telegram_user_id is None:
            continue
        if remind and now < reminder < check_in:
            await owe(session, chat_id=owner.telegram_user_id, kind=Notice.COMMITMENT_REMINDER,
                      ref_id=check.id, now=now, due_at=reminder)
        await owe(session, chat_id=owner.telegram_user_id, kind=Notice.COMMITMENT_CHECK_IN,
                  ref_id=check.id, now=now, due_at=max(check_in, now))


async def replan(session: AsyncSession, check: CommitmentCheck, commitment: Commitment,
                 case: Case, owners: list[Party], now: datetime, *, remind: bool) -> None:
    """A check's date changed (the plan, a snooze, the coordinator): what was owed about the
    old date is withdrawn, the repeat and the coordinator's notice may come once again."""
    await withdraw(session, [check.id or 0])
    check.repeated_at = check.escalated_at = None
    session.add(check)
    await plan_messages(session, check, commitment, case, owners, now, remind=remind)


async def withdraw(session: AsyncSession, check_ids: list[int]) -> None:
    """Messages about these checks not sent yet are taken back."""
    if check_ids:
        await session.exec(sa.delete(Outbox).where(
            col(Outbox.kind).in_(WITHDRAWN), col(Outbox.ref_id).in_(check_ids),
            col(Outbox.status) == OutboxStatus.PENDING))


async def stop_following(session: AsyncSession, commitment: Commitment) -> None:
    """A commitment done or ended: nothing more is asked about it."""
    await withdraw(session, [c.id or 0 for c in await checks_of(session, commitment.id)])
