"""herstelbot: a Telegram assistant for coordinators of restorative group conferences."""

SUPPORTED_LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
