"""The follow-up of a signed plan's commitments, with a clock the test controls (no sleeping):
a reminder before each due date and a check-in on the day, at daytime hours of the case's
zone across both daylight saving changes; a recurring commitment asked about on each date
once; snoozes; "I need help" to the coordinator at once; no answer: one repeat, then the
coordinator, never more; late but once after downtime, and to the coordinator instead when
over a week late; once only with two bot instances on one database; a blocked bot."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.models import Case, Commitment, CommitmentCheck, CommitmentOwner, Outbox, Party, Plan
from bot.usecases.follow_up import start_follow_up
from bot.vocabulary import CheckAnswer, Notice, OutboxStatus, Role
from tests.plans import Agreed, SignedPlan, a_signed_plan
from tests.test_conference_reminders import second_instance
from tests.world import COORDINATOR_ID, World, answer_to

SAM, NOOR = 222, 333
REMINDER, CHECK_IN = "Een kleine herinnering", "Vandaag, "
REPEAT, LATE = "We hebben nog geen antwoord", "(Dit bericht komt later dan gepland."
HELP, NO_ANSWER = "vraagt hulp bij deze afspraak", "kwam nog geen antwoord"
TOO_LATE = "kon meer dan een week niet verstuurd worden"
BIKE = "Sam betaalt de herstelling van de fiets van Noor."


def said(world: World, chat: int, words: str) -> int:
    return sum(words in m.content for m in world.api.messages_to(chat))


def local(world: World, year: int, month: int, day: int, hour: int, minute: int = 0,
          zone: str = "Europe/Brussels") -> None:
    world.clock.now = datetime(year, month, day, hour, minute,
                               tzinfo=ZoneInfo(zone)).astimezone(UTC)


async def followed_plan(world: World, agreed: list[Agreed],
                        timezone: str | None = None) -> SignedPlan:
    """A signed plan whose follow-up has started (as the signing does when all signed). The
    scheduler's own ticks are paused: the test moves the clock and drives the sender."""
    world.services.scheduler.pause()
    signed = await a_signed_plan(world, agreed)
    await world.deliver_outbox()
    async with world.db.transaction() as session:
        if timezone is not None:
            case = await session.get(Case, signed.case_id)
            assert case is not None
            case.timezone = timezone
            session.add(case)
        plan = await session.get(Plan, signed.plan_id)
        assert plan is not None
        await start_follow_up(session, plan, world.clock())
    return signed


async def at(world: World, *moment: int, zone: str = "Europe/Brussels") -> None:
    local(world, *moment, zone=zone)
    await world.deliver_outbox()
    await world.deliver_outbox()  # what the first round owed at once


async def test_a_small_commitment_is_remembered_the_day_before_and_asked_about_on_the_day(
        world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 19, 9, 59)
    assert said(world, SAM, REMINDER) == 0
    await at(world, 2026, 3, 19, 10, 0)
    assert said(world, SAM, REMINDER) == 1
    assert "vrijdag 20 maart 2026" in world.api.messages_to(SAM)[-1].content
    await at(world, 2026, 3, 20, 17, 59)
    assert said(world, SAM, CHECK_IN) == 0
    await at(world, 2026, 3, 20, 18, 0)
    assert said(world, SAM, CHECK_IN) == 1
    check_in = world.api.messages_to(SAM)[-1]
    assert BIKE in check_in.content and LATE not in check_in.content
    assert {"Gedaan", "Deels gedaan", "Nog niet", "Ik heb hulp nodig"} <= set(
        check_in.button_labels)
    sam = world.person(SAM, "Sam")
    await sam.tap("Gedaan")
    assert "Ik heb genoteerd dat het gedaan is" in (sam.last_text or "")
    await sam.tap("Gedaan")  # a second tap changes nothing: the commitment is done
    assert "hoef je niets meer te laten weten" in (sam.last_text or "")
    await at(world, 2026, 4, 10, 12, 0)
    assert said(world, SAM, REPEAT) == 0 and said(world, COORDINATOR_ID, NO_ANSWER) == 0
    async with world.db.transaction() as session:
        commitment = (await session.exec(select(Commitment))).one()
        assert commitment.status == "done" and commitment.done_at is not None


async def test_a_big_commitment_is_remembered_three_days_before(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20), lead_days=3)])
    await at(world, 2026, 3, 17, 10, 0)
    assert said(world, SAM, REMINDER) == 1
    await at(world, 2026, 3, 19, 12, 0)
    assert said(world, SAM, REMINDER) == 1


async def test_every_monday_for_six_weeks_is_six_check_ins_at_six_in_the_evening_across_summer_time(
        world: World) -> None:
    await followed_plan(world, [Agreed("Sam helpt elke maandag in de sporthal.",
                                       date(2026, 3, 16), every_days=7, times=6)])
    sam, zone = world.person(SAM, "Sam"), ZoneInfo("Europe/Brussels")
    asked: list[datetime] = []
    local(world, 2026, 3, 15, 6)
    seen = 0
    while world.clock.now < datetime(2026, 5, 5, tzinfo=UTC):
        await world.deliver_outbox()
        if said(world, SAM, CHECK_IN) > seen:
            seen = said(world, SAM, CHECK_IN)
            asked.append(world.clock.now.astimezone(zone))
            await sam.tap("Gedaan")
        world.clock.advance(minutes=30)
    assert [a.date() for a in asked] == [date(2026, 3, 16) + timedelta(weeks=n) for n in range(6)]
    assert {(a.hour, a.minute) for a in asked} == {(18, 0)}  # 29 March changed nothing
    assert said(world, SAM, CHECK_IN) == 6 and said(world, SAM, REPEAT) == 0
    assert said(world, SAM, REMINDER) == 6


@pytest.mark.parametrize(("zone", "due", "reminder_utc", "check_in_utc"), [
    ("Europe/Brussels", date(2026, 3, 29), datetime(2026, 3, 28, 9, 0, tzinfo=UTC),
     datetime(2026, 3, 29, 16, 0, tzinfo=UTC)),  # summer time begins on the due date
    ("Europe/Amsterdam", date(2026, 3, 30), datetime(2026, 3, 29, 8, 0, tzinfo=UTC),
     datetime(2026, 3, 30, 16, 0, tzinfo=UTC)),  # and on the reminder's day
    ("Europe/Brussels", date(2026, 10, 26), datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
     datetime(2026, 10, 26, 17, 0, tzinfo=UTC)),  # winter time begins on the reminder's day
    ("Europe/Amsterdam", date(2026, 10, 25), datetime(2026, 10, 24, 8, 0, tzinfo=UTC),
     datetime(2026, 10, 25, 17, 0, tzinfo=UTC)),  # and on the due date
])
async def test_daylight_saving_changes_shift_double_or_skip_nothing(
        world: World, zone: str, due: date, reminder_utc: datetime,
        check_in_utc: datetime) -> None:
    await followed_plan(world, [Agreed(BIKE, due)], timezone=zone)
    for moment, words in ((reminder_utc, REMINDER), (check_in_utc, CHECK_IN)):
        world.clock.now = moment - timedelta(minutes=1)
        await world.deliver_outbox()
        assert said(world, SAM, words) == 0
        for hours in (0, 1, 2):  # an hour either way would show here
            world.clock.now = moment + timedelta(hours=hours)
            await world.deliver_outbox()
            assert said(world, SAM, words) == 1
        assert world.api.messages_to(SAM)[-1].content.count(LATE) == 0


async def test_not_yet_then_in_three_days_asks_again_then_and_not_before(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 20, 18, 0)
    sam = world.person(SAM, "Sam")
    await sam.tap("Nog niet")
    assert "Wanneer denk je dat het lukt?" in (sam.last_text or "")
    await sam.tap("Over drie dagen")
    assert "Ik vraag het je opnieuw op maandag 23 maart 2026" in (sam.last_text or "")
    await at(world, 2026, 3, 22, 19, 0)  # the repeat would have come now
    assert said(world, SAM, REPEAT) == 0 and said(world, SAM, CHECK_IN) == 1
    await at(world, 2026, 3, 23, 18, 0)
    assert said(world, SAM, CHECK_IN) == 2
    await sam.tap("Nog niet")
    await sam.tap("Een datum typen")
    assert "kan ik niet lezen als datum" in await answer_to(sam, "gisteren")
    assert "kies een dag na vandaag" in await answer_to(sam, "01-03-2026")
    await sam.tap("Een datum typen")
    await sam.send("28-03-2026")
    assert "opnieuw op zaterdag 28 maart 2026" in (sam.last_text or "")
    await at(world, 2026, 3, 28, 18, 0)
    assert said(world, SAM, CHECK_IN) == 3


async def test_nobody_is_messaged_at_night_a_late_check_in_waits_for_the_morning(
        world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 20, 23, 30)  # the bot was down at six; it is night now
    await at(world, 2026, 3, 21, 8, 59)
    assert said(world, SAM, CHECK_IN) == 0
    await at(world, 2026, 3, 21, 9, 0)
    assert said(world, SAM, CHECK_IN) == 1
    assert world.api.messages_to(SAM)[-1].content.startswith(LATE)


async def test_i_need_help_reaches_the_coordinator_at_once(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 20, 19, 55)
    sam = world.person(SAM, "Sam")
    await sam.tap("Ik heb hulp nodig")
    assert "krijgt nu meteen bericht" in (sam.last_text or "")
    await world.deliver_outbox()
    help_message = world.api.messages_to(COORDINATOR_ID)[-1]
    assert HELP in help_message.content and "2026-014" in help_message.content
    assert BIKE in help_message.content
    await at(world, 2026, 4, 10, 12, 0)
    assert said(world, SAM, REPEAT) == 0 and said(world, COORDINATOR_ID, NO_ANSWER) == 0


async def test_no_answer_means_one_gentle_repeat_then_the_coordinator_and_nothing_more(
        world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 20, 18, 0)
    await at(world, 2026, 3, 22, 17, 59)
    assert said(world, SAM, REPEAT) == 0
    await at(world, 2026, 3, 22, 18, 0)
    assert said(world, SAM, REPEAT) == 1
    await at(world, 2026, 3, 24, 9, 59)
    assert said(world, COORDINATOR_ID, NO_ANSWER) == 0
    await at(world, 2026, 3, 24, 10, 0)
    assert said(world, COORDINATOR_ID, NO_ANSWER) == 1
    assert "Opvolging van de afspraken" in world.api.messages_to(COORDINATOR_ID)[-1].button_labels
    for day in range(25, 32):
        await at(world, 2026, 3, day, 18, 0)
    await at(world, 2026, 5, 1, 12, 0)
    assert said(world, SAM, CHECK_IN) == 1 and said(world, SAM, REPEAT) == 1
    assert said(world, COORDINATOR_ID, NO_ANSWER) == 1
    async with world.db.transaction() as session:
        check = (await session.exec(select(CommitmentCheck))).one()
        assert check.repeated_at is not None and check.escalated_at is not None


async def test_a_check_in_due_while_the_bot_was_down_comes_late_once_and_says_so(
        world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    local(world, 2026, 3, 21, 11, 0)  # the bot was down from before the reminder till now
    async with second_instance(world) as restarted:
        restarted.services.scheduler.pause()
        await restarted.deliver_outbox()
        await restarted.deliver_outbox()
        await world.deliver_outbox()
        late = [m.content for bot in (world, restarted) for m in bot.api.messages_to(SAM)
                if CHECK_IN in m.content]  # either instance may send it: once, marked late
        assert len(late) == 1 and late[0].startswith(LATE)
        assert said(restarted, SAM, REMINDER) + said(world, SAM, REMINDER) == 0  # said it all
        await restarted.deliver_outbox()
        await world.deliver_outbox()
        assert said(restarted, SAM, REPEAT) + said(world, SAM, REPEAT) == 0  # not at once


async def test_more_than_a_week_late_goes_to_the_coordinator_instead(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    async with second_instance(world) as restarted:
        restarted.services.scheduler.pause()
        local(restarted, 2026, 3, 28, 18, 30)
        await restarted.deliver_outbox()
        await restarted.deliver_outbox()
        assert said(restarted, SAM, CHECK_IN) == said(restarted, SAM, REMINDER) == 0
        assert said(restarted, COORDINATOR_ID, TOO_LATE) == 1
        local(restarted, 2026, 4, 20, 12, 0)
        await restarted.deliver_outbox()
        assert said(restarted, COORDINATOR_ID, TOO_LATE) == 1
        assert said(restarted, SAM, REPEAT) == 0


async def test_two_bot_instances_on_one_database_send_each_check_in_once(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20)),
                                Agreed("Sam schrijft een brief aan Noor.", date(2026, 3, 20))])
    local(world, 2026, 3, 20, 18, 0)
    async with second_instance(world) as other:
        other.services.scheduler.pause()
        await asyncio.gather(world.services.sender.flush(), other.services.sender.flush(),
                             world.services.sender.flush(), other.services.sender.flush())
        await world.deliver_outbox()
        await other.deliver_outbox()
        assert said(world, SAM, CHECK_IN) + said(other, SAM, CHECK_IN) == 2
        assert said(world, SAM, BIKE) + said(other, SAM, BIKE) == 1


async def test_an_owner_who_blocked_the_bot_is_marked_unreachable_and_the_coordinator_told(
        world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    world.api.fail_next("sendMessage", error_code=403, chat_id=SAM)
    await at(world, 2026, 3, 19, 10, 0)
    assert said(world, SAM, REMINDER) == 0
    assert said(world, COORDINATOR_ID, "Sam (dader) heeft de bot geblokkeerd") == 1
    async with world.db.transaction() as session:
        sam = await session.get(Party, (await session.exec(select(Party.id).where(
            Party.telegram_user_id == SAM))).one())
        assert sam is not None and sam.unreachable_at is not None


async def test_a_forged_or_someone_elses_answer_is_refused_kindly(world: World) -> None:
    await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    await at(world, 2026, 3, 20, 18, 0)
    data = next(b["callback_data"] for b in world.api.messages_to(SAM)[-1].buttons
                if b["text"] == "Gedaan")
    noor = world.person(NOOR, "Noor")
    message_id = world.api.messages_to(NOOR)[-1].message_id
    await noor.tap_data(message_id, data)
    refused = noor.last_text or ""
    await noor.tap_data(message_id, "fa:999999:done")
    assert noor.last_text == refused and "Gedaan" not in refused
    async with world.db.transaction() as session:
        check = (await session.exec(select(CommitmentCheck))).one()
        assert check.answer is None


async def test_a_second_version_keeps_every_answer_and_doubles_nothing(world: World) -> None:
    signed = await followed_plan(world, [
        Agreed("Sam helpt elke maandag in de sporthal.", date(2026, 3, 16), every_days=7,
               times=6),
        Agreed(BIKE, date(2026, 3, 20)),
        Agreed("Sam schrijft een brief aan Noor.", date(2026, 3, 25))])
    await at(world, 2026, 3, 16, 18, 0)
    await world.person(SAM, "Sam").tap("Deels gedaan")
    weekly, bike, letter = signed.commitments
    async with world.db.transaction() as session:  # version 2: four weeks, a new date, ...
        plan = await session.get(Plan, signed.plan_id)
        assert plan is not None
        for commitment in (await session.exec(select(Commitment))).all():
            if commitment.id == weekly:
                commitment.times = 4
            elif commitment.id == bike:
                commitment.due_on = date(2026, 3, 27)
            elif commitment.id == letter:
                commitment.removed_at = world.clock()
            session.add(commitment)
        added = Commitment(plan_id=plan.id or 0, what="Sam zegt sorry.", aim="victim",
                           due_on=date(2026, 4, 2), created_at=world.clock())
        session.add(added)
        await session.flush()
        session.add(CommitmentOwner(commitment_id=added.id or 0, party_id=signed.offender_id))
        await session.flush()
        for _ in range(2):  # ... and signed: the follow-up started again, twice
            await start_follow_up(session, plan, world.clock())
    async with world.db.transaction() as session:
        checks = (await session.exec(select(CommitmentCheck).order_by(
            col(CommitmentCheck.commitment_id), col(CommitmentCheck.occurrence)))).all()
        by_commitment = Counter(c.commitment_id for c in checks)
        assert by_commitment[weekly] == 4 and by_commitment[bike] == 1
        assert by_commitment[added.id] == 1
        first = next(c for c in checks if c.commitment_id == weekly and c.occurrence == 0)
        assert first.answer == CheckAnswer.PARTLY
        assert next(c for c in checks if c.commitment_id == bike).due_on == date(2026, 3, 27)
        pending = (await session.exec(select(Outbox).where(
            Outbox.status == OutboxStatus.PENDING,
            col(Outbox.kind).in_([Notice.COMMITMENT_REMINDER, Notice.COMMITMENT_CHECK_IN])))).all()
        owed = Counter((r.kind, r.ref_id, r.chat_id) for r in pending)
        assert set(owed.values()) == {1}
        letter_checks = [c.id for c in checks if c.commitment_id == letter]
        assert not [r for r in pending if r.ref_id in letter_checks]
    for day in range(17, 31):
        await at(world, 2026, 3, day, 18, 0)
    contents = [m.content for m in world.api.messages_to(SAM) if CHECK_IN in m.content]
    assert sum(BIKE in c for c in contents) == 1  # on the 27th only
    assert not any("brief aan Noor" in c for c in contents)


async def test_a_commitment_with_two_owners_asks_both_and_one_answer_settles_it(
        world: World) -> None:
    signed = await followed_plan(world, [Agreed(BIKE, date(2026, 3, 20))])
    async with world.db.transaction() as session:
        noor_party = (await session.exec(select(Party).where(Party.role == Role.VICTIM))).one()
        session.add(CommitmentOwner(commitment_id=signed.commitments[0],
                                    party_id=noor_party.id or 0))
        plan = await session.get(Plan, signed.plan_id)
        assert plan is not None
        await start_follow_up(session, plan, world.clock())
    await at(world, 2026, 3, 20, 18, 0)
    assert said(world, SAM, CHECK_IN) == said(world, NOOR, CHECK_IN) == 1
    await world.person(NOOR, "Noor").tap("Gedaan")
    await at(world, 2026, 3, 25, 18, 0)
    assert said(world, SAM, REPEAT) == said(world, NOOR, REPEAT) == 0
