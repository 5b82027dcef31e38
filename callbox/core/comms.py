"""The Communications API's bulk Messages: validate a send, record it as an Operation with
its recipients and a fan-out job (one transaction: durable once answered), fan it out in
batches into ordinary messages of the store, and report the Operation's stats.

    POST /v1/Messages ─► operation row (recipients snapshot) + `comms.fanout` job ─► 202
    fan-out job ─► per batch of recipients, one transaction: messages + send jobs + cursor
    messages ─► the normal send path (paced, delivered, failed, called back; 2010 visible)
    GET operation ─► stats counted from its messages (exact, whatever happened in between)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from callbox.core.addresses import normalize_address, normalize_e164
from callbox.core.clock import Clock, to_micros
from callbox.core.comms_ids import comms_id, new_id
from callbox.core.entities import Job, Media, Message, MessageDirection, MessageStatus
from callbox.core.errors import BadRequest, CallboxError, ResourceNotFound, ValidationFailed
from callbox.core.jobs import SEND_JOB
from callbox.core.messaging import (
    MAGIC_FROM,
    MAGIC_TO,
    MAX_BODY,
    MAX_MEDIA,
    content_type,
    sender_allowed,
)
from callbox.core.pacing import Pacer
from callbox.core.segments import count_segments
from callbox.core.sids import SidFactory
from callbox.core.tags import shown, variables_value

__all__ = [
    "FANOUT_JOB",
    "FINAL_MESSAGE_STATUSES",
    "MAX_RECIPIENTS",
    "CommsService",
    "FanoutConflict",
    "OperationCompleted",
    "OperationRow",
    "OperationView",
    "Problems",
    "comms_status",
    "plan_batch",
]

FANOUT_JOB = "comms.fanout"
MAX_RECIPIENTS = 10_000
MAX_AUDIENCE_RECIPIENTS = 100_000
SCHEDULE_MIN = timedelta(seconds=300)
SCHEDULE_MAX = timedelta(days=35)
SENDER_CHANNELS = ("SMS", "RCS", "WHATSAPP")
RECIPIENT_CHANNELS = ("PHONE", "WHATSAPP")

# 2010 status -> Communications API status
_COMMS_STATUS = {
    "scheduled": "SCHEDULED", "accepted": "QUEUED", "queued": "QUEUED", "sending": "QUEUED",
    "sent": "SENT", "delivered": "DELIVERED", "partially_delivered": "DELIVERED",
    "read": "READ", "undelivered": "UNDELIVERED", "failed": "FAILED", "canceled": "CANCELED",
    "receiving": "INBOUND", "received": "INBOUND",
}
STATUS_FILTER: dict[str, tuple[str, ...]] = {}
for _old, _new in _COMMS_STATUS.items():
    STATUS_FILTER[_new] = (*STATUS_FILTER.get(_new, ()), _old)

# The statuses an operation's message ends in (COMPLETED waits for every one)
FINAL_MESSAGE_STATUSES = frozenset({"delivered", "partially_delivered", "read", "undelivered",
                                    "failed", "canceled"})
_ATTEMPTED = frozenset({"sending", "sent", "delivered", "partially_delivered", "read",
                        "undelivered"})
# Twilio's magic To of an invalid number (21211): in a bulk send, an unaddressable recipient
MAGIC_INVALID_TO = frozenset(to for to, (code, _) in MAGIC_TO.items() if code == 21211)
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


def comms_status(status: str) -> str:
    return _COMMS_STATUS.get(status, "QUEUED")


class FanoutConflict(CallboxError):
    """A fan-out batch found its operation moved on (canceled, or the batch was already
    written): the batch is not written."""

    status = 409


class OperationCompleted(CallboxError):
    """A cancel found, in its transaction, that the operation had completed meanwhile."""

    status = 409
    code = 20409


class Problems(list[tuple[int, str, str | None]]):
    def add(self, code: int, message: str, field: str | None) -> None:
        self.append((code, message, field))


@dataclass(slots=True)
class SendRequest:
    sender: str  # the 2010 From: +1…, whatsapp:+1…, rcs:+1…
    channel: str
    text: str
    media: list[str]
    default_variables: dict[str, str]
    targets: list[list[Any]]  # [address, channel, variables] as given
    audiences: list[str]
    tags: dict[str, str]
    send_at: datetime | None
    status_callback: str | None


@dataclass(slots=True)
class OperationRow:
    """An operation as stored: the fan-out's durable state (its recipients apart)."""

    sid: str
    account_sid: str
    canceled: bool
    recipients: int
    processed: int
    unaddressable: int
    request: dict[str, Any]
    tags: dict[str, str]
    send_at: datetime | None
    date_created: datetime
    date_updated: datetime
    # its messages deleted through the 2010 API, per (status, error_code): still counted
    deleted: dict[tuple[str, int | None], int] = field(default_factory=dict)


@dataclass(slots=True)
class OperationView:
    sid: str
    status: str
    stats: dict[str, int]
    tags: dict[str, str]
    date_created: datetime
    date_updated: datetime


def parse_send(body: dict[str, Any], now: datetime, tags: dict[str, str],
               problems: Problems) -> SendRequest | None:
    """Structural validation of POST /Messages (cheap: per-recipient addressability is the
    fan-out's job, where a bad address is counted as unaddressable, not refused)."""
    known = {"from", "to", "content", "tags", "sendAt", "statusCallback"}
    for name in body:
        if name not in known:
            problems.add(20001, f"Unknown field '{shown(name)}'", shown(name))
    sender, channel = "", "SMS"
    frm = body.get("from")
    if frm is None:
        problems.add(21603, "A 'from' sender is required", "from")
    elif not isinstance(frm, dict) or not isinstance(frm.get("address"), str):
        problems.add(21603, "'from' must be an object with an address", "from.address")
    else:
        channel = frm.get("channel", "SMS")
        if channel not in SENDER_CHANNELS:
            problems.add(20001, f"'from.channel' must be one of {', '.join(SENDER_CHANNELS)}",
                         "from.channel")
            channel = "SMS"  # only to go on checking the address
        raw = frm["address"].strip()
        bare = raw.split(":", 1)[1] if raw.lower().startswith(("whatsapp:", "rcs:")) else raw
        if channel == "SMS":
            found = normalize_address(bare, sender=True)
        else:
            number = normalize_e164(bare)
            found = f"{channel.lower()}:{number}" if number else None
        if found is None:
            problems.add(21212, f"The 'from' address {raw} is not a valid phone number, "
                         "short code, or alphanumeric sender ID", "from.address")
        elif found in MAGIC_FROM:
            code, text = MAGIC_FROM[found]
            problems.add(code, text, "from.address")
        else:
            sender = found
    content = body.get("content")
    text, media, defaults = "", [], {}
    if not isinstance(content, dict):
        problems.add(21602, "'content' with text or media is required", "content")
    else:
        for name in content:
            if name not in ("text", "media", "defaultVariables"):
                problems.add(20001, f"Unknown field 'content.{shown(name)}'",
                             f"content.{shown(name)}")
        raw_text = content.get("text")
        if raw_text is not None and not isinstance(raw_text, str):
            problems.add(20001, "'content.text' must be a string", "content.text")
        text = raw_text if isinstance(raw_text, str) else ""
        raw_media = content.get("media") or []
        if not isinstance(raw_media, list):
            problems.add(20001, "'content.media' must be an array", "content.media")
            raw_media = []
        if len(raw_media) > MAX_MEDIA:
            problems.add(21623, f"At most {MAX_MEDIA} media are allowed", "content.media")
        for i, item in enumerate(raw_media):
            url = item.get("url") if isinstance(item, dict) else item
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                problems.add(21620, f"Invalid media URL: {shown(str(url), 200)!r}",
                             f"content.media[{i}].url")
            else:
                media.append(url)
        defaults = variables_value(content.get("defaultVariables"),
                                   "content.defaultVariables", problems)
        if not text.strip() and not media:
            problems.add(21602, "Message content is required: text or media", "content.text")
        if len(text) > MAX_BODY:
            problems.add(21617, f"The text exceeds the {MAX_BODY} character limit",
                         "content.text")
    to = body.get("to")
    targets: list[list[Any]] = []
    audiences: list[str] = []
    if not isinstance(to, list) or not to:
        problems.add(21604, "'to' must list 1 to 10,000 recipients", "to")
    elif len(to) > MAX_RECIPIENTS:
        problems.add(20001, f"'to' lists {len(to)} recipients; at most {MAX_RECIPIENTS} are "
                     "allowed in one request", "to")
    else:
        for i, entry in enumerate(to):
            if not isinstance(entry, dict):
                problems.add(20001, "A recipient must be an object", f"to[{i}]")
                continue
            if "audienceId" in entry:
                audience = entry["audienceId"]
                if not isinstance(audience, str) or comms_id(audience, "audience") is None:
                    problems.add(20001, "Not an audience id", f"to[{i}].audienceId")
                else:
                    audiences.append(audience)
                continue
            address = entry.get("address")
            if not isinstance(address, str) or not address:
                problems.add(21604, "A recipient needs an address", f"to[{i}].address")
                continue
            ch = entry.get("channel", "PHONE")
            if ch not in RECIPIENT_CHANNELS:
                problems.add(20001, "'channel' must be one of PHONE, WHATSAPP",
                             f"to[{i}].channel")
                continue
            before = len(problems)
            variables = variables_value(entry.get("variables"), f"to[{i}].variables",
                                        problems)
            if len(problems) > before:
                if len(problems) >= 20:
                    break
                continue
            targets.append([address, ch, variables] if variables else [address, ch])
            if len(problems) >= 20:
                break
    send_at = None
    if body.get("sendAt") is not None:
        raw_at = body["sendAt"]
        try:
            send_at = datetime.fromisoformat(str(raw_at).replace("Z", "+00:00"))
            if send_at.tzinfo is None:
                raise ValueError
        except ValueError:
            problems.add(20001, "'sendAt' must be an ISO 8601 date-time with a zone",
                         "sendAt")
            send_at = None
        else:
            if not SCHEDULE_MIN <= send_at - now <= SCHEDULE_MAX:
                problems.add(35114, "sendAt must be between 300 seconds and 35 days in the "
                             "future", "sendAt")
    callback = body.get("statusCallback")
    if callback is not None and (not isinstance(callback, str)
                                 or not callback.startswith(("http://", "https://"))):
        problems.add(21609, "statusCallback must be an http(s) URL", "statusCallback")
        callback = None
    if problems:
        return None
    return SendRequest(sender=sender, channel=channel, text=text, media=media,
                       default_variables=defaults, targets=targets, audiences=audiences,
                       tags=tags, send_at=send_at, status_callback=callback)


def _recipient(sender_channel: str, address: str, channel: str) -> str | None:
    """The 2010 To for a recipient, or None when it is unaddressable from this sender."""
    raw = address.strip()
    if channel == "WHATSAPP":
        if sender_channel != "WHATSAPP":
            return None
        if raw.lower().startswith("whatsapp:"):
            raw = raw[len("whatsapp:"):]
        number = normalize_e164(raw)
        return f"whatsapp:{number}" if number else None
    if sender_channel == "WHATSAPP":
        return None
    return normalize_e164(raw)


def addressed(sender_channel: str, targets: list[list[Any]]) -> set[str]:
    """The recipients a resumed fan-out already addressed."""
    out = set()
    for target in targets:
        to = _recipient(sender_channel, target[0], target[1])
        if to is not None:
            out.add(to)
    return out


def _render(text: str, variables: dict[str, str] | None, defaults: dict[str, str]) -> str:
    if "{{" not in text:
        return text
    merged = {**defaults, **(variables or {})}
    return _VARIABLE.sub(lambda m: merged.get(m.group(1), ""), text)


def plan_batch(op_sid: str, account_sid: str, request: dict[str, Any],
               targets: list[list[Any]], now: datetime, sids: SidFactory, pacer: Pacer,
               tags: dict[str, str], seen: set[str]
               ) -> tuple[list[tuple[Message, list[Media], list[Job]]], int]:
    """Messages (with media and send jobs) for a slice of the recipients, and how many of
    them were unaddressable. `seen` holds the recipients earlier slices addressed (one
    message per recipient and operation: a repeated address counts as unaddressable)."""
    sender: str = request["from"]
    sender_channel: str = request["channel"]
    text: str = request["text"]
    media_urls: list[str] = request["media"]
    defaults: dict[str, str] = request.get("defaultVariables") or {}
    callback: str | None = request.get("statusCallback")
    send_at = datetime.fromisoformat(request["sendAt"]) if request.get("sendAt") else None
    segments_of: dict[str, int] = {}
    out: list[tuple[Message, list[Media], list[Job]]] = []
    unaddressable = 0
    for target in targets:
        to = _recipient(sender_channel, target[0], target[1])
        if to is None or to == sender or to in seen or to in MAGIC_INVALID_TO:
            unaddressable += 1
            continue
        seen.add(to)
        body = _render(text, target[2] if len(target) > 2 else None, defaults)
        too_long = len(body) > MAX_BODY
        if too_long:  # the variables made it too long: fails, keeps its first 1,600
            body = body[:MAX_BODY]
        segments = segments_of.get(body)
        if segments is None:
            segments = segments_of[body] = count_segments(body)
        sid = sids("MM" if media_urls else "SM")
        status = MessageStatus.SCHEDULED if send_at else MessageStatus.QUEUED
        error: tuple[int, str] | None = MAGIC_TO.get(to)
        if error is None and too_long:
            error = (21617, f"The concatenated message body exceeds the {MAX_BODY} "
                            "character limit")
        if error is None and status is MessageStatus.QUEUED and not pacer.admit(sender,
                                                                               segments):
            error = (21611, "This 'From' number has exceeded the maximum number of queued "
                            "messages")
        message = Message(
            sid=sid, account_sid=account_sid, to=to, from_=sender, body=body,
            status=MessageStatus.FAILED if error else status,
            direction=MessageDirection.OUTBOUND_API, num_segments=segments,
            num_media=len(media_urls), date_created=now, date_updated=now,
            status_callback=callback, send_at=send_at,
            error_code=error[0] if error else None, error_message=error[1] if error else None,
            operation_id=op_sid, tags=tags or None,
        )
        media = [Media(sids("ME"), account_sid, sid, url, content_type(url), now, now)
                 for url in media_urls]
        jobs = [] if error else [Job(
            sid=sids("JB"), kind=SEND_JOB, account_sid=account_sid, resource_sid=sid,
            payload={"v": 1, "message_sid": sid}, run_at=send_at or now,
            idempotency_key=f"{SEND_JOB}:{sid}", date_created=now,
        )]
        out.append((message, media, jobs))
    return out, unaddressable


def operation_view(op: OperationRow, counts: dict[tuple[str, int | None], int],
                   latest: datetime | None, now: datetime) -> OperationView:
    if op.deleted:
        counts = dict(counts)
        for pair, n in op.deleted.items():
            counts[pair] = counts.get(pair, 0) + n
    stats = {"total": 0, "recipients": op.recipients, "attempts": 0,
             "unaddressable": op.unaddressable, "queued": 0, "sent": 0, "scheduled": 0,
             "delivered": 0, "read": 0, "undelivered": 0, "failed": 0, "canceled": 0}
    pending_final = False
    for (status, error_code), n in counts.items():
        key = comms_status(status).lower()
        stats[key if key in stats else "queued"] += n
        if status in _ATTEMPTED or (status == "failed" and error_code is not None
                                    and 30000 <= error_code < 31000 and error_code != 30036):
            stats["attempts"] += n
        if status not in FINAL_MESSAGE_STATUSES:
            pending_final = True
    left = op.recipients - op.processed
    if left > 0:
        if op.canceled:
            stats["canceled"] += left
        elif op.send_at is not None:
            stats["scheduled"] += left
        else:
            stats["queued"] += left
    stats["total"] = sum(stats[k] for k in ("queued", "sent", "scheduled", "delivered", "read",
                                            "undelivered", "failed", "canceled"))
    if op.canceled:
        status = "CANCELED"
    elif left <= 0 and not pending_final:
        status = "COMPLETED"
    elif (op.send_at is not None and now < op.send_at
          and stats["scheduled"] + stats["canceled"] + stats["failed"] == stats["total"]):
        status = "SCHEDULED"
    else:
        status = "PROCESSING"
    updated = max(op.date_updated, latest) if latest is not None else op.date_updated
    return OperationView(op.sid, status, stats, op.tags, op.date_created, updated)


@dataclass(slots=True)
class CommsService:
    store: Any
    clock: Clock
    sids: SidFactory
    pacer: Pacer
    numbers: Any = None
    audiences: Any = None

    async def send(self, account_sid: str, body: dict[str, Any], tags: dict[str, str],
                   problems: Problems) -> OperationView:
        now = self.clock.now()
        req = parse_send(body, now, tags, problems)
        if req is None:
            raise _failed(problems)
        await self._check_sender(account_sid, req.sender)
        targets = list(req.targets)
        for audience in dict.fromkeys(req.audiences):
            members = await self.audiences.targets(account_sid, audience)
            if members is None:
                raise ResourceNotFound(f"/v1/Audiences/{audience}")
            targets += [[a, ch, v] if v else [a, ch] for a, ch, v in members]
        if not targets:
            raise _failed(Problems([(21604, "The audiences have no members: there is no "
                                     "recipient to send to", "to")]))
        if len(targets) > MAX_AUDIENCE_RECIPIENTS:
            raise _failed(Problems([(20001, f"The request targets {len(targets)} recipients; "
                                     f"at most {MAX_AUDIENCE_RECIPIENTS} are allowed", "to")]))
        op_sid = new_id("operation")
        request = {"from": req.sender, "channel": req.channel, "text": req.text,
                   "media": req.media, "defaultVariables": req.default_variables,
                   "statusCallback": req.status_callback,
                   "sendAt": req.send_at.isoformat() if req.send_at else None}
        row = {
            "sid": op_sid, "account_sid": account_sid, "canceled": False,
            "recipients": len(targets), "processed": 0, "unaddressable": 0,
            "request": orjson.dumps(request).decode(), "targets": orjson.dumps(targets).decode(),
            "tags": orjson.dumps(req.tags).decode(),
            "send_at": to_micros(req.send_at) if req.send_at else None,
            "date_created": to_micros(now), "date_updated": to_micros(now), "deleted": "{}",
        }
        job = Job(sid=self.sids("JB"), kind=FANOUT_JOB, account_sid=account_sid,
                  resource_sid=op_sid, payload={"v": 1, "operation_id": op_sid}, run_at=now,
                  idempotency_key=f"{FANOUT_JOB}:{op_sid}", date_created=now)
        await self.store.create_operation(row, job)
        fresh = OperationRow(sid=op_sid, account_sid=account_sid, canceled=False,
                             recipients=len(targets), processed=0, unaddressable=0,
                             request=request, tags=req.tags, send_at=req.send_at,
                             date_created=now, date_updated=now)
        return operation_view(fresh, {}, None, now)

    async def _check_sender(self, account_sid: str, sender: str) -> None:
        number = sender.split(":", 1)[1] if ":" in sender else sender
        if not await sender_allowed(self.numbers, account_sid, number):
            raise _failed(Problems([(21606, f"The 'from' address {number} is not a "
                                     "message-capable phone number of this account",
                                     "from.address")]))

    async def operation(self, account_sid: str, op_id: str) -> OperationView:
        op = await self.store.get_operation(account_sid, op_id)
        if op is None:
            raise ResourceNotFound(f"/v1/Messages/Operations/{op_id}")
        return await self.view(op)

    async def view(self, op: OperationRow) -> OperationView:
        return (await self.views([op]))[0]

    async def views(self, ops: Sequence[OperationRow]) -> list[OperationView]:
        """The operations with their stats, counted in one query (a page of a list)."""
        counted = await self.store.operation_counts([op.sid for op in ops])
        now = self.clock.now()
        views = []
        for op in ops:
            counts, latest = counted[op.sid]
            views.append(operation_view(op, counts, latest, now))
        return views

    async def cancel(self, account_sid: str, op_id: str) -> OperationView:
        view = await self.operation(account_sid, op_id)
        completed = BadRequest("The operation is completed: nothing is left to cancel",
                               code=30409, field="id")
        if view.status == "COMPLETED":
            raise completed
        try:
            released = await self.store.cancel_operation(op_id, self.clock.now())
        except OperationCompleted:  # between the read and the write
            raise completed from None
        for sender, segments in (released or {}).items():
            self.pacer.leave(sender, segments)
        return await self.operation(account_sid, op_id)


def _failed(problems: Problems) -> CallboxError:
    return ValidationFailed(list(problems))
