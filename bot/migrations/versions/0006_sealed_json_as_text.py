"""answers and progress are sealed at rest: stored as text, not JSON

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:50:00

Values written before encryption stay readable as they are; `python -m bot rotate-key`
seals them (and every value sealed with an older key).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("talk", schema=None) as batch_op:
        for column in ("answers", "progress"):
            batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.Text(),
                                  existing_nullable=False,
                                  postgresql_using=f"{column}::text")


def downgrade() -> None:
    with op.batch_alter_table("talk", schema=None) as batch_op:
        for column in ("answers", "progress"):
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(),
                                  existing_nullable=False,
                                  postgresql_using=f"{column}::json")
