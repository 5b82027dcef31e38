"""`/sim/v1` handlers: thin calls into `services.messaging.receive` and `services.sim`.

    POST   /Messages                  a virtual handset texts one of the account's numbers
    GET    /Phones/{Phone}/Messages   what a virtual handset received, newest first
    GET    /Rules                     the account's carrier rules
    GET    /Rules/{Number}            one rule (E.164 number, or * for the default)
    PUT    /Rules/{Number}            set it
    DELETE /Rules/{Number}            remove it
    GET    /Webhooks                  callbox's webhook requests (ResourceSid filter), newest first
    GET    /Webhooks/{Sid}            one of them
    GET    /openapi.json              this API's OpenAPI 3.1 document (no authentication)
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson

from callbox.api.protocol.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_token
from callbox.api.sim.asgi import Reply, SimApp, SimRequest, SimRoute
from callbox.api.sim.openapi import DOCUMENT
from callbox.api.sim.views import attempt_json, inbox_json, rule_json
from callbox.api.v2010.views import message_json
from callbox.channels.sim.network import Rule
from callbox.core.addresses import normalize_e164
from callbox.core.clock import to_micros
from callbox.core.entities import Page
from callbox.core.errors import InvalidParameter, ResourceNotFound
from callbox.core.messaging import InboundText
from callbox.core.ports import Cursor

__all__ = ["ROUTES", "create_sim_app"]

T = TypeVar("T")

_MESSAGE_FIELDS = frozenset({"From", "To", "Body", "MediaUrl"})


# paging ---------------------------------------------------------------------------------------
def _token(created: datetime, sid: str) -> str:
    """The 2010 API's PageToken format (`PA` + base64url of [µs, sid]), so one decoder
    serves both."""
    raw = orjson.dumps([to_micros(created), sid])
    return "PA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_params(req: SimRequest) -> tuple[int, Cursor | None]:
    raw = req.query_value("PageSize")
    size = DEFAULT_PAGE_SIZE
    if raw is not None and raw != "":
        try:
            size = int(raw)
        except ValueError:
            raise InvalidParameter("PageSize must be an integer", field="PageSize") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidParameter(f"PageSize must be between 1 and {MAX_PAGE_SIZE}",
                                   field="PageSize")
    token = req.query_value("PageToken")
    cursor = decode_token(token) if token else None
    if cursor is not None and cursor.backward:
        raise InvalidParameter("Invalid PageToken", field="PageToken")
    return size, cursor


def _list_body(key: str, page: Page[T], render: Callable[[T], dict[str, Any]],
               edge: Callable[[T], tuple[datetime, str]], req: SimRequest, size: int,
               filters: Sequence[tuple[str, str]]) -> dict[str, Any]:
    first = [*filters, ("PageSize", str(size))]
    token = req.query_value("PageToken")
    next_url = None
    if page.has_more and page.records:
        next_url = req.url([*first, ("PageToken", _token(*edge(page.records[-1])))])
    return {
        key: [render(r) for r in page.records],
        "meta": {
            "key": key,
            "page_size": size,
            "first_page_url": req.url(first),
            "next_page_url": next_url,
            "url": req.url([*first, ("PageToken", token)] if token else first),
        },
    }


# messages -------------------------------------------------------------------------------------
def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        raise InvalidParameter(f"{name} must be given once", field=name)
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string", field=name)
    return value


def _inbound_text(data: dict[str, Any]) -> InboundText:
    unknown = sorted(set(data) - _MESSAGE_FIELDS)
    if unknown:
        raise InvalidParameter(f"Unknown field(s): {', '.join(unknown)} (expected From, To, "
                               "Body, MediaUrl)", field=unknown[0])
    media = data.get("MediaUrl", [])
    if isinstance(media, str):
        media = [media]
    if not isinstance(media, list) or not all(isinstance(u, str) for u in media):
        raise InvalidParameter("MediaUrl must be a URL or a list of URLs", field="MediaUrl")
    from_ = _text(data, "From")
    if not from_:
        raise InvalidParameter("From (the virtual handset's number) is required", code=21603,
                               field="From")
    to = _text(data, "To")
    if not to:
        raise InvalidParameter("To (one of the account's numbers) is required", code=21604,
                               field="To")
    return InboundText(from_=from_, to=to, body=_text(data, "Body") or "", media_urls=media)


async def send_message(req: SimRequest) -> Reply:
    text = _inbound_text(req.data())
    req.svc.accounts.require_active(req.account)
    message = await req.svc.messaging.receive(req.account, text)
    return Reply(201, message_json(message))


async def handset_inbox(req: SimRequest) -> Reply:
    raw = req.path_params["Phone"]
    handset = normalize_e164(raw)
    if handset is None:
        raise InvalidParameter(f"{raw} is not an E.164 phone number", code=21211,
                               field="Phone")
    size, cursor = _page_params(req)
    page = await req.svc.sim.inbox(req.account.sid, handset, cursor, size)
    return Reply(200, _list_body("messages", page, inbox_json,
                                 lambda e: (e.date_received, e.message_sid), req, size, ()))


# rules ----------------------------------------------------------------------------------------
async def list_rules(req: SimRequest) -> Reply:
    rules = await req.svc.sim.rules(req.account.sid)
    return Reply(200, {"rules": [rule_json(r) for r in rules]})


async def fetch_rule(req: SimRequest) -> Reply:
    rule = await req.svc.sim.rule(req.account.sid, req.path_params["Number"])
    if rule is None:
        raise ResourceNotFound(req.path)
    return Reply(200, rule_json(rule))


async def put_rule(req: SimRequest) -> Reply:
    data = req.data()
    data.pop("number", None)
    rule = Rule.parse(data)
    row = await req.svc.sim.set_rule(req.account.sid, req.path_params["Number"], rule)
    return Reply(200, rule_json(row))


async def delete_rule(req: SimRequest) -> Reply:
    if not await req.svc.sim.delete_rule(req.account.sid, req.path_params["Number"]):
        raise ResourceNotFound(req.path)
    return Reply(204)


# webhook delivery log -------------------------------------------------------------------------
async def list_webhooks(req: SimRequest) -> Reply:
    resource_sid = req.query_value("ResourceSid") or None
    size, cursor = _page_params(req)
    page = await req.svc.sim.attempts(req.account.sid, resource_sid, cursor, size)
    filters = [("ResourceSid", resource_sid)] if resource_sid else []
    return Reply(200, _list_body("webhooks", page, attempt_json,
                                 lambda a: (a.date_created, a.sid), req, size, filters))


async def fetch_webhook(req: SimRequest) -> Reply:
    attempt = await req.svc.sim.attempt(req.account.sid, req.path_params["Sid"])
    if attempt is None:
        raise ResourceNotFound(req.path)
    return Reply(200, attempt_json(attempt))


async def openapi(req: SimRequest) -> Reply:
    return Reply(200, DOCUMENT)


ROUTES = (
    SimRoute("/Messages", {"POST": send_message}),
    SimRoute("/Phones/{Phone}/Messages", {"GET": handset_inbox}),
    SimRoute("/Rules", {"GET": list_rules}),
    SimRoute("/Rules/{Number}", {"GET": fetch_rule, "PUT": put_rule, "DELETE": delete_rule}),
    SimRoute("/Webhooks", {"GET": list_webhooks}),
    SimRoute("/Webhooks/{Sid}", {"GET": fetch_webhook}),
    SimRoute("/openapi.json", {"GET": openapi}, public=True),
)


def create_sim_app() -> SimApp:
    return SimApp(ROUTES)
