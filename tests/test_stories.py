"""The people's stories through the real `Application`, on SQLite and PostgreSQL: cases,
invites, talks, access, the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import AuditEntry, Coordinator, Invite, Party, Talk
from bot.nudges import plan_nudges
from bot.turn import Incoming
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

OFFENDER, STRANGER = 222, 333


async def test_coordinator_opens_a_case_and_the_offender_completes_the_talk(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    said = await answer_to(coordinator, "en nu?")  # no form open: a hint, no participant text
    assert "/newcase, /addparty of /cases" in said
    token = await add_offender(coordinator)
    assert len(token) >= 32
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, token)
    assert [row.kind for row in await world.outbox()] == ["invite_opened"]
    await offender_completes(offender)
    assert "Dank je wel, Sam" in offender.messages[-2].content
    summary = await world.rendered("talk_completed")
    assert "Zaak 2026-014: Sam (dader) heeft het voorbereidend gesprek afgerond" in summary
    assert "Ik had het niet mogen doen." in summary
    assert "Nodig Mama uit" in summary
    async with world.db.transaction() as session:
        sam = (await session.exec(select(Party).where(Party.role == "offender"))).one()
    assert (sam.acknowledged, sam.wants_to_set_right) == ("yes", "yes")  # kept on the party


async def test_a_proposed_supporter_is_greeted_by_the_name_the_coordinator_chose(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender_completes(offender, supporter="Mama Els")
    await world.deliver_outbox()
    asked = await answer_to_tap(coordinator, "Nodig Mama Els uit")
    assert "Mama Els" in asked and "Sam" in asked  # the label, and who proposed them
    await coordinator.send("Els")
    await coordinator.tap("Nederlands")
    assert "Uitnodiging voor Els (steunfiguur)" in coordinator.messages[-2].content
    supporter = world.person(444, "Els")
    greeting = await answer_to(supporter, f"/start {token_in(coordinator.messages[-2].content)}")
    assert "Hallo Els" in greeting and "Mama" not in greeting
    async with world.db.transaction() as session:
        els = (await session.exec(select(Party).where(Party.role == "supporter"))).one()
        sam = (await session.exec(select(Party).where(Party.role == "offender"))).one()
    assert els.supports_party_id == sam.id


async def test_offender_says_no_and_the_coordinator_is_alerted_at_once(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender.tap("Nee")
    await offender.tap("Overslaan")
    await offender.tap("Ja, ik bedoel nee")
    alert = await world.rendered("precondition_not_met")
    assert "VOORWAARDE NIET VERVULD" in alert and "zaak 2026-014" in alert
    assert (await world.outbox())[-1].chat_id == COORDINATOR_ID
    await coordinator.send("/cases")
    card = await answer_to_tap(coordinator, "2026-014")
    assert "voorwaarde niet vervuld" in card and "erkent zijn of haar aandeel: nee" in card


async def test_a_forwarded_invite_is_refused_for_a_second_account_and_the_coordinator_told(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    await world.person(OFFENDER, "Sam").send(f"/start {token}")
    other = world.person(STRANGER, "Iemand")
    said = await answer_to(other, f"/start {token}")
    assert "al door iemand anders gebruikt" in said and "Hallo Sam" not in said
    assert "ander Telegram-account" in await world.rendered("invite_refused")
    assert "persoonlijke uitnodiging" in await answer_to(other, "hallo")


async def test_the_same_account_opening_its_link_again_resumes_the_talk(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, token)
    said = await answer_to(offender, f"/start {token}")
    assert "Welkom terug" in said and "Erken je jouw aandeel" in said
    assert "Erken je jouw aandeel" in await answer_to(offender, "/start")


async def test_invites_expire_and_can_be_revoked_and_reissued_and_a_late_try_is_reported(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    assert "ingetrokken" in await answer_to_tap(coordinator, "Link intrekken")
    await world.person(OFFENDER, "Sam").send(f"/start {token}")
    async with world.db.transaction() as session:
        assert (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).first() is None
    await coordinator.tap("Nieuwe link maken")  # the talk has not begun: no question asked
    fresh = token_in(coordinator.messages[-2].content)
    assert fresh != token
    world.clock.advance(days=15)
    assert "verlopen" in await answer_to(world.person(OFFENDER, "Sam"), f"/start {fresh}")
    assert "probeerde een verlopen link" in await world.rendered("invite_expired")
    async with world.db.transaction() as session:
        stored = [i.token_hash for i in (await session.exec(select(Invite))).all()]
    assert fresh not in stored and token not in stored  # only hashes are kept


async def test_a_stranger_gets_a_short_kind_explanation_and_can_see_their_own_id(
        world: World) -> None:
    stranger = world.person(STRANGER, "Iemand")
    for attempt in ("/start", "hallo", "/newcase", "/cases"):
        said = await answer_to(stranger, attempt)
        assert said.startswith("Hallo. Ik ben de herstelbot."), attempt
    assert "Deze link werkt niet" in await answer_to(stranger, "/start not-a-real-token-at-all")
    assert f"Je Telegram-nummer is {STRANGER}" in await answer_to_tap(
        stranger, "Toon mijn Telegram-nummer")
    assert f"{STRANGER}" in await answer_to(stranger, "/whoami")
    await stranger.tap_data(stranger.messages[-1].message_id, "c:card:1")
    assert "werkt niet" in (stranger.last_text or "")


async def test_a_coordinator_cannot_see_or_touch_another_coordinators_case_and_it_is_audited(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    await add_offender(coordinator)
    async with world.db.transaction() as session:
        session.add(Coordinator(telegram_user_id=555, created_at=world.clock()))
    other = world.person(555, "Ander")
    assert "nog geen zaken" in await answer_to(other, "/cases")
    forged = ("c:card:1", "c:add:1", "c:rev:1", "c:new:1", "c:nk:1", "c:nr:1", "c:sup:1",
              "t:1:1:next", "h:1:2", "c:aud:1")
    for data in forged:
        before = len(other.messages)
        await other.tap_data(other.messages[-1].message_id, data)
        said = "\n".join(other.texts_since(before))
        assert "werkt niet" in said, data
        assert "Sam" not in said and "fiets" not in said and "2026-014" not in said, data
    async with world.db.transaction() as session:
        refused = (await session.exec(select(AuditEntry).where(
            AuditEntry.actor_user_id == 555))).all()
    assert len(refused) == len(forged) and not any(e.allowed for e in refused)
    assert {e.case_id for e in refused if e.action == "refused"} >= {1}


async def test_a_duplicate_update_is_handled_once(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await coordinator.send("/newcase")
    again = Incoming(update_id=99, user_id=COORDINATOR_ID, chat_id=COORDINATOR_ID, kind="text",
                     text="REF-1")
    first = await world.services.router.handle(again)
    second = await world.services.router.handle(again)
    assert "Welke methode" in first.messages[0].text
    assert second.messages == []


async def test_a_participant_who_stops_is_reported_and_commands_mid_talk_are_answered(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    said = await answer_to(offender, "/newcase")
    assert "ken ik niet" in said and "Erken je jouw aandeel" in said
    assert "/pauze" in await answer_to(offender, "/help")
    await offender.send_photo()
    assert "alleen getypte tekst" in offender.messages[-2].content
    await offender.send("/stop")
    await offender.tap("Ja, ik stop")
    assert "gestopt met het gesprek" in await world.rendered("talk_withdrawn")


async def test_language_switch_reshows_the_question_in_english(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await offender.send("/taal")
    said = await answer_to_tap(offender, "English")
    assert "I will speak English" in said and "Do you accept your part" in said


async def test_a_stranger_who_picks_english_keeps_it_and_their_invite_opens_in_english(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)  # the coordinator chose Dutch for Sam
    stranger = world.person(OFFENDER, "Sam")  # a Dutch phone, not yet in any case
    await stranger.send("/taal")
    await stranger.tap("English")
    await stranger.send("/help")
    assert "I only talk with people" in (stranger.last_text or "")  # English still
    await stranger.send(f"/start {token}")
    assert "Hello Sam" in (stranger.last_text or "")


async def test_a_silent_talk_gets_one_gentle_nudge_at_a_reasonable_hour(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    offender = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    db, clock = world.db, world.clock
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 0
    clock.advance(hours=36)  # 22:30 in Brussels: too late to nudge now
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 1
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 0  # once per silence
    nudge = next(r for r in await world.outbox() if r.kind == "nudge")
    assert nudge.chat_id == OFFENDER
    assert nudge.due_at.hour == 8  # 09:00 in Brussels (UTC+1 in March) the next morning
    text = await world.rendered("nudge")
    assert "Je gesprek over zaak 2026-014 staat nog open" in text  # it names the case


async def test_a_one_time_coordinator_invite_makes_its_first_user_a_coordinator(
        world: World) -> None:
    from bot.tokens import new_token, token_hash

    token = new_token()
    async with world.db.transaction() as session:
        session.add(Invite(token_hash=token_hash(token), kind="coordinator",
                           created_at=world.clock(),
                           expires_at=world.clock() + timedelta(days=7)))
    newcomer = world.person(666, "Nieuw")
    assert "persoonlijke uitnodiging" in await answer_to(newcomer, "/newcase")
    assert "Hallo coördinator" in await answer_to(newcomer, f"/start {token}")
    assert "kort kenmerk" in await answer_to(newcomer, "/newcase")
    late = world.person(667, "Laat")
    assert "Hallo coördinator" not in await answer_to(late, f"/start {token}")
    assert "persoonlijke uitnodiging" in await answer_to(late, "/newcase")
