"""The tables. Personal fields use `PersonalText` / `PersonalJSON`, the one place where
values are sealed at rest (`bot.encryption`), so nothing personal is missed or stored plain.
No query may compare or filter on these columns: what they hold is sealed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot import encryption
from bot.vocabulary import (
    ActorKind,
    AuditAction,
    ConferenceStatus,
    InviteKind,
    Notice,
    OutboxStatus,
    PartyFact,
    Role,
    Rsvp,
    TalkStatus,
    Variant,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; hands back aware datetimes on every database (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PersonalText(TypeDecorator[str]):
    """Free text about a person (names, facts, contacts): sealed at rest (bot.encryption)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else encryption.active().seal(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else encryption.active().open(value)


class PersonalJSON(TypeDecorator[Any]):
    """Answers and talk progress: personal by nature, sealed at rest as JSON text."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return encryption.active().seal(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column not yet migrated to text
            return value
        return json.loads(encryption.active().open(value))


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Coordinator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    language: str = Field(default="nl", max_length=5)
    # What participants are told when they should get in touch (set with /profiel).
    display_name: str | None = Field(default=None, sa_type=PersonalText)
    contact: str | None = Field(default=None, sa_type=PersonalText)
    menu_digest: str | None = Field(default=None, max_length=16)  # the menu last set (menus.py)
    created_at: datetime = _utc()


class Admin(SQLModel, table=True):
    """An organisation admin: sees every coordinator and case, hands cases over, reads the
    audit trail; sees no talk contents unless they take a case over as its coordinator."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    language: str = Field(default="nl", max_length=5)
    menu_digest: str | None = Field(default=None, max_length=16)
    created_at: datetime = _utc()


class Case(SQLModel, table=True):
    __tablename__ = "conference_case"
    __table_args__ = (sa.UniqueConstraint("coordinator_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    coordinator_id: int = Field(foreign_key="coordinator.id", index=True)
    reference: str = Field(max_length=40)
    variant: Variant = Field(sa_type=sa.String(20))
    facts: str = Field(sa_type=PersonalText)
    language: str = Field(max_length=5)
    timezone: str = Field(max_length=64)
    created_at: datetime = _utc()
    # Its life after the conference: closed, then erased after the retention period (or
    # later, when the coordinator keeps it longer with a reason).
    closed_at: datetime | None = _utc(default=None)
    keep_until: datetime | None = _utc(default=None)
    retention_warned_at: datetime | None = _utc(default=None)
    erased_at: datetime | None = _utc(default=None)
    outcome: str | None = Field(default=None, max_length=32)  # a CaseOutcome, when closed


class Party(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", index=True)
    role: Role = Field(sa_type=sa.String(20))
    name: str = Field(sa_type=PersonalText)
    language: str = Field(max_length=5)
    supports_party_id: int | None = Field(default=None, foreign_key="party.id")
    telegram_user_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)
    facts: str | None = Field(default=None, sa_type=PersonalText)  # this party's own version
    # Recorded from the talk when it ends (see PartyFact): later rules read these, never answers.
    acknowledged: str | None = Field(default=None, max_length=12)
    wants_to_set_right: str | None = Field(default=None, max_length=12)
    facts_right: str | None = Field(default=None, max_length=12)
    willing: str | None = Field(default=None, max_length=12)
    instead: str | None = Field(default=None, max_length=20)
    speaks_first: str | None = Field(default=None, max_length=24)
    # A victim's talk waits for an offender's acknowledgement, unless the coordinator released
    # it early, with a reason.
    released_at: datetime | None = _utc(default=None)
    release_reason: str | None = Field(default=None, sa_type=PersonalText)
    unreachable_at: datetime | None = _utc(default=None)  # blocked the bot
    # A victim's name is not shown to the offender's side (the conference's invitation says
    # "the person harmed"): the coordinator's choice.
    name_private: bool = False

    def recorded(self) -> dict[str, str]:
        """What the party's talk recorded (PartyFact), the facts that are set."""
        return {f.value: getattr(self, f.value) for f in PartyFact if getattr(self, f.value)}
    created_at: datetime = _utc()


class Invite(SQLModel, table=True):
    """A deep-link token, kept only as its hash; the first account to redeem it owns it."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    kind: InviteKind = Field(sa_type=sa.String(20))
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    revoked_at: datetime | None = _utc(default=None)
    redeemed_at: datetime | None = _utc(default=None)
    redeemed_by_user_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    quiet_alerted_at: datetime | None = _utc(default=None)  # "not opened yet" told once


class Talk(SQLModel, table=True):
    """One run through a flow: a party's preparation talk or a coordinator's form."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=sa.BigInteger, index=True)
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="conference_case.id")
    about_id: int | None = None  # what a coordinator's form is about (a proposal)
    flow_id: str = Field(max_length=40)
    flow_version: int
    step: str = Field(max_length=60)
    status: TalkStatus = Field(sa_type=sa.String(20), index=True)
    outcome: str | None = Field(default=None, max_length=40)
    seq: int = 0
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=PersonalJSON)
    progress: dict[str, Any] = Field(default_factory=dict, sa_type=PersonalJSON)
    created_at: datetime = _utc()
    last_activity_at: datetime = _utc()
    nudged_at: datetime | None = _utc(default=None)
    stalled_at: datetime | None = _utc(default=None)  # the coordinator was told it stalled
    ended_at: datetime | None = _utc(default=None)


class Proposal(SQLModel, table=True):
    """Someone a party would like at the conference, waiting for the coordinator's tap."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", index=True)
    proposed_by_party_id: int = Field(foreign_key="party.id")
    name: str = Field(sa_type=PersonalText)
    relation: str = Field(sa_type=PersonalText)
    contact: str | None = Field(default=None, sa_type=PersonalText)
    role: Role = Field(default=Role.SUPPORTER, sa_type=sa.String(20))  # or a third party
    party_id: int | None = Field(default=None, foreign_key="party.id")
    declined_at: datetime | None = _utc(default=None)  # the coordinator chose not to invite
    created_at: datetime = _utc()


class Outbox(SQLModel, table=True):
    """Something owed to someone other than the user in front of the bot.

    Rows carry ids, never personal text: the message is rendered from the database when sent.
    """

    __table_args__ = (sa.Index("ix_outbox_due", "status", "due_at"),
                      sa.Index("ix_outbox_chat", "chat_id", "status", "due_at"))

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger)
    kind: Notice = Field(sa_type=sa.String(40))
    ref_id: int | None = None
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=sa.String(12))
    attempts: int = 0
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # of a long one
    last_error: str | None = Field(default=None, max_length=120)
    due_at: datetime = _utc()  # also the order of a chat's rows
    not_before: datetime | None = _utc(default=None)  # a wait Telegram asked for, or a lease
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)


class Conference(SQLModel, table=True):
    """The meeting of one case. Moved in place: `sequence` counts the changes, as the calendar
    file's SEQUENCE does, so a phone replaces the event instead of adding a second one."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", unique=True, index=True)
    starts_at: datetime = _utc()
    minutes: int = 120
    online: bool = False
    place: str = Field(sa_type=PersonalText)  # an address, or the link of an online meeting
    bring: str | None = Field(default=None, sa_type=PersonalText)
    status: ConferenceStatus = Field(default=ConferenceStatus.PLANNED, sa_type=sa.String(12))
    sequence: int = 0
    uid: str = Field(max_length=64)  # the calendar event's id, the same across moves
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Attendance(SQLModel, table=True):
    """One party invited to the conference, and their answer (none yet: None)."""

    __table_args__ = (sa.UniqueConstraint("conference_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    answer: Rsvp | None = Field(default=None, sa_type=sa.String(8))
    answered_at: datetime | None = _utc(default=None)
    invited_at: datetime = _utc()


class ProposedMoment(SQLModel, table=True):
    """A moment the coordinator put to the prepared parties before fixing the date."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", index=True)
    starts_at: datetime = _utc()
    created_at: datetime = _utc()
    closed_at: datetime | None = _utc(default=None)  # the coordinator picked, or asked anew


class MomentVote(SQLModel, table=True):
    """A party says a proposed moment suits them (a row), or not (no row)."""

    __table_args__ = (sa.UniqueConstraint("moment_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    moment_id: int = Field(foreign_key="proposedmoment.id", index=True)
    party_id: int = Field(foreign_key="party.id")
    at: datetime = _utc()


class FactsVersion(SQLModel, table=True):
    """An earlier description of the facts, kept with its date when the coordinator changes
    it (for the case, or for one offender)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="conference_case.id", index=True)
    party_id: int | None = Field(default=None, foreign_key="party.id")
    text: str = Field(sa_type=PersonalText)
    replaced_at: datetime = _utc()


class ChatMessage(SQLModel, table=True):
    """A message in the chat that belongs to a talk (ids only), so the person can have the
    chat's copy deleted when the talk is done."""

    id: int | None = Field(default=None, primary_key=True)
    talk_id: int = Field(foreign_key="talk.id", index=True)
    message_id: int = Field(sa_type=sa.BigInteger)
    at: datetime = _utc()


class ParticipantNote(SQLModel, table=True):
    """Something a participant wrote after their talk ended and asked to pass on."""

    id: int | None = Field(default=None, primary_key=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    text: str = Field(sa_type=PersonalText)
    created_at: datetime = _utc()


class AuditEntry(SQLModel, table=True):
    """Who did what to which case, and when; never the data itself. Written in the same
    transaction as the action (a refusal too)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor_user_id: int = Field(sa_type=sa.BigInteger)
    actor_kind: ActorKind = Field(sa_type=sa.String(12))
    action: AuditAction = Field(sa_type=sa.String(30))
    case_id: int | None = Field(default=None, index=True)  # no foreign key: outlives erasure
    party_id: int | None = None
    allowed: bool = True


class LanguageChoice(SQLModel, table=True):
    """The language a person picked with /taal, kept even before they belong to a case (a
    stranger who opens an invite later keeps it). An account id and a language, no more."""

    telegram_user_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    language: str = Field(max_length=8)
    chosen_at: datetime = _utc()


class SeenUpdate(SQLModel, table=True):
    """Telegram may deliver an update again after a crash; each is handled once."""

    update_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    seen_at: datetime = _utc()


# The repair plan's tables live in a module of their own (one concept, one module); they are
# imported here so `bot.models` stays the one place every table is found (and the metadata
# whole). Import them from here, not from bot.plan_models.
from bot.plan_models import Commitment as Commitment  # noqa: E402
from bot.plan_models import CommitmentCheck as CommitmentCheck  # noqa: E402
from bot.plan_models import CommitmentOwner as CommitmentOwner  # noqa: E402
from bot.plan_models import Payment as Payment  # noqa: E402
from bot.plan_models import Plan as Plan  # noqa: E402
from bot.plan_models import PlanEvaluation as PlanEvaluation  # noqa: E402
from bot.plan_models import PlanInvocation as PlanInvocation  # noqa: E402
from bot.plan_models import PlanVersion as PlanVersion  # noqa: E402
from bot.plan_models import PlanWatcher as PlanWatcher  # noqa: E402
from bot.plan_models import Signature as Signature  # noqa: E402
