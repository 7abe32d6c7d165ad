"""The repair plan: recorded by the coordinator one commitment at a time, signed by every
party in the chat against the hash of the exact version they saw, a copy for everyone, and a
change after signing that needs new signatures. Through the real `Application`."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from io import BytesIO

from pypdf import PdfReader
from sqlmodel import select

from bot.buttons import Sign, encode
from bot.lifecycle import ERASED, erase_case_data
from bot.models import Case, Commitment, Plan, PlanVersion, Signature
from tests.fakes import TelegramUser
from tests.plans import Agreed, a_signed_plan
from tests.test_conference import OFFENDER, VICTIM, card, plan
from tests.world import World, answer_to, answer_to_tap, two_talks_done

APOLOGY = "Sam schrijft Noor een brief met excuses."


async def plan_card(coordinator: TelegramUser) -> str:
    await card(coordinator)
    return await answer_to_tap(coordinator, "Herstelplan")


async def add_apology(coordinator: TelegramUser, what: str = APOLOGY, *,
                      follow_up: str = "Noor laat het de coördinator weten.",
                      owner: str = "Sam") -> str:
    """One commitment, due on 20 April 2026, reminded the day before, no money."""
    await coordinator.tap("Afspraak toevoegen")
    await coordinator.send(what)
    await coordinator.tap("Herstel voor wie schade leed")
    await coordinator.send("20-04-2026")
    await coordinator.tap("Eén keer")
    await coordinator.tap("De dag ervoor")
    await coordinator.tap("Overslaan")  # no money
    await coordinator.send(follow_up)
    asked = await answer_to_tap(coordinator, "✔ Versturen")
    assert "Wie neemt deze afspraak op zich?" in asked
    await coordinator.tap(owner)
    assert f"✔ {owner}" in coordinator.messages[-1].button_labels
    return await answer_to_tap(coordinator, "Klaar")


async def a_plan_with_the_apology(world: World) -> TelegramUser:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await world.deliver_outbox()
    await plan_card(coordinator)
    await add_apology(coordinator)
    return coordinator


def pdf_text(data: bytes | None) -> str:
    assert data is not None
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def newest_document(world: World, chat: int) -> bytes | None:
    return next(m.document for m in reversed(world.api.messages_to(chat)) if m.document)


async def test_the_coordinator_records_commitments_in_the_plans_three_parts(world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    shown = await plan_card(coordinator)
    assert "Herstelplan – zaak 2026-014" in shown and "Nog geen afspraken." in shown
    shown = await add_apology(coordinator)
    assert "Herstel voor wie schade leed\n1. Sam schrijft Noor een brief met excuses." in shown
    assert "Wie: Sam" in shown and "Tegen: maandag 20 april 2026" in shown
    assert "Opvolging: Noor laat het de coördinator weten." in shown
    await coordinator.tap("Afspraak toevoegen")
    await coordinator.send("Sam helpt elke woensdag in de fietsenstalling.")
    await coordinator.tap("Herstel voor de samenleving (school, buurt)")
    assert "Dat kan ik niet lezen als datum" in await answer_to(coordinator, "volgende woensdag")
    await coordinator.send("22-04-2026")
    await coordinator.tap("Elke week")
    await coordinator.send("6")
    await coordinator.tap("Drie dagen ervoor")
    await coordinator.send("150,50")
    await coordinator.tap("Overslaan")
    await coordinator.tap("✔ Versturen")
    await coordinator.tap("Sam")
    shown = await answer_to_tap(coordinator, "Klaar")
    assert "Herstel voor de samenleving\n2. Sam helpt elke woensdag" in shown
    assert "Elke week, 6 keer, vanaf woensdag 22 april 2026" in shown
    assert "Bedrag: € 150,50 (mag in delen)" in shown
    await coordinator.tap("Wie informeren, evaluatie")
    await coordinator.send("De school, via de zorgcoördinator.")
    await coordinator.send("Dan komen we opnieuw samen.")
    await coordinator.tap("Overslaan")
    shown = await answer_to_tap(coordinator, "✔ Versturen")
    assert "Wie van het plan weet, en hoe: De school, via de zorgcoördinator." in shown
    assert "Evaluatie: vier weken na de ondertekening" in shown


async def test_a_commitment_is_changed_from_its_filled_in_review_and_removed_again(
        world: World) -> None:
    coordinator = await a_plan_with_the_apology(world)
    review = await answer_to_tap(coordinator, "Wijzig 1")
    assert APOLOGY in review and "Verander: Wat" in coordinator.messages[-1].button_labels
    await coordinator.tap("Verander: Wat")
    await coordinator.send("Sam zegt Noor sorry, in een gesprek.")
    shown = await answer_to_tap(coordinator, "✔ Versturen")
    assert "1. Sam zegt Noor sorry, in een gesprek." in shown and APOLOGY not in shown
    assert "Wie: Sam" in shown  # who takes it on stays
    shown = await answer_to_tap(coordinator, "Schrap 1")
    assert "Nog geen afspraken." in shown


async def test_everyone_signs_in_the_chat_and_gets_the_final_copy_with_the_signatures(
        world: World) -> None:
    coordinator = await a_plan_with_the_apology(world)
    sent = await answer_to_tap(coordinator, "Ter ondertekening sturen")
    assert "Versie 1 van het plan is ter ondertekening gestuurd naar: Sam, Noor." in sent
    await world.deliver_outbox()
    sam, noor = world.person(OFFENDER, "Sam"), world.person(VICTIM, "Noor")
    to_sign = next(m for m in world.api.messages_to(OFFENDER) if "Hier is het herstelplan"
                   in m.content)
    assert APOLOGY in to_sign.content and "Evaluatie: dinsdag 7 april 2026" in to_sign.content
    assert to_sign.button_labels == ["✍ Ik teken dit plan", "Ik teken niet"]
    assert APOLOGY in pdf_text(newest_document(world, OFFENDER))
    assert "getekend" in await answer_to_tap(sam, "✍ Ik teken dit plan")
    shown = await plan_card(coordinator)
    assert "✔ Sam, getekend op" in shown and "… Noor heeft nog niet getekend" in shown
    await noor.tap("✍ Ik teken dit plan")
    await world.deliver_outbox()
    for chat in (OFFENDER, VICTIM):
        assert any("Iedereen heeft het herstelplan getekend" in m.content
                   for m in world.api.messages_to(chat))
        final = pdf_text(newest_document(world, chat))
        assert "Ondertekend" in final and "Sam, getekend op" in final
        assert "Noor, getekend op" in final
    assert "iedereen heeft versie 1 van het herstelplan getekend (2 handtekeningen)" in (
        coordinator.last_text or "")
    await plan_card(coordinator)  # following the plan shows on its card
    assert "Uitvoeringsverslag (PDF)" in coordinator.messages[-1].button_labels
    async with world.db.transaction() as session:
        version = (await session.exec(select(PlanVersion))).one()
        signatures = (await session.exec(select(Signature))).all()
    assert hashlib.sha256(version.content.encode()).hexdigest() == version.digest
    assert version.digest in final.replace("\n", "")  # the copy names what was signed
    assert {s.digest for s in signatures} == {version.digest}
    assert all(s.signed_at is not None for s in signatures)


async def test_a_change_after_signing_needs_new_signatures_and_an_old_button_signs_nothing(
        world: World) -> None:
    coordinator = await a_plan_with_the_apology(world)
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    sam, noor = world.person(OFFENDER, "Sam"), world.person(VICTIM, "Noor")
    await sam.tap("✍ Ik teken dit plan")
    old = next(m for m in world.api.messages_to(VICTIM) if "Hier is het herstelplan"
               in m.content)
    await plan_card(coordinator)
    await coordinator.tap("Wijzig 1")
    await coordinator.tap("Verander: Wat")
    await coordinator.send("Sam zegt Noor sorry, in een gesprek.")
    shown = await answer_to_tap(coordinator, "✔ Versturen")
    assert "Het plan is veranderd na versie 1" in shown
    assert "versie 2" in (await answer_to_tap(coordinator, "Ter ondertekening sturen")).lower()
    await world.deliver_outbox()
    stale = next(b["callback_data"] for b in old.buttons if b["text"].startswith("✍"))
    before = len(noor.messages)
    await noor.tap_data(old.message_id, stale)
    assert "oudere versie van het plan. Er is niets getekend" in "\n".join(
        noor.texts_since(before))
    shown = await plan_card(coordinator)
    assert "Ondertekening van versie 2:" in shown
    assert "… Sam heeft nog niet getekend" in shown  # his signature was for version 1


async def test_a_party_who_will_not_sign_says_so_and_the_coordinator_is_told(
        world: World) -> None:
    coordinator = await a_plan_with_the_apology(world)
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    noor = world.person(VICTIM, "Noor")
    assert "Wil je zeggen waarom?" in await answer_to_tap(noor, "Ik teken niet")
    await world.deliver_outbox()
    assert "Noor (slachtoffer) tekent versie 1 van het herstelplan niet." in (
        coordinator.last_text or "")
    assert "✘ Noor tekent niet" in await plan_card(coordinator)


async def test_the_coordinator_reminds_who_has_not_signed_and_a_forged_sign_is_refused(
        world: World) -> None:
    coordinator = await a_plan_with_the_apology(world)
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    sam = world.person(OFFENDER, "Sam")
    await sam.tap("✍ Ik teken dit plan")
    await plan_card(coordinator)
    assert "Noor" in await answer_to_tap(coordinator, "Herinner wie nog niet tekende")
    await world.deliver_outbox()
    assert "wacht nog op jouw handtekening" in world.api.messages_to(VICTIM)[-1].content
    async with world.db.transaction() as session:
        noors = next(s for s in (await session.exec(select(Signature))).all()
                     if s.signed_at is None)
    await sam.tap_data(sam.messages[-1].message_id, encode(Sign(noors.id or 0, 1)))
    async with world.db.transaction() as session:
        again = await session.get(Signature, noors.id)
    assert again is not None and again.signed_at is None


async def test_once_everyone_signed_the_owner_is_checked_in_on_the_due_date_and_a_done_is_told(
        world: World) -> None:
    """From the signing in the chat to the follow-up: the check-in comes on the day, and
    the person harmed who asked to be told hears when it is done."""
    coordinator = await a_plan_with_the_apology(world)
    await coordinator.tap("Ter ondertekening sturen")
    await world.deliver_outbox()
    sam, noor = world.person(OFFENDER, "Sam"), world.person(VICTIM, "Noor")
    await sam.tap("✍ Ik teken dit plan")
    await noor.tap("✍ Ik teken dit plan")
    await world.deliver_outbox()
    await noor.send("/plan")
    await noor.tap("🔔 Laat het me weten als iets gedaan is")
    world.services.scheduler.pause()  # the clock below is the test's, not the scheduler's
    world.clock.now = datetime(2026, 4, 20, 16, 0, tzinfo=UTC)  # 18:00 in Brussels
    await world.deliver_outbox()
    check_in = next(m for m in reversed(world.api.messages_to(OFFENDER))
                    if "Vandaag, maandag 20 april 2026" in m.content)
    assert APOLOGY in check_in.content and "Gedaan" in check_in.button_labels
    await sam.tap("Gedaan")
    await world.deliver_outbox()
    told = world.api.messages_to(VICTIM)[-1].content
    assert "afspraak 1 is gedaan op 20 april 2026" in told and APOLOGY in told
    shown = await plan_card(coordinator)
    assert "gedaan" in shown.lower()


async def test_erasing_a_case_erases_what_its_plan_agreed_and_keeps_the_counts(
        world: World) -> None:
    found = await a_signed_plan(world, [Agreed(APOLOGY, date(2026, 4, 20))])
    async with world.db.transaction() as session:
        case = await session.get(Case, found.case_id)
        assert case is not None
        await erase_case_data(session, case, world.clock())
    async with world.db.transaction() as session:
        plan = await session.get(Plan, found.plan_id)
        commitment = await session.get(Commitment, found.commitments[0])
        version = await session.get(PlanVersion, found.version_id)
    assert plan is not None and plan.inform is None
    assert commitment is not None and commitment.what == ERASED
    assert commitment.due_on == date(2026, 4, 20)  # dates and states stay, for the counts
    assert version is not None and APOLOGY not in version.content and len(version.digest) == 64
