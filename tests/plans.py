"""A signed repair plan to build on in tests of what follows the plan (check-ins, /plan,
the report), written straight to the database: case 2026-014 after `two_talks_done`, with
Sam (offender), Noor (victim) and the coordinator. Times relative to the world's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from bot.models import Case, Commitment, CommitmentOwner, Party, Plan, PlanVersion, Signature
from bot.plan_digest import canonical_plan
from bot.vocabulary import CommitmentStatus, PlanAim, Role
from tests.fakes import TelegramUser
from tests.world import World, two_talks_done


@dataclass(frozen=True)
class SignedPlan:
    coordinator: TelegramUser
    case_id: int
    plan_id: int
    version_id: int
    offender_id: int  # Sam's party id (Telegram user 222)
    victim_id: int  # Noor's party id (Telegram user 333)
    commitments: list[int]  # ids, in the order given


@dataclass(frozen=True)
class Agreed:
    what: str
    due_on: date | None
    aim: PlanAim = PlanAim.VICTIM
    every_days: int | None = None
    times: int | None = None
    lead_days: int = 1
    amount_cents: int | None = None
    owner: Role = Role.OFFENDER
    checker: Role | None = Role.VICTIM


async def a_signed_plan(world: World, agreed: list[Agreed]) -> SignedPlan:
    coordinator = await two_talks_done(world)
    now = world.clock()
    async with world.db.transaction() as session:
        case = (await session.exec(select(Case))).one()
        parties = {p.id or 0: p for p in (await session.exec(select(Party).where(
            Party.case_id == case.id))).all()}
        by_role = {p.role: p for p in parties.values()}
        plan = Plan(case_id=case.id or 0, inform="De school, via de zorgcoördinator.",
                    changed_at=now, created_at=now)
        session.add(plan)
        await session.flush()
        commitments, owners = [], {}
        for item in agreed:
            checker = by_role[item.checker] if item.checker else None
            commitment = Commitment(
                plan_id=plan.id or 0, what=item.what, aim=item.aim, due_on=item.due_on,
                every_days=item.every_days, times=item.times, lead_days=item.lead_days,
                amount_cents=item.amount_cents, status=CommitmentStatus.OPEN,
                checker_party_id=checker.id if checker else None, created_at=now)
            session.add(commitment)
            await session.flush()
            owner = by_role[item.owner]
            session.add(CommitmentOwner(commitment_id=commitment.id or 0,
                                        party_id=owner.id or 0))
            commitments.append(commitment)
            owners[commitment.id or 0] = [owner]
        canonical = canonical_plan(case, plan, commitments, owners, parties)
        version = PlanVersion(plan_id=plan.id or 0, number=1, digest=canonical.digest,
                              content=canonical.content, created_at=now)
        session.add(version)
        await session.flush()
        for party in parties.values():
            session.add(Signature(version_id=version.id or 0, party_id=party.id or 0,
                                  digest=canonical.digest, signed_at=now))
        return SignedPlan(coordinator, case.id or 0, plan.id or 0, version.id or 0,
                          by_role[Role.OFFENDER].id or 0, by_role[Role.VICTIM].id or 0,
                          [c.id or 0 for c in commitments])
