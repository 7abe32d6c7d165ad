"""An update is handled wholly or not at all: if handling it fails half-way (a crash, a
bug), nothing of it is kept, not even the mark that says it was seen, so Telegram's next
delivery of it is handled in full."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.usecases import invites
from tests.world import COORDINATOR_ID, World, add_offender, open_case

OFFENDER = 7301


async def test_an_invite_opened_while_the_bot_fails_half_way_opens_in_full_the_next_time(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator)
    token = await add_offender(coordinator)
    real = invites.tell_coordinator
    failures = [RuntimeError("the process died here")]

    async def dies_once(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await real(*args, **kwargs)

    monkeypatch.setattr(invites, "tell_coordinator", dies_once)
    offender = world.person(OFFENDER, "Sam")
    sent = world.api.user_sends_text(OFFENDER, f"/start {token}", first_name="Sam",
                                     language_code="nl")
    await world.application.process_update(Update.de_json(sent, world.application.bot))
    assert not failures and "Hallo Sam" not in (offender.last_text or "")
    # Telegram was never told the update was handled, so it delivers it again.
    await world.application.process_update(Update.de_json(sent, world.application.bot))
    assert "Hallo Sam" in (offender.last_text or "")


async def test_the_marks_of_updates_handled_long_ago_are_forgotten(world: World) -> None:
    """Telegram redelivers for a day at most: the table that remembers updates stays small."""
    from sqlmodel import func, select

    from bot.models import SeenUpdate
    from bot.seen_updates import forget_old

    person = world.person(OFFENDER, "Sam")
    await person.send("/help")
    world.clock.advance(days=3)
    await person.send("/help")
    world.clock.advance(days=5)
    assert await forget_old(world.db, world.clock) == 1  # the first, eight days old
    async with world.db.transaction() as session:
        assert (await session.exec(select(func.count()).select_from(SeenUpdate))).one() == 1
    sent = world.api.user_sends_text(OFFENDER, "/help", first_name="Sam", language_code="nl")
    before = len(person.messages)
    for _ in range(2):  # delivered twice: answered once
        await world.application.process_update(Update.de_json(sent, world.application.bot))
    assert len(person.messages) == before + 1
