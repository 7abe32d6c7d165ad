"""every party prepared: victims' and offenders' recorded facts, the gate, proposal roles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts_right", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("willing", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("instead", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("speaks_first", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("release_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False,
                                      server_default="supporter"))
        batch_op.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("declined_at")
        batch_op.drop_column("role")
    with op.batch_alter_table("party", schema=None) as batch_op:
        for column in ("release_reason", "released_at", "speaks_first", "instead", "willing",
                       "facts_right"):
            batch_op.drop_column(column)
