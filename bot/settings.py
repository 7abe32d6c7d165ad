"""Configuration from the environment: only BOT_TOKEN is required."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str = Field(min_length=10)
    database_url: str = "sqlite+aiosqlite:///herstelbot.db"
    telegram_api_url: str = "https://api.telegram.org"
    coordinator_ids: str = ""  # comma-separated Telegram user ids
    dialogs_dir: Path = ROOT / "dialogs"
    invite_valid_days: int = 14
    nudge_after_hours: float = 24.0
    outbox_interval_seconds: float = 2.0
    nudge_scan_minutes: float = 10.0
    log_level: str = "INFO"

    @field_validator("bot_token")
    @classmethod
    def _real_token(cls, value: str) -> str:
        if ":" not in value or value.strip() in {"changeme", "123:abc"}:
            raise ValueError("BOT_TOKEN must be the token BotFather gave you (digits:letters)")
        return value.strip()

    @property
    def coordinator_user_ids(self) -> list[int]:
        ids = [part.strip() for part in self.coordinator_ids.split(",") if part.strip()]
        bad = [part for part in ids if not part.lstrip("-").isdigit()]
        if bad:
            raise ValueError("COORDINATOR_IDS holds something that is not a Telegram user id")
        return [int(part) for part in ids]

    @property
    def api_base_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/bot"
