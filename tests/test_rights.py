"""A participant's rights in the chat: what is stored about them, as text and as a file, and
an erasure the coordinator grants (the person's data goes, the case's counts stay)."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.models import AuditEntry, Party, Talk
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

OFFENDER = 222


async def test_a_participant_sees_what_is_kept_gets_a_file_and_has_it_erased(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam)
    shown = await answer_to(sam, "/mijngegevens")
    assert "Zaak 2026-014 – Sam (dader)" in shown
    assert "Ik had het niet mogen doen." in shown and "woensdag" in shown
    await sam.tap("Stuur het als bestand")
    sent = sam.messages[-1]
    assert sent.document is not None and sent.document_name == "herstelbot.json"
    data = json.loads(sent.document.decode())["herstelbot"][0]
    assert data["answers"]["responsibility_explain"] == "Ik had het niet mogen doen."
    assert data["people_you_proposed"] == ["Mama"] and data["recorded"]["acknowledged"] == "yes"
    assert "doorgegeven aan de coördinator" in await answer_to_tap(sam, "Vraag om het te wissen")
    await world.deliver_outbox()
    assert "vraagt om zijn of haar gegevens te wissen" in (coordinator.last_text or "")
    assert "gewist" in await answer_to_tap(coordinator, "Wissen: Sam")
    async with world.db.transaction() as session:
        party = (await session.exec(select(Party))).one()
        talk = (await session.exec(select(Talk).where(Talk.party_id == party.id))).one()
        actions = {e.action for e in (await session.exec(select(AuditEntry))).all()}
    assert party.name == "–" and talk.answers == {} and talk.outcome == "completed"
    assert {"mydata_viewed", "erasure_requested", "party_erased"} <= actions
    assert "persoonlijke uitnodiging" in await answer_to(sam, "/mijngegevens")  # unbound


async def test_after_the_talk_the_chats_copy_can_be_deleted_and_the_answers_stay(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await offender_completes(sam)
    assert "Wil je dat ik de vragen en je antwoorden uit deze chat verwijder" in (
        sam.last_text or "")
    questions = [m.message_id for m in sam.messages[:-1]]
    said = await answer_to_tap(sam, "Ja, verwijder ze uit de chat")
    assert "verwijderd" in said
    after = {m.message_id: m for m in world.api.messages_to(OFFENDER)}
    assert all(after[i].deleted for i in questions)  # welcome, questions, the offer
    assert not after[sam.messages[-1].message_id].deleted  # the confirmation stays
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).one()
    assert talk.answers["availability"] == "woensdag"  # stored answers are untouched
