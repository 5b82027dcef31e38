"""Simulator records as `/sim/v1` JSON: snake_case keys, ISO 8601 UTC dates
(`2026-11-24T10:00:00Z`), relative links to the 2010 API where a record has a twin there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from callbox.core.entities import InboxEntry, WebhookAttempt

__all__ = ["attempt_json", "inbox_json", "iso", "rule_json"]

PREFIX = "/sim/v1"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def inbox_json(e: InboxEntry) -> dict[str, Any]:
    return {
        "message_sid": e.message_sid,
        "account_sid": e.account_sid,
        "from": e.sender,
        "to": e.handset,
        "body": e.body,
        "media_urls": list(e.media),
        "num_media": len(e.media),
        "num_segments": e.num_segments,
        "date_received": iso(e.date_received),
        "message_uri": f"/2010-04-01/Accounts/{e.account_sid}/Messages/{e.message_sid}.json",
    }


def rule_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": r["number"],
        "outcome": r.get("outcome"),
        "error_code": r.get("error_code"),
        "sending_ms": r.get("sending_ms"),
        "sent_ms": r.get("sent_ms"),
        "delivered_ms": r.get("delivered_ms"),
        "date_created": iso(r["date_created"]),
        "date_updated": iso(r["date_updated"]),
        "uri": f"{PREFIX}/Rules/{quote(r['number'], safe='*')}",
    }


def attempt_json(a: WebhookAttempt) -> dict[str, Any]:
    return {
        "sid": a.sid,
        "account_sid": a.account_sid,
        "resource_sid": a.resource_sid,
        "job_sid": a.job_sid,
        "kind": a.kind,
        "attempt": a.attempt,
        "method": a.method,
        "url": a.url,
        "request_params": a.request_params,
        "request_headers": dict(a.request_headers),
        "status_code": a.status_code,
        "response_body": a.response_body,
        "latency_ms": a.latency_us / 1000,
        "error_code": a.error_code,
        "error": a.error,
        "date_created": iso(a.date_created),
        "uri": f"{PREFIX}/Webhooks/{a.sid}",
    }
