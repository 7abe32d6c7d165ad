"""What a user hit before the house was reshaped, each told as their story through the real
`Application` (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import select

from bot.models import Party, Talk
from tests.fakes import TelegramUser
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    answer_to,
    answer_to_tap,
    offender_completes,
    offender_to_responsibility,
    open_case,
    token_in,
)

OFFENDER, SECOND = 222, 223


async def new_case_to_review(coordinator: TelegramUser, reference: str, facts: str) -> None:
    await coordinator.send("/newcase")
    await coordinator.send(reference)
    await coordinator.tap("HERGO (herstelgericht groepsoverleg)")
    await coordinator.send(facts)
    await coordinator.tap("Nederlands")


async def test_the_coordinator_changes_an_answer_from_the_review_and_sees_it(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await new_case_to_review(coordinator, "2026-O1", "Eerste versie van de feiten.")
    asked = await answer_to_tap(coordinator, "Verander: Feiten")
    assert "Beschrijf de feiten" in asked and "Eerste versie" in asked
    review = await answer_to(coordinator, "Tweede versie van de feiten.")
    assert "Tweede versie van de feiten." in review and "Eerste versie" not in review
    changed = await answer_to_tap(coordinator, "Verander: Kenmerk")
    assert "kort kenmerk" in changed
    review = await answer_to(coordinator, "2026-O2")
    assert "2026-O2" in review
    assert "Zaak 2026-O2 is aangemaakt" in await answer_to_tap(coordinator, "✔ Versturen")


async def test_an_offender_changes_one_supporter_and_removes_another_without_losing_the_list(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender.tap("Ja")
    await offender.send("Het spijt me.")
    await offender.tap("Ja")
    await offender.send("Noor.")
    await offender.tap("Verder")
    await offender.tap("Overslaan")
    for name, relation in (("Mama", "moeder"), ("Oom Jan", "oom"), ("Lies", "zus")):
        await offender.tap("Iemand toevoegen")
        await offender.send(name)
        await offender.send(relation)
        await offender.tap("Overslaan")
    await offender.tap("Niemand (meer)")
    await offender.tap("Niemand (meer)")
    await offender.send("woensdag")
    await offender.tap("Nee, niets")
    shown = await answer_to_tap(offender, "Verander: Steunfiguren")
    assert "Mama" in shown and "Oom Jan" in shown and "Lies" in shown  # the list is kept
    await offender.tap("✏ Oom Jan")
    assert "Je antwoord nu: «Oom Jan»" in (offender.last_text or "")
    await offender.send("Jan")
    await offender.tap("Zo laten")  # the relation stays "oom"
    await offender.send("0470 00 00 00")
    after = await answer_to_tap(offender, "✕ Lies")
    assert "Weggehaald" in after and "Lies" not in after.split("Weggehaald", 1)[1]
    review = await answer_to_tap(offender, "Niemand (meer)")
    assert "Mama, moeder" in review and "Jan, oom, 0470 00 00 00" in review
    assert "Lies" not in review and "Oom Jan" not in review
    await offender.tap("✔ Versturen")
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).one()
    assert [s["name"] for s in talk.answers["supporters"]] == ["Mama", "Jan"]


async def test_text_typed_at_the_review_does_not_send_the_whole_review_again(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await new_case_to_review(coordinator, "2026-R", "Feiten.")
    said = await answer_to(coordinator, "is dit goed zo?")
    assert "Versturen" in said and "Kenmerk:" not in said  # a pointer, not a second review
    assert "Zaak 2026-R is aangemaakt" in await answer_to_tap(coordinator, "✔ Versturen")


async def test_an_answered_question_keeps_the_choice_made(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    question = offender.messages[-1]
    await offender.tap("Ja")
    answered = world.api.message(OFFENDER, question.message_id)
    assert answered.content.endswith("✔ Ja") and answered.button_labels == []
    assert "Erken je jouw aandeel" in answered.content


async def test_a_new_link_for_a_finished_talk_asks_first_and_keeps_every_answer(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender_completes(offender)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    asked = await answer_to_tap(coordinator, "Nieuwe link voor Sam")
    assert "heeft het gesprek al afgerond" in asked and "https://t.me/" not in asked
    assert "gesprek opnieuw" not in " ".join(coordinator.messages[-1].button_labels)
    card = await answer_to_tap(coordinator, "Niets doen")
    assert "gesprek afgerond" in card and "erkent zijn of haar aandeel: ja" in card
    await coordinator.tap("Nieuwe link voor Sam")
    await coordinator.tap("Nieuwe link, antwoorden blijven")
    token = token_in(coordinator.messages[-2].content)
    new_phone = world.person(OFFENDER + 50, "Sam")
    assert "klaar" in await answer_to(new_phone, f"/start {token}")
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.party_id.is_not(None)))).one()  # type: ignore[union-attr]
        sam = (await session.exec(select(Party))).one()
    assert talk.status == "ended" and talk.user_id == new_phone.user_id
    assert talk.answers["responsibility_explain"] == "Ik had het niet mogen doen."
    assert sam.acknowledged == "yes"
    assert "persoonlijke uitnodiging" in await answer_to(offender, "hallo")  # old phone: out


async def test_a_new_link_for_a_begun_talk_can_start_it_again_for_the_right_person(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    wrong = world.person(333, "Verkeerd")
    await offender_to_responsibility(wrong, await add_offender(coordinator))
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert "al begonnen" in await answer_to_tap(coordinator, "Nieuwe link voor Sam")
    await coordinator.tap("Nieuwe link, gesprek opnieuw")
    right = world.person(OFFENDER, "Sam")
    said = await answer_to(right, f"/start {token_in(coordinator.messages[-2].content)}")
    assert "Hallo Sam" in said and "Welkom terug" not in said  # a fresh start
    assert "Erken" not in await answer_to(wrong, "nog iets")
    async with world.db.transaction() as session:
        statuses = sorted(t.status for t in (await session.exec(
            select(Talk).where(Talk.party_id.is_not(None)))).all())  # type: ignore[union-attr]
    assert statuses == ["active", "archived"]  # set aside, not deleted


async def test_a_cancelled_form_stays_cancelled(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    await coordinator.send("/addparty")
    assert "Afgebroken" in await answer_to(coordinator, "/cancel")
    said = await answer_to(coordinator, "Sam")
    assert "eerder gestopt" not in said and "Ik wil toch verder" not in said
    assert "/newcase, /addparty of /cases" in said
    tapped = await answer_to_tap(coordinator, "Dader")  # a button of the cancelled form
    assert "werkt niet (meer)" in tapped and "Hoe spreek ik" not in tapped


async def test_a_second_offender_reads_the_facts_written_for_them(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, facts="Sam en Tom namen samen de fiets van Noor mee.")
    await add_offender(coordinator, "Sam")
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    token = await add_offender(coordinator, "Tom", own_facts="Tom nam samen met een ander "
                               "de fiets van Noor mee.")
    tom = world.person(SECOND, "Tom")
    await tom.send(f"/start {token}")
    await tom.tap("Verder")
    await tom.tap("Verder")
    facts = await answer_to_tap(tom, "Ja, ik doe mee")
    assert "samen met een ander" in facts and "Sam" not in facts


async def test_text_after_the_talk_is_offered_to_the_coordinator_not_lost(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender_completes(offender)
    offered = await answer_to(offender, "Ik wil nog zeggen dat ik mama niet wil erbij.")
    assert "doorgeven aan de coördinator" in offered
    assert "doorgegeven" in await answer_to_tap(offender, "Ja, geef het door")
    note = await world.rendered("participant_note")
    assert "Ik wil nog zeggen dat ik mama niet wil erbij." in note and "2026-014" in note
    await offender.send("Laat maar.")
    assert "niet door" in await answer_to_tap(offender, "Nee, niet doorgeven")
    assert len([r for r in await world.outbox() if r.kind == "participant_note"]) == 1


async def test_one_person_in_two_cases_switches_between_talks(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="ZAAK-A")
    first = await add_offender(coordinator, "Sam")
    await open_case(coordinator, reference="ZAAK-B")
    second = await add_offender(coordinator, "Sam")
    person = world.person(OFFENDER, "Sam")
    await person.send(f"/start {first}")
    await person.tap("Verder")
    await person.send(f"/start {second}")  # a second case: a talk of its own
    assert "Hallo Sam" in (person.last_text or "")
    listed = await answer_to(person, "/gesprekken")
    assert "ZAAK-A" in " ".join(person.messages[-1].button_labels) and "meer dan één" in listed
    label = next(b for b in person.messages[-1].button_labels if "ZAAK-A" in b)
    back = await answer_to_tap(person, label)
    assert "Welkom terug" in back
    await person.tap("Verder")  # goes to case A's talk, which moves on
    async with world.db.transaction() as session:
        talks = {t.case_id: t.step for t in (await session.exec(
            select(Talk).where(Talk.user_id == OFFENDER))).all()}
    assert sorted(talks.values()) == ["voluntary", "welcome"]
    assert "Je hebt nog 1 ander gesprek open" in await answer_to(person, "/start")


async def test_a_participant_who_finished_is_told_so_on_start_and_on_their_link(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, token)
    await offender_completes(offender)
    assert "Dit gesprek is klaar" in await answer_to(offender, "/start")
    assert "Dit gesprek is klaar" in await answer_to(offender, f"/start {token}")
    assert "Dit gesprek is klaar" in await answer_to(offender, "/pauze")


async def test_opening_one_cases_link_again_goes_to_that_cases_talk(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="ZAAK-A")
    first = await add_offender(coordinator, "Sam")
    await open_case(coordinator, reference="ZAAK-B")
    second = await add_offender(coordinator, "Sam")
    person = world.person(OFFENDER, "Sam")
    await person.send(f"/start {first}")
    await person.tap("Verder")  # case A: at the process
    await person.send(f"/start {second}")  # case B: at the welcome
    said = await answer_to(person, f"/start {first}")
    assert "Welkom terug" in said and "Verder" in person.messages[-1].button_labels
    await person.tap("Verder")
    async with world.db.transaction() as session:
        steps = {t.case_id: t.step for t in (await session.exec(
            select(Talk).where(Talk.user_id == OFFENDER))).all()}
    assert sorted(steps.values()) == ["voluntary", "welcome"]  # case A moved on, B waits
