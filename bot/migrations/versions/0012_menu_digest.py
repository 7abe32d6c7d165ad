"""staff menus are set when they change, not at every start

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("coordinator", "admin"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("menu_digest", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in ("coordinator", "admin"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("menu_digest")
