"""Where things live: the flow files (dialogs/) and the default database.

One answer for every command, wherever it is run from and however the bot is installed:

- dialogs: `$DIALOGS_DIR` if set; else the copy shipped inside the installed package
  (`bot/dialogs/`, from a wheel or `pip install .`); else `dialogs/` next to `bot/` (a source
  checkout, an editable install, the container image).
- the data folder, for the default SQLite file: `$HERSTELBOT_DATA_DIR`; else
  `$XDG_DATA_HOME/herstelbot`; else `~/.local/share/herstelbot`. `DATABASE_URL` overrides the
  database altogether.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED_DIALOGS = PACKAGE_DIR / "dialogs"  # bot.dialogs in a wheel (see pyproject.toml)
SOURCE_DIALOGS = PACKAGE_DIR.parent / "dialogs"  # the top-level folder of a checkout
DATABASE_FILE = "herstelbot.db"


def dialogs_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder with the flow files and messages.yaml."""
    env = os.environ if environ is None else environ
    override = env.get("DIALOGS_DIR", "").strip()
    if override:
        return Path(override).expanduser()
    for candidate in (INSTALLED_DIALOGS, SOURCE_DIALOGS):
        if (candidate / "messages.yaml").is_file():
            return candidate
    return SOURCE_DIALOGS  # not there: loading it says so, with this path


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder for the default SQLite database (not created here)."""
    env = os.environ if environ is None else environ
    own = env.get("HERSTELBOT_DATA_DIR", "").strip()
    if own:
        return Path(own).expanduser()
    xdg = env.get("XDG_DATA_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / "herstelbot"
    return Path.home() / ".local" / "share" / "herstelbot"


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    return f"sqlite+aiosqlite:///{data_dir(environ) / DATABASE_FILE}"


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and for in-memory SQLite)."""
    scheme, separator, rest = url.partition(":///")
    if not separator or not scheme.startswith("sqlite"):
        return None
    path = rest.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)
