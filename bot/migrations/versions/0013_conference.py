"""the conference: its moment and place, who is invited and their answers, proposed moments

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_private", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "conference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("bring", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["conference_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conference_case_id", "conference", ["case_id"], unique=True)
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conference_id", "party_id"),
    )
    op.create_index("ix_attendance_conference_id", "attendance", ["conference_id"])
    op.create_index("ix_attendance_party_id", "attendance", ["party_id"])
    op.create_table(
        "proposedmoment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["conference_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposedmoment_case_id", "proposedmoment", ["case_id"])
    op.create_table(
        "momentvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["moment_id"], ["proposedmoment.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("moment_id", "party_id"),
    )
    op.create_index("ix_momentvote_moment_id", "momentvote", ["moment_id"])


def downgrade() -> None:
    op.drop_table("momentvote")
    op.drop_table("proposedmoment")
    op.drop_table("attendance")
    op.drop_table("conference")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_column("name_private")
