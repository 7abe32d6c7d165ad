"""A database as it is after years of use, written fast: N cases (500 per coordinator), each
with 8 parties, their invites (redeemed) and finished talks, the coordinator's finished forms
(the new case, each party added), the notices sent about them, a few audit entries and the
updates they came with (de-duplication rows, spread over a year).

Rows go in with SQLAlchemy core `insert()` as executemany in big chunks, with explicit ids
(PostgreSQL's sequences are moved past them afterwards). Personal columns hold one value
sealed once with the run's key, so the bot can open them like any other.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bench.common import Figures, now, table_of
from bot import encryption
from bot.db import Database
from bot.models import (
    AuditEntry,
    Case,
    Coordinator,
    Invite,
    Outbox,
    Party,
    PersonalJSON,
    PersonalText,
    SeenUpdate,
    Talk,
)

CASES_PER_COORDINATOR = 500
FIRST_COORDINATOR = 60_000_000
FIRST_PARTY_USER = 70_000_000
ROLES = ("offender", "victim", "supporter", "supporter", "offender", "victim", "supporter",
         "third_party")
FLOWS = {"offender": ("offender", 2), "victim": ("victim", 1), "supporter": ("supporter", 2),
         "third_party": ("third_party", 1)}
UPDATES_PER_CASE = 28
CHUNK = 20_000
ANSWERS = {"voluntary": "yes", "facts_check": "yes", "own_account": "Ik nam de fiets mee.",
           "responsibility": "yes", "set_right": "yes", "affected": "Noor en haar ouders.",
           "availability": "woensdag", "needs": "no"}


def plain(model: Any) -> sa.Table:
    """The model's table with its sealed columns typed as plain text (values come sealed)."""
    columns = [sa.Column(c.name, sa.Text if isinstance(c.type, PersonalText | PersonalJSON)
                         else c.type) for c in model.__table__.columns]
    return sa.Table(model.__table__.name, sa.MetaData(), *columns)


async def _insert(db: Database, model: Any, rows: Iterator[dict[str, Any]]) -> int:
    table = plain(model)
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            count += await _write(db, table, chunk)
            chunk = []
    if chunk:
        count += await _write(db, table, chunk)
    return count


async def _write(db: Database, table: sa.Table, chunk: list[dict[str, Any]]) -> int:
    async with db.engine.begin() as connection:
        await connection.execute(table.insert(), chunk)
    return len(chunk)


async def seed_cases(db: Database, cases: int) -> Figures:
    """Writes `cases` cases with everything around them; what was written, and how fast."""
    started = time.perf_counter()
    at = now()
    box = encryption.active()
    name, facts = box.seal("Sam"), box.seal("Op 3 maart nam Sam de fiets van Noor mee.")
    answers, progress = box.seal(json.dumps(ANSWERS)), box.seal('{"path": []}')
    coordinators = max(1, cases // CASES_PER_COORDINATOR)
    parties = len(ROLES)
    written: dict[str, int] = {}
    written["coordinator"] = await _insert(db, Coordinator, (
        {"id": c + 1, "telegram_user_id": FIRST_COORDINATOR + c, "language": "nl",
         "created_at": at} for c in range(coordinators)))

    def closed(case: int) -> Any:
        return None if case % 10 == 0 else at - timedelta(days=30 + case % 270)

    written["conference_case"] = await _insert(db, Case, (
        {"id": k + 1, "coordinator_id": k % coordinators + 1, "reference": f"S-{k}",
         "variant": "hergo" if k % 2 else "eigen-kracht", "facts": facts, "language": "nl",
         "timezone": "Europe/Brussels", "created_at": at - timedelta(days=400),
         "closed_at": closed(k)} for k in range(cases)))
    written["party"] = await _insert(db, Party, (
        {"id": p + 1, "case_id": p // parties + 1, "role": ROLES[p % parties], "name": name,
         "language": "nl", "telegram_user_id": FIRST_PARTY_USER + p, "created_at": at}
        for p in range(cases * parties)))
    written["invite"] = await _insert(db, Invite, (
        {"id": p + 1, "token_hash": f"{p:064x}", "kind": "party", "party_id": p + 1,
         "created_at": at, "expires_at": at + timedelta(days=14), "redeemed_at": at,
         "redeemed_by_user_id": FIRST_PARTY_USER + p} for p in range(cases * parties)))
    written["talk"] = await _insert(db, Talk, (
        {"id": p + 1, "user_id": FIRST_PARTY_USER + p, "party_id": p + 1,
         "case_id": p // parties + 1, "flow_id": FLOWS[ROLES[p % parties]][0],
         "flow_version": FLOWS[ROLES[p % parties]][1], "step": "completed",
         "status": "ended", "outcome": "completed", "seq": 30, "answers": answers,
         "progress": progress, "created_at": at, "last_activity_at": at, "ended_at": at}
        for p in range(cases * parties)))
    forms = cases * (1 + parties)  # the coordinator's forms: the new case, each party added
    first_form = cases * parties + 1

    def form(f: int) -> dict[str, Any]:
        case = f // (1 + parties)
        flow = ("new_case", 1) if f % (1 + parties) == 0 else ("add_party", 3)
        return {"id": first_form + f, "user_id": FIRST_COORDINATOR + case % coordinators,
                "case_id": case + 1, "flow_id": flow[0], "flow_version": flow[1],
                "step": "done", "status": "ended", "outcome": "completed", "seq": 8,
                "answers": answers, "progress": progress, "created_at": at,
                "last_activity_at": at - timedelta(days=400) + timedelta(seconds=f),
                "ended_at": at}

    written["talk"] += await _insert(db, Talk, (form(f) for f in range(forms)))
    written["outbox"] = await _insert(db, Outbox, (
        {"id": p + 1, "chat_id": FIRST_COORDINATOR + (p // parties) % coordinators,
         "kind": "talk_completed", "ref_id": p + 1, "status": "sent", "attempts": 1,
         "due_at": at, "created_at": at, "sent_at": at} for p in range(cases * parties)))
    written["audit_entry"] = await _insert(db, AuditEntry, (
        {"id": a + 1, "at": at, "actor_user_id": FIRST_COORDINATOR + (a // 3) % coordinators,
         "actor_kind": "coordinator", "action": "case_viewed", "case_id": a // 3 + 1,
         "allowed": True} for a in range(cases * 3)))
    updates = cases * UPDATES_PER_CASE
    written["seen_update"] = await _insert(db, SeenUpdate, (
        {"update_id": u + 1, "seen_at": at - timedelta(seconds=(updates - u) * 365 * 86400
                                                        // updates)}
        for u in range(updates)))
    if not db.is_sqlite:
        async with db.engine.begin() as connection:
            for model in (Coordinator, Case, Party, Invite, Talk, Outbox, AuditEntry):
                table = table_of(model).name
                await connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
        # Statistics, as autovacuum would have gathered them in a database that grew over
        # years: right after a bulk load the planner knows nothing and scans (measured: 25x
        # per answer before this ANALYZE).
        async with db.engine.begin() as connection:
            await connection.execute(sa.text("ANALYZE"))
    seconds = time.perf_counter() - started
    rows = sum(written.values())
    return {"cases": cases, "coordinators": coordinators, "rows": written,
            "seconds": round(seconds, 1), "rows_per_second": round(rows / seconds)}
