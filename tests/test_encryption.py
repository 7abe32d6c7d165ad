"""Encryption at rest: the key lives outside the database; a placeholder or missing key stops
the bot with one line; keys rotate, and a rotation survives a crash. That a copy of the
database alone reveals no answer and no name after a whole case is shown in
tests/test_whole_case_leaves_no_trace.py."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from bot import encryption
from bot.encryption import Keyring, new_key_line, parse_keyring
from bot.keys import rotate
from bot.models import Case, Party, Talk
from tests.data_keys import TEST_KEYS
from tests.world import (
    COORDINATOR_ID,
    World,
    add_offender,
    offender_to_responsibility,
    open_case,
)

from .conftest import ROOT
from .test_end_to_end import clean_environment

# Long or spaced on purpose: no such string turns up by chance inside base64.
PERSONAL = ("Wolterus", "Liesbethje", "Op 3 maart nam Wolterus de fiets van Liesbethje mee.",
            "Het spijt me echt heel erg.", "Grootmoeder Ansje", "mijn lieve oma",
            "woensdag na de training")


async def a_scripted_case(world: World) -> None:
    coordinator = world.person(COORDINATOR_ID, "Coördinator")
    await open_case(coordinator, facts=PERSONAL[2])
    sam = world.person(222, PERSONAL[0])
    await offender_to_responsibility(sam, await add_offender(coordinator, PERSONAL[0]))
    await sam.tap("Ja")
    await sam.send(PERSONAL[3])
    await sam.tap("Ja")
    await sam.send(f"{PERSONAL[1]} en haar ouders.")
    await sam.tap("Verder")
    await sam.tap("Overslaan")
    await sam.tap("Iemand toevoegen")
    await sam.send(PERSONAL[4])
    await sam.send(PERSONAL[5])
    await sam.tap("Overslaan")
    await sam.tap("Niemand (meer)")
    await sam.tap("Niemand (meer)")
    await sam.send(PERSONAL[6])
    await sam.tap("Nee, niets")
    await sam.tap("✔ Versturen")
    async with world.db.transaction() as session:  # the bot itself reads them back
        talk = (await session.exec(select(Talk).where(Talk.user_id == 222))).one()
    assert talk.answers["responsibility_explain"] == PERSONAL[3]


async def test_rotating_the_key_reseals_everything_and_survives_a_crash(world: World) -> None:
    if not world.db.is_sqlite:
        pytest.skip("rotation is tested on the SQLite file")
    await a_scripted_case(world)
    old = parse_keyring(TEST_KEYS)
    new = parse_keyring(new_key_line() + "\n" + TEST_KEYS)
    url = world.db.engine.url.render_as_string(hide_password=False)

    class Crash(Exception):
        pass

    class CrashAfterFirstBatch(io.StringIO):
        def write(self, text: str) -> int:
            if "rows (" in text:
                raise Crash
            return super().write(text)

    from bot import keys
    keys_batch, keys.BATCH = keys.BATCH, 2
    try:
        with pytest.raises(Crash):
            await rotate(url, new, CrashAfterFirstBatch())
        out = io.StringIO()
        assert await rotate(url, new, out) == 0  # resumed: the rest
    finally:
        keys.BATCH = keys_batch
    assert f"sealed with key {new.current}" in out.getvalue()
    encryption.install(Keyring({new.current: new.keys[new.current]}, new.current))
    try:  # only the new key now: everything still opens
        async with world.db.transaction() as session:
            names = {p.name for p in (await session.exec(select(Party))).all()}
            case = (await session.exec(select(Case))).one()
            talk = (await session.exec(select(Talk).where(Talk.user_id == 222))).one()
        assert PERSONAL[0] in names and case.facts == PERSONAL[2]
        assert talk.answers["availability"] == PERSONAL[6]
    finally:
        encryption.install(old)


def test_the_bot_will_not_start_without_a_real_key(tmp_path: Path) -> None:
    for keys_setting, expected in ((None, "DATA_KEYS is not set"),
                                   ("k1:changeme", "placeholder"),
                                   ("k1:c2hvcnQ=", "not a random 32-byte key")):
        env = clean_environment(BOT_TOKEN="123456:ABCDEFGHIJKLMNOP", DATA_KEYS=keys_setting,
                                DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
                                TELEGRAM_API_URL="http://127.0.0.1:9")
        run = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=60, check=False)
        assert run.returncode == 2, run.stderr
        assert expected in run.stderr and "new-key" in run.stderr
        assert "Traceback" not in run.stderr and "changeme" not in run.stderr


def test_new_key_prints_a_key_the_bot_accepts() -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "new-key"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, check=True)
    line = run.stdout.strip()
    keyring = parse_keyring(line)
    assert keyring.open(keyring.seal("Noor")) == "Noor"
    assert parse_keyring(new_key_line()).keys != keyring.keys  # a fresh key each time
