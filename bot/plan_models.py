"""The repair plan's tables: the plan as the coordinator edits it, its signed versions and
signatures, commitments with their owners, due dates and check-ins, payments, who follows the
plan, the evaluation and "this did not happen". Imported by `bot.models` (import them from
there); personal text sealed with `PersonalText`, as everywhere."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models import PersonalText, _utc


class Plan(SQLModel, table=True):
    """The repair plan of a case (HERGO: the intentieverklaring), as the coordinator edits it.
    What the parties sign is a `PlanVersion`: a frozen, canonical copy with its hash."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", unique=True, index=True)
    inform: str | None = Field(default=None, sa_type=PersonalText)  # who is told of it, and how
    otherwise: str | None = Field(default=None, sa_type=PersonalText)  # if things go otherwise
    evaluation_on: date | None = None  # the evaluation moment (local date in the case's zone)
    evaluation_prompted_at: datetime | None = _utc(default=None)
    changed_at: datetime = _utc()  # the working plan last changed (after a version: sign again)
    created_at: datetime = _utc()


class PlanVersion(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    digest: str = Field(max_length=64)  # SHA-256 of `content`
    content: str = Field(sa_type=PersonalText)  # the canonical JSON the parties saw
    created_at: datetime = _utc()


class Signature(SQLModel, table=True):
    """A party's sign-off of one exact plan version (its digest), or their refusal, with why."""

    __table_args__ = (sa.UniqueConstraint("version_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="planversion.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    digest: str = Field(max_length=64)
    signed_at: datetime | None = _utc(default=None)
    declined_at: datetime | None = _utc(default=None)
    reason: str | None = Field(default=None, sa_type=PersonalText)


class Commitment(SQLModel, table=True):
    """One concrete agreement: who (`CommitmentOwner`), what, towards whom, by when (once, or
    every `every_days` days for `times` times), who checks, and for money the amount owed."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    what: str = Field(sa_type=PersonalText)
    aim: str = Field(max_length=12)  # a PlanAim
    due_on: date | None = None  # local date in the case's zone; the first one if recurring
    every_days: int | None = None
    times: int | None = None
    lead_days: int = 1  # the reminder this many days before (a few for a big one)
    follow_up: str | None = Field(default=None, sa_type=PersonalText)  # how it is followed up
    checker_party_id: int | None = Field(default=None, foreign_key="party.id")
    amount_cents: int | None = None  # money owed, paid in instalments (`Payment`)
    status: str = Field(default="open", max_length=10)  # a CommitmentStatus
    done_at: datetime | None = _utc(default=None)
    ended_at: datetime | None = _utc(default=None)
    removed_at: datetime | None = _utc(default=None)  # taken out of the plan (kept for versions)
    created_at: datetime = _utc()


class CommitmentOwner(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("commitment_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)


class CommitmentCheck(SQLModel, table=True):
    """One due date of a commitment (a recurring one has several) and how its follow-up went:
    the owner's answer, a snooze, the one gentle repeat, the coordinator told."""

    __table_args__ = (sa.UniqueConstraint("commitment_id", "occurrence"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    occurrence: int = 0
    due_on: date
    answer: str | None = Field(default=None, max_length=10)  # a CheckAnswer
    answered_at: datetime | None = _utc(default=None)
    snoozed_to: date | None = None
    repeated_at: datetime | None = _utc(default=None)
    escalated_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


class Payment(SQLModel, table=True):
    """An instalment the owner reports paid; the person it is owed to may confirm it."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    party_id: int = Field(foreign_key="party.id")  # who reported it
    cents: int
    reported_at: datetime = _utc()
    confirmed_at: datetime | None = _utc(default=None)
    confirmed_by_party_id: int | None = Field(default=None, foreign_key="party.id")


class PlanWatcher(SQLModel, table=True):
    """Someone who may follow the plan with /plan: the person harmed, or whoever the plan says
    must be informed; and whether they asked to be told when a commitment is done."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    informed: bool = False  # named in the plan as someone to inform (else: the person harmed)
    tell_done: bool = False


class PlanEvaluation(SQLModel, table=True):
    """A participant asked at the plan's evaluation moment how it is going, and their answer
    (an `EvaluationAnswer` code; no free text). The row is the question: its button names it."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    asked_at: datetime = _utc()
    answer: str | None = Field(default=None, max_length=10)
    answered_at: datetime | None = _utc(default=None)


class PlanInvocation(SQLModel, table=True):
    """The person harmed (or someone informed of the plan) says a commitment did not happen
    as agreed: the coordinator is told at once. Who, which, when; no text."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    at: datetime = _utc()
