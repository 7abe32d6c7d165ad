"""Stories at the use-case level, on SQLite and PostgreSQL: access, invites, the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.conversation import Conversation
from bot.db import Database
from bot.flows import FlowRegistry
from bot.models import Coordinator, Invite, Outbox, Party, Proposal, Talk
from bot.notifications import render
from bot.nudges import plan_nudges

from .chat import Person

COORDINATOR, OFFENDER, STRANGER = 111, 222, 333


@pytest.fixture
async def conversation(db: Database, flows: FlowRegistry, catalog: Catalog,
                       clock: ManualClock) -> Conversation:
    async with db.transaction() as session:
        session.add(Coordinator(telegram_user_id=COORDINATOR, created_at=clock()))
    return Conversation(db=db, flows=flows, catalog=catalog, clock=clock,
                        bot_username="herstel_test_bot")


async def open_case_and_invite(coordinator: Person, *, reference: str = "2026-014") -> str:
    await coordinator.say("/newcase")
    await coordinator.say(reference)
    await coordinator.tap("HERGO (herstelgericht groepsoverleg)")
    await coordinator.say("Op 3 maart nam Sam de fiets van Noor mee.")
    await coordinator.tap("Nederlands")
    await coordinator.tap("✔ Versturen")
    assert f"Zaak {reference} is aangemaakt" in coordinator.text
    await coordinator.say("en nu?")  # text with no form open: a hint, not a participant's text
    assert "/newcase, /addparty of /cases" in coordinator.text
    await coordinator.tap("Betrokkene toevoegen")
    await coordinator.tap("Dader")
    await coordinator.say("Sam")
    await coordinator.tap("Nederlands")
    assert coordinator.last.messages[-1].photo is not None  # the QR code
    return coordinator.token()


async def outbox(db: Database) -> list[Outbox]:
    async with db.transaction() as session:
        return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())


async def rendered(db: Database, catalog: Catalog, flows: FlowRegistry, kind: str) -> str:
    async with db.transaction() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == kind))).all()
        assert len(rows) == 1, f"expected one {kind}, got {len(rows)}"
        message = await render(session, rows[0], catalog, flows)
        assert message is not None
        return message.text + "\n" + " | ".join(t for row in message.buttons for t, _ in row)


async def offender_reaches_responsibility(offender: Person, token: str) -> None:
    await offender.say(f"/start {token}")
    assert "Hallo Sam" in offender.text
    await offender.tap("Verder")
    await offender.tap("Verder")
    await offender.tap("Ja, ik doe mee")
    await offender.tap("Ja, dat klopt")
    await offender.tap("Overslaan")


async def test_coordinator_opens_a_case_and_the_offender_completes_the_talk(
        conversation: Conversation, db: Database, catalog: Catalog,
        flows: FlowRegistry) -> None:
    coordinator = Person(conversation, COORDINATOR)
    token = await open_case_and_invite(coordinator)
    assert len(token) >= 32
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, token)
    assert [row.kind for row in await outbox(db)] == ["invite_opened"]
    await offender.tap("Ja")
    await offender.say("Ik had het niet mogen doen.")
    await offender.tap("Ja")
    await offender.say("Noor. Ze was bang.")
    await offender.tap("Verder")
    await offender.tap("Overslaan")
    await offender.tap("Iemand toevoegen")
    await offender.say("Mama")
    await offender.say("mijn moeder")
    await offender.tap("Overslaan")
    await offender.tap("Niemand (meer)")
    await offender.say("woensdag")
    await offender.tap("Nee, niets")
    await offender.tap("✔ Versturen")
    assert "Dank je wel, Sam" in offender.text
    assert offender.last.owes_others
    summary = await rendered(db, catalog, flows, "talk_completed")
    assert "Zaak 2026-014: Sam (dader) heeft het voorbereidend gesprek afgerond" in summary
    assert "Verantwoordelijkheid:\nJa" in summary
    assert "Ik had het niet mogen doen." in summary
    assert "Nodig Mama uit" in summary
    # one tap creates the supporter's party and invite
    await coordinator.say("/cases")
    async with db.transaction() as session:
        proposal = (await session.exec(select(Proposal))).one()
    await coordinator.press(f"c:sup:{proposal.id}")
    assert "Uitnodiging voor Mama (steunfiguur)" in coordinator.text
    supporter = Person(conversation, 444)
    await supporter.say(f"/start {coordinator.token()}")
    assert "Hallo Mama" in supporter.text
    async with db.transaction() as session:
        mama = (await session.exec(select(Party).where(Party.role == "supporter"))).one()
        sam = (await session.exec(select(Party).where(Party.role == "offender"))).one()
    assert mama.supports_party_id == sam.id


async def test_offender_says_no_and_the_coordinator_is_alerted_at_once(
        conversation: Conversation, db: Database, catalog: Catalog,
        flows: FlowRegistry) -> None:
    coordinator = Person(conversation, COORDINATOR)
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, await open_case_and_invite(coordinator))
    await offender.tap("Nee")
    await offender.tap("Overslaan")
    await offender.tap("Ja, dat is mijn antwoord")
    assert offender.last.owes_others
    alert = await rendered(db, catalog, flows, "precondition_not_met")
    assert "VOORWAARDE NIET VERVULD" in alert and "zaak 2026-014" in alert
    assert "Verantwoordelijkheid:\nNee" in alert
    assert (await outbox(db))[-1].chat_id == COORDINATOR
    await coordinator.say("/cases")
    await coordinator.tap("2026-014")
    assert "voorwaarde niet vervuld" in coordinator.text


async def test_a_forwarded_invite_is_refused_for_a_second_account_and_the_coordinator_told(
        conversation: Conversation, db: Database, catalog: Catalog,
        flows: FlowRegistry) -> None:
    coordinator = Person(conversation, COORDINATOR)
    token = await open_case_and_invite(coordinator)
    await Person(conversation, OFFENDER).say(f"/start {token}")
    other = Person(conversation, STRANGER)
    await other.say(f"/start {token}")
    assert "al door iemand anders gebruikt" in other.text
    assert "Hallo Sam" not in other.text
    assert "ander Telegram-account" in await rendered(db, catalog, flows, "invite_refused")
    await other.say("hallo")
    assert "persoonlijke uitnodiging" in other.text


async def test_the_same_account_opening_its_link_again_resumes_the_talk(
        conversation: Conversation) -> None:
    coordinator = Person(conversation, COORDINATOR)
    token = await open_case_and_invite(coordinator)
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, token)
    await offender.say(f"/start {token}")
    assert "Welkom terug" in offender.text and "Erken je jouw aandeel" in offender.text
    await offender.say("/start")
    assert "Erken je jouw aandeel" in offender.text


async def test_invites_expire_and_can_be_revoked_and_reissued(
        conversation: Conversation, db: Database, clock: ManualClock) -> None:
    coordinator = Person(conversation, COORDINATOR)
    token = await open_case_and_invite(coordinator)
    await coordinator.tap("Link intrekken")
    assert "ingetrokken" in coordinator.text
    await Person(conversation, OFFENDER).say(f"/start {token}")
    async with db.transaction() as session:
        assert (await session.exec(select(Talk).where(Talk.user_id == OFFENDER))).first() is None
    await coordinator.tap("Nieuwe link maken")
    fresh = coordinator.token()
    assert fresh != token
    clock.advance(days=15)
    late = Person(conversation, OFFENDER)
    await late.say(f"/start {fresh}")
    assert "verlopen" in late.text
    async with db.transaction() as session:
        stored = [i.token_hash for i in (await session.exec(select(Invite))).all()]
    assert fresh not in stored and token not in stored  # only hashes are kept


async def test_reissuing_a_used_invite_frees_the_party_for_the_right_account(
        conversation: Conversation) -> None:
    coordinator = Person(conversation, COORDINATOR)
    token = await open_case_and_invite(coordinator)
    wrong = Person(conversation, STRANGER)
    await wrong.say(f"/start {token}")
    await coordinator.tap("Nieuwe link maken")
    right = Person(conversation, OFFENDER)
    await right.say(f"/start {coordinator.token()}")
    assert "Hallo Sam" in right.text
    await wrong.say("nog iets")
    assert "Erken" not in wrong.text and "Hallo Sam" not in wrong.text


async def test_a_stranger_gets_a_short_kind_explanation_and_nothing_else(
        conversation: Conversation) -> None:
    stranger = Person(conversation, STRANGER)
    for attempt in ("/start", "hallo", "/newcase", "/cases"):
        await stranger.say(attempt)
        assert stranger.text.startswith("Hallo. Ik ben de herstelbot.")
    await stranger.say("/start not-a-real-token-at-all")
    assert "Deze link werkt niet" in stranger.text
    await stranger.press("c:case:1")
    assert "werkt niet" in stranger.text


async def test_a_coordinator_cannot_see_or_touch_another_coordinators_case(
        conversation: Conversation, db: Database, clock: ManualClock) -> None:
    await open_case_and_invite(Person(conversation, COORDINATOR))
    async with db.transaction() as session:
        session.add(Coordinator(telegram_user_id=555, created_at=clock()))
    other = Person(conversation, 555)
    await other.say("/cases")
    assert "nog geen zaken" in other.text
    for forged in ("c:case:1", "c:add:1", "c:rev:1", "c:new:1", "c:sup:1", "t:1:1:next"):
        await other.press(forged)
        assert "werkt niet" in other.text, forged


async def test_a_duplicate_update_is_handled_once(conversation: Conversation) -> None:
    from bot.conversation import Incoming

    coordinator = Person(conversation, COORDINATOR)
    await coordinator.say("/newcase")
    again = Incoming(update_id=99, user_id=COORDINATOR, chat_id=COORDINATOR, kind="text",
                     text="REF-1")
    first = await conversation.handle(again)
    second = await conversation.handle(again)
    assert "Welke methode" in first.messages[0].text
    assert second.messages == []


async def test_a_participant_who_stops_is_reported_and_commands_mid_talk_are_answered(
        conversation: Conversation, db: Database, catalog: Catalog,
        flows: FlowRegistry) -> None:
    coordinator = Person(conversation, COORDINATOR)
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, await open_case_and_invite(coordinator))
    await offender.say("/newcase")
    assert "ken ik niet" in offender.text and "Erken je jouw aandeel" in offender.text
    await offender.say("/help")
    assert "/pauze" in offender.text
    await offender.media()
    assert "alleen getypte tekst" in offender.text
    await offender.say("/stop")
    await offender.tap("Ja, ik stop")
    assert "gestopt met het gesprek" in await rendered(db, catalog, flows, "talk_withdrawn")


async def test_language_switch_reshows_the_question_in_english(
        conversation: Conversation) -> None:
    coordinator = Person(conversation, COORDINATOR)
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, await open_case_and_invite(coordinator))
    await offender.say("/taal")
    await offender.tap("English")
    assert "I will speak English" in offender.text
    assert "Do you accept your part" in offender.text


async def test_a_silent_talk_gets_one_gentle_nudge_at_a_reasonable_hour(
        conversation: Conversation, db: Database, clock: ManualClock, catalog: Catalog,
        flows: FlowRegistry) -> None:
    coordinator = Person(conversation, COORDINATOR)
    offender = Person(conversation, OFFENDER)
    await offender_reaches_responsibility(offender, await open_case_and_invite(coordinator))
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 0
    clock.advance(hours=36)  # 22:30 in Brussels: too late to nudge now
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 1
    assert await plan_nudges(db, clock, timedelta(hours=24)) == 0  # once per silence
    nudge = next(r for r in await outbox(db) if r.kind == "nudge")
    assert nudge.chat_id == OFFENDER
    assert nudge.due_at.hour == 8  # 09:00 in Brussels (UTC+1 in March) the next morning
    assert "Je gesprek staat nog open" in await rendered(db, catalog, flows, "nudge")


async def test_a_one_time_coordinator_invite_makes_its_first_user_a_coordinator(
        conversation: Conversation, db: Database, clock: ManualClock) -> None:
    from bot.tokens import new_token, token_hash

    token = new_token()
    async with db.transaction() as session:
        session.add(Invite(token_hash=token_hash(token), kind="coordinator", created_at=clock(),
                           expires_at=clock() + timedelta(days=7)))
    newcomer = Person(conversation, 666)
    await newcomer.say("/newcase")
    assert "persoonlijke uitnodiging" in newcomer.text
    await newcomer.say(f"/start {token}")
    assert "Hallo coördinator" in newcomer.text
    await newcomer.say("/newcase")
    assert "kort kenmerk" in newcomer.text
    late = Person(conversation, 667)
    await late.say(f"/start {token}")
    assert "Hallo coördinator" not in late.text
    await late.say("/newcase")
    assert "persoonlijke uitnodiging" in late.text
