"""Messages: the rules of create, fetch, list, redact, cancel and delete.

Create writes the message, its media and the job that will send it in one transaction,
so accepted work survives a crash; the workers (next issue) pick the job up.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from callbox.core.addresses import normalize_address
from callbox.core.clock import Clock
from callbox.core.entities import (
    FINAL_STATUSES,
    Account,
    Feedback,
    Job,
    Media,
    Message,
    MessageDirection,
    MessageStatus,
    Page,
)
from callbox.core.errors import BadRequest, InvalidParameter, ResourceNotFound
from callbox.core.jobs import INBOUND_JOB, SEND_JOB
from callbox.core.pacing import Pacer
from callbox.core.ports import Cursor, MessageFilter, Store
from callbox.core.segments import count_segments, smart_encode
from callbox.core.sids import SidFactory

__all__ = ["MAGIC_FROM", "MAGIC_PASS", "MAGIC_TO", "InboundText", "content_type", "MessagingService", "NewMessage", "sender_allowed"]

# A message can be deleted once final, or while still scheduled (it has not started).
_DELETABLE = frozenset({s.value for s in FINAL_STATUSES} | {MessageStatus.SCHEDULED.value})

MAX_BODY = 1600
MAX_MEDIA = 10
MAGIC_PASS = "+15005550006"
SCHEDULE_MIN = timedelta(seconds=300)
SCHEDULE_MAX = timedelta(days=35)

# Twilio's test numbers (contract §3): deterministic refusals at create time.
MAGIC_FROM = {
    "+15005550001": (21212, "The 'From' number +15005550001 is not a valid phone number, "
                            "shortcode, or alphanumeric sender ID."),
    "+15005550007": (21606, "The 'From' phone number provided (+15005550007) is not a valid "
                            "message-capable Twilio phone number for this destination/account."),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued "
                            "messages"),
}
MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: +15005550002, is not currently reachable "
                            "using the 'From' phone number via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region "
                            "indicated by the 'To' number: +15005550003."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


@dataclass(slots=True)
class NewMessage:
    """CreateMessage's parameters, typed, in the domain's names."""

    to: str | None = None
    from_: str | None = None
    body: str | None = None
    media_urls: list[str] = field(default_factory=list)
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    validity_period: int | None = None
    schedule_type: str | None = None
    send_at: datetime | None = None
    smart_encoded: bool = False
    send_as_mms: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    status_callback_method: str | None = None


@dataclass(slots=True)
class InboundText:
    """A text from a virtual handset to one of the account's numbers."""

    from_: str
    to: str
    body: str = ""
    media_urls: list[str] = field(default_factory=list)


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _bad(code: int, message: str, name: str) -> BadRequest:
    return BadRequest(message, code=code, field=name)


class MessagingService:
    def __init__(self, store: Store, clock: Clock, sids: SidFactory, *,
                 pacer: Pacer | None = None, numbers: Any = None) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.pacer = pacer or Pacer(enabled=False)
        self.numbers = numbers

    # create -----------------------------------------------------------------------------
    def validate(self, req: NewMessage) -> tuple[str, str, str]:
        """Twilio's checks, in Twilio's order; returns (to, from, body) normalized."""
        if not req.to:
            raise _bad(21604, "A 'To' phone number is required.", "To")
        if req.messaging_service_sid:
            raise _bad(21701, f"The Messaging Service Sid {req.messaging_service_sid} is "
                       "invalid: callbox has no Messaging Services yet.", "MessagingServiceSid")
        if not req.from_:
            raise _bad(21603, "A 'From' phone number is required.", "From")
        if req.body is None and not req.media_urls:
            raise _bad(21602, "Message body is required.", "Body")
        body = req.body or ""
        if req.smart_encoded:
            body = smart_encode(body)
        if not body.strip() and not req.media_urls:
            raise _bad(21619, "A text message body or media urls must be specified.", "Body")
        if len(body) > MAX_BODY:
            raise _bad(21617, "The concatenated message body exceeds the 1600 character limit.",
                       "Body")
        if len(req.media_urls) > MAX_MEDIA:
            raise _bad(21623, "Too many media files: at most 10 MediaUrl values are allowed.",
                       "MediaUrl")
        for url in req.media_urls:
            if not _http_url(url):
                raise _bad(21620, f"Invalid media URL(s): {url}", "MediaUrl")
        to = normalize_address(req.to)
        if to is None:
            raise _bad(21211, f"The 'To' number {req.to} is not a valid phone number.", "To")
        sender = normalize_address(req.from_, sender=True)
        if sender is None:
            raise _bad(21212, f"The 'From' number {req.from_} is not a valid phone number, "
                       "shortcode, or alphanumeric sender ID.", "From")
        if sender in MAGIC_FROM:
            code, text = MAGIC_FROM[sender]
            raise _bad(code, text, "From")
        if to in MAGIC_TO:
            code, text = MAGIC_TO[to]
            raise _bad(code, text, "To")
        if to == sender:
            raise _bad(21266, "'To' and 'From' number cannot be the same", "To")
        if req.status_callback is not None and not _http_url(req.status_callback):
            raise _bad(21609, f"The StatusCallback URL {req.status_callback} is not a valid "
                       "URL.", "StatusCallback")
        if req.validity_period is not None and not 1 <= req.validity_period <= 36000:
            raise InvalidParameter("ValidityPeriod must be between 1 and 36000 seconds",
                                   field="ValidityPeriod")
        if req.schedule_type is not None and req.send_at is None:
            raise _bad(35111, "SendAt timestamp is missing", "SendAt")
        if req.send_at is not None:
            if req.schedule_type != "fixed":
                raise InvalidParameter("SendAt requires ScheduleType=fixed", field="ScheduleType")
            lead = req.send_at - self.clock.now()
            if not SCHEDULE_MIN <= lead <= SCHEDULE_MAX:
                raise _bad(35114, "SendAt time must be between 300 seconds and 35 days "
                           "(3024000 seconds) in the future, inclusive.", "SendAt")
        return to, sender, body

    async def build(self, account_sid: str, req: NewMessage, *,
                    direction: MessageDirection = MessageDirection.OUTBOUND_API,
                    ) -> tuple[Message, list[Media], Job]:
        """A validated message, its media and its send job, not yet stored."""
        to, sender, body = self.validate(req)
        await self._check_sender(account_sid, sender)
        now = self.clock.now()
        mms = bool(req.media_urls) or req.send_as_mms
        sid = self.sids("MM" if mms else "SM")
        scheduled = req.send_at is not None
        options = dict(req.options)
        if req.status_callback_method and req.status_callback_method != "POST":
            options["StatusCallbackMethod"] = req.status_callback_method
        message = Message(
            sid=sid,
            account_sid=account_sid,
            to=to,
            from_=sender,
            body=body,
            status=MessageStatus.SCHEDULED if scheduled else MessageStatus.QUEUED,
            direction=direction,
            num_segments=count_segments(body),
            num_media=len(req.media_urls),
            date_created=now,
            date_updated=now,
            status_callback=req.status_callback,
            validity_period=req.validity_period,
            send_at=req.send_at,
            options=options,
        )
        media = [
            Media(self.sids("ME"), account_sid, sid, url, content_type(url), now, now)
            for url in req.media_urls
        ]
        job = Job(
            sid=self.sids("JB"),
            kind=SEND_JOB,
            account_sid=account_sid,
            resource_sid=sid,
            payload={"v": 1, "message_sid": sid},
            run_at=req.send_at or now,
            idempotency_key=f"{SEND_JOB}:{sid}",
            date_created=now,
        )
        return message, media, job

    async def _check_sender(self, account_sid: str, sender: str) -> None:
        """From must be a number the account owns (21606). Twilio's test number
        +15005550006 is always accepted; short codes, alphanumeric sender IDs and channel
        addresses (whatsapp:…) are not provisioned in callbox and are accepted as given."""
        if not await sender_allowed(self.numbers, account_sid, sender):
            raise _bad(21606, f"The 'From' phone number provided ({sender}) is not a valid "
                       "message-capable Twilio phone number for this destination/account.",
                       "From")

    def admit(self, message: Message) -> None:
        """Count an outbound message into its sender's queue, or refuse it (21611)."""
        if message.status is MessageStatus.QUEUED and not self.pacer.admit(
            message.from_, message.num_segments
        ):
            raise _bad(21611, "This 'From' number has exceeded the maximum number of queued "
                       "messages", "From")

    async def create(self, account_sid: str, req: NewMessage) -> tuple[Message, list[Media]]:
        message, media, job = await self.build(account_sid, req)
        self.admit(message)
        try:
            await self.store.create_message(message, media, [job])
        except BaseException:
            if message.status is MessageStatus.QUEUED:
                self.pacer.leave(message.from_, message.num_segments)
            raise
        return message, media

    async def receive(self, account: Account, req: InboundText) -> Message:
        """A virtual handset texts one of the account's (or its subaccounts') numbers:
        store the inbound message and the job that calls the number's SmsUrl."""
        handset = normalize_address(req.from_) if req.from_ else None
        if handset is None:
            raise _bad(21212, f"The 'From' number {req.from_} is not a valid phone number.",
                       "From")
        to = normalize_address(req.to) if req.to else None
        if to is None:
            raise _bad(21211, f"The 'To' number {req.to} is not a valid phone number.", "To")
        if len(req.body) > MAX_BODY:
            raise _bad(21617, "The concatenated message body exceeds the 1600 character limit.",
                       "Body")
        if len(req.media_urls) > MAX_MEDIA:
            raise _bad(21623, "Too many media files: at most 10 MediaUrl values are allowed.",
                       "MediaUrl")
        for url in req.media_urls:
            if not _http_url(url):
                raise _bad(21620, f"Invalid media URL(s): {url}", "MediaUrl")
        if not req.body and not req.media_urls:
            raise _bad(21602, "Message body is required.", "Body")
        number = await self.numbers.find_by_number(to) if self.numbers is not None else None
        owner = await self.store.get_account(number.account_sid) if number else None
        if number is None or owner is None or account.sid not in (owner.sid,
                                                                  owner.owner_account_sid):
            raise ResourceNotFound(
                f"/sim/v1/Messages: {to} is not a phone number of account {account.sid}")
        now = self.clock.now()
        sid = self.sids("MM" if req.media_urls else "SM")
        message = Message(
            sid=sid, account_sid=owner.sid, to=to, from_=handset, body=req.body,
            status=MessageStatus.RECEIVED, direction=MessageDirection.INBOUND,
            num_segments=count_segments(req.body), num_media=len(req.media_urls),
            date_created=now, date_updated=now, date_sent=now,
        )
        media = [Media(self.sids("ME"), owner.sid, sid, url, content_type(url), now, now)
                 for url in req.media_urls]
        job = Job(
            sid=self.sids("JB"), kind=INBOUND_JOB, account_sid=owner.sid, resource_sid=sid,
            payload={"v": 1, "message_sid": sid}, run_at=now,
            idempotency_key=f"{INBOUND_JOB}:{sid}", date_created=now,
        )
        await self.store.create_message(message, media, [job])
        return message

    # read -------------------------------------------------------------------------------
    async def get(self, account_sid: str, sid: str, uri: str) -> Message:
        message = await self.store.get_message(account_sid, sid)
        if message is None:
            raise ResourceNotFound(uri)
        return message

    async def list(
        self, account_sid: str, flt: MessageFilter, after: Cursor | None, limit: int
    ) -> Page[Message]:
        # Filters match what create stored: the normalized form when there is one.
        if flt.to:
            flt = replace(flt, to=normalize_address(flt.to) or flt.to)
        if flt.from_:
            flt = replace(flt, from_=normalize_address(flt.from_, sender=True) or flt.from_)
        return await self.store.list_messages(account_sid, flt, after=after, limit=limit)

    # update and delete --------------------------------------------------------------------
    async def update(
        self, account_sid: str, sid: str, uri: str, *, body: str | None, status: str | None
    ) -> Message:
        await self.get(account_sid, sid, uri)
        now = self.clock.now()
        if status is not None:
            if status != MessageStatus.CANCELED:
                raise InvalidParameter("Status can only be updated to 'canceled'", field="Status")
            ok = await self.store.update_message(
                account_sid, sid, {"status": MessageStatus.CANCELED.value, "date_updated": now},
                only_if_status=frozenset({MessageStatus.SCHEDULED.value}), cancel_jobs=True,
            )
            if not ok:
                raise _bad(30409, "This message cannot be canceled: only a scheduled message "
                           "can be canceled.", "Status")
        if body is not None:
            if body != "":
                raise InvalidParameter("Body can only be updated to an empty string, which "
                                       "redacts the message", field="Body")
            ok = await self.store.update_message(
                account_sid, sid, {"body": "", "date_updated": now},
                only_if_status=frozenset(s.value for s in FINAL_STATUSES),
            )
            if not ok:
                raise _bad(20009, "Cannot redact a message before it is complete.", "Body")
        return await self.get(account_sid, sid, uri)

    async def delete(self, account_sid: str, sid: str, uri: str) -> None:
        message = await self.get(account_sid, sid, uri)
        in_flight = _bad(20009, "Cannot delete this resource before it is complete", "Sid")
        if message.status.value not in _DELETABLE:
            raise in_flight
        if not await self.store.delete_message(account_sid, sid, _DELETABLE):
            # gone, or gone in flight since the read (a scheduled message fell due)
            if await self.store.get_message(account_sid, sid) is None:
                raise ResourceNotFound(uri)
            raise in_flight

    # media and feedback -------------------------------------------------------------------
    async def list_media(
        self, account_sid: str, message_sid: str, uri: str, *, created_from: datetime | None,
        created_until: datetime | None, after: Cursor | None, limit: int,
    ) -> Page[Media]:
        await self.get(account_sid, message_sid, uri)
        return await self.store.list_media(
            account_sid, message_sid, created_from=created_from, created_until=created_until,
            after=after, limit=limit,
        )

    async def get_media(self, account_sid: str, message_sid: str, sid: str, uri: str) -> Media:
        media = await self.store.get_media(account_sid, message_sid, sid)
        if media is None:
            raise ResourceNotFound(uri)
        return media

    async def delete_media(self, account_sid: str, message_sid: str, sid: str, uri: str) -> None:
        if not await self.store.delete_media(account_sid, message_sid, sid):
            raise ResourceNotFound(uri)

    async def feedback(self, account_sid: str, message_sid: str, uri: str,
                       outcome: str | None) -> Feedback:
        await self.get(account_sid, message_sid, uri)
        now = self.clock.now()
        return await self.store.upsert_feedback(
            Feedback(account_sid, message_sid, outcome or "unconfirmed", now, now)
        )


async def sender_allowed(numbers: Any, account_sid: str, number: str) -> bool:
    """Whether the account may send from `number`: one of its numbers, Twilio's test
    number +15005550006, or an address callbox does not provision (short code,
    alphanumeric sender ID, channel address)."""
    if number == MAGIC_PASS or not number.startswith("+") or numbers is None:
        return True
    return bool(await numbers.owns_sender(account_sid, number))


def content_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or "application/octet-stream"

