"""The conference's reminders, with a clock the test controls (no sleeping): each sent once
at a reasonable local hour, across a daylight saving change; never to someone who said no;
late but once after the bot was down; dropped with a note once the meeting has begun; and
once only when two bot instances share one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bot.conference_rules import reminder_times
from bot.vocabulary import Reminder
from tests.test_conference import OFFENDER, VICTIM, plan
from tests.world import World, make_world, two_talks_done

DAY_BEFORE, TODAY = "Een herinnering: morgen", "Vandaag om"


def said(world: World, chat: int, words: str) -> int:
    return sum(words in m.content for m in world.api.messages_to(chat))


async def planned_and_answered(world: World, moment: str = "20-03-2026 19:00") -> None:
    """Sam says yes, Noor says no."""
    coordinator = await two_talks_done(world)
    await plan(coordinator, moment)
    await world.deliver_outbox()
    await world.person(OFFENDER, "Sam").tap("Ja, ik kom")
    await world.person(VICTIM, "Noor").tap("Nee, ik kom niet")
    await world.deliver_outbox()


@asynccontextmanager
async def second_instance(world: World) -> AsyncIterator[World]:
    """Another bot process on the same database (a restart, or a second instance)."""
    async for other in make_world(world.db, world.clock):
        for chat in (OFFENDER, VICTIM, 7001):
            other.api.register_user(chat)
        yield other


async def test_each_reminder_comes_once_at_its_local_hour_and_not_to_someone_who_said_no(
        world: World) -> None:
    await planned_and_answered(world)  # Friday 20 March 19:00 in Brussels (UTC+1)
    world.clock.now = datetime(2026, 3, 19, 16, 59, tzinfo=UTC)
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == 0
    world.clock.now = datetime(2026, 3, 19, 17, 0, tzinfo=UTC)  # 18:00 in Brussels
    await world.deliver_outbox()
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == 1
    assert "Wanneer: vrijdag 20 maart 2026 om 19:00" in world.api.messages_to(OFFENDER)[-1].content
    world.clock.now = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)  # 16:00, three hours before
    await world.deliver_outbox()
    await world.deliver_outbox()
    assert said(world, OFFENDER, TODAY) == 1
    assert said(world, OFFENDER, DAY_BEFORE) == 1
    assert said(world, VICTIM, DAY_BEFORE) == said(world, VICTIM, TODAY) == 0
    assert "later dan gepland" not in "".join(m.content for m in world.api.messages_to(OFFENDER))


async def test_reminders_keep_to_the_local_clock_across_the_change_to_summer_time(
        world: World) -> None:
    await planned_and_answered(world, "30-03-2026 19:00")  # summer time began on 29 March
    world.clock.now = datetime(2026, 3, 29, 15, 59, tzinfo=UTC)
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == 0
    world.clock.now = datetime(2026, 3, 29, 16, 0, tzinfo=UTC)  # 18:00 in Brussels (UTC+2)
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == 1


def test_an_early_meeting_is_reminded_at_eight_and_one_at_half_past_eight_only_the_day_before(
        ) -> None:
    early = reminder_times(datetime(2026, 10, 26, 8, 0, tzinfo=UTC), "Europe/Brussels")
    assert early[Reminder.HOURS_BEFORE] == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # 08:00
    assert early[Reminder.DAY_BEFORE] == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)  # winter
    too_close = reminder_times(datetime(2026, 10, 26, 7, 20, tzinfo=UTC), "Europe/Brussels")
    assert Reminder.HOURS_BEFORE not in too_close


async def test_a_reminder_due_while_the_bot_was_down_comes_late_once_and_says_so(
        world: World) -> None:
    await planned_and_answered(world)
    world.services.scheduler.pause()  # the bot is down: its sender wakes no more
    await world.services.sender.settle()
    world.clock.now = datetime(2026, 3, 19, 20, 0, tzinfo=UTC)  # three hours after it was due
    async with second_instance(world) as restarted:
        await restarted.deliver_outbox()
        await restarted.deliver_outbox()
        await world.deliver_outbox()
        late = [m.content for m in restarted.api.messages_to(OFFENDER)
                if DAY_BEFORE in m.content]
        assert len(late) == 1 and late[0].startswith("(Dit bericht komt later dan gepland.")
        assert said(world, OFFENDER, DAY_BEFORE) == 0


async def test_a_day_before_reminder_missed_until_the_day_itself_leaves_it_to_todays(
        world: World) -> None:
    await planned_and_answered(world)
    world.clock.now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # the morning of the meeting
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == said(world, OFFENDER, TODAY) == 0
    world.clock.now = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
    await world.deliver_outbox()
    assert said(world, OFFENDER, TODAY) == 1 and said(world, OFFENDER, DAY_BEFORE) == 0


async def test_a_reminder_after_the_meeting_began_is_dropped_and_the_coordinator_told_once(
        world: World) -> None:
    await planned_and_answered(world)
    world.clock.now = datetime(2026, 3, 20, 18, 30, tzinfo=UTC)  # 19:30 in Brussels
    await world.deliver_outbox()
    await world.deliver_outbox()
    assert said(world, OFFENDER, DAY_BEFORE) == said(world, OFFENDER, TODAY) == 0
    assert said(world, 7001, "een herinnering voor Sam is niet meer verstuurd") == 1


async def test_two_bot_instances_on_one_database_send_each_reminder_once(world: World) -> None:
    await planned_and_answered(world)
    world.clock.now = datetime(2026, 3, 19, 17, 0, tzinfo=UTC)
    async with second_instance(world) as other:
        await asyncio.gather(world.services.sender.flush(), other.services.sender.flush(),
                             world.services.sender.flush(), other.services.sender.flush())
        await world.deliver_outbox()
        await other.deliver_outbox()
        assert said(world, OFFENDER, DAY_BEFORE) + said(other, OFFENDER, DAY_BEFORE) == 1
