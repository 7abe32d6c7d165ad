"""herstelbot: a Telegram assistant for coordinators of restorative group conferences."""

import os

# python-telegram-bot 22 moves durations (RetryAfter.retry_after) to timedelta; opt in now so
# the code is written once for the coming behaviour, with no deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

SUPPORTED_LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
