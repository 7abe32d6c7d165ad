"""How long `rotate-key` takes: N cases (each a case, an offender and a finished talk with
answers) sealed with one key, then re-sealed with a new one.

Prints figures; asserts nothing. Run: python -m bench.rotate [--cases 10000] [--database URL]
(or python bench/rotate.py; the database is wiped: use a scratch one). Not part of
`python -m bench`: it measures an operator's command, not the bot's answers.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import encryption
from bot.encryption import new_key_line, parse_keyring
from bot.keys import rotate
from bot.models import Case, Coordinator, Party, Talk
from bot.vocabulary import Role, TalkStatus, Variant
from tests.conftest import fresh_database

ANSWERS = {"voluntary": "yes", "facts_check": "yes", "own_account": "Ik nam de fiets mee.",
           "responsibility": "yes", "responsibility_explain": "Het was fout.",
           "set_right": "yes", "affected": "Noor en haar ouders.",
           "supporters": [{"name": "Mama", "relation": "moeder", "contact": None}],
           "availability": "woensdag", "needs": "no"}


async def main(url: str, cases: int) -> None:
    old = parse_keyring(new_key_line())
    encryption.install(old)
    db = await fresh_database(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    async with db.transaction() as session:
        coordinator = Coordinator(telegram_user_id=1, created_at=now)
        session.add(coordinator)
        await session.flush()
        for index in range(cases):
            case = Case(coordinator_id=coordinator.id or 0, reference=f"R-{index}",
                        variant=Variant.HERGO, facts="Op 3 maart nam Sam de fiets van Noor mee.",
                        language="nl", timezone="Europe/Brussels", created_at=now)
            session.add(case)
            await session.flush()
            party = Party(case_id=case.id or 0, role=Role.OFFENDER, name=f"Sam {index}",
                          language="nl", created_at=now)
            session.add(party)
            await session.flush()
            session.add(Talk(user_id=1000 + index, party_id=party.id, case_id=case.id,
                             flow_id="offender", flow_version=2, step="completed",
                             status=TalkStatus.ENDED, answers=ANSWERS, progress={"path": []},
                             created_at=now, last_activity_at=now))
    await db.dispose()
    print(f"{cases} cases written and sealed in {time.perf_counter() - started:.1f} s")
    old_line = f"{old.current}:{_b64(old.keys[old.current])}"
    new = parse_keyring(new_key_line() + "\n" + old_line)  # the new key first, the old after
    encryption.install(new)
    started = time.perf_counter()
    await rotate(url, new, io.StringIO())
    elapsed = time.perf_counter() - started
    print(f"rotate-key over {cases} cases ({cases * 3} rows with personal columns): "
          f"{elapsed:.1f} s ({cases / elapsed:,.0f} cases/s)")


def _b64(key: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(key).decode("ascii")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database", help="a scratch database URL (it is wiped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main(args.database or f"sqlite+aiosqlite:///{scratch}/rotate.db",
                         args.cases))
