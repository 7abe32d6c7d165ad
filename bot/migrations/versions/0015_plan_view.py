"""following the plan: a participant's answer at the evaluation moment, and "this did not
happen" from the person harmed or someone informed of the plan

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "planevaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", WHEN, nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "party_id"),
    )
    op.create_index("ix_planevaluation_plan_id", "planevaluation", ["plan_id"])
    op.create_index("ix_planevaluation_party_id", "planevaluation", ["party_id"])
    op.create_table(
        "planinvocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_planinvocation_commitment_id", "planinvocation", ["commitment_id"])
    op.create_index("ix_planinvocation_party_id", "planinvocation", ["party_id"])


def downgrade() -> None:
    for table in ("planinvocation", "planevaluation"):
        op.drop_table(table)
