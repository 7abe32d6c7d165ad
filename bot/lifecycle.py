"""A case's data after the conference: everything stored about it, gathered for its export;
what erasing it means; and the retention job that erases closed cases after the retention
period, warning their coordinator a week before.

Erasing keeps the case's counts (its parties' roles and how each talk ended) and the audit
trail; every name, fact, answer, proposal and note goes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.models import (
    Attendance,
    AuditEntry,
    Case,
    Commitment,
    Conference,
    FactsVersion,
    Invite,
    LanguageChoice,
    ParticipantNote,
    Party,
    Plan,
    PlanVersion,
    Proposal,
    Signature,
    Talk,
)
from bot.notifications import tell_coordinator
from bot.vocabulary import ActorKind, AuditAction, Notice

ERASED = "–"
WARN_BEFORE = timedelta(days=7)


def erase_due(case: Case, retention: timedelta) -> datetime | None:
    if case.closed_at is None or case.erased_at is not None:
        return None
    due = case.closed_at + retention
    return max(due, case.keep_until) if case.keep_until else due


async def erase_case_data(session: AsyncSession, case: Case, now: datetime) -> None:
    case.facts, case.erased_at = ERASED, now
    session.add(case)
    parties = (await session.exec(select(Party).where(Party.case_id == case.id))).all()
    for party in parties:
        await erase_party_data(session, party, now)
    for version in (await session.exec(select(FactsVersion).where(
            FactsVersion.case_id == case.id))).all():
        await session.delete(version)
    for proposal in (await session.exec(select(Proposal).where(
            Proposal.case_id == case.id))).all():
        proposal.name, proposal.relation, proposal.contact = ERASED, "", None
        session.add(proposal)
    conference = (await session.exec(select(Conference).where(
        Conference.case_id == case.id))).first()
    if conference is not None:  # that it was planned stays; where, and what to bring, go
        conference.place, conference.bring = ERASED, None
        session.add(conference)
    await _erase_plan(session, case)


async def _erase_plan(session: AsyncSession, case: Case) -> None:
    """What was agreed goes (its words, the signed copies' text, reasons); that there was a
    plan, its commitments' dates and states, and the signatures' hashes stay, for the counts."""
    plan = (await session.exec(select(Plan).where(Plan.case_id == case.id))).first()
    if plan is None:
        return
    plan.inform, plan.otherwise = None, None
    session.add(plan)
    for commitment in (await session.exec(select(Commitment).where(
            Commitment.plan_id == plan.id))).all():
        commitment.what, commitment.follow_up = ERASED, None
        session.add(commitment)
    for version in (await session.exec(select(PlanVersion).where(
            PlanVersion.plan_id == plan.id))).all():
        version.content = ERASED
        session.add(version)
        for signature in (await session.exec(select(Signature).where(
                Signature.version_id == version.id))).all():
            signature.reason = None
            session.add(signature)


async def erase_party_data(session: AsyncSession, party: Party, now: datetime) -> None:
    """One person's data goes; that there was someone in this role, and how their talk
    ended, stay."""
    party.name, party.facts, party.release_reason = ERASED, None, None
    if party.telegram_user_id is not None:
        choice = await session.get(LanguageChoice, party.telegram_user_id)
        if choice is not None:
            await session.delete(choice)
    party.telegram_user_id = None
    session.add(party)
    for talk in (await session.exec(select(Talk).where(Talk.party_id == party.id))).all():
        talk.answers, talk.progress = {}, {}
        session.add(talk)
    for proposal in (await session.exec(select(Proposal).where(
            Proposal.proposed_by_party_id == party.id))).all():
        proposal.name, proposal.relation, proposal.contact = ERASED, "", None
        session.add(proposal)
    for note in (await session.exec(select(ParticipantNote).where(
            ParticipantNote.party_id == party.id))).all():
        await session.delete(note)
    for invite in (await session.exec(select(Invite).where(
            Invite.party_id == party.id, col(Invite.revoked_at).is_(None)))).all():
        invite.revoked_at = now
        session.add(invite)


@dataclass(frozen=True)
class PartyRecord:
    party: Party
    talk: Talk | None  # the newest, as stored


@dataclass(frozen=True)
class CaseRecord:
    """Everything stored about a case, gathered once for its exports (JSON and PDF)."""

    case: Case
    parties: list[PartyRecord]
    proposals: list[Proposal]
    conference: Conference | None = None
    attendances: list[Attendance] = field(default_factory=list)


async def gather_case(session: AsyncSession, case: Case) -> CaseRecord:
    parties: list[PartyRecord] = []
    for party in (await session.exec(select(Party).where(
            Party.case_id == case.id).order_by(col(Party.id)))).all():
        talk = (await session.exec(select(Talk).where(Talk.party_id == party.id)
                                   .order_by(col(Talk.id).desc()))).first()
        parties.append(PartyRecord(party, talk))
    proposals = (await session.exec(select(Proposal).where(
        Proposal.case_id == case.id).order_by(col(Proposal.id)))).all()
    conference = (await session.exec(select(Conference).where(
        Conference.case_id == case.id))).first()
    attendances = (await session.exec(select(Attendance).where(
        Attendance.conference_id == conference.id).order_by(col(Attendance.id)))).all() if (
        conference is not None) else []
    return CaseRecord(case, parties, list(proposals), conference, list(attendances))


def case_json(record: CaseRecord) -> bytes:
    """The case as data, for its coordinator (JSON)."""
    case = record.case
    parties = [{
        "id": party.id, "role": party.role, "name": party.name, "language": party.language,
        "supports": party.supports_party_id, "facts": party.facts,
        "recorded": party.recorded(),
        "talk": {"status": talk.status, "outcome": talk.outcome,
                 "answers": talk.answers} if talk else None,
    } for party, talk in ((p.party, p.talk) for p in record.parties)]
    proposals = [{"name": p.name, "relation": p.relation, "role": p.role,
                  "invited": p.party_id is not None, "declined": p.declined_at is not None}
                 for p in record.proposals]
    data = {"reference": case.reference, "method": case.variant, "facts": case.facts,
            "created": case.created_at.isoformat(),
            "closed": case.closed_at.isoformat() if case.closed_at else None,
            "outcome": case.outcome,
            "parties": parties, "proposals": proposals,
            "conference": _conference_json(record)}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _conference_json(record: CaseRecord) -> dict[str, object] | None:
    conference = record.conference
    if conference is None:
        return None
    return {"starts": conference.starts_at.isoformat(), "minutes": conference.minutes,
            "place": conference.place, "online": conference.online, "bring": conference.bring,
            "status": conference.status, "changes": conference.sequence,
            "answers": [{"party": a.party_id, "answer": a.answer,
                         "answered": a.answered_at.isoformat() if a.answered_at else None}
                        for a in record.attendances]}


async def plan_retention(db: Database, clock: Clock, retention: timedelta) -> int:
    """Warns a week before a closed case is erased, then erases it (audited)."""
    now = clock()
    done = 0
    async with db.transaction() as session:
        closed = (await session.exec(select(Case).where(
            col(Case.closed_at).is_not(None), col(Case.erased_at).is_(None)))).all()
        for case in closed:
            due = erase_due(case, retention)
            assert due is not None
            if now >= due:
                await erase_case_data(session, case, now)
                session.add(AuditEntry(at=now, actor_user_id=0, actor_kind=ActorKind.SYSTEM,
                                       action=AuditAction.CASE_ERASED, case_id=case.id))
                done += 1
            elif now >= due - WARN_BEFORE and (case.retention_warned_at is None
                                               or case.retention_warned_at < due - WARN_BEFORE):
                case.retention_warned_at = now
                session.add(case)
                await tell_coordinator(session, case, Notice.RETENTION_WARNING, case.id, now)
                done += 1
    return done
