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
    text,
)

__all__ = [
    "accounts",
    "api_keys",
    "applications",
    "audience_members",
    "audiences",
    "comms_operations",
    "feedback",
    "incoming_phone_numbers",
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
    # Communications API (migration 0004): the operation that sent it, and its tags (JSON)
    Column("operation_id", String(48), nullable=True),
    Column("tags", Text, nullable=True),
    # the thread between the account's address and the other party's (0006)
    Column("session_id", String(48), nullable=True),
    Index("ix_messages_account_created", "account_sid", "date_created", "sid"),
    Index("ix_messages_session", "account_sid", "session_id", "date_created", "sid"),
    Index("ix_messages_account_to", "account_sid", "to_addr", "date_created"),
    Index("ix_messages_account_from", "account_sid", "from_addr", "date_created"),
    Index("ix_messages_account_sent", "account_sid", "date_sent"),
    # Partial: messages of the 2010 API (no operation) pay nothing for them.
    Index("ix_messages_operation", "operation_id", "date_created", "sid",
          sqlite_where=text("operation_id IS NOT NULL"),
          postgresql_where=text("operation_id IS NOT NULL")),
    Index("ix_messages_operation_status", "operation_id", "status", "error_code",
          "date_updated", sqlite_where=text("operation_id IS NOT NULL"),
          postgresql_where=text("operation_id IS NOT NULL")),
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

incoming_phone_numbers = Table(
    "incoming_phone_numbers",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("phone_number", String(32), nullable=False, unique=True),
    Column("friendly_name", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("iso_country", String(2), nullable=False),
    Column("voice_capable", Boolean, nullable=False),
    Column("sms_capable", Boolean, nullable=False),
    Column("mms_capable", Boolean, nullable=False),
    Column("fax_capable", Boolean, nullable=False),
    Column("address_requirements", String(16), nullable=False),
    Column("beta", Boolean, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("api_version", String(16), nullable=False),
    Column("sms_url", Text, nullable=True),
    Column("sms_method", String(8), nullable=False),
    Column("sms_fallback_url", Text, nullable=True),
    Column("sms_fallback_method", String(8), nullable=False),
    Column("sms_application_sid", String(34), nullable=True),
    Column("voice_url", Text, nullable=True),
    Column("voice_method", String(8), nullable=False),
    Column("voice_fallback_url", Text, nullable=True),
    Column("voice_fallback_method", String(8), nullable=False),
    Column("voice_application_sid", String(34), nullable=True),
    Column("voice_caller_id_lookup", Boolean, nullable=False),
    Column("voice_receive_mode", String(8), nullable=False),
    Column("status_callback", Text, nullable=True),
    Column("status_callback_method", String(8), nullable=False),
    Column("emergency_status", String(16), nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_incoming_phone_numbers_account", "account_sid", "date_created", "sid"),
)

applications = Table(
    "applications",
    metadata,
    Column("sid", String(34), primary_key=True),
    Column("account_sid", String(34), nullable=False),
    Column("friendly_name", String(255), nullable=True),
    Column("api_version", String(16), nullable=False),
    Column("voice_url", Text, nullable=True),
    Column("voice_method", String(8), nullable=False),
    Column("voice_fallback_url", Text, nullable=True),
    Column("voice_fallback_method", String(8), nullable=False),
    Column("voice_caller_id_lookup", Boolean, nullable=False),
    Column("status_callback", Text, nullable=True),
    Column("status_callback_method", String(8), nullable=False),
    Column("sms_url", Text, nullable=True),
    Column("sms_method", String(8), nullable=False),
    Column("sms_fallback_url", Text, nullable=True),
    Column("sms_fallback_method", String(8), nullable=False),
    Column("sms_status_callback", Text, nullable=True),
    Column("message_status_callback", Text, nullable=True),
    Column("public_application_connect_enabled", Boolean, nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_applications_account", "account_sid", "date_created", "sid"),
)

# -- Communications API (migration 0004) -------------------------------------------------------

comms_operations = Table(
    "comms_operations",
    metadata,
    Column("sid", String(48), primary_key=True),  # comms_operation_…
    Column("account_sid", String(34), nullable=False),
    Column("canceled", Boolean, nullable=False),
    Column("recipients", Integer, nullable=False),  # targeted (to entries + audience members)
    Column("processed", Integer, nullable=False),  # fan-out cursor into `targets`
    Column("unaddressable", Integer, nullable=False),
    Column("request", Text, nullable=False),  # JSON: from, content, tags, sendAt, callback
    Column("targets", Text, nullable=False),  # JSON: [[address, channel, variables], ...]
    Column("tags", Text, nullable=False),
    Column("send_at", BigInteger, nullable=True),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    # JSON {"status:error_code": n}: its messages deleted through the 2010 API (0005)
    Column("deleted", Text, nullable=False, server_default="{}"),
    Index("ix_comms_operations_account", "account_sid", "date_created", "sid"),
)

audiences = Table(
    "audiences",
    metadata,
    Column("sid", String(48), primary_key=True),  # comms_audience_…
    Column("account_sid", String(34), nullable=False),
    Column("name", String(256), nullable=False),
    Column("description", Text, nullable=True),
    Column("tags", Text, nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    Index("ix_audiences_account", "account_sid", "date_created", "sid"),
)

audience_members = Table(
    "audience_members",
    metadata,
    Column("audience_sid", String(48), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("variables", Text, nullable=False),
    Column("date_created", BigInteger, nullable=False),
    Index("ix_audience_members_created", "audience_sid", "date_created", "address"),
)
