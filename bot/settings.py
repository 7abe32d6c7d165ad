"""Configuration from the environment (or a `.env` file): only BOT_TOKEN is required to run.

`load_settings` turns every mistake into one `SetupError` line that says what to do; it never
repeats a value back (a token or a password must not end up in a terminal or a log).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import paths

ROOT = paths.PACKAGE_DIR.parent  # the source checkout (for the benchmark and tests)
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{8,}")
DATABASE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "postgresql", "postgres",
                    "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


class SetupError(Exception):
    """A mistake in how the bot is set up or reached: one line for the operator, no trace."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str = ""  # required to run the bot; the invite commands can do without
    database_url: str = Field(default_factory=paths.default_database_url)
    telegram_api_url: str = "https://api.telegram.org"
    coordinator_ids: str = ""  # comma-separated Telegram user ids
    admin_ids: str = ""  # comma-separated Telegram user ids of organisation admins
    dialogs_dir: Path = Field(default_factory=paths.dialogs_dir)
    # The keys that seal personal data at rest (`python -m bot new-key`): never in the database.
    data_keys: str = ""  # "id:key" lines or comma-separated; the first seals
    data_key_file: Path | None = None  # or a file with those lines
    invite_valid_days: int = Field(default=14, ge=1)
    retention_days: int = Field(default=365, ge=1)  # a closed case is erased after this
    pdf_font_dir: Path | None = None  # the folder with DejaVuSans.ttf, if not the system's
    # Webhook mode instead of polling: Telegram posts updates to WEBHOOK_URL; each request
    # must carry WEBHOOK_SECRET in its secret-token header, or it is refused.
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    nudge_after_hours: float = 24.0
    outbox_interval_seconds: float = 2.0
    outbox_lease_seconds: float = Field(default=60.0, gt=0)  # a dead sender's rows come back
    # Telegram's limits, kept below: the bot's messages a second, and one chat's (with a
    # short burst allowed).
    telegram_per_second: float = Field(default=29.0, gt=0)
    telegram_per_chat_per_second: float = Field(default=1.0, gt=0)
    telegram_per_chat_burst: int = Field(default=3, ge=1)
    nudge_scan_minutes: float = 10.0
    log_level: str = "INFO"
    # Telegram or the database unreachable at start: wait first, doubling up to max, and give
    # up after `attempts` tries (0: never give up, as a container should).
    startup_retry_first_seconds: float = Field(default=1.0, gt=0)
    startup_retry_max_seconds: float = Field(default=60.0, gt=0)
    startup_retry_attempts: int = Field(default=0, ge=0)

    @field_validator("bot_token")
    @classmethod
    def _real_token(cls, value: str) -> str:
        value = value.strip()
        if value and not TOKEN_PATTERN.fullmatch(value):
            raise ValueError("BOT_TOKEN does not look like a bot token (digits:letters): copy "
                             "it again from @BotFather, without quotes or spaces")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        value = value.strip()
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in DATABASE_SCHEMES:
            raise ValueError("DATABASE_URL must start with sqlite:/// (a file) or "
                             "postgresql:// (a server), e.g. postgresql://user:password@host/db")
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("DATABASE_URL is not a valid URL: write it as "
                             "postgresql://user:password@host:5432/db (or sqlite:///path)"
                             ) from None
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with https:// (leave it unset for "
                             "api.telegram.org)")
        return value

    @field_validator("coordinator_ids", "admin_ids")
    @classmethod
    def _user_ids(cls, value: str, info: ValidationInfo) -> str:
        _parse_ids(value, str(info.field_name).upper())
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return value

    @property
    def coordinator_user_ids(self) -> list[int]:
        return _parse_ids(self.coordinator_ids, "COORDINATOR_IDS")

    @property
    def admin_user_ids(self) -> list[int]:
        return _parse_ids(self.admin_ids, "ADMIN_IDS")

    @property
    def api_base_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/bot"

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    @property
    def uses_default_database(self) -> bool:
        return self.database_url == paths.default_database_url()


def _parse_ids(value: str, name: str) -> list[int]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if any(not part.lstrip("-").isdigit() for part in ids):
        raise ValueError(f"{name} must be Telegram user ids (numbers) separated by commas; "
                         "anyone can see their own id by sending /whoami to the bot")
    return [int(part) for part in ids]


def load_settings(*, need_token: bool = True) -> Settings:
    """Reads the settings; any mistake becomes one `SetupError` line naming what to change."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SetupError("; ".join(_describe(error) for error in exc.errors())) from None
    if settings.webhook_url and not WEBHOOK_SECRET.fullmatch(settings.webhook_secret):
        raise SetupError("WEBHOOK_SECRET must be set with WEBHOOK_URL: 16 to 256 letters, "
                         "digits, _ or - (Telegram sends it with every update; others are "
                         "refused). For example: python -c 'import secrets; "
                         "print(secrets.token_urlsafe(32))'")
    if need_token and not settings.bot_token:
        raise SetupError("BOT_TOKEN is not set: put the token @BotFather gave you in the "
                         "environment (BOT_TOKEN=123456:ABC...) or in a .env file")
    return settings


def _describe(error: ErrorDetails) -> str:
    """One validation error as a sentence, without the value that was given."""
    name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
    reason = (error.get("ctx") or {}).get("error")
    if isinstance(reason, ValueError):
        return str(reason)
    return f"{name}: {error['msg']}"
