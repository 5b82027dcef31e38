"""The domain's records. Snake_case, aware UTC datetimes, enums; no wire casing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = [
    "Account",
    "AccountStatus",
    "AccountType",
    "ApiKey",
    "Feedback",
    "Job",
    "Media",
    "Message",
    "MessageDirection",
    "MessageStatus",
    "InboxEntry",
    "Notification",
    "Page",
    "WebhookAttempt",
]


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class AccountType(StrEnum):
    TRIAL = "Trial"
    FULL = "Full"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    RECEIVING = "receiving"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    READ = "read"
    PARTIALLY_DELIVERED = "partially_delivered"
    CANCELED = "canceled"


FINAL_STATUSES = frozenset(
    {
        MessageStatus.FAILED,
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.RECEIVED,
        MessageStatus.READ,
        MessageStatus.CANCELED,
        MessageStatus.SENT,
    }
)


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND_API = "outbound-api"
    OUTBOUND_CALL = "outbound-call"
    OUTBOUND_REPLY = "outbound-reply"


@dataclass(slots=True)
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str | None
    status: AccountStatus
    type: AccountType
    date_created: datetime
    date_updated: datetime
    is_main: bool = False

    @property
    def parent_sid(self) -> str:
        return self.owner_account_sid or self.sid


@dataclass(slots=True)
class ApiKey:
    sid: str
    account_sid: str
    friendly_name: str
    secret_hash: str
    date_created: datetime
    date_updated: datetime


@dataclass(slots=True)
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    status: MessageStatus
    direction: MessageDirection
    num_segments: int
    num_media: int
    date_created: datetime
    date_updated: datetime
    date_sent: datetime | None = None
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    validity_period: int | None = None
    send_at: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    price: str | None = None
    price_unit: str = "USD"
    options: dict[str, Any] = field(default_factory=dict)
    operation_id: str | None = None  # the Communications API operation that sent it
    tags: dict[str, str] | None = None  # Communications API tags


@dataclass(slots=True)
class Media:
    sid: str
    account_sid: str
    parent_sid: str
    url: str
    content_type: str
    date_created: datetime
    date_updated: datetime


@dataclass(slots=True)
class Feedback:
    account_sid: str
    message_sid: str
    outcome: str
    date_created: datetime
    date_updated: datetime


@dataclass(slots=True)
class Job:
    """Durable work: written in the same transaction as the resource it acts on."""

    sid: str
    kind: str
    account_sid: str
    resource_sid: str
    payload: dict[str, Any]
    run_at: datetime
    idempotency_key: str
    date_created: datetime
    status: str = "pending"
    attempts: int = 0
    locked_until: datetime | None = None  # set when written already leased to a worker


@dataclass(slots=True)
class WebhookAttempt:
    """One HTTP request callbox made to a customer's URL, and what came back."""

    sid: str
    account_sid: str
    resource_sid: str
    job_sid: str | None
    kind: str  # status_callback, sms_url, sms_fallback_url, redirect
    attempt: int
    method: str
    url: str
    request_params: str  # form-encoded body (POST) or query (GET)
    request_headers: dict[str, str]
    status_code: int | None
    response_body: str | None
    latency_us: int
    error_code: int | None
    error: str | None
    date_created: datetime


@dataclass(slots=True)
class Notification:
    """An error or warning recorded for the account (Twilio's Notifications resource)."""

    sid: str
    account_sid: str
    error_code: int
    log: str  # "0" error, "1" warning
    message_text: str
    message_date: datetime
    date_created: datetime
    resource_sid: str | None = None
    call_sid: str | None = None
    request_method: str | None = None
    request_url: str | None = None
    request_variables: str | None = None
    response_body: str | None = None
    response_headers: str | None = None


@dataclass(slots=True)
class InboxEntry:
    """A text a virtual handset received: written once per message, keyed at the carrier
    edge by the message's idempotency key."""

    idempotency_key: str
    message_sid: str
    account_sid: str
    handset: str
    sender: str
    body: str
    media: list[str]
    num_segments: int
    date_received: datetime


@dataclass(slots=True)
class Page(Generic[T]):
    """One keyset page: the records and whether more follow."""

    records: list[T]
    has_more: bool
