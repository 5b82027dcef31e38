"""Domain records as the 2010 API's JSON-shaped dicts (the one shape every format
derives from). Dates are RFC 2822; numbers Twilio sends as strings stay strings."""

from __future__ import annotations

from typing import Any

from callbox.api.protocol.dates import format_rfc2822
from callbox.core.entities import Account, ApiKey, Feedback, Media, Message
from callbox.spec import load_v2010

__all__ = ["account_json", "feedback_json", "key_json", "media_json", "message_json"]

API = "/2010-04-01"
API_VERSION = "2010-04-01"


def account_json(a: Account) -> dict[str, Any]:
    data: dict[str, Any] = {
        "auth_token": a.auth_token,
        "date_created": format_rfc2822(a.date_created),
        "date_updated": format_rfc2822(a.date_updated),
        "friendly_name": a.friendly_name,
        "owner_account_sid": a.owner_account_sid or a.sid,
        "sid": a.sid,
        "status": a.status.value,
        "type": a.type.value,
        "uri": f"{API}/Accounts/{a.sid}.json",
    }
    data["subresource_uris"] = load_v2010().subresource_uris("FetchAccount", data)
    return data


def key_json(k: ApiKey, secret: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sid": k.sid,
        "friendly_name": k.friendly_name,
        "date_created": format_rfc2822(k.date_created),
        "date_updated": format_rfc2822(k.date_updated),
    }
    if secret is not None:
        data["secret"] = secret
    return data


def message_json(m: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account_sid": m.account_sid,
        "api_version": API_VERSION,
        "body": m.body,
        "date_created": format_rfc2822(m.date_created),
        "date_sent": format_rfc2822(m.date_sent),
        "date_updated": format_rfc2822(m.date_updated),
        "direction": m.direction.value,
        "error_code": m.error_code,
        "error_message": m.error_message,
        "from": m.from_,
        "messaging_service_sid": m.messaging_service_sid,
        "num_media": str(m.num_media),
        "num_segments": str(m.num_segments),
        "price": m.price,
        "price_unit": m.price_unit,
        "sid": m.sid,
        "status": m.status.value,
        "to": m.to,
        "uri": f"{API}/Accounts/{m.account_sid}/Messages/{m.sid}.json",
    }
    data["subresource_uris"] = load_v2010().subresource_uris("FetchMessage", data)
    return data


def media_json(m: Media) -> dict[str, Any]:
    return {
        "account_sid": m.account_sid,
        "content_type": m.content_type,
        "date_created": format_rfc2822(m.date_created),
        "date_updated": format_rfc2822(m.date_updated),
        "parent_sid": m.parent_sid,
        "sid": m.sid,
        "uri": f"{API}/Accounts/{m.account_sid}/Messages/{m.parent_sid}/Media/{m.sid}.json",
    }


def feedback_json(f: Feedback) -> dict[str, Any]:
    return {
        "account_sid": f.account_sid,
        "message_sid": f.message_sid,
        "outcome": f.outcome,
        "date_created": format_rfc2822(f.date_created),
        "date_updated": format_rfc2822(f.date_updated),
        "uri": f"{API}/Accounts/{f.account_sid}/Messages/{f.message_sid}/Feedback.json",
    }
