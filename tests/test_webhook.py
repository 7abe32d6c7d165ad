"""Webhook mode over real HTTP: `python -m bot` registers its webhook with the fake Bot API,
takes updates Telegram posts to it only with the secret-token header, answers them, and
handles an update delivered twice once."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import FakeBotAPI, FakeBotAPIServer

from .test_end_to_end import BotProcess

pytestmark = pytest.mark.e2e
SECRET = "webhook-secret-for-the-tests-123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, update: dict[str, object], secret: str | None) -> int:
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def webhook_bot(tmp_path: Path) -> Iterator[tuple[BotProcess, str]]:
    api = FakeBotAPI()
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "bot.db", tmp_path / "bot.log",
                         WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1",
                         WEBHOOK_PORT=str(port))
        bot.start(ready=False)
        deadline = time.monotonic() + 60
        while not any(c.method.lower() == "setwebhook" for c in api.calls):
            assert time.monotonic() < deadline, bot.log.read_text()
            assert bot.process is not None and bot.process.poll() is None, bot.log.read_text()
            time.sleep(0.05)
        while time.monotonic() < deadline:  # and until the server takes requests
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        try:
            yield bot, url
        finally:
            assert bot.stop() == 0


def test_updates_posted_with_the_secret_are_answered_once_and_others_refused(
        webhook_bot: tuple[BotProcess, str]) -> None:
    bot, url = webhook_bot
    api = bot.api
    registered = next(c for c in api.calls if c.method.lower() == "setwebhook")
    assert registered.params.get("url") == url
    assert registered.params.get("secret_token") == SECRET
    update = api.user_sends_text(4242, "/whoami", first_name="Iemand")
    assert post(url, update, secret=None) == 403
    assert post(url, update, secret="wrong-secret-but-long-enough") == 403
    assert post(url, update, secret=SECRET) == 200
    assert post(url, update, secret=SECRET) == 200  # Telegram retried: handled once
    deadline = time.monotonic() + 20
    while not api.messages_to(4242):
        assert time.monotonic() < deadline, bot.log.read_text()
        time.sleep(0.05)
    time.sleep(0.5)
    replies = [m.content for m in api.messages_to(4242)]
    assert len(replies) == 1 and "Je Telegram-nummer is 4242" in replies[0]
    assert SECRET not in bot.log.read_text()


def test_a_webhook_without_a_real_secret_is_refused_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from .test_end_to_end import clean_environment

    env = clean_environment(BOT_TOKEN="123456:ABCDEFGHIJKLMNOP",
                            DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
                            WEBHOOK_URL="https://example.invalid/hook", WEBHOOK_SECRET="short")
    run = subprocess.run([sys.executable, "-m", "bot"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60, check=False)
    assert run.returncode == 2 and "WEBHOOK_SECRET must be set" in run.stderr
    assert "Traceback" not in run.stderr and "short" not in run.stderr


def test_an_update_the_library_cannot_read_is_skipped_by_id_and_the_next_is_answered(
        webhook_bot: tuple[BotProcess, str]) -> None:
    bot, url = webhook_bot
    api = bot.api
    broken = {"update_id": 910_001,  # a message without its chat: the library cannot read it
              "message": {"message_id": 5, "text": "mijn geheim verhaal"}}
    assert post(url, broken, secret=SECRET) == 200  # taken, so Telegram does not send it again
    assert post(url, api.user_sends_text(4243, "/whoami", first_name="Iemand"),
                secret=SECRET) == 200
    assert any("Je Telegram-nummer is 4243" in m.content for m in api.messages_to(4243))
    log = bot.log.read_text()
    assert "update 910001 could not be read" in log
    assert "geheim" not in log  # by id only


def test_telegram_hears_the_update_was_taken_only_once_it_is_handled(
        webhook_bot: tuple[BotProcess, str]) -> None:
    """A bot stopped between taking an update and handling it would lose it: Telegram
    forgets what it was told was taken. So the answer to Telegram waits for the handling,
    and a stop signal meanwhile lets the update finish first."""
    import threading

    bot, url = webhook_bot
    api = bot.api
    api.delay_next("sendMessage", 2.0)  # the reply is slow to go out
    answered: list[int] = []
    asking = threading.Thread(target=lambda: answered.append(
        post(url, api.user_sends_text(4244, "/whoami", first_name="Iemand"), secret=SECRET)))
    asking.start()
    deadline = time.monotonic() + 20
    while api.delays_pending("sendMessage"):  # until the reply is under way
        assert time.monotonic() < deadline, bot.log.read_text()
        time.sleep(0.02)
    assert not answered  # the reply is still on its way: Telegram has not heard yet
    assert bot.stop() == 0  # SIGTERM while the update is in hand
    asking.join(timeout=20)
    assert answered == [200]
    assert any("Je Telegram-nummer is 4244" in m.content for m in api.messages_to(4244))
