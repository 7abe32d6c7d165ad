"""a case's life: closed, kept longer, warned, erased

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("closed_at", "keep_until", "retention_warned_at", "erased_at")


def upgrade() -> None:
    with op.batch_alter_table("conference_case", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conference_case", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
