"""`message.inbound`: a virtual handset's text reached one of the account's numbers.

    the number's SmsUrl (or its SmsApplication's), signed, with Twilio's parameters
      └─ no usable answer ─► SmsFallbackUrl ─► still none: notification 11200/11205
    the answer's TwiML ─► <Message>: a reply through the normal outbound path
                          <Redirect>: fetch that TwiML (at most 10 times) and go on
                          broken TwiML: notification 12xxx/11750, nothing is sent

The replies are written in the same transaction that finishes the job, so a crash
before it means the webhook is called again and nothing is sent twice; a crash after
means everything is already stored. Twilio does not retry an incoming-message webhook
beyond the URL's own overrides and the fallback URL; neither does callbox.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from callbox.core.callbacks import inbound_params
from callbox.core.clock import Clock
from callbox.core.entities import Job, Message, MessageDirection, Notification
from callbox.core.errors import CallboxError
from callbox.core.jobs import Changes, JobChange
from callbox.core.messaging import MessagingService, NewMessage, content_type
from callbox.core.sids import SidFactory
from callbox.twiml import MessageVerb, RedirectVerb, TwimlError, parse_messaging_with_warnings
from callbox.webhooks.client import HttpResult
from callbox.webhooks.delivery import Deliverer, Delivery, error_code_for

__all__ = ["InboundHandler"]

log = logging.getLogger("callbox.workers.inbound")

MAX_REDIRECTS = 10
MAX_REPLIES = 10


class InboundHandler:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory, deliverer: Deliverer,
                 accounts: Any, numbers: Any, messaging: MessagingService) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.deliverer = deliverer
        self.accounts = accounts
        self.numbers = numbers
        self.messaging = messaging

    async def __call__(self, jobs: list[Job]) -> None:
        messages = await self.store.messages_by_sid([j.resource_sid for j in jobs])
        media = await self.store.media_urls([m.sid for m in messages.values() if m.num_media])
        for job in jobs:
            changes = Changes()
            message = messages.get(job.resource_sid)
            if message is not None:
                await self._run(job, message, media.get(message.sid, ()), changes)
            changes.jobs.append(JobChange(job.sid, "done", self.clock.now()))
            await self.store.apply(changes)

    async def _run(self, job: Job, message: Message, media: tuple[str, ...],
                   changes: Changes) -> None:
        account = await self.accounts.account(message.account_sid)
        number = await self.numbers.find_by_number(message.to)
        if account is None or number is None or number.account_sid != message.account_sid:
            return  # the number was released or moved: nobody to call
        config: Any = number
        if number.sms_application_sid:
            app = await self.numbers.get_application(number.account_sid,
                                                     number.sms_application_sid)
            config = app or number
        if not config.sms_url:
            return
        params = inbound_params(message, [(url, content_type(url)) for url in media])
        result, url = await self._fetch(job, message, account.auth_token, "sms_url",
                                        config.sms_url, config.sms_method, params, changes)
        if not _usable(result) and config.sms_fallback_url:
            self._notify(changes, message, result, url, params)
            result, url = await self._fetch(job, message, account.auth_token,
                                            "sms_fallback_url", config.sms_fallback_url,
                                            config.sms_fallback_method, params, changes)
        replies = 0
        for _ in range(MAX_REDIRECTS + 1):
            if not _usable(result):
                self._notify(changes, message, result, url, params)
                return
            try:
                verbs, warnings = parse_messaging_with_warnings(
                    result.body, result.headers.get("content-type"))
            except TwimlError as exc:
                self._log(changes, message, exc.code, exc.message, url, result, params)
                return
            for warning in warnings:
                self._log(changes, message, warning.code, warning.message, url, result,
                          params, log="1")
            redirect: RedirectVerb | None = None
            for verb in verbs:
                if isinstance(verb, RedirectVerb):
                    redirect = verb
                    break
                if replies >= MAX_REPLIES:
                    self._log(changes, message, 14109, "TwiML Reply message limit exceeded: "
                              "at most 10 messages are sent per incoming message", url, result,
                              params, log="1")
                    break
                replies += 1
                await self._reply(message, verb, url, changes, result, params)
            if redirect is None:
                return
            url = urljoin(url, redirect.url)
            result, url = await self._fetch(job, message, account.auth_token, "redirect",
                                            url, redirect.method, params, changes)
        self._log(changes, message, 11215, f"Too many redirects (more than {MAX_REDIRECTS})",
                  url, result, params)

    async def _fetch(self, job: Job, message: Message, token: str, kind: str, url: str,
                     method: str | None, params: dict[str, str],
                     changes: Changes) -> tuple[HttpResult, str]:
        result, attempts = await self.deliverer.deliver(Delivery(
            kind=kind, url=url, method=method or "POST", params=params, auth_token=token,
            account_sid=message.account_sid, resource_sid=message.sid,
            token=f"{job.sid}-{kind}-{len(changes.attempts)}", job_sid=job.sid,
        ))
        changes.attempts += attempts
        return result, url.partition("#")[0]

    async def _reply(self, inbound: Message, verb: MessageVerb, base_url: str,
                     changes: Changes, result: HttpResult, params: dict[str, str]) -> None:
        callback = verb.action or verb.status_callback
        req = NewMessage(
            to=verb.to or inbound.from_,
            from_=verb.from_ or inbound.to,
            body=verb.body,
            media_urls=[urljoin(base_url, m) for m in verb.media],
            status_callback=urljoin(base_url, callback) if callback else None,
            status_callback_method=verb.method,
        )
        try:
            message, media, job = await self.messaging.build(
                inbound.account_sid, req, direction=MessageDirection.OUTBOUND_REPLY)
            self.messaging.admit(message)
        except CallboxError as exc:
            code = {"To": 14101, "From": 14102}.get(exc.field or "", 14103)
            self._log(changes, inbound, code, f"<Message> reply refused: {exc.message} "
                      f"(error {exc.code})", base_url, result, params)
            return
        changes.messages.append((message, media, [job]))

    def _notify(self, changes: Changes, message: Message, result: HttpResult, url: str,
                params: dict[str, str]) -> None:
        code = 11750 if result.error_kind == "size" else (error_code_for(result) or 11200)
        what = result.error or f"HTTP {result.status}"
        self._log(changes, message, code, f"Could not get TwiML from {url}: {what}", url,
                  result, params)

    def _log(self, changes: Changes, message: Message, code: int, text: str, url: str,
             result: HttpResult, params: dict[str, str], *, log: str = "0") -> None:
        now: datetime = self.clock.now()
        body = result.body[:4096].decode("utf-8", "replace") if result.body else None
        changes.notifications.append(Notification(
            sid=self.sids("NO"), account_sid=message.account_sid, error_code=code, log=log,
            message_text=text, message_date=now, date_created=now, resource_sid=message.sid,
            request_method="POST", request_url=url,
            request_variables="&".join(f"{k}={v}" for k, v in params.items()),
            response_body=body,
            response_headers="\n".join(f"{k}: {v}" for k, v in result.headers.items()) or None,
        ))


def _usable(result: HttpResult) -> bool:
    return result.error_kind is None and result.ok

