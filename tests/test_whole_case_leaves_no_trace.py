"""A whole case leaves no name, answer or promise readable outside the bot: not in a copy of
the database (the raw SQLite file with its journal, a PostgreSQL dump), not in the log at
DEBUG, not in a button's data or a scheduled job's arguments; and a key rotation reseals all
of it. Every free text a person types in the case is one of `tests.whole_case.PERSONAL`."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot import encryption, startup
from bot.clock import ManualClock
from bot.db import Database
from bot.encryption import Keyring, new_key_line, parse_keyring
from bot.keys import rotate
from tests.data_keys import TEST_KEYS
from tests.whole_case import PERSONAL, a_whole_case, opened_personal_values, written_forms
from tests.world import World, make_world


def found_in(copy: str) -> list[str]:
    """The kinds of personal text that can be read in `copy`."""
    return [kind for kind, text in PERSONAL.items()
            if any(form in copy for form in written_forms(text))]


def assert_unreadable(copy: str, where: str) -> None:
    found = found_in(copy)
    assert found == [], f"{len(found)} of {len(PERSONAL)} personal texts in {where}: {found}"


async def every_string_is_kept_sealed(world: World) -> None:
    """What the test looks for was really typed and kept: the bot opens every one."""
    opened = await opened_personal_values(world.db)
    missing = [kind for kind, text in PERSONAL.items()
               if not any(form in opened for form in written_forms(text))]
    assert missing == [], f"never reached the database: {missing}"


async def test_a_copy_of_the_sqlite_file_after_a_whole_case_reveals_no_name_answer_or_promise(
        world: World) -> None:
    if not world.db.is_sqlite:
        pytest.skip("the PostgreSQL dump has its own test")
    await a_whole_case(world)
    await every_string_is_kept_sealed(world)
    database = Path(str(world.db.engine.url.database))
    files = sorted(database.parent.glob(database.name + "*"))  # with -wal and -shm
    raw = b"".join(path.read_bytes() for path in files).decode("utf-8", errors="replace")
    assert "enc1:" in raw  # sealed values are there
    assert_unreadable(raw, "the SQLite file")


@pytest.mark.postgres
async def test_a_postgresql_dump_after_a_whole_case_reveals_no_name_answer_or_promise(
        world: World) -> None:
    if world.db.is_sqlite:
        pytest.skip("the SQLite file has its own test")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    await a_whole_case(world)
    await every_string_is_kept_sealed(world)
    url = world.db.engine.url
    process = await asyncio.create_subprocess_exec(
        "pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
        "-U", url.username or "postgres", url.database or "test",
        stdout=asyncio.subprocess.PIPE)
    dump = (await process.communicate())[0].decode()
    assert process.returncode == 0
    assert "enc1:" in dump
    assert_unreadable(dump, "the pg_dump")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The bot's own logging set-up at LOG_LEVEL=DEBUG, as `python -m bot` makes it; what its
    one handler writes to stderr is kept here. Afterwards the logging is as pytest had it."""
    root = logging.getLogger()
    names = ["bot", *startup.LIBRARY_LEVELS]
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in names}
    written = io.StringIO()
    with contextlib.redirect_stderr(written):  # the handler writes where stderr was
        startup.configure_logging(logging.DEBUG)
    try:
        yield written
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in levels.items():
            logging.getLogger(name).setLevel(was)


async def test_a_whole_case_at_debug_logs_no_name_answer_or_promise(
        debug_log: io.StringIO, db: Database, clock: ManualClock) -> None:
    async with asynccontextmanager(make_world)(db, clock) as world:  # start-up to shut-down
        await a_whole_case(world)
        await every_string_is_kept_sealed(world)
    log = debug_log.getvalue()
    assert " DEBUG bot.startup: logging at DEBUG" in log  # the level took effect
    assert " INFO bot.usecases.invites: invite 3 redeemed" in log  # lines of the case itself
    assert_unreadable(log, "the log")


async def test_a_whole_case_puts_no_personal_text_in_button_data_or_scheduled_jobs(
        world: World) -> None:
    await a_whole_case(world)
    data = []
    for call in world.api.calls:
        markup = call.params.get("reply_markup") or {}
        markup = json.loads(markup) if isinstance(markup, str) else markup
        data += [str(button.get("callback_data")) for row in markup.get("inline_keyboard", [])
                 for button in row]
    assert len(data) > 100  # the whole case was tapped through
    assert_unreadable("\n".join(data), "button data")
    jobs = world.services.scheduler.get_jobs()
    assert jobs
    assert_unreadable("\n".join(f"{job.args!r} {job.kwargs!r}" for job in jobs), "jobs")


async def test_rotating_the_key_after_a_whole_case_reseals_every_name_answer_and_promise(
        world: World) -> None:
    if not world.db.is_sqlite:
        pytest.skip("rotation is tested on the SQLite file")
    await a_whole_case(world)
    old = parse_keyring(TEST_KEYS)
    new = parse_keyring(new_key_line() + "\n" + TEST_KEYS)
    url = world.db.engine.url.render_as_string(hide_password=False)
    assert await rotate(url, new, io.StringIO()) == 0
    encryption.install(Keyring({new.current: new.keys[new.current]}, new.current))
    try:  # only the new key now: everything still opens
        await every_string_is_kept_sealed(world)
    finally:
        encryption.install(old)
