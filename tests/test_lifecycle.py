"""A case after the conference: closed, exported (JSON and PDF), kept longer with a reason,
and erased by the retention job a year later (warned a week before) or by its coordinator at
once."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from pypdf import PdfReader
from sqlmodel import select

from bot.lifecycle import plan_retention
from bot.models import AuditEntry, Case, Party, Talk
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    answer_to,
    answer_to_tap,
    offender_completes,
    offender_to_responsibility,
    open_case,
)

YEAR = timedelta(days=365)


async def prepared(world: World):  # type: ignore[no-untyped-def]
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(222, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam)
    await world.deliver_outbox()
    return coordinator


async def test_a_closed_case_is_erased_after_a_year_unless_kept_and_the_coordinator_is_warned(
        world: World) -> None:
    coordinator = await prepared(world)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert "is afgesloten" in await answer_to_tap(coordinator, "Zaak afsluiten")
    world.clock.advance(days=300)
    assert await plan_retention(world.db, world.clock, YEAR) == 0
    world.clock.advance(days=60)  # five days before erasure
    assert await plan_retention(world.db, world.clock, YEAR) == 1
    assert await plan_retention(world.db, world.clock, YEAR) == 0  # warned once
    await world.deliver_outbox()
    assert "over een week gewist" in (coordinator.last_text or "")
    await coordinator.tap("Langer bewaren")
    await coordinator.send("De jeugdrechter vroeg het uitvoeringsverslag nog niet op.")
    assert "blijft bewaard tot" in await answer_to_tap(coordinator, "✔ Versturen")
    world.clock.advance(days=10)
    assert await plan_retention(world.db, world.clock, YEAR) == 0  # kept: not erased
    world.clock.advance(days=90)
    await plan_retention(world.db, world.clock, YEAR)
    async with world.db.transaction() as session:
        case = (await session.exec(select(Case))).one()
        party = (await session.exec(select(Party))).one()
        talk = (await session.exec(select(Talk).where(Talk.party_id == party.id))).one()
        audit = [(e.actor_kind, e.action) for e in (await session.exec(select(AuditEntry))).all()]
    assert case.erased_at is not None and case.facts == "–"
    assert party.name == "–" and talk.answers == {} and talk.outcome == "completed"
    assert ("system", "case_erased") in audit and ("coordinator", "case_kept") in audit
    await coordinator.send("/cases")
    assert "Gewist op" in await answer_to_tap(coordinator, "2026-014")


async def test_the_coordinator_exports_a_case_and_erases_it_after_confirming(
        world: World) -> None:
    coordinator = await prepared(world)
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    await coordinator.tap("Exporteren")
    as_data, as_pdf = coordinator.messages[-2:]  # the data, and the same case to read or print
    assert as_data.document_name == "zaak-1.json" and as_pdf.document_name == "zaak-1.pdf"
    assert "Alles wat over zaak 2026-014 bewaard is" in as_data.content
    assert "Zaak 2026-014 als PDF" in as_pdf.content
    exported = json.loads((as_data.document or b"{}").decode())
    assert exported["reference"] == "2026-014"
    assert exported["parties"][0]["talk"]["answers"]["availability"] == "woensdag"
    read = PdfReader(io.BytesIO(as_pdf.document or b"")).pages[0].extract_text()
    assert "Zaak 2026-014" in read and "Sam" in read and "woensdag" in read
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    asked = await answer_to_tap(coordinator, "Zaak wissen")
    assert "kan niet ongedaan" in asked
    assert "is gewist" in await answer_to_tap(coordinator, "Ja, wis alles van deze zaak")
    async with world.db.transaction() as session:
        party = (await session.exec(select(Party))).one()
    assert party.name == "–"
    sam = world.person(222, "Sam")
    assert "persoonlijke uitnodiging" in await answer_to(sam, "/mijngegevens")
