"""Initial schema: accounts, API keys, messages, media, feedback, jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'accounts',
        sa.Column('sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('auth_token', sa.String(64), nullable=False),
        sa.Column('friendly_name', sa.String(255), nullable=False),
        sa.Column('owner_account_sid', sa.String(34), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('type', sa.String(8), nullable=False),
        sa.Column('is_main', sa.Boolean(), nullable=False),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_accounts_owner_account_sid', 'accounts', ['owner_account_sid'])
    op.create_table(
        'api_keys',
        sa.Column('sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('account_sid', sa.String(34), nullable=False),
        sa.Column('friendly_name', sa.String(255), nullable=False),
        sa.Column('secret_hash', sa.String(64), nullable=False),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_api_keys_account', 'api_keys', ['account_sid', 'date_created', 'sid'])
    op.create_table(
        'jobs',
        sa.Column('sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('kind', sa.String(64), nullable=False),
        sa.Column('account_sid', sa.String(34), nullable=False),
        sa.Column('resource_sid', sa.String(64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('run_at', sa.BigInteger(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(128), nullable=False, unique=True),
        sa.Column('locked_until', sa.BigInteger(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_jobs_due', 'jobs', ['status', 'run_at'])
    op.create_index('ix_jobs_resource', 'jobs', ['resource_sid'])
    op.create_table(
        'media',
        sa.Column('sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('account_sid', sa.String(34), nullable=False),
        sa.Column('parent_sid', sa.String(34), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('content_type', sa.String(255), nullable=False),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_media_parent', 'media', ['parent_sid', 'date_created', 'sid'])
    op.create_table(
        'message_feedback',
        sa.Column('message_sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('account_sid', sa.String(34), nullable=False),
        sa.Column('outcome', sa.String(16), nullable=False),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
    )
    op.create_table(
        'messages',
        sa.Column('sid', sa.String(34), primary_key=True, nullable=False),
        sa.Column('account_sid', sa.String(34), nullable=False),
        sa.Column('to_addr', sa.String(64), nullable=False),
        sa.Column('from_addr', sa.String(64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(24), nullable=False),
        sa.Column('direction', sa.String(16), nullable=False),
        sa.Column('num_segments', sa.Integer(), nullable=False),
        sa.Column('num_media', sa.Integer(), nullable=False),
        sa.Column('messaging_service_sid', sa.String(34), nullable=True),
        sa.Column('status_callback', sa.Text(), nullable=True),
        sa.Column('validity_period', sa.Integer(), nullable=True),
        sa.Column('send_at', sa.BigInteger(), nullable=True),
        sa.Column('error_code', sa.Integer(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('price', sa.String(16), nullable=True),
        sa.Column('price_unit', sa.String(8), nullable=False),
        sa.Column('options', sa.Text(), nullable=False),
        sa.Column('date_created', sa.BigInteger(), nullable=False),
        sa.Column('date_updated', sa.BigInteger(), nullable=False),
        sa.Column('date_sent', sa.BigInteger(), nullable=True),
    )
    op.create_index('ix_messages_account_created', 'messages', ['account_sid', 'date_created', 'sid'])
    op.create_index('ix_messages_account_from', 'messages', ['account_sid', 'from_addr', 'date_created'])
    op.create_index('ix_messages_account_sent', 'messages', ['account_sid', 'date_sent'])
    op.create_index('ix_messages_account_to', 'messages', ['account_sid', 'to_addr', 'date_created'])


def downgrade() -> None:
    op.drop_table('messages')
    op.drop_table('message_feedback')
    op.drop_table('media')
    op.drop_table('jobs')
    op.drop_table('api_keys')
    op.drop_table('accounts')
