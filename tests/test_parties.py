"""Every party prepared, in the method's order: the offender first, the victim once an
offender has acknowledged their part, then everyone they would like there. Through the real
`Application`, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import select

from bot.models import AuditEntry, Party, Proposal
from tests.fakes import TelegramUser
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    add_victim,
    answer_to,
    answer_to_tap,
    offender_after_setting_right,
    offender_completes,
    offender_to_responsibility,
    open_case,
    victim_completes,
)

OFFENDER, VICTIM, SECOND_VICTIM = 222, 333, 334


async def card(coordinator: TelegramUser, reference: str = "2026-014") -> str:
    await coordinator.send("/cases")
    return await answer_to_tap(coordinator, reference)


async def victim_asked_to_take_part(world: World, coordinator: TelegramUser) -> TelegramUser:
    """Sam has acknowledged; Noor opens her link and reads up to "do you want to take part"."""
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam)
    noor = world.person(VICTIM, "Noor")
    await noor.send(f"/start {await add_victim(coordinator)}")
    for _ in range(3):
        await noor.tap("Verder")
    return noor


async def party(world: World, name: str) -> Party:
    async with world.db.transaction() as session:
        # Names are sealed at rest: no query can match one, so look among the parties.
        return next(p for p in (await session.exec(select(Party))).all() if p.name == name)


async def test_a_victim_is_held_until_the_offender_acknowledges_then_told_they_can_begin(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender_token = await add_offender(coordinator)
    victim_token = await add_victim(coordinator)
    noor = world.person(VICTIM, "Noor")
    held = await answer_to(noor, f"/start {victim_token}")
    assert "Binnenkort neemt je coördinator contact" in held and "Hallo Noor" not in held
    assert "wacht tot een dader" in await world.rendered("invite_held")
    shown = await card(coordinator)
    assert "Noor (slachtoffer): link geopend; het gesprek wacht" in shown
    assert "Vrijgeven: Noor" in " ".join(coordinator.messages[-1].button_labels)
    still_held = await answer_to(noor, "/start")
    assert "Binnenkort neemt je coördinator contact" in still_held
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, offender_token)
    await offender_completes(sam)
    await world.deliver_outbox()
    assert "kan nu beginnen" in (noor.last_text or "")
    assert "Hallo Noor" in await answer_to(noor, "/start")
    await victim_completes(noor)
    assert (await party(world, "Noor")).speaks_first == "victim_first"
    summary = await world.rendered("talk_completed")  # Sam's was delivered already
    assert "wie vertelt eerst: het slachtoffer zelf" in summary
    shown = await card(coordinator)
    assert "wie vertelt eerst: het slachtoffer zelf" in shown
    assert "Noor: Ik wil niet naast hem zitten." in shown and "Sam: woensdag" in shown


async def test_the_coordinator_releases_a_victims_talk_early_with_a_reason_audited(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    await add_offender(coordinator)
    victim_token = await add_victim(coordinator)
    noor = world.person(VICTIM, "Noor")
    await noor.send(f"/start {victim_token}")
    await card(coordinator)
    asked = await answer_to_tap(coordinator, "Vrijgeven: Noor")
    assert "Waarom geef je het nu al vrij?" in asked
    await coordinator.send("De dader erkende alles in een gesprek bij mij.")
    assert "vrijgegeven" in await answer_to_tap(coordinator, "✔ Versturen")
    noor_party = await party(world, "Noor")
    assert noor_party.released_at is not None
    assert noor_party.release_reason == "De dader erkende alles in een gesprek bij mij."
    async with world.db.transaction() as session:
        actions = [e.action for e in (await session.exec(select(AuditEntry))).all()]
    assert "gate_released" in actions
    await world.deliver_outbox()
    assert "kan nu beginnen" in (noor.last_text or "")
    assert "Hallo Noor" in await answer_to(noor, "/start")


async def test_an_offender_who_accepts_only_partly_holds_the_gate_and_the_coordinator_is_asked(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender_token = await add_offender(coordinator)
    victim_token = await add_victim(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, offender_token)
    await sam.tap("Voor een deel")
    await sam.send("Ik was erbij, maar ik nam de fiets niet.")
    await sam.tap("Ik weet het nog niet")
    await offender_after_setting_right(sam, affected="Noor.")
    summary = await world.rendered("talk_completed")
    assert "erkent zijn of haar aandeel maar voor een deel" in summary
    assert "weet nog niet of hij of zij iets wil rechtzetten" in summary
    assert "Bespreek dit eerst" in summary
    noor = world.person(VICTIM, "Noor")
    held = await answer_to(noor, f"/start {victim_token}")
    assert "Binnenkort neemt je coördinator contact" in held
    assert "bespreek het antwoord van de dader" in await card(coordinator)


async def test_everyone_proposed_waits_for_the_coordinator_who_invites_or_declines(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await sam.tap("Ja")
    await sam.send("Het spijt me.")
    await sam.tap("Ja")
    await sam.send("Noor.")
    await sam.tap("Verder")
    await sam.tap("Overslaan")
    await sam.tap("Iemand toevoegen")
    await sam.send("Mama")
    await sam.send("mijn moeder")
    await sam.tap("Overslaan")
    await sam.tap("Niemand (meer)")
    await sam.tap("Iemand toevoegen")  # who else should be there
    await sam.send("Meester Jan")
    await sam.send("mijn leerkracht")
    await sam.tap("Overslaan")
    await sam.tap("Niemand (meer)")
    await sam.send("woensdag")
    await sam.tap("Nee, niets")
    await sam.tap("✔ Versturen")
    async with world.db.transaction() as session:
        proposals = {p.name: p for p in (await session.exec(select(Proposal))).all()}
        assert (await session.exec(select(Party))).all()[-1].name == "Sam"  # none made
    assert {p.role for p in proposals.values()} == {"supporter", "third_party"}
    await world.deliver_outbox()
    assert "Voorgesteld, nog niet uitgenodigd: Mama, Meester Jan" in await card(coordinator)
    assert "niet uitgenodigd" in await answer_to_tap(coordinator, "Niet uitnodigen: Mama")
    await coordinator.tap("Nodig Meester Jan uit")
    await coordinator.send("Jan")
    await coordinator.tap("Nederlands")
    assert "Uitnodiging voor Jan (relevante derde)" in coordinator.messages[-2].content
    shown = await card(coordinator)
    assert "Voorgesteld" not in shown and "Jan (relevante derde)" in shown
    assert "Mama" not in shown
    async with world.db.transaction() as session:
        jan = next(p for p in (await session.exec(select(Party))).all() if p.name == "Jan")
    assert jan.role == "third_party" and jan.supports_party_id is None


async def test_a_victim_who_will_not_come_sends_a_trusted_person_and_the_coordinator_knows(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    noor = await victim_asked_to_take_part(world, coordinator)
    await noor.tap("Nee, ik kom liever niet")
    await noor.tap("Iemand in mijn plaats sturen")
    await noor.tap("Iemand toevoegen")
    await noor.send("Tante Lies")
    await noor.send("mijn tante")
    await noor.tap("Overslaan")
    await noor.tap("Klaar")
    await noor.tap("✔ Versturen")
    noor_party = await party(world, "Noor")
    assert (noor_party.willing, noor_party.instead) == ("no", "trusted_person")
    async with world.db.transaction() as session:
        rows = [p for p in (await session.exec(select(Proposal))).all()
                if p.name == "Tante Lies"]
    assert len(rows) == 1 and rows[0].proposed_by_party_id == noor_party.id
    assert "komt niet zelf, maar stuurt een vertrouwenspersoon" in await card(coordinator)


async def test_two_victims_who_choose_different_speaking_orders_show_a_conflict(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam)
    for user_id, name, choice in ((VICTIM, "Noor", "Ik vertel eerst"),
                                  (SECOND_VICTIM, "Lotte", "De andere persoon vertelt eerst")):
        await card(coordinator)
        victim = world.person(user_id, name)
        await victim.send(f"/start {await add_victim(coordinator, name)}")
        await victim_completes(victim, speaks_first=choice)
    shown = await card(coordinator)
    assert "wie vertelt eerst: het slachtoffer zelf" in shown
    assert "wie vertelt eerst: de dader" in shown
    assert "niet dezelfde volgorde" in shown


async def test_under_eigen_kracht_the_order_is_explained_not_asked(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await coordinator.send("/newcase")
    await coordinator.send("EK-1")
    await coordinator.tap("Eigen Kracht-conferentie")
    await coordinator.send("Sam nam de fiets van Noor mee.")
    await coordinator.tap("Nederlands")
    await coordinator.tap("✔ Versturen")
    noor = await victim_asked_to_take_part(world, coordinator)
    explained = await answer_to_tap(noor, "Ja, ik wil meedoen")
    assert "de volgorde vast" in explained and "Ik vertel eerst" not in explained
    await noor.tap("Verder")
    assert (await party(world, "Noor")).speaks_first is None


async def test_a_victim_who_needs_time_to_think_gets_one_gentle_word_a_week_later(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    noor = await victim_asked_to_take_part(world, coordinator)
    said = await answer_to_tap(noor, "Ik wil er eerst over nadenken")
    assert "geen haast" in said and "Over een week" in said
    assert "wil eerst nadenken" in await world.rendered("talk_thinking")
    rows = [r for r in await world.outbox() if r.kind == "think_follow_up"]
    assert len(rows) == 1 and (rows[0].due_at - world.clock()).days >= 6
    from datetime import timedelta

    from bot.nudges import plan_nudges
    world.clock.advance(days=2)
    assert await plan_nudges(world.db, world.clock, timedelta(hours=24)) == 0  # no pressure
    world.clock.advance(days=6)
    await world.deliver_outbox()
    assert "wilde je nadenken over zaak 2026-014" in (noor.last_text or "")


async def test_a_talk_released_early_does_not_tell_the_victim_of_an_acknowledgement(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    await add_offender(coordinator)
    noor = world.person(VICTIM, "Noor")
    await noor.send(f"/start {await add_victim(coordinator)}")
    await card(coordinator)
    await coordinator.tap("Vrijgeven: Noor")
    await coordinator.send("De dader is nog niet bereikt; het slachtoffer wil graag praten.")
    await coordinator.tap("✔ Versturen")
    await noor.send("/start")
    await noor.tap("Verder")
    said = await answer_to_tap(noor, "Verder")
    assert "vertelt de coördinator je zelf" in said
    assert "erkent zijn of haar aandeel" not in said


async def test_the_coordinator_sees_an_answer_that_was_changed_and_what_it_was_first(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await sam.tap("Nee")
    await sam.tap("Overslaan")
    await sam.tap("Nee, ik tikte verkeerd")  # only a mistap is offered: no coaching
    await sam.tap("Voor een deel")
    await sam.send("Ik was erbij.")
    await sam.tap("Ja")
    await offender_after_setting_right(sam, affected="Noor.")
    summary = await world.rendered("talk_completed")
    assert "Voor een deel\n(eerst: Nee)" in summary


async def test_facts_an_offender_disputes_are_changed_and_the_earlier_text_kept(
        world: World) -> None:
    from bot.models import FactsVersion

    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await sam.send(f"/start {await add_offender(coordinator)}")
    await sam.tap("Verder")
    await sam.tap("Verder")
    await sam.tap("Ja, ik doe mee")
    await sam.tap("Nee, er klopt iets niet")
    await sam.send("Het was niet op 3 maart maar op 4 maart.")
    await sam.tap("Overslaan")
    await sam.tap("Ja")
    await sam.tap("Overslaan")
    await sam.tap("Ja")
    await offender_after_setting_right(sam, affected="Noor.")
    assert "vindt de beschrijving van de feiten niet juist" in await world.rendered(
        "talk_completed")
    await card(coordinator)
    asked = await answer_to_tap(coordinator, "Feiten aanpassen: Sam")
    assert "Op 3 maart nam Sam de fiets van Noor mee." in asked
    await coordinator.send("Op 4 maart nam Sam de fiets van Noor mee.")
    assert "aangepast" in await answer_to_tap(coordinator, "✔ Versturen")
    assert "feiten aangepast op 2026-03-" in await card(coordinator)
    assert (await party(world, "Sam")).facts == "Op 4 maart nam Sam de fiets van Noor mee."
    async with world.db.transaction() as session:
        kept = (await session.exec(select(FactsVersion))).one()
    assert kept.text == "Op 3 maart nam Sam de fiets van Noor mee."


async def test_participants_are_told_whom_to_contact_once_the_coordinator_says_so(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender_token = await add_offender(coordinator)
    victim_token = await add_victim(coordinator)
    noor = world.person(VICTIM, "Noor")
    assert "neemt je coördinator contact" in await answer_to(noor, f"/start {victim_token}")
    await coordinator.send("/profiel")
    await coordinator.send("Els")
    await coordinator.send("02 123 45 67")
    saved = await answer_to_tap(coordinator, "✔ Versturen")
    assert "je coördinator Els (02 123 45 67)" in saved
    assert "je coördinator Els (02 123 45 67)" in await answer_to(noor, "/start")
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, offender_token)
    await offender_completes(sam)
    assert "Neem contact op met je coördinator Els (02 123 45 67)" in await answer_to(sam, "/start")
    assert "Vragen? Neem contact op met je coördinator Els" in await answer_to(sam, "/help")
