"""`python -m bot rotate-key`: every personal value sealed with the first key in DATA_KEYS.

Works while the bot runs: rows are re-sealed in small batches, each its own transaction, and
a row the bot changed meanwhile is left alone (the bot already sealed it with the new key).
Resumable after a crash: a value already sealed with the current key is skipped. Values
written before encryption was switched on are sealed too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO

import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.db import Database, make_engine, migrate
from bot.encryption import PREFIX, Keyring
from bot.models import PersonalJSON, PersonalText

BATCH = 200


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    columns: tuple[str, ...]


def personal_tables() -> list[_Table]:
    """Every table with personal columns, found from the column types themselves."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = tuple(c.name for c in table.columns
                        if isinstance(c.type, PersonalText | PersonalJSON))
        if columns:
            found.append(_Table(table.name, next(iter(table.primary_key.columns)).name, columns))
    return found


def _stale(table: _Table, current: str) -> sa.ColumnElement[bool]:
    sealed_now = f"{PREFIX}:{current}:%"
    return sa.or_(*(sa.and_(sa.column(c).is_not(None), sa.not_(sa.column(c).like(sealed_now)))
                    for c in table.columns))


async def rotate(database_url: str, keyring: Keyring, out: TextIO) -> int:
    db = Database(make_engine(database_url))
    try:
        await migrate(db.engine)
        tables = personal_tables()
        total = 0
        async with db.engine.connect() as connection:
            for table in tables:
                query = sa.select(sa.func.count()).select_from(sa.table(table.name)).where(
                    _stale(table, keyring.current))
                total += (await connection.execute(query)).scalar_one()
        done, started = 0, time.monotonic()
        for table in tables:
            done = await _rotate_table(db, table, keyring, done, total, out)
        out.write(f"\rrotate-key: {done} of {total} rows sealed with key {keyring.current} "
                  f"in {time.monotonic() - started:.1f} s\n")
        return 0
    finally:
        await db.dispose()


async def _rotate_table(db: Database, table: _Table, keyring: Keyring, done: int, total: int,
                        out: TextIO) -> int:
    plain = sa.table(table.name, sa.column(table.key),
                     *(sa.column(c, sa.Text) for c in table.columns))
    last = None
    while True:
        async with db.engine.begin() as connection:
            query = (sa.select(plain).where(_stale(table, keyring.current))
                     .order_by(sa.column(table.key)).limit(BATCH))
            if last is not None:
                query = query.where(sa.column(table.key) > last)
            rows = (await connection.execute(query)).mappings().all()
            if not rows:
                return done
            for row in rows:
                values = {c: _reseal(keyring, row[c]) for c in table.columns}
                unchanged = [sa.column(c) == row[c] if row[c] is not None
                             else sa.column(c).is_(None) for c in table.columns]
                await connection.execute(sa.update(plain).where(
                    sa.column(table.key) == row[table.key], *unchanged).values(values))
            last = rows[-1][table.key]
            done += len(rows)
        out.write(f"\rrotate-key: {done} of {total} rows ({100 * done // max(total, 1)}%)")
        out.flush()


def _reseal(keyring: Keyring, value: str | None) -> str | None:
    if value is None or keyring.is_current(value):
        return value
    return keyring.seal(keyring.open(value))
