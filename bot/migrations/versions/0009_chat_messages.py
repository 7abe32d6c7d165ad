"""the chat's copy of a talk: message ids, so the person can have them deleted

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chatmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("talk_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["talk_id"], ["talk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chatmessage_talk_id"), ["talk_id"], unique=False)


def downgrade() -> None:
    op.drop_table("chatmessage")
