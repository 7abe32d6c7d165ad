"""A repair plan as it stands, gathered once for whoever reads it: /plan, the coordinator's
plan section, the evaluation moment and the follow-up report. And how one commitment is going,
in facts (never blame): its due dates, what its owner reported, what was paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Case,
    Commitment,
    CommitmentCheck,
    CommitmentOwner,
    Conference,
    Party,
    Payment,
    Plan,
    PlanVersion,
    PlanWatcher,
    Signature,
)
from bot.vocabulary import CheckAnswer, CommitmentStatus, PlanAim, Role


@dataclass(frozen=True)
class CommitmentRecord:
    commitment: Commitment
    owners: list[Party]
    checks: list[CommitmentCheck]  # by occurrence
    payments: list[Payment]  # by when reported

    @property
    def due_dates(self) -> list[date]:
        """Every due date: one, or `times` of them `every_days` apart."""
        first = self.commitment.due_on
        if first is None:
            return []
        every, times = self.commitment.every_days, self.commitment.times
        if not every or not times or times < 2:
            return [first]
        return [first + timedelta(days=every * i) for i in range(times)]

    @property
    def paid_cents(self) -> int:
        return sum(p.cents for p in self.payments)

    @property
    def confirmed_cents(self) -> int:
        return sum(p.cents for p in self.payments if p.confirmed_at is not None)


@dataclass(frozen=True)
class Progress:
    """Where a commitment stands, in facts: `kind` is one of done, ended, partly, not_yet,
    planned (due later, or no date) and due (the date passed, nothing reported as done)."""

    kind: str
    on: date | None = None  # done or ended on; the next due date; partly/not yet: reported on
    done_times: int = 0
    times: int = 1


def progress(record: CommitmentRecord, today: date, zone: str) -> Progress:
    commitment = record.commitment
    dates = record.due_dates
    times = max(len(dates), 1)
    done_times = sum(1 for c in record.checks if c.answer == CheckAnswer.DONE)

    def local(moment: datetime | None) -> date | None:
        return moment.astimezone(ZoneInfo(zone)).date() if moment else None

    if commitment.status == CommitmentStatus.DONE:
        return Progress("done", local(commitment.done_at), times, times)
    if commitment.status == CommitmentStatus.ENDED:
        return Progress("ended", local(commitment.ended_at), done_times, times)
    by_occurrence = {c.occurrence: c for c in record.checks}
    for index, due in enumerate(dates):
        check = by_occurrence.get(index)
        if check is not None and check.answer == CheckAnswer.DONE:
            continue
        next_due = check.snoozed_to if check is not None and check.snoozed_to else due
        # The owner's "I need help" is for the coordinator only: it reads as still open.
        if check is not None and check.answer in (CheckAnswer.PARTLY, CheckAnswer.NOT_YET):
            return Progress(str(check.answer), local(check.answered_at), done_times, times)
        kind = "due" if next_due < today else "planned"
        return Progress(kind, next_due, done_times, times)
    return Progress("planned", None, done_times, times)


@dataclass(frozen=True)
class FollowedPlan:
    case: Case
    plan: Plan
    version: PlanVersion | None  # the newest version put to the parties; None: not yet
    signatures: list[Signature]  # of that version
    commitments: list[CommitmentRecord]  # not removed, in the plan's order
    parties: dict[int, Party]
    watchers: list[PlanWatcher]
    conference: Conference | None

    def towards(self, aim: PlanAim) -> list[CommitmentRecord]:
        return [c for c in self.commitments if c.commitment.aim == aim]

    def owned_by(self, party_id: int | None) -> list[CommitmentRecord]:
        return [c for c in self.commitments if any(o.id == party_id for o in c.owners)]

    def watcher(self, party_id: int | None) -> PlanWatcher | None:
        return next((w for w in self.watchers if w.party_id == party_id), None)

    def may_follow(self, party: Party) -> bool:
        """The person harmed, or someone the coordinator marked as informed of the plan."""
        if party.role == Role.VICTIM:
            return True
        watcher = self.watcher(party.id)
        return watcher is not None and watcher.informed


async def plan_of_case(session: AsyncSession, case_id: int | None) -> Plan | None:
    return (await session.exec(select(Plan).where(Plan.case_id == case_id))).first()


async def newest_version(session: AsyncSession, plan_id: int | None) -> PlanVersion | None:
    return (await session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                               .order_by(col(PlanVersion.number).desc()))).first()


async def gather_followed_plan(session: AsyncSession, plan: Plan) -> FollowedPlan:
    case = await session.get(Case, plan.case_id)
    assert case is not None
    parties = {p.id or 0: p for p in (await session.exec(select(Party).where(
        Party.case_id == case.id).order_by(col(Party.id)))).all()}
    version = await newest_version(session, plan.id)
    signatures: Sequence[Signature] = []
    if version is not None:
        signatures = (await session.exec(select(Signature).where(
            Signature.version_id == version.id).order_by(col(Signature.id)))).all()
    commitments = (await session.exec(select(Commitment).where(
        Commitment.plan_id == plan.id, col(Commitment.removed_at).is_(None))
        .order_by(col(Commitment.id)))).all()
    records = []
    for commitment in commitments:
        owner_ids = (await session.exec(select(CommitmentOwner.party_id).where(
            CommitmentOwner.commitment_id == commitment.id)
            .order_by(col(CommitmentOwner.id)))).all()
        checks = (await session.exec(select(CommitmentCheck).where(
            CommitmentCheck.commitment_id == commitment.id)
            .order_by(col(CommitmentCheck.occurrence)))).all()
        payments = (await session.exec(select(Payment).where(
            Payment.commitment_id == commitment.id).order_by(col(Payment.id)))).all()
        records.append(CommitmentRecord(commitment, [parties[i] for i in owner_ids if i in parties],
                                        list(checks), list(payments)))
    watchers = (await session.exec(select(PlanWatcher).where(
        PlanWatcher.plan_id == plan.id).order_by(col(PlanWatcher.id)))).all()
    conference = (await session.exec(select(Conference).where(
        Conference.case_id == case.id))).first()
    return FollowedPlan(case, plan, version, list(signatures), records, parties, list(watchers),
                      conference)


def first_name(party: Party) -> str:
    words = party.name.split()
    return words[0] if words else party.name
