"""The coordinator's conference script: the method's five phases, everyone by first name and
role, the order the victim chose (HERGO) or the method fixes (Eigen Kracht), and beside a name
only what that person gave to be shared at the conference. Read back from the PDF itself."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from sqlmodel import select

from bot.catalog import Catalog
from bot.flows import FlowError, FlowRegistry, load_flow
from bot.lifecycle import ERASED, erase_party_data
from bot.models import AuditEntry, Case, Coordinator, Party
from bot.pdf_document import find_fonts
from bot.views.conference_script import (
    Participant,
    ScriptInput,
    Someone,
    conference_script,
    script_pdf,
    script_text,
)
from bot.vocabulary import Role, Variant
from tests.conftest import DIALOGS
from tests.fakes import TelegramUser
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    add_victim,
    answer_to_tap,
    offender_completes,
    offender_to_responsibility,
    open_case,
)

FACTS = "Op 3 maart nam Sam de fiets van Noor mee."
PHASES = {"nl": ["Fase 1", "Fase 2", "Fase 3", "Fase 4", "Fase 5"],
          "en": ["Phase 1", "Phase 2", "Phase 3", "Phase 4", "Phase 5"]}
EVERYONE = ("Sam", "Noor", "Mama", "Lies", "Jan")


def example(variant: Variant, speaks_first: str | None) -> ScriptInput:
    return ScriptInput("2026-014", variant, FACTS, (
        Participant("Sam", Role.OFFENDER),
        Participant("Noor", Role.VICTIM),
        Participant("Mama", Role.SUPPORTER, Someone("Sam", Role.OFFENDER)),
        Participant("Lies", Role.SUPPORTER, Someone("Noor", Role.VICTIM)),
        Participant("Jan", Role.THIRD_PARTY)), speaks_first=speaks_first,
        when="6 april, 16:00", where="De Linde")


def pdf_text(document: bytes) -> str:
    assert document.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(document)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def rendered(data: ScriptInput, catalog: Catalog, language: str = "nl") -> str:
    parts = conference_script(data, catalog, language)
    return pdf_text(script_pdf(data, parts, catalog, language, find_fonts()))


def phase2_turns(text: str, language: str = "nl") -> list[str]:
    """Who is asked in phase 2, in order ("Vraag aan Noor:")."""
    phase2 = text.split(PHASES[language][1], 1)[1].split(PHASES[language][2], 1)[0]
    return re.findall(r"(?:Vraag aan|Ask) (\S+):", phase2)


def in_order(text: str, *pieces: str) -> bool:
    places = [text.find(p) for p in pieces]
    return -1 not in places and places == sorted(places)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_hergo_script_where_the_victim_chose_to_tell_first_begins_with_the_victim(
        catalog: Catalog, language: str) -> None:
    text = rendered(example(Variant.HERGO, "victim_first"), catalog, language)
    assert all(name in text for name in EVERYONE)
    assert in_order(text, *PHASES[language])
    assert phase2_turns(text, language) == ["Noor", "Sam", "Lies", "Jan", "Mama"]
    if language == "nl":
        assert "Begin dus bij Noor." in text
        assert "Sam neemt hiervoor de verantwoordelijkheid" in text and FACTS in text
        assert "niemand wordt onderbroken" in text
        assert "Geef Sam de kans om nog iets te zeggen" in text
        assert "wat moet er gebeuren om de situatie een beetje te herstellen" in text
        assert "Wanneer: 6 april, 16:00" in text and "Waar: De Linde" in text
    else:
        assert "So begin with Noor." in text and "Sam takes responsibility for this" in text
        assert "nobody is interrupted" in text and "Vraag" not in text
        for prompt in ("Who is involved or harmed?", "How has all this affected you?",
                       "Make everything very concrete", "The follow-up too",
                       "Ask explicitly whether anything was forgotten",
                       "who must be informed of the plan, and how",
                       "Have everyone sign the repair plan", "write the repair plan down"):
            assert prompt.lower() in text.lower(), prompt
    # the introductions follow the method: the offender first, then the victim, then the rest
    assert in_order(text, "Sam (", "Noor (", "Lies (", "Jan (", "Mama (")


def test_a_hergo_script_where_the_offender_tells_first_begins_with_the_offender(
        catalog: Catalog) -> None:
    text = rendered(example(Variant.HERGO, "offender_first"), catalog)
    assert all(name in text for name in EVERYONE)
    assert in_order(text, *PHASES["nl"])
    assert phase2_turns(text) == ["Sam", "Noor", "Lies", "Jan", "Mama"]
    assert "De keuze van het slachtoffer: de dader vertelt eerst. Begin dus bij Sam." in text
    assert "Wat is jouw aandeel?" in text and "Wat is volgens jou de kern van de zaak?" in text


@pytest.mark.parametrize("choice", ["coordinator_decides", None])
def test_without_the_victims_choice_the_offender_tells_first_and_the_coordinator_is_told(
        catalog: Catalog, choice: str | None) -> None:
    text = rendered(example(Variant.HERGO, choice), catalog)
    assert phase2_turns(text) == ["Sam", "Noor", "Lies", "Jan", "Mama"]
    assert "Let op:" in text and "Kies je anders, begin dan bij Noor." in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_eigen_kracht_script_keeps_the_fixed_order_and_asks_for_a_good_outcome(
        catalog: Catalog, language: str) -> None:
    # a victim's choice, if one were stored, does not change the fixed order (E 159-161)
    text = rendered(example(Variant.EIGEN_KRACHT, "victim_first"), catalog, language)
    assert all(name in text for name in EVERYONE)
    assert in_order(text, *PHASES[language])
    assert phase2_turns(text, language) == ["Sam", "Noor", "Lies", "Jan", "Mama"]
    if language == "nl":
        assert "Eigen Kracht-conferentie" in text and "ligt de volgorde vast" in text
        assert "wat zou een goede uitkomst van deze conferentie zijn?" in text
        assert "Nodig iedereen die iets wil rechtzetten uit om te reageren." in text
        assert "Geef Sam de kans" not in text
    else:
        assert "the order is fixed" in text and "what would be a good outcome" in text


def test_a_victim_who_sends_a_trusted_person_is_spoken_for_by_that_person(
        catalog: Catalog) -> None:
    data = ScriptInput("2026-014", Variant.HERGO, FACTS, (
        Participant("Sam", Role.OFFENDER),
        Participant("Noor", Role.VICTIM, comes=False, instead="trusted_person"),
        Participant("Tom", Role.SUPPORTER, Someone("Noor", Role.VICTIM), stands_in=True)),
        speaks_first=None)
    text = rendered(data, catalog)
    assert "Tom (vertrouwenspersoon, in de plaats van Noor, slachtoffer)" in text
    assert phase2_turns(text) == ["Sam", "Tom"]
    assert "Vraag eerst aan Tom:" in text


def test_the_chat_text_says_what_the_pdf_says(catalog: Catalog) -> None:
    data = example(Variant.HERGO, "victim_first")
    parts = conference_script(data, catalog, "nl")
    text = " ".join(script_text(parts).split())
    for phase in PHASES["nl"]:
        assert phase.upper() in text
    assert in_order(text, "Vraag aan Noor:", "Vraag aan Sam:", "Vraag aan Mama:")


# -- the flow marks what is shared --------------------------------------------------------------
def test_only_the_victims_own_story_is_marked_to_be_shared_at_the_conference(
        flows: FlowRegistry) -> None:
    shared = {(flow_id, step.id) for flow_id in flows.ids()
              for step in flows.latest(flow_id).steps.values() if step.for_conference}
    assert shared == {("victim", "own_story")}


@pytest.mark.parametrize(("step_id", "value", "expected"), [
    ("responsibility", True, "only a text or list step of a participant's flow"),
    ("questions_notes", "yes", "for_conference is true or false"),
])
def test_for_conference_on_the_wrong_step_is_refused(
        tmp_path: Path, step_id: str, value: object, expected: str) -> None:
    raw = yaml.safe_load((DIALOGS / "offender.flow.yaml").read_text(encoding="utf-8"))
    next(s for s in raw["steps"] if s["id"] == step_id)["for_conference"] = value
    path = tmp_path / "offender.flow.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FlowError, match=expected):
        load_flow(path)


# -- through the bot ------------------------------------------------------------------------------
async def victim_who_comes_with_notes(victim: TelegramUser, notes: str) -> None:
    for _ in range(3):
        await victim.tap("Verder")
    await victim.tap("Ja, ik wil meedoen")
    await victim.tap("Ik vertel eerst")
    await victim.tap("Verder")
    await victim.send(notes)  # "only the coordinator reads it"
    await victim.send("Dat hij zijn excuses aanbiedt.")
    await victim.tap("Niemand (meer)")
    await victim.tap("Niemand (meer)")
    await victim.send("maandag na school")
    await victim.tap("Nee, niets")
    await victim.tap("Met je")
    await victim.tap("✔ Versturen")


async def victim_who_gives_her_story(victim: TelegramUser, story: str) -> None:
    for _ in range(3):
        await victim.tap("Verder")
    await victim.tap("Nee, ik kom liever niet")
    await victim.tap("Mijn verhaal laten vertellen")
    await victim.send(story)
    await victim.tap("✔ Versturen")


async def case_with_two_victims(world: World) -> TelegramUser:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(222, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator, "Sam de Vries"))
    await offender_completes(sam, supporter=None)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    noor = world.person(333, "Noor")
    await noor.send(f"/start {await add_victim(coordinator, 'Noor Peeters')}")
    await victim_who_comes_with_notes(noor, "ALLEEN-VOOR-DE-COORDINATOR")
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    lotte = world.person(444, "Lotte")
    await lotte.send(f"/start {await add_victim(coordinator, 'Lotte')}")
    await victim_who_gives_her_story(lotte, "Ik was heel bang toen mijn fiets weg was.")
    await world.deliver_outbox()
    return coordinator


async def test_the_coordinator_taps_the_script_on_the_card_and_gets_it_as_text_and_pdf(
        world: World) -> None:
    coordinator = await case_with_two_victims(world)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert coordinator.messages[-1].button_labels[-1] == "Draaiboek"
    said = await answer_to_tap(coordinator, "Draaiboek")
    sent = coordinator.messages[-1]
    assert sent.document is not None and sent.document_name == "draaiboek-1.pdf"
    text = pdf_text(sent.document)
    chat = " ".join(said.split())
    for shown in (text, chat):
        assert "Sam (dader)" in shown and "Noor (slachtoffer)" in shown and "de Vries" not in shown
        assert "Lotte (slachtoffer) komt niet zelf" in shown
        # Lotte's story is read where she would speak; Noor chose to tell first
        assert "Ik was heel bang toen mijn fiets weg was." in shown
        assert in_order(shown, "Vraag aan Noor:", "Ik was heel bang", "Vraag aan Sam:")
        assert "ALLEEN-VOOR-DE-COORDINATOR" not in shown  # her notes stay in the case
        assert "excuses" not in shown and "maandag na school" not in shown
    async with world.db.transaction() as session:
        audited = (await session.exec(select(AuditEntry).where(
            AuditEntry.action == "script_viewed"))).all()
    assert len(audited) == 1 and audited[0].allowed


async def test_a_party_whose_data_was_erased_is_not_in_the_script(world: World) -> None:
    coordinator = await case_with_two_victims(world)
    async with world.db.transaction() as session:
        lotte = (await session.exec(select(Party).where(Party.id == 3))).one()
        await erase_party_data(session, lotte, world.clock())
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    said = await answer_to_tap(coordinator, "Draaiboek")
    assert "Noor (slachtoffer)" in said and "Lotte" not in said and "bang" not in said
    assert f"{ERASED} (" not in said


async def test_the_script_comes_in_english_for_an_english_speaking_coordinator(
        world: World) -> None:
    coordinator = await case_with_two_victims(world)
    await coordinator.send("/taal")
    await answer_to_tap(coordinator, "English")
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    said = await answer_to_tap(coordinator, "Conference script")
    assert "Phase 1 – Introduction".upper() in said and "Ask Noor:" in said
    text = pdf_text(coordinator.messages[-1].document or b"")
    assert "Conference script – case 2026-014" in text and "Noor (victim)" in text
    assert "Their story, to be told at the conference" in text


async def test_another_coordinator_who_forges_the_script_button_is_refused(
        world: World) -> None:
    await case_with_two_victims(world)
    async with world.db.transaction() as session:
        session.add(Coordinator(telegram_user_id=555, created_at=world.clock()))
        case = (await session.exec(select(Case))).one()
    other = world.person(555, "Ander")
    await other.send("/cases")
    before = len(other.messages)
    await other.tap_data(other.messages[-1].message_id, f"c:scr:{case.id}")
    said = "\n".join(other.texts_since(before))
    assert "werkt niet" in said
    assert "Sam" not in said and "fiets" not in said and "2026-014" not in said
    assert all(m.document is None for m in other.messages)
    async with world.db.transaction() as session:
        refused = (await session.exec(select(AuditEntry).where(
            AuditEntry.actor_user_id == 555))).all()
    assert [(e.action, e.allowed, e.case_id) for e in refused] == [("refused", False, case.id)]
