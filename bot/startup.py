"""Start-up: logs that keep the token and personal data out, and patience with Telegram and
the database when they are not there yet (a container must not die in its first second).

What cannot get better by waiting (a rejected token, a wrong password, a database that does not
exist) is a `SetupError`: one line that says what to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from bot import paths
from bot.settings import Settings, SetupError

if TYPE_CHECKING:
    from bot.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# At DEBUG, libraries log request URLs (they hold the bot token), whole updates and request
# payloads (what participants wrote) and SQL parameters. They stay at these levels whatever
# LOG_LEVEL says; only our own `bot.*` loggers follow it.
LIBRARY_LEVELS: dict[str, int] = {
    "httpx": logging.WARNING,  # one INFO line per request, with the token in the URL
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,  # a line every tick otherwise
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "alembic": logging.INFO,
    "fontTools": logging.WARNING,  # a dozen lines per PDF made otherwise
    "fpdf": logging.WARNING,
}
REDACTED = "[secret]"
CONFLICT_REPORTED = "startup.conflict_reported"


class Redact(logging.Filter):
    """Replaces secrets (the bot token, a database password) in messages and tracebacks."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        found: set[str] = set()
        for secret in secrets:
            if len(secret) < 6:
                continue
            found.add(secret)
            tail = secret.partition(":")[2]  # a token's secret half, however it is quoted
            if len(tail) >= 8:
                found.add(tail)
        self.secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def secrets_of(settings: Settings) -> list[str]:
    from sqlalchemy.engine import make_url

    found = [settings.bot_token, settings.webhook_secret]
    with contextlib.suppress(ValueError, TypeError):  # validated already; a bonus here
        found.append(make_url(settings.database_url).password or "")
    found += [line.partition(":")[2] for line in settings.data_keys.replace(",", "\n").split()]
    return [secret for secret in found if secret]


def configure_logging(level: int, secrets: Iterable[str] = ()) -> Redact:
    """One handler on stderr with the redacting filter; libraries capped (LIBRARY_LEVELS)."""
    redact = Redact(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(redact)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(level, logging.INFO))  # nobody else's DEBUG, whatever LOG_LEVEL says
    logging.getLogger("bot").setLevel(level)
    for name, floor in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(floor, level))
    log.debug("logging at %s for bot.*; libraries at INFO or above (ids only, at every level)",
              logging.getLevelName(level))
    return redact


# ------------------------------------------------------------------------------ patience

@dataclass(frozen=True)
class Patience:
    first: float = 1.0
    cap: float = 60.0
    attempts: int = 0  # 0: forever

    @classmethod
    def of(cls, settings: Settings) -> Patience:
        return cls(settings.startup_retry_first_seconds, settings.startup_retry_max_seconds,
                   settings.startup_retry_attempts)


ONCE = Patience(attempts=1)


class Trouble(NamedTuple):
    """Why a try failed in a way that waiting may cure."""

    reason: str
    at_least: float = 0.0


async def patiently(action: Callable[[], Awaitable[T]], *, what: str,
                    trouble: Callable[[BaseException], Trouble | None], patience: Patience,
                    advice: str) -> T:
    """Runs `action` until it works; waits first, 2x first, 4x ... up to the cap in between.

    An error `trouble` does not recognise is raised at once. Each failed try is one warning.
    """
    wait = patience.first
    attempt = 0
    while True:
        attempt += 1
        try:
            return await action()
        except Exception as exc:
            found = trouble(exc)
            if found is None:
                raise
            if patience.attempts and attempt >= patience.attempts:
                tries = "1 try" if attempt == 1 else f"{attempt} tries"
                raise SetupError(f"{what} is unreachable ({found.reason}) after {tries}: "
                                 f"{advice}", exit_code=1) from None
            pause = max(wait, found.at_least)
            log.warning("%s is unreachable (%s); next try in %s s", what, found.reason,
                        f"{pause:g}")
            await asyncio.sleep(pause)
            wait = min(wait * 2, patience.cap)


# ------------------------------------------------------------------------------ Telegram

def telegram_trouble(exc: BaseException) -> Trouble | None:
    from telegram.error import InvalidToken, RetryAfter, TelegramError

    if isinstance(exc, InvalidToken):
        return None
    if isinstance(exc, RetryAfter):
        return Trouble("Telegram asks to wait", exc.retry_after.total_seconds()
                       if not isinstance(exc.retry_after, int) else float(exc.retry_after))
    if isinstance(exc, TelegramError):
        return Trouble(_short(exc))
    return None


def token_rejected(settings: Settings) -> SetupError:
    where = "" if settings.telegram_api_url.rstrip("/") == "https://api.telegram.org" else (
        " (or TELEGRAM_API_URL does not point at a Bot API server)")
    return SetupError(f"Telegram rejected BOT_TOKEN{where}: copy the token again from "
                      "@BotFather (/mybots, API Token); a revoked token no longer works")


async def reach_telegram(settings: Settings, patience: Patience) -> str:
    """Asks Telegram who the bot is; returns its username. Waits while Telegram is away."""
    from telegram import Bot
    from telegram.error import InvalidToken
    from telegram.request import HTTPXRequest

    async def ask() -> str:
        request = HTTPXRequest(connect_timeout=10, read_timeout=20)
        await request.initialize()
        try:
            bot = Bot(settings.bot_token, base_url=settings.api_base_url, request=request,
                      get_updates_request=request)
            return (await bot.get_me()).username or ""
        finally:
            await request.shutdown()

    try:
        username = await patiently(
            ask, what=f"Telegram ({settings.telegram_api_url})", trouble=telegram_trouble,
            patience=patience, advice="check the network, a proxy (HTTPS_PROXY) or "
                                      "TELEGRAM_API_URL")
    except InvalidToken:
        raise token_rejected(settings) from None
    log.info("Telegram answers: this is @%s", username)
    return username


# ------------------------------------------------------------------------------ database

TRANSIENT_DATABASE_ERRORS = frozenset({
    "CannotConnectNowError", "TooManyConnectionsError", "ConnectionDoesNotExistError",
    "ConnectionFailureError", "PostgresConnectionError", "InternalClientError",
})


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 8:
        chain.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (
            current.__cause__ or current.__context__)
    return chain


def database_trouble(exc: BaseException) -> Trouble | None:
    for cause in _causes(exc):
        if isinstance(cause, OSError):  # refused, no route, DNS, timeout
            return Trouble(_short(cause))
        if type(cause).__name__ in TRANSIENT_DATABASE_ERRORS:
            return Trouble(_short(cause))
    return None


def database_mistake(exc: BaseException, settings: Settings) -> SetupError | None:
    """A database error that waiting will not cure, as one line (None: not recognised)."""
    names = {type(cause).__name__ for cause in _causes(exc)}
    text = " ".join(str(cause) for cause in _causes(exc)).lower()
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return SetupError("PostgreSQL refused the user or password in DATABASE_URL: check "
                          "them (postgresql://user:password@host/db)")
    if "InvalidCatalogNameError" in names:
        return SetupError("the database named in DATABASE_URL does not exist on the server: "
                          "create it first (createdb NAME) or fix the name")
    if "unable to open database file" in text or "readonly database" in text:
        where = paths.sqlite_file(settings.database_url)
        return SetupError(f"cannot write the SQLite database {where}: its folder must exist "
                          "and be writable (or set DATABASE_URL / HERSTELBOT_DATA_DIR)")
    return None


def prepare_database_folder(settings: Settings) -> None:
    """For SQLite: creates the default data folder, and checks the file can be written before
    anything connects. Refuses a database left in the working folder by an older herstelbot
    (which stored `herstelbot.db` wherever it was started)."""
    target = paths.sqlite_file(settings.database_url)
    if target is None:
        return
    if settings.uses_default_database:
        legacy = Path.cwd() / paths.DATABASE_FILE
        if legacy.is_file() and not target.exists() and legacy.resolve() != target.resolve():
            raise SetupError(f"found {legacy} from an older herstelbot, but the database now "
                             f"lives in {target}: move it there (mv {legacy} {target}) or set "
                             f"DATABASE_URL=sqlite:///{legacy}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise SetupError(f"cannot create the data folder {target.parent} "
                             f"({type(exc).__name__}): set HERSTELBOT_DATA_DIR or DATABASE_URL"
                             ) from None
    folder = target.parent
    if not folder.is_dir():
        raise SetupError(f"the folder of the SQLite database {target} does not exist: create "
                         "it, or change DATABASE_URL")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise SetupError(f"cannot write the SQLite database {target}: give this user write "
                         "access to it and its folder, or change DATABASE_URL")


async def connect_database(settings: Settings, patience: Patience) -> Database:
    """The database, migrated to the newest schema; waits while it is unreachable."""
    from bot.db import Database, make_engine, migrate

    prepare_database_folder(settings)

    async def attempt() -> Database:
        engine = make_engine(settings.database_url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        return Database(engine)

    try:
        return await patiently(attempt, what="the database", trouble=database_trouble,
                               patience=patience, advice="check that the server runs and "
                                                         "DATABASE_URL's host and port")
    except Exception as exc:
        mistake = database_mistake(exc, settings)
        if mistake is None:
            raise
        raise mistake from None


async def open_database(settings: Settings) -> Database:
    """For the bot's start: connect (patiently), migrate, and say how to begin if nobody can
    use the bot yet."""
    db = await connect_database(settings, Patience.of(settings))
    await hint_first_coordinator(db, settings)
    return db


async def hint_first_coordinator(db: Database, settings: Settings) -> None:
    if settings.coordinator_user_ids:
        return
    from sqlmodel import select

    from bot.models import Coordinator

    async with db.transaction() as session:
        anyone = (await session.exec(select(Coordinator).limit(1))).first()
    if anyone is None:
        log.warning("no coordinator yet: set COORDINATOR_IDS=<your Telegram user id> and "
                    "restart (send /whoami to the bot to see your id), or run `python -m bot "
                    "coordinator-invite` and open the link it prints")


def database_location(url: str) -> str:
    """Where the data is, for a human, without a password."""
    file = paths.sqlite_file(url)
    if file is not None:
        return str(file.resolve())
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ------------------------------------------------------------------------------ polling

def report_polling_error(error: BaseException, state: MutableMapping[Any, Any]) -> None:
    """Telegram errors outside any update (fetching updates, mostly): one line each, no
    trace; a second instance on the same token is named once."""
    from telegram.error import Conflict, NetworkError

    if isinstance(error, Conflict):
        if not state.get(CONFLICT_REPORTED):
            state[CONFLICT_REPORTED] = True
            if "webhook" in str(error).lower():
                log.error("a webhook is set for this bot token, so it cannot poll: remove it "
                          "(deleteWebhook) or stop whatever set it")
            else:
                log.error("another instance is polling this bot token; stop it (Telegram "
                          "hands updates to one poller per token)")
        return
    if isinstance(error, NetworkError):
        log.warning("no contact with Telegram (%s); trying again", _short(error))
        return
    log.error("Telegram refused a call outside any update: %s", type(error).__name__)


def _short(exc: BaseException) -> str:
    """An exception as `Type: first line`, short; messages here carry no personal data."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
