"""Workers, webhooks and the simulated network: delivery attempts, notifications, sim rules
and handset inboxes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_attempts",
        sa.Column("sid", sa.String(34), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("resource_sid", sa.String(64), nullable=False),
        sa.Column("job_sid", sa.String(34), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("request_params", sa.Text(), nullable=False),
        sa.Column("request_headers", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("latency_us", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_webhook_attempts_account", "webhook_attempts",
                    ["account_sid", "date_created", "sid"])
    op.create_index("ix_webhook_attempts_resource", "webhook_attempts", ["resource_sid"])

    op.create_table(
        "notifications",
        sa.Column("sid", sa.String(34), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("call_sid", sa.String(34), nullable=True),
        sa.Column("resource_sid", sa.String(64), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=False),
        sa.Column("log", sa.String(4), nullable=False),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("request_method", sa.String(8), nullable=True),
        sa.Column("request_url", sa.Text(), nullable=True),
        sa.Column("request_variables", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("message_date", sa.BigInteger(), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_notifications_account", "notifications",
                    ["account_sid", "date_created", "sid"])

    op.create_table(
        "sim_rules",
        sa.Column("account_sid", sa.String(34), primary_key=True, nullable=False),
        sa.Column("number", sa.String(64), primary_key=True, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("sending_ms", sa.Integer(), nullable=True),
        sa.Column("sent_ms", sa.Integer(), nullable=True),
        sa.Column("delivered_ms", sa.Integer(), nullable=True),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )

    op.create_table(
        "sim_inbox",
        sa.Column("idempotency_key", sa.String(128), primary_key=True, nullable=False),
        sa.Column("message_sid", sa.String(34), nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("handset", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media", sa.Text(), nullable=False),
        sa.Column("num_segments", sa.Integer(), nullable=False),
        sa.Column("date_received", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_sim_inbox_handset", "sim_inbox",
                    ["account_sid", "handset", "date_received"])


def downgrade() -> None:
    op.drop_table("sim_inbox")
    op.drop_table("sim_rules")
    op.drop_table("notifications")
    op.drop_table("webhook_attempts")
