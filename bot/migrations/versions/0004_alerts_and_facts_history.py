"""alerts told once (links not opened, talks stalled), earlier facts kept

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_alerted_at", sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stalled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "factsversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["conference_case.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("factsversion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factsversion_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("factsversion")
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.drop_column("stalled_at")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_column("quiet_alerted_at")
