"""Which language to speak with a person: one rule, one fallback."""

from __future__ import annotations

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES


def pick_language(*preferences: str | None) -> str:
    """The first supported language among the preferences (a Telegram code such as
    "nl-BE" counts as "nl"), else Dutch."""
    for preference in preferences:
        code = (preference or "").split("-")[0].lower()
        if code in SUPPORTED_LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
