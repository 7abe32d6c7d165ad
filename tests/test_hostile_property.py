"""Hostile input at scale, property-based: random and hostile updates thrown at a talk in
progress (control and direction-override characters, empty and huge texts, media, forged and
over-long button data, commands for other bots, /start with garbage), from the participant
and from a stranger. No update may raise (`raise_errors`), every tap is answered, and after
it all the talk still finishes normally with its answers intact."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.clock import ManualClock
from bot.models import Talk
from tests.conftest import fresh_database, postgres_url
from tests.fakes import TelegramUser
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    make_world,
    offender_to_responsibility,
    open_case,
)

OFFENDER, STRANGER = 222, 333
HOSTILE_CHARACTERS = "\x00\x01\x1b\x7f\u202e\u2066\u200b\ufeff\U0001f600aé\n\t "
COMMANDS = ["/start", "/help", "/pauze", "/terug", "/overslaan", "/taal", "/gesprekken",
            "/mijngegevens", "/whoami", "/help@otherbot", "/pauze@other_bot",
            "/start garbage!!", "/start " + "x" * 70, "/nieuwezaak", "/audit 1", "/stop",
            "/cancel", "/", "/ /"]
FORGED = ["t:1:1:next", "t:2147483648:1:o0", "t:99999999999999999999:1:o0", "c:card:1",
          "h:1:1", "m:2", "m:9", "n:1:1", "s:1", "t:1:999:e:review", "l:xx", "w", "c:era:1",
          "t:3:1:e:" + "s" * 40, "x" * 80]

texts = st.one_of(st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), max_size=60),
                  st.text(max_size=120), st.just(""), st.just("x" * 100_000))
events = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("tap"), st.one_of(st.sampled_from(FORGED), st.text(max_size=70))),
    st.tuples(st.just("media"), st.sampled_from(["photo", "sticker", "voice", "document"])),
    st.tuples(st.just("stranger"), texts),
)
PREFERRED = ["Nee, ik ga verder", "Ik wil toch verder", "✔ Versturen", "Ja", "Verder",
             "Overslaan", "Niemand (meer)", "Nee, niets", "Ja, ik doe mee"]


async def throw(world: World, sam: TelegramUser, stranger: TelegramUser,
                event: tuple[str, Any]) -> None:
    kind, value = event
    if kind == "text" or kind == "command":
        await sam.send(value)
    elif kind == "tap":
        before = len(world.api.calls)
        await sam.tap_data(sam.messages[-1].message_id, value)
        answered = [c for c in world.api.calls[before:]
                    if c.method.lower() == "answercallbackquery"]
        assert answered, f"the tap {value!r} was never answered"
    elif kind == "media":
        await getattr(sam, f"send_{value}")()
    else:
        await stranger.send(value)


async def finish(sam: TelegramUser) -> None:
    """Whatever state the talk is in now, a patient person can still finish it."""
    for _ in range(60):
        if any("Dank je wel, Sam" in m.content for m in sam.messages[-2:]):
            return
        shown = [m for m in sam.messages if m.button_labels and not m.deleted]
        labels = shown[-1].button_labels if shown else []
        choice = next((label for label in PREFERRED if label in labels), None)
        if shown and shown[-1] is sam.messages[-1] and choice is not None:
            await sam.tap(choice)
        elif "/start" in (sam.last_text or "") or not shown:
            await sam.send("/start")
        else:
            await sam.send("Een gewoon antwoord.")
    raise AssertionError(f"the talk did not finish:\n{sam.transcript()}")


THROWN: list[int] = []  # how many hostile updates were thrown, for the closing figures


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)])
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(thrown=st.lists(events, min_size=5, max_size=30))
async def test_hostile_updates_never_crash_and_the_talk_still_finishes(
        database: str, thrown: list[tuple[str, Any]]) -> None:
    url = postgres_url() if database == "postgres" else None
    if database == "postgres" and url is None:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
    with tempfile.TemporaryDirectory() as scratch:
        db = await fresh_database(url or f"sqlite+aiosqlite:///{Path(scratch) / 'h.db'}")
        clock = ManualClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
        try:
            async for world in make_world(db, clock):
                coordinator = world.person(COORDINATOR_ID, "Coördinator")
                await open_case(coordinator)
                sam = world.person(OFFENDER, "Sam")
                await offender_to_responsibility(sam, await add_offender(coordinator))
                stranger = world.person(STRANGER, "Iemand")
                for event in thrown:
                    await throw(world, sam, stranger, event)
                THROWN.append(len(thrown))
                await finish(sam)
                async with world.db.transaction() as session:
                    talk = (await session.exec(select(Talk).where(
                        Talk.user_id == OFFENDER))).one()
                assert (talk.status, talk.outcome) == ("ended", "completed")
                for value in talk.answers.values():
                    assert "\x00" not in str(value) and "\u202e" not in str(value)
        finally:
            await db.dispose()
