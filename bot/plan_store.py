"""The repair plan as stored: read once per use, with its commitments, owners, the newest
version and its signatures, so views and use cases agree on what the plan is."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conference_rules import invitable
from bot.models import (
    Attendance,
    Case,
    Commitment,
    CommitmentOwner,
    Conference,
    Party,
    Plan,
    PlanVersion,
    Signature,
)
from bot.plan_digest import CanonicalPlan, canonical_plan
from bot.talk_store import party_talk
from bot.vocabulary import Rsvp


@dataclass(frozen=True)
class PlanRecord:
    case: Case
    plan: Plan
    commitments: list[Commitment]  # in the plan now (not removed), in the order added
    owners: dict[int, list[Party]]  # by commitment id
    parties: dict[int, Party]  # every party of the case, by id
    version: PlanVersion | None  # the newest version put to signing
    signatures: list[Signature] = field(default_factory=list)  # of that version

    def canonical(self) -> CanonicalPlan:
        return canonical_plan(self.case, self.plan, self.commitments, self.owners, self.parties)

    @property
    def changed_since_version(self) -> bool:
        """The working plan differs from what was put to signing (or nothing was yet)."""
        return self.version is None or self.canonical().digest != self.version.digest

    @property
    def all_signed(self) -> bool:
        return (self.version is not None and bool(self.signatures)
                and all(s.signed_at is not None for s in self.signatures))


async def plan_of(session: AsyncSession, case_id: int | None) -> Plan | None:
    return (await session.exec(select(Plan).where(Plan.case_id == case_id))).first()


async def gather_plan(session: AsyncSession, case: Case, plan: Plan) -> PlanRecord:
    parties = {p.id or 0: p for p in (await session.exec(select(Party).where(
        Party.case_id == case.id).order_by(col(Party.id)))).all()}
    commitments = list((await session.exec(select(Commitment).where(
        Commitment.plan_id == plan.id, col(Commitment.removed_at).is_(None))
        .order_by(col(Commitment.id)))).all())
    owners: dict[int, list[Party]] = {c.id or 0: [] for c in commitments}
    for row in (await session.exec(select(CommitmentOwner).where(
            col(CommitmentOwner.commitment_id).in_(list(owners)))
            .order_by(col(CommitmentOwner.party_id)))).all():
        if row.party_id in parties:
            owners[row.commitment_id].append(parties[row.party_id])
    version = (await session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                  .order_by(col(PlanVersion.number).desc()))).first()
    signatures = list((await session.exec(select(Signature).where(
        Signature.version_id == version.id).order_by(col(Signature.id)))).all()) if (
        version is not None) else []
    return PlanRecord(case, plan, commitments, owners, parties, version, signatures)


async def signers(session: AsyncSession, case: Case) -> list[Party]:
    """Who signs the plan: every prepared party who can be reached, except one who said they
    would not come to the conference."""
    conference = (await session.exec(select(Conference).where(
        Conference.case_id == case.id))).first()
    not_coming: set[int] = set()
    if conference is not None:
        not_coming = set((await session.exec(select(Attendance.party_id).where(
            Attendance.conference_id == conference.id, Attendance.answer == Rsvp.NO))).all())
    found = []
    for party in (await session.exec(select(Party).where(Party.case_id == case.id)
                                     .order_by(col(Party.id)))).all():
        talk = await party_talk(session, party.id)
        if party.id not in not_coming and invitable(party, talk.outcome if talk else None):
            found.append(party)
    return found
