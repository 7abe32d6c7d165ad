"""The conference: planned when the method allows it, every prepared party invited with a
calendar file, their answers on the card, a move and a cancellation told to everyone.
Through the real `Application`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.buttons import Attend, encode
from bot.models import Attendance, Conference, Outbox, Party
from bot.vocabulary import Notice
from tests.fakes import TelegramUser
from tests.fakes.bot_api import SentMessage
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    answer_to,
    answer_to_tap,
    offender_to_responsibility,
    open_case,
    two_talks_done,
)

OFFENDER, VICTIM = 222, 333
BRUSSELS = ZoneInfo("Europe/Brussels")


async def card(coordinator: TelegramUser) -> str:
    await coordinator.send("/cases")
    return await answer_to_tap(coordinator, "2026-014")


async def plan(coordinator: TelegramUser, moment: str = "20-03-2026 19:00",
               place: str = "Schoolstraat 1, Gent", *, button: str = "Conferentie plannen",
               ) -> str:
    await card(coordinator)
    await coordinator.tap(button)
    await coordinator.send(moment)
    await coordinator.tap("2 uur")
    await coordinator.send(place)
    await coordinator.tap("Overslaan")
    return await answer_to_tap(coordinator, "✔ Versturen")


def calendars(world: World, chat: int) -> list[Calendar]:
    return [Calendar.from_ical(m.document) for m in world.api.messages_to(chat)
            if m.document is not None and m.document_name == "conferentie.ics"]


def event_of(calendar: Calendar) -> object:
    return calendar.walk("VEVENT")[0]


def texts_to(world: World, chat: int) -> list[str]:
    return [m.content for m in world.api.messages_to(chat)]


def newest_with(world: World, chat: int, words: str) -> SentMessage:
    return next(m for m in reversed(world.api.messages_to(chat)) if words in m.content)


async def test_the_card_says_what_blocks_the_conference_until_the_method_allows_it(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(OFFENDER, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    shown = await card(coordinator)
    assert "Conferentie: nog niet te plannen." in shown
    assert "Nog geen dader erkent zijn of haar deel" in shown
    assert "Er is nog geen slachtoffer toegevoegd" in shown
    assert "Conferentie plannen" not in " ".join(coordinator.messages[-1].button_labels)


async def test_the_coordinator_plans_and_every_prepared_party_is_invited_with_a_calendar_file(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    shown = await card(coordinator)
    assert "Conferentie: klaar om te plannen." in shown
    await coordinator.tap("Conferentie plannen")
    asked = coordinator.last_text or ""
    assert "Sam: woensdag" in asked and "Noor: maandag na school" in asked  # availability
    assert "Dat kan ik niet lezen" in await answer_to(coordinator, "volgende week")
    await coordinator.send("20-03-2026 19:00")
    await coordinator.tap("2 uur")
    await coordinator.send("Schoolstraat 1, Gent")
    await coordinator.tap("Overslaan")
    done = await answer_to_tap(coordinator, "✔ Versturen")
    assert "De conferentie is gepland: vrijdag 20 maart 2026 om 19:00." in done
    assert "Uitgenodigd: Sam, Noor." in done
    await world.deliver_outbox()
    for chat in (OFFENDER, VICTIM):
        invitation = newest_with(world, chat, "Je bent uitgenodigd")
        assert "Wanneer: vrijdag 20 maart 2026 om 19:00" in invitation.content
        assert "Waar: Schoolstraat 1, Gent" in invitation.content
        assert "Meedoen blijft vrijwillig" in invitation.content
        assert invitation.button_labels == ["Ja, ik kom", "Nee, ik kom niet",
                                            "Ik weet het nog niet"]
        (calendar,) = calendars(world, chat)
        event = event_of(calendar)
        start = event.decoded("dtstart")
        assert start == datetime(2026, 3, 20, 19, 0, tzinfo=BRUSSELS)
        assert str(start.tzinfo) == "Europe/Brussels"
        assert event.decoded("dtend") - start == timedelta(hours=2)
        assert str(event["location"]) == "Schoolstraat 1, Gent"
        assert event.walk("VALARM"), "the event carries an alarm"
        assert "Sam" not in calendar.to_ical().decode()  # no names in the calendar file
    sams = newest_with(world, OFFENDER, "Je bent uitgenodigd").content
    assert "• Noor, die schade heeft geleden" in sams and "• Sam, jij" in sams


async def test_answers_of_each_kind_show_on_the_card_and_a_no_reaches_the_coordinator(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await world.deliver_outbox()
    sam, noor = world.person(OFFENDER, "Sam"), world.person(VICTIM, "Noor")
    assert "je komt" in await answer_to_tap(sam, "Ja, ik kom")
    assert "Denk er rustig over na" in await answer_to_tap(noor, "Ik weet het nog niet")
    shown = await card(coordinator)
    assert "Sam: komt" in shown and "Noor: weet het nog niet" in shown
    assert "laat weten" in await answer_to_tap(noor, "Nee, ik kom niet")
    await world.deliver_outbox()
    assert "Noor (slachtoffer) komt niet naar de conferentie van zaak 2026-014." in (
        coordinator.last_text or "")
    assert "Noor: komt niet" in await card(coordinator)


async def test_a_forged_answer_button_for_someone_elses_invitation_is_refused(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    async with world.db.transaction() as session:
        attendances = (await session.exec(select(Attendance))).all()
        sams = next(a for a in attendances if a.party_id == 1)
    noor = world.person(VICTIM, "Noor")
    before = len(noor.messages)
    await noor.tap_data(noor.messages[-1].message_id, encode(Attend(sams.id or 0, 0, "no")))
    assert "Je coördinator" not in "\n".join(noor.texts_since(before))
    async with world.db.transaction() as session:
        again = await session.get(Attendance, sams.id)
    assert again is not None and again.answer is None


async def test_a_move_tells_everyone_with_a_new_calendar_file_and_asks_them_again(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await world.deliver_outbox()
    sam = world.person(OFFENDER, "Sam")
    await sam.tap("Ja, ik kom")
    moved = await plan(coordinator, "27-03-2026 18:30", button="Conferentie verzetten")
    assert "De conferentie is verzet naar vrijdag 27 maart 2026 om 18:30." in moved
    await world.deliver_outbox()
    notice = newest_with(world, OFFENDER, "is verzet")
    assert "Nieuw moment: vrijdag 27 maart 2026 om 18:30" in notice.content
    assert notice.button_labels[0] == "Ja, ik kom"
    first, second = calendars(world, OFFENDER)
    assert str(event_of(first)["uid"]) == str(event_of(second)["uid"])
    assert int(event_of(second)["sequence"]) == int(event_of(first)["sequence"]) + 1
    assert event_of(second).decoded("dtstart") == datetime(2026, 3, 27, 18, 30,
                                                           tzinfo=BRUSSELS)
    assert "Sam: nog geen antwoord" in await card(coordinator)
    async with world.db.transaction() as session:
        reminders = (await session.exec(select(Outbox).where(
            Outbox.kind == Notice.REMINDER_DAY_BEFORE))).all()
    assert sorted(r.due_at.astimezone(BRUSSELS).isoformat() for r in reminders) == [
        "2026-03-26T18:00:00+01:00", "2026-03-26T18:00:00+01:00"]  # the old ones are gone


async def test_a_cancellation_tells_everyone_and_takes_it_out_of_their_calendar(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await world.deliver_outbox()
    await card(coordinator)
    asked = await answer_to_tap(coordinator, "Conferentie afgelasten")
    assert "Wil je de conferentie van vrijdag 20 maart 2026 om 19:00 afgelasten?" in asked
    assert "afgelast" in await answer_to_tap(coordinator, "Ja, afgelasten")
    await world.deliver_outbox()
    for chat in (OFFENDER, VICTIM):
        assert "gaat niet door" in newest_with(world, chat, "gaat niet door").content
        cancelled = calendars(world, chat)[-1]
        assert str(cancelled["method"]) == "CANCEL"
        assert str(event_of(cancelled)["status"]) == "CANCELLED"
    async with world.db.transaction() as session:
        pending = (await session.exec(select(Outbox).where(
            Outbox.kind.in_([Notice.REMINDER_DAY_BEFORE,  # type: ignore[attr-defined]
                             Notice.REMINDER_HOURS_BEFORE])))).all()
    assert pending == []
    assert "Conferentie: afgelast." in await card(coordinator)


async def test_the_coordinator_proposes_moments_parties_tap_what_suits_and_plans_the_pick(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await card(coordinator)
    await coordinator.tap("Momenten voorstellen")
    await coordinator.send("20-03-2026 19:00")
    await coordinator.send("23/03/2026 18u30")
    await coordinator.tap("Overslaan")
    asked = await answer_to_tap(coordinator, "✔ Versturen")
    assert "gevraagd aan: Sam, Noor" in asked
    await world.deliver_outbox()
    sam, noor = world.person(OFFENDER, "Sam"), world.person(VICTIM, "Noor")
    poll = newest_with(world, VICTIM, "Welke momenten passen")
    assert poll.button_labels == ["vrijdag 20 maart 2026 om 19:00",
                                  "maandag 23 maart 2026 om 18:30"]
    await sam.tap("maandag 23 maart 2026 om 18:30")
    await noor.tap("vrijdag 20 maart 2026 om 19:00")
    marked = await answer_to_tap(noor, "maandag 23 maart 2026 om 18:30")
    assert "vrijdag 20 maart" in marked and "maandag 23 maart" in marked
    assert "✔ maandag 23 maart 2026 om 18:30" in noor.messages[-1].button_labels
    assert "Nu past geen enkel moment" not in await answer_to_tap(
        noor, "✔ vrijdag 20 maart 2026 om 19:00")  # tapped again: taken away
    shown = await card(coordinator)
    assert "maandag 23 maart 2026 om 18:30: 2 (Sam, Noor)" in shown
    assert "vrijdag 20 maart 2026 om 19:00: 0 (-)" in shown
    await coordinator.tap("Kies maandag 23 maart 2026 om 18:30")
    assert "Hoe lang duurt de conferentie" in (coordinator.last_text or "")
    await coordinator.tap("2 uur")
    await coordinator.send("Schoolstraat 1, Gent")
    await coordinator.tap("Overslaan")
    done = await answer_to_tap(coordinator, "✔ Versturen")
    assert "gepland: maandag 23 maart 2026 om 18:30" in done
    assert "al een moment gekozen" in await answer_to_tap(noor, "vrijdag 20 maart 2026 om 19:00")


async def test_a_victims_name_kept_private_is_marked_on_the_card_and_can_be_shown_again(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await card(coordinator)
    assert "niet getoond" in await answer_to_tap(coordinator, "Naam Noor privé houden")
    await card(coordinator)
    assert "weer getoond" in await answer_to_tap(coordinator, "Naam Noor weer tonen")


async def test_the_meeting_place_is_sealed_at_rest_like_every_personal_text(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator, place="Kerkstraat 77, Wetteren")
    await world.deliver_outbox()
    if world.db.is_sqlite is False:
        pytest.skip("the raw-file check is SQLite's; PostgreSQL's dump: the whole-case test")
    database = Path(str(world.db.engine.url.database))
    raw = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert b"enc1:" in raw
    assert b"Kerkstraat" not in raw and b"Wetteren" not in raw
    async with world.db.transaction() as session:
        conference = (await session.exec(select(Conference))).one()
    assert conference.place == "Kerkstraat 77, Wetteren"  # and it opens with the key


async def test_the_conference_script_names_the_planned_moment_and_place(world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await card(coordinator)
    script = await answer_to_tap(coordinator, "Draaiboek")
    assert "vrijdag 20 maart 2026 om 19:00" in script
    assert "Schoolstraat 1, Gent" in script


async def test_each_party_is_invited_in_their_own_language(world: World) -> None:
    coordinator = await two_talks_done(world)
    async with world.db.transaction() as session:  # Noor speaks English (set at /addparty)
        noor = next(p for p in (await session.exec(select(Party))).all() if p.name == "Noor")
        noor.language = "en"
        session.add(noor)
    await plan(coordinator)
    await world.deliver_outbox()
    english = newest_with(world, VICTIM, "You are invited").content
    assert "When: Friday 20 March 2026 at 19:00" in english
    assert "Taking part is still voluntary" in english
    assert "Je bent uitgenodigd" in newest_with(world, OFFENDER, "uitgenodigd").content
    (calendar,) = calendars(world, VICTIM)
    assert str(event_of(calendar)["description"]).startswith("Your coordinator")


async def test_after_a_move_the_old_invitations_buttons_answer_nothing_and_say_so(
        world: World) -> None:
    coordinator = await two_talks_done(world)
    await plan(coordinator)
    await world.deliver_outbox()
    old = newest_with(world, OFFENDER, "Je bent uitgenodigd")
    await plan(coordinator, "27-03-2026 18:30", button="Conferentie verzetten")
    await world.deliver_outbox()
    sam = world.person(OFFENDER, "Sam")
    stale = next(b["callback_data"] for b in old.buttons if b["text"] == "Ja, ik kom")
    before = len(sam.messages)
    await sam.tap_data(old.message_id, stale)
    assert "geldt niet meer" in "\n".join(sam.texts_since(before))
    assert "Sam: nog geen antwoord" in await card(coordinator)  # the new moment: not answered
