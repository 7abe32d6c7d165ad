"""How fast a participant's answer is handled, end to end below Telegram.

Prints figures; asserts nothing. Run: python bench/answers.py [--talks 200] [--database URL]
(the database is wiped: use a scratch one). Measures:
  - the pure engine: answers per second through `advance` (no storage);
  - `Router.handle` per answer (one transaction, state stored, outbox rows): latency
    percentiles and answers per second, for many talks in progress at once, one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import encryption
from bot.catalog import load_catalog
from bot.clock import system_clock
from bot.encryption import new_key_line, parse_keyring
from bot.engine import Context, Press, Say, advance, begin
from bot.models import Case, Coordinator, Invite, Party
from bot.router import Router
from bot.settings import ROOT
from bot.tokens import new_token, token_hash
from bot.turn import App, Incoming
from tests.conftest import fresh_database

ANSWERS = ["t:next", "t:next", "t:o0", "t:o0", "Ik nam de fiets mee.", "t:o0", "t:skip", "t:o0",
           "Noor en haar ouders."]


def engine_rate(rounds: int) -> float:
    from bot.flows import load_registry

    flow = load_registry(ROOT / "dialogs").latest("offender")
    catalog = load_catalog(ROOT / "dialogs" / "messages.yaml")
    ctx = Context("nl", "hergo", {"name": "Sam", "facts": "feiten", "conference": "HERGO"})
    started = time.perf_counter()
    count = 0
    for _ in range(rounds):
        result = begin(flow, ctx, catalog)
        for answer in ANSWERS:
            event = Press(result.state.seq, answer[2:]) if answer.startswith("t:") else Say(answer)
            result = advance(flow, result.state, event, ctx, catalog)
            count += 1
    return count / (time.perf_counter() - started)


async def conversation_figures(url: str, talks: int) -> tuple[list[float], float]:
    from bot.flows import load_registry

    encryption.install(parse_keyring(new_key_line()))  # sealed at rest, as in production
    db = await fresh_database(url)
    flows = load_registry(ROOT / "dialogs")
    catalog = load_catalog(ROOT / "dialogs" / "messages.yaml")
    router = Router(db=db, app=App(flows=flows, catalog=catalog, bot_username="bench_bot"),
                    clock=system_clock)
    now = system_clock()
    tokens: list[str] = []
    async with db.transaction() as session:
        coordinator = Coordinator(telegram_user_id=1, created_at=now)
        session.add(coordinator)
        await session.flush()
        case = Case(coordinator_id=coordinator.id or 0, reference="B-1", variant="hergo",
                    facts="feiten", language="nl", timezone="Europe/Brussels", created_at=now)
        session.add(case)
        await session.flush()
        for index in range(talks):
            party = Party(case_id=case.id or 0, role="offender", name=f"P{index}",
                          language="nl", created_at=now)
            session.add(party)
            await session.flush()
            token = new_token()
            tokens.append(token)
            session.add(Invite(token_hash=token_hash(token), kind="party", party_id=party.id,
                               created_at=now, expires_at=now.replace(year=now.year + 1)))
    update_id = 0
    seqs: dict[int, str] = {}

    async def send(user: int, incoming: Incoming) -> None:
        response = await router.handle(incoming)
        for message in response.messages:
            for row in message.buttons:
                for _, data in row:
                    if data.startswith("t:"):
                        seqs[user] = ":".join(data.split(":")[:3])

    for index, token in enumerate(tokens):  # every talk open and in progress at once
        update_id += 1
        await send(1000 + index, Incoming(update_id, 1000 + index, 1000 + index, "command",
                                          command="start", text=token))
    latencies: list[float] = []
    started = time.perf_counter()
    for answer in ANSWERS:
        for index in range(talks):
            user = 1000 + index
            update_id += 1
            if answer.startswith("t:"):
                incoming = Incoming(update_id, user, user, "callback",
                                    callback_data=f"{seqs[user]}:{answer[2:]}")
            else:
                incoming = Incoming(update_id, user, user, "text", text=answer)
            t0 = time.perf_counter()
            await send(user, incoming)
            latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    async with db.transaction() as session:  # the answers really moved every talk on
        from sqlmodel import func, select

        from bot.models import Talk

        arrived = (await session.exec(select(func.count()).select_from(Talk).where(
            Talk.step == "questions_preview"))).one()
    await db.dispose()
    if arrived != talks:
        raise SystemExit(f"only {arrived} of {talks} talks reached the expected step")
    return latencies, len(latencies) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--talks", type=int, default=200)
    parser.add_argument("--database", help="a scratch database URL (it is wiped)")
    args = parser.parse_args()
    print(f"engine (pure): {engine_rate(2000):,.0f} answers/s")
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite+aiosqlite:///{scratch}/bench.db"
        latencies, rate = asyncio.run(conversation_figures(url, args.talks))
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"Router.handle on {url.split(':')[0]}, {args.talks} talks in progress, "
          f"{len(latencies)} answers: {rate:,.0f} answers/s; latency ms "
          f"p50 {statistics.median(latencies):.2f}, p99 {p99:.2f}, max {ordered[-1]:.2f}")


if __name__ == "__main__":
    main()
