"""Communications API: operations, audiences and their members; messages gain the
operation that sent them and their tags.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("operation_id", sa.String(48), nullable=True))
        batch.add_column(sa.Column("tags", sa.Text(), nullable=True))
    partial = sa.text("operation_id IS NOT NULL")
    op.create_index("ix_messages_operation", "messages", ["operation_id", "date_created", "sid"],
                    sqlite_where=partial, postgresql_where=partial)
    op.create_index("ix_messages_operation_status", "messages",
                    ["operation_id", "status", "error_code", "date_updated"],
                    sqlite_where=partial, postgresql_where=partial)
    op.create_table(
        "comms_operations",
        sa.Column("sid", sa.String(48), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("canceled", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("unaddressable", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("send_at", sa.BigInteger(), nullable=True),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_comms_operations_account", "comms_operations",
                    ["account_sid", "date_created", "sid"])
    op.create_table(
        "audiences",
        sa.Column("sid", sa.String(48), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_audiences_account", "audiences", ["account_sid", "date_created", "sid"])
    op.create_table(
        "audience_members",
        sa.Column("audience_sid", sa.String(48), primary_key=True, nullable=False),
        sa.Column("address", sa.String(64), primary_key=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_audience_members_created", "audience_members",
                    ["audience_sid", "date_created", "address"])


def downgrade() -> None:
    op.drop_table("audience_members")
    op.drop_table("audiences")
    op.drop_table("comms_operations")
    op.drop_index("ix_messages_operation_status", table_name="messages")
    op.drop_index("ix_messages_operation", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("tags")
        batch.drop_column("operation_id")
