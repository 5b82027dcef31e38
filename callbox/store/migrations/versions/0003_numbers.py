"""Numbers and applications: IncomingPhoneNumbers (one owner per E.164 number) and
Applications.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incoming_phone_numbers",
        sa.Column("sid", sa.String(34), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=False, unique=True),
        sa.Column("friendly_name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("iso_country", sa.String(2), nullable=False),
        sa.Column("voice_capable", sa.Boolean(), nullable=False),
        sa.Column("sms_capable", sa.Boolean(), nullable=False),
        sa.Column("mms_capable", sa.Boolean(), nullable=False),
        sa.Column("fax_capable", sa.Boolean(), nullable=False),
        sa.Column("address_requirements", sa.String(16), nullable=False),
        sa.Column("beta", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("api_version", sa.String(16), nullable=False),
        sa.Column("sms_url", sa.Text(), nullable=True),
        sa.Column("sms_method", sa.String(8), nullable=False),
        sa.Column("sms_fallback_url", sa.Text(), nullable=True),
        sa.Column("sms_fallback_method", sa.String(8), nullable=False),
        sa.Column("sms_application_sid", sa.String(34), nullable=True),
        sa.Column("voice_url", sa.Text(), nullable=True),
        sa.Column("voice_method", sa.String(8), nullable=False),
        sa.Column("voice_fallback_url", sa.Text(), nullable=True),
        sa.Column("voice_fallback_method", sa.String(8), nullable=False),
        sa.Column("voice_application_sid", sa.String(34), nullable=True),
        sa.Column("voice_caller_id_lookup", sa.Boolean(), nullable=False),
        sa.Column("voice_receive_mode", sa.String(8), nullable=False),
        sa.Column("status_callback", sa.Text(), nullable=True),
        sa.Column("status_callback_method", sa.String(8), nullable=False),
        sa.Column("emergency_status", sa.String(16), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_incoming_phone_numbers_account", "incoming_phone_numbers",
                    ["account_sid", "date_created", "sid"])

    op.create_table(
        "applications",
        sa.Column("sid", sa.String(34), primary_key=True, nullable=False),
        sa.Column("account_sid", sa.String(34), nullable=False),
        sa.Column("friendly_name", sa.String(255), nullable=True),
        sa.Column("api_version", sa.String(16), nullable=False),
        sa.Column("voice_url", sa.Text(), nullable=True),
        sa.Column("voice_method", sa.String(8), nullable=False),
        sa.Column("voice_fallback_url", sa.Text(), nullable=True),
        sa.Column("voice_fallback_method", sa.String(8), nullable=False),
        sa.Column("voice_caller_id_lookup", sa.Boolean(), nullable=False),
        sa.Column("status_callback", sa.Text(), nullable=True),
        sa.Column("status_callback_method", sa.String(8), nullable=False),
        sa.Column("sms_url", sa.Text(), nullable=True),
        sa.Column("sms_method", sa.String(8), nullable=False),
        sa.Column("sms_fallback_url", sa.Text(), nullable=True),
        sa.Column("sms_fallback_method", sa.String(8), nullable=False),
        sa.Column("sms_status_callback", sa.Text(), nullable=True),
        sa.Column("message_status_callback", sa.Text(), nullable=True),
        sa.Column("public_application_connect_enabled", sa.Boolean(), nullable=False),
        sa.Column("date_created", sa.BigInteger(), nullable=False),
        sa.Column("date_updated", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_applications_account", "applications",
                    ["account_sid", "date_created", "sid"])


def downgrade() -> None:
    op.drop_table("applications")
    op.drop_table("incoming_phone_numbers")
