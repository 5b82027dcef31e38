"""Operations count the messages deleted through the 2010 API (by status and error code),
so their stats stay whole after a DELETE.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comms_operations") as batch:
        batch.add_column(sa.Column("deleted", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("comms_operations") as batch:
        batch.drop_column("deleted")
