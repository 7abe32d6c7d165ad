"""When Telegram falters halfway through a send: what arrived is not sent again where the bot
can know it arrived, and nothing owed is lost.

A 5xx is Telegram saying it did not take the message: sending it again doubles nothing. A read
timeout is different: the message may well have arrived, the answer did not. A reply to the
person in front of the bot is then not sent again (the talk is stored; /start shows it), while
a notification owed to someone else is (at least once: losing it would be worse).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.db import Database
from tests.fakes import FakeRequest
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    make_world,
    offender_to_responsibility,
    open_case,
)

OFFENDER_ID = 7102


@pytest.fixture
async def world(sqlite_db: Database, clock: ManualClock) -> AsyncIterator[World]:
    async for made in make_world(sqlite_db, clock):
        yield made


async def test_a_long_summary_that_meets_a_hiccup_halfway_reaches_the_coordinator_once(
        world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="2026-031")
    offender = world.person(OFFENDER_ID, "Sam")
    await offender_to_responsibility(offender, await add_offender(coordinator))
    await world.deliver_outbox()  # "has opened the invitation"
    await offender.tap("Ja")
    await offender.send("Het was fout. " + "Ik dacht toen niet na over de fiets. " * 38)
    await offender.tap("Ja")
    await offender.send("Noor en haar ouders. " + "Ook de buren schrokken die avond erg. " * 50)
    await offender.tap("Verder")
    await offender.send("Ik wil vragen hoe het nu met Noor gaat. " * 70 + "Einde van mijn vragen.")
    await offender.tap("Niemand (meer)")
    await offender.tap("Niemand (meer)")
    await offender.send("woensdagmiddag")
    await offender.tap("Nee, niets")
    await offender.tap("✔ Versturen")
    before = len(coordinator.messages)
    # the summary's second part meets a Telegram hiccup: its first part did arrive
    world.api.fail_next("sendMessage", error_code=502, chat_id=COORDINATOR_ID, after=1)
    await world.deliver_outbox()
    world.clock.advance(minutes=2)  # the pause before trying again
    await world.deliver_outbox()
    summary = [m.content for m in coordinator.messages[before:]]
    assert len(summary) >= 2  # a summary this long goes out in parts
    assert sum("heeft het voorbereidend gesprek afgerond" in part for part in summary) == 1
    assert sum("Einde van mijn vragen." in part for part in summary) == 1
    assert len(summary) == len(set(summary))  # no part came twice


async def test_a_reply_whose_answer_timed_out_is_not_sent_again(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="2026-032")
    token = await add_offender(coordinator)
    offender = world.person(OFFENDER_ID, "Sam")
    # the welcome arrives, but only after the bot stopped waiting for Telegram's answer
    world.api.delay_next("sendMessage", 6.0, chat_id=OFFENDER_ID)
    await offender.send(f"/start {token}")
    await offender.wait_for_text("Hallo Sam", timeout=15)
    request = world.application.bot.request
    assert isinstance(request, FakeRequest)
    await request.settle()  # the late one has landed too
    assert sum("Hallo Sam" in m.content for m in offender.messages) == 1


async def test_a_reply_telegram_did_not_take_is_sent_again(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, reference="2026-033")
    token = await add_offender(coordinator)
    offender = world.person(OFFENDER_ID, "Sam")
    world.api.fail_next("sendMessage", error_code=502, chat_id=OFFENDER_ID)
    await offender.send(f"/start {token}")
    assert sum("Hallo Sam" in m.content for m in offender.messages) == 1
