"""`python -m bot`: run the bot, rehearse a flow, draw the flows, invite a coordinator."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import SUPPORTED_LANGUAGES
from bot.settings import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
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
    invite = commands.add_parser("coordinator-invite", help="print a one-time coordinator link")
    invite.add_argument("--days", type=int, default=7)
    invite.add_argument("--bot-username", help="skip asking Telegram for the bot's name")
    args = parser.parse_args(argv)

    if args.command == "simulate":
        return _simulate(args)
    if args.command == "diagrams":
        return _diagrams(args.write)
    if args.command == "check-flows":
        from bot.catalog import load_catalog
        from bot.flows import load_registry

        flows = load_registry(ROOT / "dialogs")
        load_catalog(ROOT / "dialogs" / "messages.yaml")
        for flow_id in flows.ids():
            flow = flows.latest(flow_id)
            print(f"{flow.id} v{flow.version}: {len(flow.steps)} steps, valid")
        return 0
    if args.command == "coordinator-invite":
        return asyncio.run(_coordinator_invite(args.days, args.bot_username))
    return _run()


def _run() -> int:
    from telegram import Update

    from bot.settings import Settings
    from bot.telegram_app import build_application

    settings = Settings()  # read from the environment
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line every tick otherwise
    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalog
    from bot.engine import Context
    from bot.flows import load_registry
    from bot.simulate import simulate

    flows = load_registry(ROOT / "dialogs")
    catalog = load_catalog(ROOT / "dialogs" / "messages.yaml")
    if args.flow not in flows.ids():
        print(f"unknown flow {args.flow!r}; known: {', '.join(flows.ids())}", file=sys.stderr)
        return 2
    values = {"name": args.name, "facts": args.facts, "reference": "SIM-1",
              "conference": catalog(f"conference.{args.variant}", args.lang)}
    ctx = Context(language=args.lang, variant=args.variant, values=values)
    simulate(flows.latest(args.flow), ctx, catalog, iter(sys.stdin))
    return 0


def _diagrams(write: Path | None) -> int:
    from bot.diagram import readme_section, replace_section
    from bot.flows import load_registry

    section = readme_section(load_registry(ROOT / "dialogs"))
    if write is None:
        print(section)
        return 0
    write.write_text(replace_section(write.read_text(encoding="utf-8"), section),
                     encoding="utf-8")
    return 0


async def _coordinator_invite(days: int, bot_username: str | None) -> int:
    from telegram import Bot

    from bot.db import Database, make_engine, migrate
    from bot.models import Invite
    from bot.settings import Settings
    from bot.tokens import invite_link, new_token, token_hash

    settings = Settings()
    if bot_username is None:
        async with Bot(settings.bot_token, base_url=settings.api_base_url) as bot:
            bot_username = bot.username
    db = Database(make_engine(settings.database_url))
    await migrate(db.engine)
    token = new_token()
    now = datetime.now(UTC)
    async with db.transaction() as session:
        session.add(Invite(token_hash=token_hash(token), kind="coordinator", created_at=now,
                           expires_at=now + timedelta(days=days)))
    await db.dispose()
    print(invite_link(bot_username, token))
    print(f"(one account, valid {days} days)")
    return 0
