"""Following the signed plan: the person harmed sees how the agreements made to her are going
(/plan), asks to be told when one is done, and says "this did not happen", which reaches the
coordinator at once; someone the plan says must be informed sees it once marked, not before;
the offender sees his own agreements. Through the real `Application`, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from bot.buttons import CaseTap, CaseVerb, Invoke, TellDone, encode
from bot.models import AuditEntry, Commitment, Outbox, Party, Payment
from bot.usecases.plan_view import tell_watchers_done
from bot.vocabulary import AuditAction, CommitmentStatus, Notice, PlanAim, Role
from tests.plans import Agreed, SignedPlan, a_signed_plan
from tests.world import World, answer_to, answer_to_tap

SAM, NOOR, LIES, STRANGER = 222, 333, 444, 999
AGREED = [
    Agreed("Sam schrijft Noor een brief met excuses.", date(2026, 3, 20)),
    Agreed("Sam betaalt de kapotte fietsbel terug.", date(2026, 4, 1), amount_cents=3000),
    Agreed("Sam helpt twee woensdagen bij de fietsenstalling.", date(2026, 3, 25),
           aim=PlanAim.COMMUNITY, checker=None),
]


async def the_plan(world: World) -> SignedPlan:
    return await a_signed_plan(world, AGREED)


async def mark_done(world: World, commitment_id: int, at: datetime) -> int:
    """As the follow-up does it: the commitment done, and whoever asked is told."""
    async with world.db.transaction() as session:
        commitment = await session.get(Commitment, commitment_id)
        assert commitment is not None
        commitment.status, commitment.done_at = CommitmentStatus.DONE, at
        session.add(commitment)
        return await tell_watchers_done(session, commitment, at)


async def audited(world: World, action: AuditAction) -> list[AuditEntry]:
    async with world.db.transaction() as session:
        return list((await session.exec(select(AuditEntry).where(
            AuditEntry.action == action))).all())


async def owed(world: World, kind: Notice) -> list[Outbox]:
    return [row for row in await world.outbox() if row.kind == kind]


async def test_noor_sees_how_the_agreements_made_to_her_are_going(world: World) -> None:
    plan = await the_plan(world)
    await mark_done(world, plan.commitments[0], datetime(2026, 3, 14, 15, 0, tzinfo=UTC))
    async with world.db.transaction() as session:
        session.add(Payment(commitment_id=plan.commitments[1], party_id=plan.offender_id,
                            cents=1000, reported_at=world.clock()))
    noor = world.person(NOOR, "Noor")
    shown = await answer_to(noor, "/plan")
    assert "Het herstelplan van zaak 2026-014" in shown
    assert "Wat er is afgesproken om goed te maken wat jou is aangedaan:" in shown
    assert "1. Sam: Sam schrijft Noor een brief met excuses.\n   ➜ gedaan op 14 maart 2026" in shown
    assert "2. Sam: Sam betaalt de kapotte fietsbel terug.\n   ➜ gepland voor 1 april 2026" in shown
    assert "Betaald tot nu: € 10 van € 30. Bevestigd als ontvangen: € 0." in shown
    assert "De andere afspraken uit het plan" in shown  # the whole plan: she signed it all
    assert "3. Sam: Sam helpt twee woensdagen" in shown
    assert "slachtoffer" not in shown.lower()
    labels = noor.messages[-1].button_labels
    assert labels[0] == "🔔 Laat het me weten als iets gedaan is"
    assert "1 is niet gebeurd" in labels and "2 is niet gebeurd" not in labels  # not due yet
    assert len(await audited(world, AuditAction.PLAN_VIEWED)) == 1
    assert await answer_to(noor, "/herstelplan") == shown  # the Dutch alias


async def test_noor_reads_her_plan_in_english(world: World) -> None:
    plan = await the_plan(world)
    async with world.db.transaction() as session:
        party = await session.get(Party, plan.victim_id)
        assert party is not None
        party.language = "en"
        session.add(party)
    await mark_done(world, plan.commitments[0], datetime(2026, 3, 14, 15, 0, tzinfo=UTC))
    shown = await answer_to(world.person(NOOR, "Noor", "en"), "/plan")
    assert "The repair plan of case 2026-014" in shown
    assert "What was agreed to put right what was done to you:" in shown
    assert "➜ done on 14 March 2026" in shown and "➜ planned for 1 April 2026" in shown
    assert "Paid so far: €0 of €30." in shown


async def test_noor_asks_to_be_told_and_hears_when_an_agreement_is_done(world: World) -> None:
    plan = await the_plan(world)
    noor = world.person(NOOR, "Noor")
    await noor.send("/plan")
    assert "Je krijgt een bericht" in await answer_to_tap(
        noor, "🔔 Laat het me weten als iets gedaan is")
    world.clock.now = datetime(2026, 3, 19, 16, 0, tzinfo=UTC)
    assert await mark_done(world, plan.commitments[0], world.clock()) == 1
    async with world.db.transaction() as session:  # called again: told once
        commitment = await session.get(Commitment, plan.commitments[0])
        assert commitment is not None
        assert await tell_watchers_done(session, commitment, world.clock()) == 0
    await world.deliver_outbox()
    told = noor.last_text or ""
    assert "Nieuws uit het herstelplan van zaak 2026-014: afspraak 1 is gedaan op 19 maart 2026" \
        in told
    assert "Sam schrijft Noor een brief met excuses." in told
    shown = await answer_to(noor, "/plan")
    assert "Je krijgt een bericht als een afspraak gedaan is." in shown
    assert "Je krijgt geen berichten meer" in await answer_to_tap(noor, "🔕 Geen berichten meer")
    assert await mark_done(world, plan.commitments[2], world.clock()) == 0


async def test_noor_says_an_agreement_did_not_happen_and_the_coordinator_hears_it_at_once(
        world: World) -> None:
    plan = await the_plan(world)
    world.clock.now = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    noor = world.person(NOOR, "Noor")
    shown = await answer_to(noor, "/plan")
    assert "gepland voor 20 maart 2026; nog niet gemeld als gedaan" in shown  # facts, no blame
    asked = await answer_to_tap(noor, "1 is niet gebeurd")
    assert "Wil je je coördinator laten weten dat dit niet gebeurd is" in asked
    assert await owed(world, Notice.PLAN_INVOKED) == []  # a tap by mistake tells no one
    thanked = await answer_to_tap(noor, "Ja, laat het de coördinator weten")
    assert "Dank je dat je het laat weten" in thanked
    await world.deliver_outbox()
    told = plan.coordinator.last_text or ""
    assert "Noor (slachtoffer) laat weten dat een afspraak uit het plan van zaak 2026-014 " \
           "niet gebeurd is" in told
    assert "Sam schrijft Noor een brief met excuses." in told
    assert [e.party_id for e in await audited(world, AuditAction.PLAN_INVOKED)] == [
        plan.victim_id]
    await noor.send("/plan")
    await noor.tap("1 is niet gebeurd")
    assert "weet dit al" in await answer_to_tap(noor, "Ja, laat het de coördinator weten")
    assert len(await owed(world, Notice.PLAN_INVOKED)) == 1
    await plan.coordinator.tap("Wie volgt het plan")
    assert "⚠ Noor meldde op 23 maart 2026: afspraak 1 is niet gebeurd." in (
        plan.coordinator.last_text or "")


async def add_lies(world: World, plan: SignedPlan) -> None:
    """A teacher the plan says must be informed (a third party with a Telegram account)."""
    async with world.db.transaction() as session:
        session.add(Party(case_id=plan.case_id, role=Role.THIRD_PARTY, name="Lies Peeters",
                          language="nl", telegram_user_id=LIES, created_at=world.clock()))


async def followers(world: World, plan: SignedPlan) -> str:
    coordinator = plan.coordinator
    before = len(coordinator.messages)
    await coordinator.tap_data(coordinator.messages[-1].message_id,
                               encode(CaseTap(CaseVerb.PLAN_FOLLOWERS, plan.case_id)))
    return "\n".join(coordinator.texts_since(before))


async def test_someone_informed_sees_the_plan_once_marked_and_not_before(world: World) -> None:
    plan = await the_plan(world)
    await add_lies(world, plan)
    lies = world.person(LIES, "Lies")
    before = await answer_to(lies, "/plan")
    assert "Vraag het je coördinator" in before and "Sam schrijft" not in before
    shown = await followers(world, plan)
    assert "Wie volgt het plan met /plan:\n  • Noor (slachtoffer)" in shown
    assert "Lies" not in shown.split("Evaluatiemoment")[0]
    marked = await answer_to_tap(plan.coordinator, "Lies op de hoogte houden")
    assert "Lies Peeters blijft op de hoogte van het plan" in marked
    assert "  • Lies Peeters (relevante derde)" in marked
    await world.deliver_outbox()
    assert "staat dat jij op de hoogte blijft. Met /plan" in (lies.last_text or "")
    seen = await answer_to(lies, "/plan")
    assert "In het plan staat dat jij op de hoogte blijft" in seen
    assert "1. Sam: Sam schrijft Noor een brief met excuses." in seen
    assert "Betaald" not in seen  # the sums are for the person they are owed to
    assert len(await audited(world, AuditAction.PLAN_INFORMED)) == 1
    await plan.coordinator.tap("✔ Lies op de hoogte (stoppen)")
    assert "Sam schrijft" not in await answer_to(lies, "/plan")


async def test_sam_sees_his_own_agreements_and_what_plan_is_for(world: World) -> None:
    await the_plan(world)
    shown = await answer_to(world.person(SAM, "Sam"), "/plan")
    assert "Met /plan volgen wie iets is aangedaan" in shown
    assert "1. Sam schrijft Noor een brief met excuses.\n   ➜ gepland voor 20 maart 2026" in shown
    assert "Betaald" not in shown and "niet gebeurd" not in shown
    stranger = await answer_to(world.person(STRANGER, "Iemand"), "/plan")
    assert "Heb je een link van een coördinator gekregen?" in stranger
    assert "Sam" not in stranger
    english = await answer_to(world.person(STRANGER + 1, "Someone", "en"), "/plan")
    assert "Did a coordinator send you a link?" in english


async def test_a_forged_plan_button_is_refused(world: World) -> None:
    plan = await the_plan(world)
    world.clock.now = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    sam = world.person(SAM, "Sam")
    await sam.send("/plan")
    for data in (encode(Invoke(plan.commitments[0], 1)), encode(TellDone(plan.plan_id, 1)),
                 encode(CaseTap(CaseVerb.PLAN_INFORM, plan.offender_id))):
        refused = await answer_to_tap_data(sam, data)
        assert "Die knop werkt niet (meer)" in refused
    noor = world.person(NOOR, "Noor")
    await noor.send("/plan")
    await answer_to_tap_data(noor, encode(CaseTap(CaseVerb.FOLLOW_UP_REPORT, plan.case_id)))
    assert await owed(world, Notice.PLAN_INVOKED) == []
    assert not any(m.document for m in noor.messages)
    assert len(await audited(world, AuditAction.REFUSED)) == 4


async def answer_to_tap_data(user: object, data: str) -> str:
    from tests.fakes import TelegramUser

    assert isinstance(user, TelegramUser)
    before = len(user.messages)
    await user.tap_data(user.messages[-1].message_id, data)
    return "\n".join(user.texts_since(before))
