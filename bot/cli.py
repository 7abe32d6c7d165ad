"""`python -m bot`: run the bot, rehearse a flow, draw the flows, invite a coordinator or an
admin.

A mistake in the set-up (a missing token, a bad URL, a server that is not there) is one line on
stderr that says what to do, and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot import SUPPORTED_LANGUAGES
from bot.paths import dialogs_dir
from bot.settings import SetupError

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.flows import FlowRegistry
    from bot.startup import Redact
    from bot.vocabulary import InviteKind

T = TypeVar("T")
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
INVITES = {"coordinator-invite": "a coordinator", "admin-invite": "an organisation admin"}


class _Secrets:
    """The log's redacting filter, once logging is set up: the last line goes through it too."""

    redact: Redact | None = None


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except SetupError as exc:
        message = str(exc) if _Secrets.redact is None else _Secrets.redact.redact(str(exc))
        print(f"herstelbot: {message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("herstelbot: stopped (Ctrl-C)", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default); needs BOT_TOKEN")
    rehearse = commands.add_parser("simulate", help="play a flow in the terminal")
    rehearse.add_argument("flow", help="a flow id, e.g. offender")
    rehearse.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default="nl")
    rehearse.add_argument("--variant", choices=("hergo", "eigen-kracht"), default="hergo")
    rehearse.add_argument("--name", default="Sam")
    rehearse.add_argument("--facts", default="Op 3 maart nam Sam de fiets van Noor mee zonder "
                          "te vragen. De fiets raakte beschadigd.")
    draw = commands.add_parser("diagrams", help="print the flows as Mermaid diagrams")
    draw.add_argument("--write", type=Path, help="update the flows section of this README")
    commands.add_parser("check-flows", help="load and validate every flow file")
    commands.add_parser("new-key", help="print a new data key line for DATA_KEYS")
    commands.add_parser("rotate-key", help="seal every personal value with the first key in "
                                           "DATA_KEYS (resumable; the bot may keep running)")
    for name, who in INVITES.items():
        invite = commands.add_parser(
            name, help=f"print a one-time link that makes whoever opens it first {who}")
        invite.add_argument("--days", type=int, default=7, help="how long the link works")
        invite.add_argument("--bot-username", help="the bot's username; without it Telegram is "
                                                   "asked, which needs BOT_TOKEN")
    args = parser.parse_args(argv)

    if args.command == "simulate":
        return _simulate(args)
    if args.command == "diagrams":
        return _diagrams(args.write)
    if args.command == "check-flows":
        return _check_flows()
    if args.command == "new-key":
        from bot.encryption import new_key_line

        print(new_key_line())
        return 0
    if args.command == "rotate-key":
        return _rotate_key()
    if args.command in INVITES:
        from bot.vocabulary import InviteKind

        kind = InviteKind.COORDINATOR if args.command == "coordinator-invite" else (
            InviteKind.ADMIN)
        return asyncio.run(_invite(kind, args.days, args.bot_username))
    return _run()


def _run() -> int:
    from telegram.error import InvalidToken, TelegramError

    from bot import startup
    from bot.settings import load_settings
    from bot.telegram_app import ALLOWED_UPDATES, build_application

    settings = load_settings(need_token=True)
    _Secrets.redact = startup.configure_logging(settings.log_level_number,
                                                startup.secrets_of(settings))
    # The flows are read before anything connects: a broken file stops the bot at once.
    application = _flows_or_explain(lambda: _with_key(lambda: build_application(settings)))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling carries on in this loop, and closes it
    loop.run_until_complete(startup.reach_telegram(settings, startup.Patience.of(settings)))
    try:
        # post_init opens the database (patiently too); then polling starts.
        if settings.webhook_url:  # Telegram posts updates; the secret header is checked
            from bot import webhook

            try:
                loop.run_until_complete(webhook.serve(application, settings))
            finally:
                loop.close()
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=10,
                                    bootstrap_retries=3)
    except InvalidToken:
        raise startup.token_rejected(settings) from None
    except TelegramError as exc:  # Telegram went away between the check and the start
        raise SetupError(f"Telegram failed while the bot started ({type(exc).__name__}); "
                         "start it again", exit_code=1) from None
    return 0


def _with_key(build: Callable[[], T]) -> T:
    from bot.encryption import DataKeyError

    try:
        return build()
    except DataKeyError as exc:
        raise SetupError(str(exc)) from None


def _rotate_key() -> int:
    from bot import encryption
    from bot.keys import rotate
    from bot.settings import load_settings

    settings = load_settings(need_token=False)
    keyring = _with_key(lambda: encryption.load_keyring(settings.data_keys,
                                                        settings.data_key_file))
    encryption.install(keyring)
    return asyncio.run(rotate(settings.database_url, keyring, sys.stderr))


def _flows_or_explain(load: Callable[[], T]) -> T:
    """Loads flows or texts; a missing or broken file becomes a message, not a traceback."""
    from bot.catalog import CatalogError
    from bot.flows import FlowError

    try:
        return load()
    except (FlowError, CatalogError) as exc:
        raise SetupError(f"the flow files are not valid: {exc}") from None
    except FileNotFoundError as exc:
        raise SetupError(f"no flow files at {exc.filename or dialogs_dir()}: set DIALOGS_DIR "
                         "to the dialogs folder") from None


def _flows_and_texts() -> tuple[FlowRegistry, Catalog]:
    from bot.catalog import load_catalog
    from bot.flows import load_registry

    directory = dialogs_dir()
    return _flows_or_explain(lambda: (load_registry(directory),
                                      load_catalog(directory / "messages.yaml")))


def _check_flows() -> int:
    flows, _ = _flows_and_texts()
    for flow_id in flows.ids():
        flow = flows.latest(flow_id)
        print(f"{flow.id} v{flow.version}: {len(flow.steps)} steps, valid")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from bot.engine import Context
    from bot.simulate import simulate

    flows, catalog = _flows_and_texts()
    if args.flow not in flows.ids():
        raise SetupError(f"unknown flow {args.flow!r}; known: {', '.join(flows.ids())}")
    values = {"name": args.name, "facts": args.facts, "reference": "SIM-1",
              "conference": catalog(f"conference.{args.variant}", args.lang)}
    ctx = Context(language=args.lang, variant=args.variant, values=values)
    try:
        simulate(flows.latest(args.flow), ctx, catalog, iter(sys.stdin))
    except KeyboardInterrupt:
        print("\nherstelbot: rehearsal stopped (Ctrl-C); nothing was kept", file=sys.stderr)
        return 130
    return 0


def _diagrams(write: Path | None) -> int:
    from bot.diagram import END, START, readme_section, replace_section

    flows, _ = _flows_and_texts()
    section = readme_section(flows)
    if write is None:
        print(section)
        return 0
    try:
        text = write.read_text(encoding="utf-8")
    except OSError as exc:
        raise SetupError(f"cannot read {write} ({type(exc).__name__})") from None
    if START not in text or END not in text:
        raise SetupError(f"{write} has no flows section: put the lines {START} and {END} "
                         "where the diagrams belong, then run this again")
    write.write_text(replace_section(text, section), encoding="utf-8")
    return 0


async def _invite(kind: InviteKind, days: int, bot_username: str | None) -> int:
    """Writes a one-time invite into the bot's database and prints its link."""
    from bot import startup
    from bot.models import Invite
    from bot.settings import load_settings
    from bot.tokens import invite_link, new_token, token_hash

    if days < 1:
        raise SetupError("--days must be 1 or more: how many days the link works")
    settings = load_settings(need_token=False)
    _Secrets.redact = startup.Redact(startup.secrets_of(settings))
    if bot_username is not None:
        bot_username = bot_username.strip().removeprefix("https://t.me/").lstrip("@")
        if not BOT_USERNAME.fullmatch(bot_username):
            raise SetupError("--bot-username must be the bot's username as BotFather gave it "
                             "(letters, digits, _), e.g. herstel_bot")
    elif not settings.bot_token:
        raise SetupError("give --bot-username NAME (the bot's username), or set BOT_TOKEN so "
                         "Telegram can be asked for it")
    else:
        try:
            bot_username = await startup.reach_telegram(settings, startup.ONCE)
        except SetupError as exc:
            raise SetupError(f"{exc}; or give --bot-username NAME", exc.exit_code) from None
    db = await startup.connect_database(settings, startup.ONCE)
    token = new_token()
    now = datetime.now(UTC)
    try:
        async with db.transaction() as session:
            session.add(Invite(token_hash=token_hash(token), kind=kind, created_at=now,
                               expires_at=now + timedelta(days=days)))
    finally:
        await db.dispose()
    print(invite_link(bot_username, token))
    who = INVITES[f"{kind}-invite"]
    print(f"(makes the first account that opens it {who}; valid {days} days; stored in "
          f"{startup.database_location(settings.database_url)})")
    return 0
