"""Money commitments and the coordinator's side of the follow-up: an instalment reported by
the owner, confirmed by whom it is owed, the total kept; the coordinator sees overdue ones at
a glance and marks one done, gives one a new date (its check-in planned anew), or ends one;
every action audited, and nobody else's buttons work."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot import buttons
from bot.buttons import CaseTap, CaseVerb
from bot.models import AuditEntry, Commitment, Payment
from bot.usecases.payments import paid_so_far
from bot.vocabulary import AuditAction
from tests.plans import Agreed
from tests.test_follow_up import BIKE, CHECK_IN, NOOR, REMINDER, SAM, at, followed_plan, said
from tests.world import COORDINATOR_ID, World, answer_to, answer_to_tap

MONEY = "Sam betaalt Noor 100 euro terug voor de fiets."


async def test_an_instalment_is_reported_confirmed_and_counted(world: World) -> None:
    signed = await followed_plan(world, [Agreed(MONEY, date(2026, 3, 20), amount_cents=10000)])
    await at(world, 2026, 3, 20, 18, 0)
    sam, noor = world.person(SAM, "Sam"), world.person(NOOR, "Noor")
    asked = await answer_to_tap(sam, "Ik heb een bedrag betaald")
    assert "Tot nu toe doorgegeven: € 0,00 van € 100,00" in asked
    assert "Hoeveel heb je betaald?" in asked
    assert "Schrijf een bedrag in euro" in await answer_to(sam, "vijftien")
    assert ("Ik heb € 15,50 genoteerd. Tot nu toe doorgegeven: € 15,50 van € 100,00"
            in await answer_to(sam, "€ 15.50"))
    await world.deliver_outbox()
    told = world.api.messages_to(NOOR)[-1]
    assert "Sam laat weten dat er € 15,50 betaald is" in told.content
    assert "Ja, ontvangen" in told.button_labels
    assert "€ 15,50 ontvangen is" in await answer_to_tap(noor, "Ja, ontvangen")
    assert "al weten" in await answer_to_tap(noor, "Ja, ontvangen")
    await world.deliver_outbox()
    assert said(world, SAM, "De betaling van € 15,50 is bevestigd") == 1
    await sam.tap("Ik heb een bedrag betaald")
    assert "€ 35,50 van € 100,00" in await answer_to(sam, "20")
    async with world.db.transaction() as session:
        assert await paid_so_far(session, signed.commitments[0]) == (3550, 1550)
        payments = (await session.exec(select(Payment))).all()
        assert [p.confirmed_by_party_id for p in payments] == [signed.victim_id, None]
    await world.deliver_outbox()
    second = world.api.messages_to(NOOR)[-1]
    confirm = next(b["callback_data"] for b in second.buttons if b["text"] == "Ja, ontvangen")
    await sam.tap_data(world.api.messages_to(SAM)[-1].message_id, confirm)  # not his to confirm
    async with world.db.transaction() as session:
        assert await paid_so_far(session, signed.commitments[0]) == (3550, 1550)


async def coordinator_opens_follow_up(world: World, case_id: int) -> str:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    before = len(coordinator.messages)
    await coordinator.tap_data(coordinator.messages[-1].message_id,
                               buttons.encode(CaseTap(CaseVerb.FOLLOW_UP, case_id)))
    return "\n".join(coordinator.texts_since(before))


async def test_the_coordinator_sees_overdue_ones_and_marks_done_gives_a_new_date_or_ends(
        world: World) -> None:
    signed = await followed_plan(world, [
        Agreed(BIKE, date(2026, 3, 20)),
        Agreed("Sam schrijft een brief aan Noor.", date(2026, 4, 15)),
        Agreed(MONEY, date(2026, 4, 30), amount_cents=10000)])
    await at(world, 2026, 3, 20, 18, 0)
    await world.person(SAM, "Sam").tap("Nog niet")
    await at(world, 2026, 3, 25, 12, 0)
    overview = await coordinator_opens_follow_up(world, signed.case_id)
    assert f"1. {BIKE} (Sam): ⚠ over tijd sinds vrijdag 20 maart 2026" in overview
    assert "Laatste antwoord: nog niet (voor vrijdag 20 maart 2026)" in overview
    assert ("2. Sam schrijft een brief aan Noor. (Sam): open, voor woensdag 15 april 2026"
            in overview)
    assert "Betaald: € 0,00 van € 100,00" in overview
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await coordinator.tap("1. Nieuwe datum")
    assert "wat is de nieuwe datum" in (coordinator.last_text or "")
    assert "Nieuwe datum maandag 30 maart 2026" in await answer_to(coordinator, "30-03-2026")
    await at(world, 2026, 3, 29, 10, 0)  # the day before the new date: reminded
    assert said(world, SAM, REMINDER) == 1 and BIKE in world.api.messages_to(SAM)[-1].content
    await at(world, 2026, 3, 30, 18, 0)
    assert said(world, SAM, CHECK_IN) == 2
    await coordinator_opens_follow_up(world, signed.case_id)
    assert "Genoteerd als gedaan" in await answer_to_tap(coordinator, "2. Gedaan")
    await coordinator_opens_follow_up(world, signed.case_id)
    assert "Wil je deze afspraak beëindigen?" in await answer_to_tap(coordinator,
                                                                     "3. Beëindigen")
    assert "Beëindigd" in await answer_to_tap(coordinator, "Ja, beëindigen")
    overview = await coordinator_opens_follow_up(world, signed.case_id)
    assert "2. Sam schrijft een brief aan Noor. (Sam): gedaan" in overview
    assert f"3. {MONEY} (Sam): beëindigd" in overview
    assert "2. Gedaan" not in coordinator.messages[-1].button_labels
    await at(world, 2026, 4, 30, 18, 0)
    assert said(world, SAM, "brief aan Noor") == 0 and said(world, SAM, MONEY) == 0
    async with world.db.transaction() as session:
        actions = [e.action for e in (await session.exec(select(AuditEntry).where(
            AuditEntry.case_id == signed.case_id))).all()]
        for action in (AuditAction.COMMITMENT_REDATED, AuditAction.COMMITMENT_DONE,
                       AuditAction.COMMITMENT_ENDED, AuditAction.FOLLOW_UP_VIEWED):
            assert action in actions
        states = {c.id: c.status for c in (await session.exec(select(Commitment))).all()}
        assert list(states.values()) == ["open", "done", "ended"]


async def test_a_participant_cannot_use_the_coordinators_buttons(world: World) -> None:
    signed = await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 19, 10, 0)
    sam = world.person(SAM, "Sam")
    await sam.tap_data(sam.messages[-1].message_id,
                       buttons.encode(CaseTap(CaseVerb.COMMITMENT_DONE, signed.commitments[0])))
    async with world.db.transaction() as session:
        assert (await session.exec(select(Commitment))).one().status == "open"
        refused = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == AuditAction.REFUSED))).all()
        assert refused


async def test_after_typing_an_amount_a_message_is_still_offered_to_the_coordinator(
        world: World) -> None:
    """The amount is typed in a short form; what the owner writes afterwards belongs to their
    own talk again: it is kept and offered to pass on, not met with "no talk"."""
    await followed_plan(world, [Agreed(MONEY, date(2026, 3, 20), amount_cents=10000)])
    await at(world, 2026, 3, 20, 18, 0)
    sam = world.person(SAM, "Sam")
    await sam.tap("Ik heb een bedrag betaald")
    await sam.send("15")
    after = await answer_to(sam, "De rest betaal ik volgende maand, dat lukt beter.")
    assert "Ja, geef het door" in " ".join(sam.messages[-1].button_labels), after


async def test_a_party_who_will_not_sign_can_say_why_and_it_is_offered_to_the_coordinator(
        world: World) -> None:
    from tests.test_plan import a_plan_with_the_apology

    coordinator = await a_plan_with_the_apology(world)
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    noor = world.person(NOOR, "Noor")
    await noor.tap("Ik teken niet")
    await noor.send("Ik wil eerst met mijn moeder praten.")
    assert "Ja, geef het door" in " ".join(noor.messages[-1].button_labels)
