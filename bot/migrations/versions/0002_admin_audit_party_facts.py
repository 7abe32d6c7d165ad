"""admins, the audit trail, party facts, per-party facts, participant notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_telegram_user_id"), ["telegram_user_id"], unique=True
        )

    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_kind", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_case_id"), ["case_id"], unique=False)

    op.create_table(
        "participantnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("participantnote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participantnote_party_id"), ["party_id"],
                              unique=False)

    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("wants_to_set_right", sa.String(length=12),
                                      nullable=True))

    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.drop_column("about_id")
    with op.batch_alter_table("party", schema=None) as batch_op:
        batch_op.drop_column("wants_to_set_right")
        batch_op.drop_column("acknowledged")
        batch_op.drop_column("facts")
    op.drop_table("participantnote")
    op.drop_table("auditentry")
    op.drop_table("admin")
