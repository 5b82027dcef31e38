"""`/v1/Messages` and `/v1/Messages/Operations` handlers: thin calls into
`services.comms` (core/comms.py) and the store's Messages views."""

from __future__ import annotations

import re
from typing import Any

from callbox.api.comms_v1.protocol import (
    body_object,
    iso,
    list_body,
    page_params,
    parse_iso,
    tags_value,
)
from callbox.api.sim.asgi import Reply, SimRequest, SimRoute
from callbox.channels.sim.network import error_message
from callbox.core.comms import STATUS_FILTER, OperationView, Problems, comms_status
from callbox.core.comms_ids import (
    comms_id,
    message_id,
    session_id,
    session_parties,
    sid_for_message_id,
)
from callbox.core.entities import Message, MessageDirection
from callbox.core.errors import CallboxError, ResourceNotFound, ValidationFailed
from callbox.core.tags import MAX_TAGS
from callbox.store.sql.comms import MessageQuery

__all__ = ["MESSAGE_ROUTES"]

_CHANNELS = ("SMS", "RCS", "WHATSAPP")
# k:v;k2:v2; — pairs separated by `;` (linear: no nested quantifier to backtrack over)
_TAG_PAIR = re.compile(r"[A-Za-z0-9._~-]{1,128}:[A-Za-z0-9._~-]{1,128}")
_PAGING = frozenset({"pageSize", "page_size", "PageSize", "pageToken", "page_token",
                     "PageToken"})
_LIST_FILTERS = frozenset({"channel", "status", "operationId", "sessionId", "tags", "startDate",
                           "endDate"})


def _prefix(req: SimRequest) -> str:
    return "/" + req.path.split("/", 2)[1]


def operation_json(view: OperationView) -> dict[str, Any]:
    return {"id": view.sid, "status": view.status, "stats": view.stats, "tags": view.tags,
            "createdAt": iso(view.date_created), "updatedAt": iso(view.date_updated)}


def _channels(m: Message) -> tuple[str, str]:
    if m.from_.startswith("whatsapp:") or m.to.startswith("whatsapp:"):
        return "WHATSAPP", "WHATSAPP"
    if m.from_.startswith("rcs:"):
        return "RCS", "PHONE"
    return "SMS", "PHONE"


def _address(address: str) -> str:
    """The bare number of a whatsapp:/rcs: address."""
    return address.split(":", 1)[1] if address.startswith(("whatsapp:", "rcs:")) else address


def message_json(m: Message, media: tuple[str, ...], prefix: str) -> dict[str, Any]:
    sender_channel, recipient_channel = _channels(m)
    inbound = m.direction is MessageDirection.INBOUND
    ours, theirs = session_parties(inbound, m.from_, m.to)
    session = session_id(m.account_sid, ours, theirs)
    related: list[dict[str, Any]] = []
    if m.operation_id:
        related.append({"name": "operation", "id": m.operation_id,
                        "uri": f"{prefix}/Messages/Operations/{m.operation_id}"})
    related.append({"name": "message", "id": m.sid,
                    "uri": f"/2010-04-01/Accounts/{m.account_sid}/Messages/{m.sid}.json"})
    related.append({"name": "session", "id": session, "uri": f"{prefix}/Sessions/{session}"})
    return {
        "id": message_id(m.sid),
        "from": {"address": _address(m.from_),
                 "channel": sender_channel if not inbound else
                 ("WHATSAPP" if sender_channel == "WHATSAPP" else "SMS")},
        "to": [{"address": m.to.split(":", 1)[-1] if ":" in m.to else m.to,
                "channel": recipient_channel}],
        "content": {"text": m.body, "media": [{"url": u} for u in media]},
        "status": comms_status(m.status.value),
        "error": ({"code": m.error_code, "message": m.error_message or error_message(m.error_code) or ""}
                  if m.error_code else None),
        "related": related,
        "tags": m.tags or {},
        "scheduledFor": iso(m.send_at) if m.send_at else None,
        "createdAt": iso(m.date_created),
        "updatedAt": iso(m.date_updated),
        "deletedAt": None,
    }


async def _media(req: SimRequest, messages: list[Message]) -> dict[str, tuple[str, ...]]:
    with_media = [m.sid for m in messages if m.num_media]
    if not with_media:
        return {}
    return await req.svc.store.media_urls(with_media)  # type: ignore[attr-defined,no-any-return]


# handlers ---------------------------------------------------------------------------------
async def send_messages(req: SimRequest) -> Reply:
    body = body_object(req)
    problems = Problems()
    tags = tags_value(body.get("tags"), "tags", problems)
    view = await req.svc.comms.send(req.account.sid, body, tags, problems)
    prefix = _prefix(req)
    location = f"{prefix}/Messages/Operations/{view.sid}"
    resources = f"{prefix}/Messages?operationId={view.sid}"
    headers = [(b"operation-id", view.sid.encode()), (b"operation-location", location.encode()),
               (b"resource-location", resources.encode()),
               (b"x-twilio-operation-id", view.sid.encode()),
               (b"x-twilio-resource-location", resources.encode())]
    return Reply(202, operation_json(view), headers=headers)


def _query(req: SimRequest) -> MessageQuery:
    problems = Problems()
    for key, _ in req.query:
        if key not in _PAGING and key not in _LIST_FILTERS:
            problems.add(20001, f"Unknown query parameter '{key}'", key)
    channel = req.query_value("channel")
    if channel is not None and channel not in _CHANNELS:
        problems.add(20001, f"Invalid channel '{channel}': use one of {', '.join(_CHANNELS)}",
                     "channel")
    status = req.query_value("status")
    if status is not None and status not in STATUS_FILTER:
        problems.add(20001, f"Invalid status '{status}': use one of "
                     f"{', '.join(STATUS_FILTER)}", "status")
    operation = req.query_value("operationId")
    if operation is not None and comms_id(operation, "operation") is None:
        problems.add(20001, "operationId is not an operation id", "operationId")
    session = req.query_value("sessionId")
    if session is not None and comms_id(session, "session") is None:
        problems.add(20001, "sessionId is not a session id", "sessionId")
    tags: list[tuple[str, str]] = []
    raw_tags = req.query_value("tags")
    if raw_tags is not None:
        pairs = raw_tags[:-1].split(";") if raw_tags.endswith(";") else raw_tags.split(";")
        if len(pairs) > MAX_TAGS:
            problems.add(20001, f"tags can match at most {MAX_TAGS} pairs", "tags")
        elif not all(_TAG_PAIR.fullmatch(pair) for pair in pairs):
            problems.add(20001, "tags must look like key:value;key2:value2;", "tags")
        else:
            for pair in pairs:
                key, _, value = pair.partition(":")
                tags.append((key, value))
    start = end = None
    try:
        raw = req.query_value("startDate")
        start = parse_iso(raw, "startDate") if raw else None
        raw = req.query_value("endDate")
        end = parse_iso(raw, "endDate") if raw else None
    except CallboxError as exc:  # parse_iso's InvalidParameter
        problems.add(exc.code, exc.message, exc.field)
    if start is not None and end is not None and end <= start:
        problems.add(20001, "endDate must be after startDate", "endDate")
    if problems:
        raise ValidationFailed(list(problems))
    return MessageQuery(channel=channel, statuses=STATUS_FILTER[status] if status else None,
                        operation_id=operation, tags=tuple(tags), start=start, end=end,
                        session_id=session)


async def list_messages(req: SimRequest) -> Reply:
    q = _query(req)
    size, cursor, token = page_params(req)
    page = await req.svc.store.list_comms_messages(  # type: ignore[attr-defined]
        req.account.sid, q, after=cursor, limit=size)
    media = await _media(req, page.records)
    prefix = _prefix(req)
    return Reply(200, list_body(req, "messages", page,
                                lambda m: message_json(m, media.get(m.sid, ()), prefix),
                                lambda m: (m.date_created, m.sid), size, cursor, token))


async def fetch_message(req: SimRequest) -> Reply:
    sids = sid_for_message_id(req.path_params["Id"])
    message = None
    if sids is not None:
        message = await req.svc.store.get_message_any(  # type: ignore[attr-defined]
            req.account.sid, sids)
    if message is None:
        raise ResourceNotFound(req.path)
    media = await _media(req, [message])
    return Reply(200, message_json(message, media.get(message.sid, ()), _prefix(req)))


async def update_message(req: SimRequest) -> Reply:
    """Replace a message's tags: the one field of a message that stays writable."""
    body = body_object(req)
    problems = Problems()
    for key in body:
        if key != "tags":
            problems.add(20001, f"Unknown field '{key}': only tags can be changed", key)
    if "tags" not in body:
        problems.add(20001, "tags is required", "tags")
    tags = tags_value(body.get("tags"), "tags", problems)
    if problems:
        raise ValidationFailed(list(problems))
    sids = sid_for_message_id(req.path_params["Id"])
    if sids is None or not await req.svc.store.set_message_tags(  # type: ignore[attr-defined]
            req.account.sid, sids, dict(tags), req.svc.clock.now()):
        raise ResourceNotFound(req.path)
    return await fetch_message(req)


async def fetch_session(req: SimRequest) -> Reply:
    """The thread between one of the account's addresses and another party: both
    directions, whichever API sent or received its messages."""
    sid = req.path_params["Id"]
    found = None
    if comms_id(sid, "session") is not None:
        found = await req.svc.store.get_session(req.account.sid, sid)  # type: ignore[attr-defined]
    if found is None:
        raise ResourceNotFound(req.path)
    latest, count, first, last = found
    ours, theirs = session_parties(latest.direction is MessageDirection.INBOUND,
                                   latest.from_, latest.to)
    account_channel, contact_channel = _channels(latest)
    prefix = _prefix(req)
    return Reply(200, {
        "id": sid,
        "participants": [
            {"address": _address(ours), "channel": account_channel, "type": "ACCOUNT"},
            {"address": _address(theirs), "channel": contact_channel, "type": "CONTACT"},
        ],
        "messageCount": count,
        "related": [{"name": "messages", "id": sid,
                     "uri": f"{prefix}/Messages?sessionId={sid}"}],
        "createdAt": iso(first),
        "updatedAt": iso(last),
    })


def _operation_id(req: SimRequest) -> str:
    op_id = req.path_params["Id"]
    if comms_id(op_id, "operation") is None:
        raise ResourceNotFound(req.path)
    return op_id


async def fetch_operation(req: SimRequest) -> Reply:
    view = await req.svc.comms.operation(req.account.sid, _operation_id(req))
    return Reply(200, operation_json(view))


async def cancel_operation(req: SimRequest) -> Reply:
    view = await req.svc.comms.cancel(req.account.sid, _operation_id(req))
    return Reply(200, operation_json(view))


async def list_operations(req: SimRequest) -> Reply:
    for key, _ in req.query:
        if key not in _PAGING:
            raise ValidationFailed([(20001, f"Unknown query parameter '{key}'", key)])
    size, cursor, token = page_params(req)
    page = await req.svc.store.list_operations(  # type: ignore[attr-defined]
        req.account.sid, after=cursor, limit=size)
    views = {v.sid: v for v in await req.svc.comms.views(page.records)}
    return Reply(200, list_body(req, "operations", page,
                                lambda op: operation_json(views[op.sid]),
                                lambda op: (op.date_created, op.sid), size, cursor, token))


MESSAGE_ROUTES = [
    SimRoute("/Messages", {"POST": send_messages, "GET": list_messages}),
    SimRoute("/Messages/Operations", {"GET": list_operations}),
    SimRoute("/Messages/Operations/{Id}", {"GET": fetch_operation}),
    SimRoute("/Messages/Operations/{Id}/Cancel", {"POST": cancel_operation}),
    SimRoute("/Sessions/{Id}", {"GET": fetch_session}),
    SimRoute("/Messages/{Id}", {"GET": fetch_message, "POST": update_message,
                                "PATCH": update_message}),
]
