"""Alerts the coordinator would want, each told once: a link nobody opened after a few days,
and a talk that stalled after its gentle nudge."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts import plan_alerts
from bot.nudges import plan_nudges
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    offender_to_responsibility,
    open_case,
)


async def test_a_link_not_opened_after_a_few_days_is_told_to_the_coordinator_once(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    await add_offender(coordinator)
    assert await plan_alerts(world.db, world.clock) == 0
    world.clock.advance(days=4)
    assert await plan_alerts(world.db, world.clock) == 1
    assert await plan_alerts(world.db, world.clock) == 0  # once
    assert "Sam (dader) heeft de link na enkele dagen nog niet geopend" in (
        await world.rendered("link_not_opened"))


async def test_a_talk_silent_after_its_nudge_is_told_to_the_coordinator_once(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    sam = world.person(222, "Sam")
    await offender_to_responsibility(sam, await add_offender(coordinator))
    world.clock.advance(hours=30)
    assert await plan_nudges(world.db, world.clock, timedelta(hours=24)) == 1
    world.clock.advance(days=2)
    assert await plan_alerts(world.db, world.clock) == 0  # not yet: give them time
    world.clock.advance(days=2)
    assert await plan_alerts(world.db, world.clock) == 1
    assert await plan_alerts(world.db, world.clock) == 0
    assert "staat stil, ook na een herinnering" in await world.rendered("talk_stalled")
    await sam.tap("Ja")  # they come back: a later silence may be told again
    assert await plan_alerts(world.db, world.clock) == 0
