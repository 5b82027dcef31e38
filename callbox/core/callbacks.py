"""What callbox sends to a customer's URLs: the status callback of a message's step and
the parameters of an incoming text, in Twilio's names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callbox.core.entities import Job, Message, MessageStatus
from callbox.core.jobs import WEBHOOK_JOB

__all__ = ["API_VERSION", "callback_job", "inbound_params", "status_params"]

API_VERSION = "2010-04-01"


def status_params(message: Message, status: MessageStatus, *, error_code: int | None,
                  at: datetime) -> dict[str, str]:
    params = {
        "MessageSid": message.sid,
        "SmsSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_,
        "To": message.to,
        "MessageStatus": status.value,
        "SmsStatus": status.value,
        "ApiVersion": API_VERSION,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED) and error_code is not None:
        params["ErrorCode"] = str(error_code)
    if status in (MessageStatus.DELIVERED, MessageStatus.UNDELIVERED):
        params["RawDlrDoneDate"] = at.strftime("%y%m%d%H%M")
    return params


def callback_job(sid: str, message: Message, status: MessageStatus, *, url: str, method: str,
                 error_code: int | None, at: datetime, seq: int) -> Job:
    """The job that POSTs one status callback; keyed by message and status, so a step
    that runs twice cannot call back twice."""
    payload: dict[str, Any] = {
        "v": 1,
        "kind": "status_callback",
        "url": url,
        "method": method,
        "params": status_params(message, status, error_code=error_code, at=at),
        "seq": seq,
    }
    return Job(
        sid=sid,
        kind=WEBHOOK_JOB,
        account_sid=message.account_sid,
        resource_sid=message.sid,
        payload=payload,
        run_at=at,
        idempotency_key=f"{WEBHOOK_JOB}:{message.sid}:{status.value}",
        date_created=at,
    )


def inbound_params(message: Message, media: list[tuple[str, str]]) -> dict[str, str]:
    """Twilio's incoming-message webhook parameters (MediaUrl{N}/MediaContentType{N} from 0)."""
    params = {
        "MessageSid": message.sid,
        "SmsMessageSid": message.sid,
        "SmsSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_,
        "To": message.to,
        "Body": message.body,
        "NumMedia": str(len(media)),
        "NumSegments": str(message.num_segments),
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }
    for i, (url, content_type) in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = content_type
    return params
