"""Setting the bot up: every mistake is one line that says what to do (no traceback, no
secret repeated), Telegram or the database not there yet is waited for, a second instance is
named once, and the first run says how to become coordinator. `python -m bot` runs as its own
process, against the fake Bot API over HTTP where Telegram is needed."""

from __future__ import annotations

import hashlib
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import paths
from tests.fakes import FakeBotAPI, FakeBotAPIServer
from tests.test_end_to_end import BotProcess, clean_environment

FAST = {"STARTUP_RETRY_FIRST_SECONDS": "0.05", "STARTUP_RETRY_ATTEMPTS": "3"}
GOOD_TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str | None]:
    """A home of its own: the default database goes there, never into the real one."""
    (tmp_path / "home").mkdir()
    return {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": None}


@pytest.fixture
def telegram() -> Iterator[FakeBotAPIServer]:
    with FakeBotAPIServer(FakeBotAPI(token=GOOD_TOKEN)) as server:
        yield server


def run(*args: str, cwd: Path, stdin: str = "", timeout: float = 60,
        **settings: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin,
                          env=clean_environment(**settings), capture_output=True, text=True,
                          timeout=timeout, check=False)


def one_clear_line(result: subprocess.CompletedProcess[str], says: str, *,
                   lines: int = 1) -> str:
    """The output is short and the last line says `says`; returns the last line."""
    output = result.stderr.strip()
    assert "Traceback" not in output + result.stdout, output
    assert result.returncode != 0, output
    assert output, "nothing said"
    shown = output.splitlines()
    assert len(shown) <= lines, f"{len(shown)} lines:\n{output}"
    assert says in shown[-1], output
    assert shown[-1].startswith("herstelbot: "), output
    return shown[-1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------------ settings


def test_no_token_is_one_line_that_says_where_to_get_it(tmp_path: Path,
                                                        home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, **home)
    line = one_clear_line(result, "BOT_TOKEN is not set")
    assert "@BotFather" in line


def test_a_token_that_is_not_one_is_one_line(tmp_path: Path,
                                             home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, BOT_TOKEN="changeme-please", **home)
    one_clear_line(result, "BOT_TOKEN does not look like a bot token")
    assert "changeme-please" not in result.stderr


@pytest.mark.parametrize("variable", ["COORDINATOR_IDS", "ADMIN_IDS"])
def test_user_ids_that_are_not_numbers_are_one_line(tmp_path: Path, variable: str,
                                                    home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, **{variable: "111, @noor"}, **home)
    line = one_clear_line(result, f"{variable} must be Telegram user ids")
    assert "/whoami" in line


@pytest.mark.parametrize("url", ["mysql://bot:pw@db/herstelbot", "herstelbot.db",
                                 "postgresql+psycopg2://bot@db/herstelbot"])
def test_a_database_url_of_another_kind_is_one_line_and_not_retried(
        tmp_path: Path, url: str, home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, DATABASE_URL=url, **home)
    one_clear_line(result, "DATABASE_URL must start with sqlite:/// (a file) or postgresql://")
    assert "pw@" not in result.stderr


# ------------------------------------------------------------------------ Telegram


def test_a_token_telegram_rejects_is_one_line_never_printed_and_not_retried(
        tmp_path: Path, telegram: FakeBotAPIServer, home: dict[str, str | None]) -> None:
    wrong = "654321:WRONG-secret-half-of-the-token"
    started = time.monotonic()
    # A slow retry schedule: were the rejection retried, the bot would not exit in time.
    result = run(cwd=tmp_path, BOT_TOKEN=wrong, TELEGRAM_API_URL=telegram.base_url,
                 STARTUP_RETRY_FIRST_SECONDS="30", **home)
    line = one_clear_line(result, "rejected BOT_TOKEN")
    assert "@BotFather" in line
    assert time.monotonic() - started < 25
    for shown in (result.stderr, result.stdout):
        assert wrong not in shown and "WRONG-secret" not in shown


def test_telegram_unreachable_is_retried_with_growing_waits_then_one_line(
        tmp_path: Path, home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN,
                 TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}", **FAST, **home)
    line = one_clear_line(result, "is unreachable", lines=3)
    assert "after 3 tries" in line and "TELEGRAM_API_URL" in line
    warnings = result.stderr.strip().splitlines()[:-1]
    assert [w.split("next try in ")[1] for w in warnings] == ["0.05 s", "0.1 s"]
    assert all("WARNING" in w and "Telegram" in w for w in warnings)


def test_a_bot_waits_for_telegram_to_come_back(tmp_path: Path) -> None:
    api = FakeBotAPI(token=GOOD_TOKEN)
    api.fail_next("getMe", error_code=502, times=2)
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "bot.db", tmp_path / "bot.log", cwd=tmp_path,
                         STARTUP_RETRY_FIRST_SECONDS="0.05")
        bot.start()
        try:
            log = bot.log.read_text()
            assert log.count("is unreachable") == 2, log
            assert "next try in 0.05 s" in log and "next try in 0.1 s" in log
            assert "Traceback" not in log
        finally:
            assert bot.stop() == 0


def test_a_second_instance_on_the_same_token_is_named_once(tmp_path: Path) -> None:
    api = FakeBotAPI(token=GOOD_TOKEN)
    api.fail_next("getUpdates", error_code=409, times=2)  # "terminated by other getUpdates"
    api.fail_next("getUpdates", error_code=502)  # and then Telegram has a hiccup
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "bot.db", tmp_path / "bot.log", cwd=tmp_path)
        bot.start()  # ready once a poll gets through, after the conflicts and the hiccup
        try:
            log = bot.log.read_text()
            said = "another instance is polling this bot token; stop it"
            assert log.count(said) == 1, log
            assert log.count("no contact with Telegram (") == 1, log
            assert "Traceback" not in log and "Conflict" not in log.replace(said, "")
        finally:
            assert bot.stop() == 0


# ------------------------------------------------------------------------ database


def test_postgresql_down_is_retried_then_one_line_without_the_password(
        tmp_path: Path, telegram: FakeBotAPIServer, home: dict[str, str | None]) -> None:
    url = f"postgresql://bot:hunter2-secret@127.0.0.1:{closed_port()}/herstelbot"
    result = run(cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, TELEGRAM_API_URL=telegram.base_url,
                 DATABASE_URL=url, COORDINATOR_IDS="1", **FAST, **home)
    line = one_clear_line(result, "the database is unreachable", lines=6)
    assert "after 3 tries" in line and "DATABASE_URL" in line
    assert result.stderr.count("next try in") == 2
    assert "hunter2" not in result.stderr + result.stdout


def test_a_sqlite_file_in_a_missing_folder_is_one_line(
        tmp_path: Path, telegram: FakeBotAPIServer, home: dict[str, str | None]) -> None:
    result = run(cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, TELEGRAM_API_URL=telegram.base_url,
                 DATABASE_URL=f"sqlite:///{tmp_path}/no/such/folder/bot.db", **home)
    one_clear_line(result, "does not exist: create it", lines=2)
    assert "next try in" not in result.stderr


# ------------------------------------------------------------------------ first run


def test_the_first_run_says_how_to_become_coordinator(tmp_path: Path) -> None:
    api = FakeBotAPI(token=GOOD_TOKEN)
    with FakeBotAPIServer(api) as server:
        bot = BotProcess(api, server, tmp_path / "unused.db", tmp_path / "bot.log",
                         cwd=tmp_path, COORDINATOR_IDS=None, DATABASE_URL=None,
                         HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"))
        bot.start()
        try:
            log = bot.log.read_text()
            hint = next(line for line in log.splitlines() if "no coordinator yet" in line)
            for advice in ("COORDINATOR_IDS=", "/whoami", "python -m bot coordinator-invite"):
                assert advice in hint
        finally:
            assert bot.stop() == 0
    # The default database: one place, wherever the bot was started from.
    assert (tmp_path / "xdg" / "herstelbot" / "herstelbot.db").is_file()


def invites_in(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT token_hash, kind FROM invite ORDER BY id").fetchall()
    return [(str(h), str(k)) for h, k in rows]


def test_invites_need_no_token_and_land_in_one_database_from_any_folder(
        tmp_path: Path, home: dict[str, str | None]) -> None:
    links: list[str] = []
    for folder, command in (("a", "coordinator-invite"), ("b", "coordinator-invite"),
                            ("b", "admin-invite")):
        (tmp_path / folder).mkdir(exist_ok=True)
        result = run(command, "--bot-username", "@herstel_test_bot", "--days", "3",
                     cwd=tmp_path / folder, **home)
        assert result.returncode == 0, result.stderr
        link = result.stdout.splitlines()[0]
        assert link.startswith("https://t.me/herstel_test_bot?start="), result.stdout
        assert "valid 3 days" in result.stdout
        links.append(link)
    database = tmp_path / "home" / ".local" / "share" / "herstelbot" / "herstelbot.db"
    assert str(database) in result.stdout  # says where it went
    hashed = [hashlib.sha256(link.split("start=")[1].encode()).hexdigest() for link in links]
    assert invites_in(database) == list(zip(hashed, ["coordinator", "coordinator", "admin"],
                                            strict=True))
    assert not (tmp_path / "a" / "herstelbot.db").exists()


def test_invite_days_below_one_are_refused_in_one_line(tmp_path: Path,
                                                       home: dict[str, str | None]) -> None:
    result = run("coordinator-invite", "--bot-username", "herstel_test_bot", "--days", "0",
                 cwd=tmp_path, **home)
    one_clear_line(result, "--days must be 1 or more")


def test_an_invite_without_a_bot_username_or_token_is_one_line(
        tmp_path: Path, home: dict[str, str | None]) -> None:
    result = run("admin-invite", cwd=tmp_path, **home)
    one_clear_line(result, "give --bot-username NAME")


def test_a_database_left_in_the_folder_by_an_older_version_is_not_silently_forgotten(
        tmp_path: Path, home: dict[str, str | None]) -> None:
    (tmp_path / "herstelbot.db").write_bytes(b"")
    result = run("coordinator-invite", "--bot-username", "herstel_test_bot", cwd=tmp_path,
                 **home)
    line = one_clear_line(result, "from an older herstelbot")
    assert "DATABASE_URL=sqlite:///" in line


def test_the_data_folder_follows_the_documented_order(tmp_path: Path) -> None:
    assert paths.data_dir({"HERSTELBOT_DATA_DIR": "/srv/hb", "XDG_DATA_HOME": "/x"}) == (
        Path("/srv/hb"))
    assert paths.data_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/herstelbot")
    assert paths.data_dir({}) == Path.home() / ".local" / "share" / "herstelbot"
    assert paths.default_database_url({"HERSTELBOT_DATA_DIR": "/srv/hb"}) == (
        "sqlite+aiosqlite:////srv/hb/herstelbot.db")


# ------------------------------------------------------------------------ the tools


def test_diagrams_into_a_file_without_markers_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "NOTES.md"
    target.write_text("# Notes\n", encoding="utf-8")
    result = run("diagrams", "--write", str(target), cwd=tmp_path)
    line = one_clear_line(result, "has no flows section")
    assert "<!-- flows:start -->" in line
    assert target.read_text(encoding="utf-8") == "# Notes\n"


def test_ctrl_c_in_the_simulator_is_one_line(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "bot", "simulate", "offender"],
                               cwd=tmp_path, env=clean_environment(), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        first = ""
        while not first.strip():  # the talk has begun: it waits for the keyboard
            first = process.stdout.readline()
            assert first or process.poll() is None, "the simulator ended"
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    one_clear_line(result, "stopped (Ctrl-C)")
