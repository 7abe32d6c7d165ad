"""Scripted chats through the real python-telegram-bot Application and an in-process fake
of the Bot API: what people see and tap, and what the coordinator receives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.db import Database
from tests.fakes import TelegramUser
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    link_in,
    make_world,
    offender_to_responsibility,
    open_case,
)

OFFENDER_ID, OTHER_ID = 7002, 7003


@pytest.fixture
async def world(sqlite_db: Database, clock: ManualClock) -> AsyncIterator[World]:
    """Telegram's behaviour does not depend on the database: SQLite is enough here."""
    async for made in make_world(sqlite_db, clock):
        yield made


async def coordinator_invites_offender(world: World) -> tuple[TelegramUser, str]:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="2026-021")
    token = await add_offender(coordinator)
    assert link_in(coordinator.messages[-2].content).startswith(
        f"https://t.me/{world.api.bot_username}?start=")
    assert (coordinator.messages[-1].photo or b"").startswith(b"\x89PNG")
    return coordinator, token


async def test_coordinator_invites_the_offender_who_completes_and_the_summary_arrives(
        world: World) -> None:
    coordinator, token = await coordinator_invites_offender(world)
    offender = world.person(OFFENDER_ID, "Sam")
    await offender_to_responsibility(offender, token)
    await world.deliver_outbox()
    assert "Sam (dader) heeft de uitnodiging geopend" in (coordinator.last_text or "")
    await offender.tap("Ja")
    await offender.send("Het was fout.")
    await offender.tap("Ja")
    await offender.send("Noor en haar ouders.")
    await offender.tap("Verder")
    await offender.tap("Overslaan")
    await offender.tap("Iemand toevoegen")
    await offender.send("Mama")
    await offender.send("mijn moeder")
    await offender.send("0470 11 22 33")
    await offender.tap("Niemand (meer)")
    await offender.tap("Niemand (meer)")
    await offender.send("woensdagmiddag")
    await offender.tap("Nee, niets")
    await offender.tap("✔ Versturen")
    assert "Je antwoorden zijn naar de coördinator gestuurd" in offender.messages[-2].content
    assert "uit deze chat verwijder" in (offender.last_text or "")  # asked once, at the end
    await world.deliver_outbox()
    summary = await coordinator.wait_for_text("heeft het voorbereidend gesprek afgerond")
    assert "Het was fout." in summary.content
    assert "Nodig Mama uit" in summary.button_labels
    await coordinator.tap("Nodig Mama uit")
    await coordinator.send("Mama")
    await coordinator.tap("Nederlands")
    assert "Uitnodiging voor Mama (steunfiguur)" in coordinator.messages[-2].content


async def test_offender_who_says_no_alerts_the_coordinator(world: World) -> None:
    coordinator, token = await coordinator_invites_offender(world)
    offender = world.person(OFFENDER_ID, "Sam")
    await offender_to_responsibility(offender, token)
    await offender.tap("Nee")
    await offender.tap("Overslaan")
    await offender.tap("Ja, ik bedoel nee")
    await world.deliver_outbox()
    alert = await coordinator.wait_for_text("VOORWAARDE NIET VERVULD")
    assert "zaak 2026-021" in alert.content and "Sam (dader)" in alert.content


async def test_a_forwarded_invite_used_by_a_second_account_is_refused(world: World) -> None:
    coordinator, token = await coordinator_invites_offender(world)
    await world.person(OFFENDER_ID, "Sam").send(f"/start {token}")
    other = world.person(OTHER_ID, "Iemand")
    await other.send(f"/start {token}")
    assert "al door iemand anders gebruikt" in (other.last_text or "")
    await world.deliver_outbox()
    await coordinator.wait_for_text("geopend door een ander Telegram-account")


async def test_bad_input_gets_a_kind_answer_and_nothing_is_lost(world: World) -> None:
    _, token = await coordinator_invites_offender(world)
    offender = world.person(OFFENDER_ID, "Sam")
    await offender_to_responsibility(offender, token)
    question = offender.messages[-1]
    for act in (offender.send_photo, offender.send_sticker, offender.send_voice,
                offender.send_document):
        await act()
        assert "alleen getypte tekst" in offender.messages[-2].content
        assert "Erken je jouw aandeel" in (offender.last_text or "")
    await offender.send("misschien wel")  # text where a button is expected
    assert "Tik op een van de knoppen" in offender.messages[-2].content
    talk_id = str(question.buttons[0]["callback_data"]).split(":")[1]
    await offender.tap_data(question.message_id, f"t:{talk_id}:1:o0")  # a stale button
    assert "eerdere vraag" in offender.messages[-2].content
    await offender.tap_data(question.message_id, "t:1:999999:o0' OR 1=1")  # forged data
    assert "werkt niet" in offender.messages[-2].content, offender.transcript()
    await offender.tap_data(question.message_id, "c:case:1")  # a coordinator's button
    assert "werkt niet" in offender.messages[-2].content
    await offender.send("/newcase")  # a command in the middle of the talk
    assert "ken ik niet" in offender.messages[-2].content
    await offender.send("/start")  # a second /start
    assert "Welkom terug" in offender.messages[-2].content
    await offender.tap("Ja")
    await offender.send("x" * 1600)  # over the limit of this question
    assert "1600 tekens" in offender.messages[-2].content
    first = await offender.send("Ik was fout.")
    await offender.edit(first["message"]["message_id"], "Ik was erg fout.")
    assert "eerst stuurde" in (offender.last_text or "")
    await offender.tap("Ja")  # set things right: the edit did not replace the answer
    assert "Wie is er geraakt" in (offender.last_text or "")
    async with world.services.db.transaction() as session:
        from sqlmodel import select

        from bot.models import Talk

        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER_ID))).one()
    assert talk.answers["responsibility_explain"] == "Ik was fout."
    assert talk.step == "affected"


async def test_the_answered_question_loses_its_buttons(world: World) -> None:
    _, token = await coordinator_invites_offender(world)
    offender = world.person(OFFENDER_ID, "Sam")
    await offender.send(f"/start {token}")
    welcome = offender.messages[-1]
    assert welcome.button_labels == ["Verder"]
    await offender.tap("Verder")
    refreshed = next(m for m in world.api.messages_to(OFFENDER_ID)
                     if m.message_id == welcome.message_id)
    assert refreshed.button_labels == []


async def test_a_blocked_coordinator_or_a_429_loses_nothing_owed(world: World) -> None:
    coordinator, token = await coordinator_invites_offender(world)
    world.api.fail_next("sendMessage", error_code=429, retry_after=3, chat_id=COORDINATOR_ID)
    offender = world.person(OFFENDER_ID, "Sam")
    await offender.send(f"/start {token}")
    before = len(coordinator.messages)
    await world.deliver_outbox()
    assert len(coordinator.messages) == before  # asked to wait: nothing sent yet
    world.clock.advance(seconds=4)
    await world.services.sender.flush()
    await coordinator.wait_for_text("heeft de uitnodiging geopend")


async def test_the_command_menu_is_set_in_both_languages(world: World) -> None:
    default = {"type": "default"}
    english = world.api.commands_for(default, "")
    dutch = world.api.commands_for(default, "nl")
    assert [c["command"] for c in english] == ["start", "help", "language", "pause", "back",
                                               "stop", "talks", "mydata", "plan"]
    assert {"command": "pause", "description": "Take a break"} in english
    assert {"command": "pause", "description": "Even pauzeren"} in dutch


async def test_a_participant_who_blocked_the_bot_or_a_timeout_breaks_nothing(
        world: World) -> None:
    _, token = await coordinator_invites_offender(world)
    offender = world.person(OFFENDER_ID, "Sam")
    world.api.fail_next("sendMessage", error_code=403, chat_id=OFFENDER_ID)
    await offender.send(f"/start {token}")  # the welcome could not be delivered
    assert offender.messages == []
    world.api.fail_next("sendMessage", error_code=502, chat_id=OFFENDER_ID)
    await offender.send("/start")  # a Telegram hiccup: the reply is tried again once
    assert "Hallo Sam" in (offender.last_text or "")
    await offender.tap("Verder")
    assert "vrijwillig" not in (offender.last_text or "")
    assert "Je coördinator wil een" in (offender.last_text or "")


async def test_a_blocked_coordinator_is_marked_failed_not_retried_forever(
        world: World) -> None:
    from sqlmodel import select

    from bot.models import Outbox

    _, token = await coordinator_invites_offender(world)
    world.api.fail_next("sendMessage", error_code=403, chat_id=COORDINATOR_ID)
    await world.person(OFFENDER_ID, "Sam").send(f"/start {token}")
    await world.deliver_outbox()
    async with world.services.db.transaction() as session:
        row = (await session.exec(select(Outbox))).one()
    assert (row.status, row.last_error) == ("failed", "forbidden")


async def test_a_coordinator_gets_their_own_menu_once_they_write(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await coordinator.send("/start")
    assert "Hallo coördinator" in (coordinator.last_text or "")
    menu = world.api.commands_for({"type": "chat", "chat_id": COORDINATOR_ID}, "")
    assert {"command": "newcase", "description": "Nieuwe zaak"} in menu


async def test_a_restart_sets_no_staff_menu_that_is_already_set(world: World) -> None:
    from bot.menus import set_menus

    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await coordinator.send("/start")

    def chat_menus() -> int:
        return sum(1 for c in world.api.calls if c.method.lower() == "setmycommands"
                   and (c.params.get("scope") or {}).get("type") == "chat")

    services = world.services
    before = chat_menus()
    await set_menus(world.application.bot, services.db, services.catalog)  # a restart
    assert chat_menus() == before
    await coordinator.send("/taal")
    await coordinator.tap("English")  # the menu changes with the language: set again
    assert chat_menus() == before + 1
    await set_menus(world.application.bot, services.db, services.catalog)
    assert chat_menus() == before + 1
    menu = world.api.commands_for({"type": "chat", "chat_id": COORDINATOR_ID}, "")
    assert {"command": "newcase", "description": "New case"} in menu
