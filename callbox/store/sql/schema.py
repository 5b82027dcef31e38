"""Tables. Times are epoch microseconds (BigInteger): exact, portable and cheap to compare.
The Alembic migrations in `store/migrations` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "accounts",
    "api_keys",
    "feedback",
    "jobs",
    "media",
    "messages",
    "metadata",
    "notifications",
    "sim_inbox",
    "sim_rules",
    "webhook_attempts",
]

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("auth_token", String(64), nullable=False),
    Column("friendly_name", String(255), nullable=False),
    Column("owner_account_sid", String(34), nullable=True, index=True),
    Column("status", String(16), nullable=False),
    Column("type", String(8), nullable=False),
    Column("is_main", Boolean, nullable=False, default=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("friendly_name", String(255), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_api_keys_account", "account_sid", "date_created", "sid"),
)

messages = Table(
    "messages",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("to_addr", String(64), nullable=False),
    Column("from_addr", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(24), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("num_segments", Integer, nullable=False),
    Column("num_media", Integer, nullable=False),
    Column("messaging_service_sid", String(34), nullable=True),
    Column("status_callback", Text, nullable=True),
    Column("validity_period", Integer, nullable=True),
    Column("send_at", BigInteger, nullable=True),
    Column("error_code", Integer, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("price", String(16), nullable=True),
    Column("price_unit", String(8), nullable=False),
    Column("options", Text, nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Column("date_sent", BigInteger, nullable=True),
    Index("ix_messages_account_created", "account_sid", "date_created", "sid"),
    Index("ix_messages_account_to", "account_sid", "to_addr", "date_created"),
    Index("ix_messages_account_from", "account_sid", "from_addr", "date_created"),
    Index("ix_messages_account_sent", "account_sid", "date_sent"),
)

media = Table(
    "media",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("parent_sid", String(34), nullable=False),
    Column("url", Text, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_media_parent", "parent_sid", "date_created", "sid"),
)

feedback = Table(
    "message_feedback",
    metadata,
    Column("message_sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("account_sid", String(34), nullable=False),
    Column("resource_sid", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("locked_until", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_jobs_due", "status", "run_at"),
    Index("ix_jobs_resource", "resource_sid"),
)

# -- workers, webhooks and the simulated network (migration 0002) ----------------------------

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("resource_sid", String(64), nullable=False),
    Column("job_sid", String(34), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("method", String(8), nullable=False),
    Column("url", Text, nullable=False),
    Column("request_params", Text, nullable=False),
    Column("request_headers", Text, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("latency_us", BigInteger, nullable=False),
    Column("error_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("date_created", BigInteger, nullable=False),
    Index("ix_webhook_attempts_account", "account_sid", "date_created", "sid"),
    Index("ix_webhook_attempts_resource", "resource_sid"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("call_sid", String(34), nullable=True),
    Column("resource_sid", String(64), nullable=True),
    Column("error_code", Integer, nullable=False),
    Column("log", String(4), nullable=False),
    Column("message_text", Text, nullable=False),
    Column("request_method", String(8), nullable=True),
    Column("request_url", Text, nullable=True),
    Column("request_variables", Text, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("response_headers", Text, nullable=True),
    Column("message_date", BigInteger, nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_notifications_account", "account_sid", "date_created", "sid"),
)

sim_rules = Table(
    "sim_rules",
    metadata,
    Column("account_sid", String(34), primary_key=True),
    Column("number", String(64), primary_key=True),
    Column("outcome", String(16), nullable=True),
    Column("error_code", Integer, nullable=True),
    Column("sending_ms", Integer, nullable=True),
    Column("sent_ms", Integer, nullable=True),
    Column("delivered_ms", Integer, nullable=True),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
)

sim_inbox = Table(
    "sim_inbox",
    metadata,
    Column("idempotency_key", String(128), primary_key=True),
    Column("message_sid", String(34), nullable=False),
    Column("account_sid", String(34), nullable=False),
    Column("handset", String(64), nullable=False),
    Column("sender", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("media", Text, nullable=False),
    Column("num_segments", Integer, nullable=False),
    Column("date_received", BigInteger, nullable=False),
    Index("ix_sim_inbox_handset", "account_sid", "handset", "date_received"),
)

# -- numbers and applications (migration 0003) ------------------------------------------------
