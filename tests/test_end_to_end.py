"""End to end over real HTTP: `python -m bot` runs as its own process against a fake Bot API
server on 127.0.0.1, and the test plays the people. Includes a hard restart mid-talk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeBotAPI, FakeBotAPIServer, TelegramUser, queued_only

from .conftest import ROOT
from .data_keys import TEST_KEYS

pytestmark = pytest.mark.e2e
COORDINATOR_ID, OFFENDER_ID = 8101, 8102


# Settings a developer's shell may hold; a test bot gets only what the test gives it.
SETTINGS_ENV = ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "COORDINATOR_IDS", "ADMIN_IDS",
                "DIALOGS_DIR", "LOG_LEVEL", "HERSTELBOT_DATA_DIR", "INVITE_VALID_DAYS",
                "STARTUP_RETRY_FIRST_SECONDS", "STARTUP_RETRY_MAX_SECONDS",
                "STARTUP_RETRY_ATTEMPTS", "DATA_KEYS", "DATA_KEY_FILE", "WEBHOOK_URL",
                "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "RETENTION_DAYS",
                "OUTBOX_LEASE_SECONDS", "TELEGRAM_PER_SECOND", "TELEGRAM_PER_CHAT_PER_SECOND",
                "TELEGRAM_PER_CHAT_BURST")


def clean_environment(**settings: str | None) -> dict[str, str]:
    """os.environ without herstelbot's settings, plus `settings` (None removes one)."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), DATA_KEYS=TEST_KEYS)
    for key, value in settings.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class BotProcess:
    def __init__(self, api: FakeBotAPI, server: FakeBotAPIServer, database: Path,
                 log: Path, *, cwd: Path = ROOT, **settings: str | None) -> None:
        self.api = api
        self.env = clean_environment(**{
            "BOT_TOKEN": api.token, "TELEGRAM_API_URL": server.base_url,
            "DATABASE_URL": f"sqlite:///{database}", "COORDINATOR_IDS": str(COORDINATOR_ID),
            "OUTBOX_INTERVAL_SECONDS": "0.2", "TELEGRAM_PER_CHAT_PER_SECOND": "20",
            **settings})
        self.cwd = cwd
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, ready: bool = True) -> None:
        """Starts `python -m bot`; returns when its first long poll has begun (the request
        has reached the fake, not when it is answered: that would idle a whole poll)."""
        polls_before = self.api.polls_started
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=self.cwd,
                                            env=self.env, stdout=sink, stderr=sink)
        if not ready:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # ready once it polls for updates
            if self.api.polls_started > polls_before:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")

    def wait_for_log(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log.read_text() if self.log.exists() else ""
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the log:\n{self.log.read_text()}")

    def wait_for_exit(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """A hard stop, as a crash or a pulled plug: no chance to tidy up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotProcess]:
    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        # At DEBUG: whatever the level, the log carries ids only (the test reads it at the end).
        process = BotProcess(api, server, tmp_path / "herstelbot.db", tmp_path / "bot.log",
                             LOG_LEVEL="DEBUG")
        process.start()
        try:
            yield process
        finally:
            process.stop()


async def step(user: TelegramUser, action: Callable[[], Awaitable[Any]], expect: str) -> str:
    """Does one thing as the person, and waits until the bot answers with `expect`."""
    since = len(user.messages)
    await action()
    return (await user.wait_for_text(expect, timeout=20, since=since)).content


async def invite_offender(coordinator: TelegramUser, reference: str) -> str:
    """The coordinator makes a case and invites Sam as the offender; the invite token."""
    await step(coordinator, lambda: coordinator.send("/newcase"), "kort kenmerk")
    await step(coordinator, lambda: coordinator.send(reference), "Welke methode")
    await step(coordinator, lambda: coordinator.tap("Eigen Kracht-conferentie"), "Beschrijf")
    await step(coordinator, lambda: coordinator.send("Sam nam een fiets mee."), "welke taal")
    await step(coordinator, lambda: coordinator.tap("Nederlands"), "Klopt dit?")
    await step(coordinator, lambda: coordinator.tap("✔ Versturen"), "is aangemaakt")
    await step(coordinator, lambda: coordinator.tap("Betrokkene toevoegen"), "wie voeg je toe")
    await step(coordinator, lambda: coordinator.tap("Dader"), "Hoe spreek ik")
    await step(coordinator, lambda: coordinator.send("Sam"), "Kan dat zo?")
    await step(coordinator, lambda: coordinator.tap("Zo gebruiken"), "In welke taal")
    invite = await step(coordinator, lambda: coordinator.tap("Nederlands"), "Uitnodiging voor")
    await coordinator.wait_for_text("QR-code")
    return invite.split("start=", 1)[1].split()[0]


async def test_the_offender_talk_survives_a_hard_restart_mid_talk(bot: BotProcess) -> None:
    api = bot.api
    coordinator = TelegramUser(api, COORDINATOR_ID, "Coördinator", queued_only)
    offender = TelegramUser(api, OFFENDER_ID, "Sam", queued_only)

    token = await invite_offender(coordinator, "E2E-1")

    await step(offender, lambda: offender.send(f"/start {token}"), "Hallo Sam")
    await coordinator.wait_for_text("heeft de uitnodiging geopend", timeout=20)
    await step(offender, lambda: offender.tap("Verder"), "Eigen Kracht-conferentie")
    await step(offender, lambda: offender.tap("Verder"), "vrijwillig")
    await step(offender, lambda: offender.tap("Ja, ik doe mee"), "Klopt dit voor jou?")
    await step(offender, lambda: offender.tap("Ja, dat klopt"), "eigen woorden")
    await step(offender, lambda: offender.send("Ik nam de fiets."), "Erken je jouw aandeel")

    polls = [c for c in api.calls if c.method.lower() == "getupdates"]
    assert polls and set(polls[-1].params.get("allowed_updates") or []) == {
        "message", "edited_message", "callback_query", "my_chat_member"}  # only what we handle
    bot.kill()
    bot.start()

    resumed = await step(offender, lambda: offender.send("/start"), "Welkom terug")
    assert "Je antwoorden zijn bewaard" in resumed
    await offender.wait_for_text("Erken je jouw aandeel", since=len(offender.messages) - 1)
    await step(offender, lambda: offender.tap("Ja"), "uitleggen")
    await step(offender, lambda: offender.tap("Overslaan"), "recht te zetten")
    await step(offender, lambda: offender.tap("Ja"), "Wie is er geraakt")
    await step(offender, lambda: offender.send("Noor."), "Deze vragen")
    await step(offender, lambda: offender.tap("Verder"), "opschrijven")
    await step(offender, lambda: offender.tap("Overslaan"), "als steun")
    await step(offender, lambda: offender.tap("Niemand (meer)"), "nog meer bij zijn")
    await step(offender, lambda: offender.tap("Niemand (meer)"), "Wanneer kun je")
    await step(offender, lambda: offender.send("maandag"), "iets nodig")
    review = await step(offender, lambda: offender.tap("Nee, niets"), "Bijna klaar")
    assert "Ik nam de fiets." in review  # the answer from before the restart is kept
    # "Verander" from the review works over real HTTP too (its button data holds a colon)
    await step(offender, lambda: offender.tap("Verander: Wanneer je kunt"), "Je antwoord nu")
    review = await step(offender, lambda: offender.send("dinsdag"), "Bijna klaar")
    assert "dinsdag" in review and "maandag" not in review
    await step(offender, lambda: offender.tap("✔ Versturen"), "Dank je wel, Sam")

    summary = await coordinator.wait_for_text("heeft het voorbereidend gesprek afgerond",
                                              timeout=20)
    assert "Ik nam de fiets." in summary.content and "dinsdag" in summary.content
    assert bot.stop() == 0
    log = bot.log.read_text()
    for personal in ("Ik nam de fiets", "Noor.", "maandag", "dinsdag", "Sam nam"):
        assert personal not in log, f"personal text reached the log: {personal!r}"
    assert api.token not in log


async def test_debug_logs_keep_the_token_and_what_people_wrote_out(tmp_path: Path) -> None:
    """LOG_LEVEL=DEBUG shows our own debug lines, but no library's: those log request URLs
    (with the token), whole updates and request payloads (with what people wrote)."""
    facts = "Quirijn nam de bakfiets van de buren mee."
    stranger_text = "Hallo, ik ben Wendelien, mijn nummer is 0470 12 34 56."
    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "herstelbot.db", tmp_path / "bot.log",
                         LOG_LEVEL="DEBUG")
        bot.start()
        try:
            coordinator = TelegramUser(api, COORDINATOR_ID, "Coördinator Anneliese",
                                       queued_only)
            stranger = TelegramUser(api, 8199, "Wendelien", queued_only)
            await step(coordinator, lambda: coordinator.send("/newcase"), "kort kenmerk")
            await step(coordinator, lambda: coordinator.send("DBG-7"), "Welke methode")
            await step(coordinator, lambda: coordinator.tap("Eigen Kracht-conferentie"),
                       "Beschrijf")
            await step(coordinator, lambda: coordinator.send(facts), "welke taal")
            review = await step(coordinator, lambda: coordinator.tap("Nederlands"), "Klopt")
            assert facts in review  # the bot did send it back: it went through the libraries
            await stranger.send(stranger_text)
            await step(stranger, lambda: stranger.send("/start"), "")
        finally:
            assert bot.stop() == 0
    log = bot.log.read_text()
    for secret in (api.token, api.token.split(":", 1)[1], facts, "Quirijn", "bakfiets",
                   stranger_text, "Wendelien", "0470", "Anneliese"):
        assert secret not in log, f"{secret!r} reached the log"
    assert " DEBUG bot." in log  # the level took effect for our own loggers
    assert "no coordinator yet" not in log  # COORDINATOR_IDS is set
