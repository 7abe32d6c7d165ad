"""Hostile input at scale, property-based. Every participant's talk (offender, victim,
supporter, third party), in Dutch and in English, is walked by a patient person while
random and hostile updates land on every step, the review and after the end: control and
direction-override characters, empty and 100,000-character texts, media, edits, forged,
stale and over-long button data, buttons copied from someone else, commands for other bots,
/start with garbage, another account using the link, messages and taps in groups and
channels, membership updates, an update delivered twice, unknown fields and kinds.

No update may raise (`raise_errors`), every tap is answered, every message to a person is
in that person's language, the bot never writes to a group or channel, an update seen
before changes and says nothing, someone else's taps change nobody's talk, and afterwards
the talk finishes normally with the answers given, while every other talk is untouched."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.db import Database, make_engine
from bot.flows.model import StepKind
from tests.conftest import fresh_database, postgres_url
from tests.fakes import deliver_to_application
from tests.hostile_scene import (
    EXAMPLES,
    FLOWS,
    HIT,
    NOT_PRIVATE,
    ON_THE_CARD,
    PERSON,
    STEPS,
    STRANGER,
    THROWN,
    Scene,
    bot_dialogs,
    check_replies,
    events,
    finish,
    invite,
    progress,
    snapshot,
    strings_in,
    throw,
    unwanted,
)
from tests.world import (
    COORDINATOR_ID,
    World,
    make_world,
)


@dataclass
class Databases:
    """An empty, migrated database for each example, quickly: SQLite as a copy of one file
    migrated for the test, PostgreSQL's schema made for the test's first example and emptied
    for the others."""

    scratch: Path
    made: int = 0

    async def fresh(self, url: str | None) -> Database:
        self.made += 1
        if url is None:
            template = self.scratch / "template.db"
            if self.made == 1:
                await (await fresh_database(f"sqlite+aiosqlite:///{template}")).dispose()
            (self.scratch / f"example{self.made - 1}.db").unlink(missing_ok=True)
            copy = self.scratch / f"example{self.made}.db"
            shutil.copyfile(template, copy)
            return Database(make_engine(f"sqlite+aiosqlite:///{copy}"))
        if self.made == 1:
            return await fresh_database(url)
        db = Database(make_engine(url))
        async with db.engine.begin() as connection:
            tables = (await connection.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"))).scalars().all()
            names = ", ".join('"' + table + '"' for table in tables)
            await connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return db


@pytest.fixture
def databases(tmp_path: Path) -> Databases:
    """Shared by the examples of one test (function scope: Hypothesis does not reset it)."""
    return Databases(tmp_path)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)])
@pytest.mark.parametrize("flow", FLOWS)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data())
async def test_hostile_updates_on_every_step_never_crash_and_every_talk_still_finishes(
        database: str, flow: str, databases: Databases, data: st.DataObject) -> None:
    url = postgres_url() if database == "postgres" else None
    if database == "postgres" and url is None:
        pytest.skip("PostgreSQL not configured (set TEST_DATABASE_URL to run these)")
    language = data.draw(st.sampled_from(["nl", "en"]), label="talk language")
    telegram = data.draw(st.sampled_from(["nl", "en", "fr"]), label="Telegram language")
    bursts = data.draw(st.lists(st.lists(events, min_size=1, max_size=2),
                                min_size=STEPS[flow] + 3,
                                max_size=STEPS[flow] + 3), label="hostile bursts")
    flows, catalog = bot_dialogs()
    with (mock.patch("bot.telegram_app.load_registry", lambda _: flows),
          mock.patch("bot.telegram_app.load_catalog", lambda _: catalog)):
        db = await databases.fresh(url)
        try:
            async for world in make_world(db, ManualClock(datetime(2026, 3, 10, 9, 30,
                                                                   tzinfo=UTC))):
                await play(world, flow, language, telegram, bursts)
            EXAMPLES[f"{flow}/{database}/{language}"] += 1
        finally:
            await db.dispose()


async def play(world: World, flow: str, language: str, telegram: str,
               bursts: list[list[tuple[str, Any]]]) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    token = await invite(world, coordinator, flow, language)
    user_id, name = PERSON[flow]
    person = world.person(user_id, name, telegram)
    stranger = world.person(STRANGER, "Iemand", "en" if language == "nl" else "nl")
    scene = Scene(world, flow, coordinator, person, stranger, token, language,
                  deliver_to_application(world.application, raise_errors=True))
    scene.updates.append(await person.send(f"/start {token}"))
    assert (await scene.talk()).step == "welcome", person.transcript()
    check_replies(scene, person, person.messages, language)
    await stranger.send("/start")
    await world.deliver_outbox()
    others = await snapshot(world, but=user_id)

    # Hostile input between every two steps a patient person takes, and after the end.
    for burst in bursts:
        for event in burst:
            talk = await scene.talk()
            HIT.setdefault(flow, set()).add("ended" if talk.status == "ended" else talk.step)
            await throw(scene, event)
        await progress(scene)
    await finish(scene)

    talk = await scene.talk()
    assert (talk.status, talk.outcome) == ("ended", "completed"), person.transcript()
    flow_of_talk = world.services.flows.get(talk.flow_id, talk.flow_version)
    assert flow_of_talk is not None
    for step_id in (talk.progress or {}).get("path", []):
        answer = talk.answers.get(step_id)
        typed = flow_of_talk.step(step_id).kind is StepKind.TEXT and answer is not None
        if typed or step_id in scene.expected:  # every typed answer is the one given
            assert step_id in scene.expected and answer == scene.expected[step_id], (
                step_id, answer, scene.expected.get(step_id), person.transcript())
    for text in strings_in(talk.answers):
        assert not any(unwanted(c) for c in text), f"stored with control characters: {text!r}"
        assert "bewerkt-7f3a" not in text, f"an edit became an answer: {text!r}"
    await world.deliver_outbox()
    assert await snapshot(world, but=user_id) == others, "someone else's talk was changed"
    to_groups = [c for c in world.api.calls if _chat_of(c.params) in NOT_PRIVATE]
    assert not to_groups, f"the bot spoke in a group or channel: {to_groups[0]}"
    if not scene.switched:  # every message, as it reads now (edits too), in one language
        check_replies(scene, person, person.messages, scene.language)
    check_replies(scene, coordinator, coordinator.messages, "nl")

    # The coordinator still sees the case as it is.
    await coordinator.send("/cases")
    await coordinator.tap("2026-014")
    assert f"• {ON_THE_CARD[flow]}: gesprek afgerond" in (coordinator.last_text or ""), (
        coordinator.last_text)
    THROWN.update(scene.thrown)


def _chat_of(params: dict[str, Any]) -> int | None:
    try:
        return int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@pytest.fixture(scope="module", autouse=True)
def closing_figures() -> Any:
    """The figures for the closing note (shown with -s): what was thrown, and where."""
    yield
    print(f"\nhostile updates thrown: {sum(THROWN.values())} "  # noqa: T201
          f"{dict(sorted(THROWN.items()))}; unhandled exceptions: 0 (any fails its example)")
    print(f"examples: {dict(sorted(EXAMPLES.items()))}")  # noqa: T201
    for flow, steps in sorted(HIT.items()):
        print(f"  {flow}: hostile input on {len(steps)} steps: {sorted(steps)}")  # noqa: T201
