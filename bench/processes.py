"""A bot as its own process (`python -m bot`, or the bare echo bot) against the tests' fake
Bot API server over real HTTP on 127.0.0.1; its start-up time, memory and CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from bench.common import KEY_LINE, ROOT, pacing_for, vm_rss_mb
from tests.fakes import FakeBotAPI, FakeBotAPIServer

# Settings a developer's shell may hold; a benchmark bot gets only what it is given.
SETTINGS_ENV = ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "COORDINATOR_IDS", "ADMIN_IDS",
                "DIALOGS_DIR", "LOG_LEVEL", "HERSTELBOT_DATA_DIR", "INVITE_VALID_DAYS",
                "DATA_KEYS", "DATA_KEY_FILE", "WEBHOOK_URL", "WEBHOOK_SECRET",
                "OUTBOX_INTERVAL_SECONDS", "RETENTION_DAYS", "TELEGRAM_PER_SECOND",
                "TELEGRAM_PER_CHAT_PER_SECOND", "TELEGRAM_PER_CHAT_BURST")
READY_TIMEOUT = 180.0


class BotProcess:
    """`python -m <module>` against `server`; `start()` returns once it polls for updates."""

    def __init__(self, api: FakeBotAPI, server: FakeBotAPIServer, log: Path, *,
                 module: str = "bot", **settings: str) -> None:
        self.api = api
        self.module = module
        self.log = log
        self.env = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
        self.env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), DATA_KEYS=KEY_LINE,
                        BOT_TOKEN=api.token, TELEGRAM_API_URL=server.base_url)
        if module == "bot":
            self.env.update({key.upper(): str(value) for key, value in pacing_for(api).items()})
        self.env.update(settings)
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_seconds = 0.0
        self.ready_rss_mb: float | None = None

    def start(self) -> BotProcess:
        polls_before = self.api.polls_started
        started = time.perf_counter()
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen([sys.executable, "-m", self.module], cwd=ROOT,
                                            env=self.env, stdout=sink, stderr=sink)
        deadline = started + READY_TIMEOUT
        while time.perf_counter() < deadline:
            if self.api.polls_started > polls_before:  # ready: it asks for updates
                self.ready_seconds = time.perf_counter() - started
                self.ready_rss_mb = vm_rss_mb(self.process.pid)
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"{self.module} did not start:\n{self.log.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU the process used so far (/proc/PID/stat, clock ticks)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float | None:
        assert self.process is not None
        return vm_rss_mb(self.process.pid)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def errors_logged(self) -> list[str]:
        """The ERROR lines of its log, without their time stamps."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line.split(" ERROR ", 1)[1][:200] for line in text.splitlines()
                if " ERROR " in line]

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
