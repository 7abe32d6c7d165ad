"""Hostile and odd input, each found by a black-box run against the bot, through the real
`Application` on SQLite and PostgreSQL: nothing crashes, nothing is lost, nobody else's
buttons work, and the answer comes in the person's language."""

from __future__ import annotations

from sqlmodel import select

from bot.models import Outbox, Talk
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    answer_to,
    offender_after_setting_right,
    offender_completes,
    offender_to_responsibility,
    open_case,
)

OFFENDER, STRANGER = 222, 333


async def test_forged_ids_past_what_a_database_holds_are_refused_kindly(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam", language="en")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    question = sam.messages[-1].message_id
    for data in ("t:2147483648:1:next", "t:99999999999:1:o0", "c:card:2147483648",
                 "t:²:1:next", "s:9223372036854775808"):
        before = len(sam.messages)
        await sam.tap_data(question, data)
        said = "\n".join(sam.texts_since(before))
        assert "werkt niet" in said, data  # Sam's talk is in Dutch (the coordinator chose)
    await sam.tap("Ja")  # and the talk goes on


async def test_a_nul_character_in_an_answer_does_not_stop_the_talk(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, facts="Sam nam\x00 de fiets mee.")
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await sam.tap("Ja")
    await sam.send("Het \x00spijt\x00 me.")
    await sam.tap("Ja")
    await offender_after_setting_right(sam, affected="Noor\x00.")
    assert "Dank je wel, Sam" in sam.messages[-2].content  # then the offer to clear the chat
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).one()
    assert talk.answers["responsibility_explain"] == "Het spijt me."


async def test_an_answer_of_invisible_control_characters_is_no_answer(world: World) -> None:
    """Found by the property test: a lone C1 control character ("\x80", what a wrongly
    decoded text may hold) was taken as an answer the coordinator could not see."""
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await sam.tap("Ja")
    assert "Ik zie geen tekst" in await answer_to(sam, "\x80\x9b")
    await sam.send("Het\x85 spijt\x9f me.")
    await sam.tap("Ja")
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).one()
    assert talk.answers["responsibility_explain"] == "Het spijt me."


async def test_a_command_for_another_bot_is_not_run_as_ours(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    said = await answer_to(sam, "/pauze@some_other_bot")
    assert "ken ik niet" in said and "Erken je jouw aandeel" in said
    said = await answer_to(sam, f"/pauze@{world.api.bot_username}")
    assert "Je antwoorden zijn bewaard" in said  # addressed to us: it is ours


async def test_someone_else_cannot_use_buttons_copied_from_another_chat(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    data = str(sam.messages[-1].buttons[0]["callback_data"])
    other = world.person(STRANGER, "Ander")
    await other.send("/start")
    await other.tap_data(other.messages[-1].message_id, data)
    assert "werkt niet" in (other.last_text or "")
    async with world.db.transaction() as session:
        talk = (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).one()
    assert talk.step == "responsibility" and "responsibility" not in talk.answers


async def test_a_forwarded_link_tried_again_and_again_alerts_the_coordinator_once(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, token)
    other = world.person(STRANGER, "Ander")
    for _ in range(5):
        assert "al door iemand anders gebruikt" in await answer_to(other, f"/start {token}")
    async with world.db.transaction() as session:
        alerts = (await session.exec(select(Outbox).where(
            Outbox.kind == "invite_refused"))).all()
    assert len(alerts) == 1
    world.clock.advance(hours=2)
    await other.send(f"/start {token}")
    async with world.db.transaction() as session:
        alerts = (await session.exec(select(Outbox).where(
            Outbox.kind == "invite_refused"))).all()
    assert len(alerts) == 2  # a new try later is worth a word again
    await offender_completes(sam)


async def test_a_participant_who_blocks_the_bot_is_marked_unreachable_and_the_coordinator_told(
        world: World) -> None:
    from tests.fakes import deliver_to_application

    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    deliver = deliver_to_application(world.application, raise_errors=True)
    await deliver(world.api.user_blocks_bot(OFFENDER))
    await deliver(world.api.user_blocks_bot(OFFENDER))  # told once, not twice
    alerts = [r for r in await world.outbox() if r.kind == "party_unreachable"]
    assert len(alerts) == 1
    assert "heeft de bot geblokkeerd" in await world.rendered("party_unreachable")
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert "Sam (dader): ⚠ heeft de bot geblokkeerd" in (coordinator.last_text or "")
    await deliver(world.api.user_unblocks_bot(OFFENDER))
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert "geblokkeerd" not in (coordinator.last_text or "")


async def test_a_nudge_refused_by_telegram_marks_the_party_unreachable(world: World) -> None:
    from datetime import timedelta

    from bot.nudges import plan_nudges

    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    await world.deliver_outbox()
    world.api.fail_next("sendMessage", error_code=403, chat_id=OFFENDER)
    world.clock.advance(hours=30)
    await plan_nudges(world.db, world.clock, timedelta(hours=24))
    world.clock.advance(hours=12)
    await world.deliver_outbox()
    assert [r.kind for r in await world.outbox() if r.kind == "party_unreachable"]
