"""Notifications as the 2010 API's JSON-shaped dicts. A list item omits the request and
response details that only the instance carries, as Twilio's spec does."""

from __future__ import annotations

from typing import Any

from callbox.api.protocol.dates import format_rfc2822
from callbox.core.entities import Notification
from callbox.core.errors import more_info

__all__ = ["notification_json"]

API = "/2010-04-01"
API_VERSION = "2010-04-01"


def notification_json(n: Notification, *, instance: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account_sid": n.account_sid,
        "api_version": API_VERSION,
        "call_sid": n.call_sid,
        "date_created": format_rfc2822(n.date_created),
        "date_updated": format_rfc2822(n.date_created),
        "error_code": str(n.error_code),
        "log": n.log,
        "message_date": format_rfc2822(n.message_date),
        "message_text": n.message_text,
        "more_info": more_info(n.error_code),
        "request_method": n.request_method,
        "request_url": n.request_url,
        "sid": n.sid,
        "uri": f"{API}/Accounts/{n.account_sid}/Notifications/{n.sid}.json",
    }
    if instance:
        data["request_variables"] = n.request_variables
        data["response_body"] = n.response_body
        data["response_headers"] = n.response_headers
    return data
