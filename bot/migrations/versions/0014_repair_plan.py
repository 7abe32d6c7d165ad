"""the repair plan: versions and signatures, commitments, their owners, due dates and
check-ins, payments, who follows the plan; a closed case's outcome

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("conference_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("inform", sa.Text(), nullable=True),
        sa.Column("otherwise", sa.Text(), nullable=True),
        sa.Column("evaluation_on", sa.Date(), nullable=True),
        sa.Column("evaluation_prompted_at", WHEN, nullable=True),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["conference_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plan_case_id", "plan", ["case_id"], unique=True)
    op.create_table(
        "planversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "number"),
    )
    op.create_index("ix_planversion_plan_id", "planversion", ["plan_id"])
    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signed_at", WHEN, nullable=True),
        sa.Column("declined_at", WHEN, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["planversion.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "party_id"),
    )
    op.create_index("ix_signature_version_id", "signature", ["version_id"])
    op.create_index("ix_signature_party_id", "signature", ["party_id"])
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("aim", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("times", sa.Integer(), nullable=True),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("checker_party_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("removed_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["checker_party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_commitment_plan_id", "commitment", ["plan_id"])
    op.create_table(
        "commitmentowner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commitment_id", "party_id"),
    )
    op.create_index("ix_commitmentowner_commitment_id", "commitmentowner", ["commitment_id"])
    op.create_index("ix_commitmentowner_party_id", "commitmentowner", ["party_id"])
    op.create_table(
        "commitmentcheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.Column("snoozed_to", sa.Date(), nullable=True),
        sa.Column("repeated_at", WHEN, nullable=True),
        sa.Column("escalated_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commitment_id", "occurrence"),
    )
    op.create_index("ix_commitmentcheck_commitment_id", "commitmentcheck", ["commitment_id"])
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("cents", sa.Integer(), nullable=False),
        sa.Column("reported_at", WHEN, nullable=False),
        sa.Column("confirmed_at", WHEN, nullable=True),
        sa.Column("confirmed_by_party_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.ForeignKeyConstraint(["confirmed_by_party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payment_commitment_id", "payment", ["commitment_id"])
    op.create_table(
        "planwatcher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("informed", sa.Boolean(), nullable=False),
        sa.Column("tell_done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "party_id"),
    )
    op.create_index("ix_planwatcher_plan_id", "planwatcher", ["plan_id"])
    op.create_index("ix_planwatcher_party_id", "planwatcher", ["party_id"])


def downgrade() -> None:
    for table in ("planwatcher", "payment", "commitmentcheck", "commitmentowner", "commitment",
                  "signature", "planversion", "plan"):
        op.drop_table(table)
    with op.batch_alter_table("conference_case", schema=None) as batch_op:
        batch_op.drop_column("outcome")
