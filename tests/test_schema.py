"""Alembic owns the schema: the migrations build exactly what the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from bot.db import Database


async def test_the_migrations_match_the_models(db: Database) -> None:
    def differences(connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with db.engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == [], f"models and migrations differ: {found}"
