"""One webhook delivery: sign, send, retry within the URL's overrides, record every
attempt.

    deliver(Delivery) ─► for each attempt (1 + rc, all within tt):
                           request ─► WebhookAttempt (request, status, latency, error)
                           retry only as rp allows (default: connect failures)
                       ◄─ the last result and the attempts

Requests carry Twilio's headers: `X-Twilio-Signature` (HMAC-SHA1 over the URL and the
sorted POST parameters, with the account's Auth Token), `I-Twilio-Idempotency-Token`
(the same for every attempt of one delivery) and a form body for POST, or the
parameters in the query for GET.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote_plus

from callbox.core.clock import Clock
from callbox.core.entities import WebhookAttempt
from callbox.core.sids import SidFactory
from callbox.webhooks.client import HttpRequest, HttpResult, Timeouts, WebhookClient
from callbox.webhooks.overrides import parse_overrides, should_retry
from callbox.webhooks.signature import sign

__all__ = ["Delivery", "Deliverer", "encode_form", "error_code_for"]

_MAX_LOGGED_BODY = 4096
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


@lru_cache(maxsize=65536)
def _quote_cached(value: str) -> str:
    return quote_plus(value)


def _quote(value: str) -> str:
    # SIDs and statuses need no quoting (most values); numbers and URLs repeat (cached).
    if _UNRESERVED.issuperset(value):
        return value
    if len(value) > 256:
        return quote_plus(value)
    return _quote_cached(value)


def encode_form(params: dict[str, str]) -> str:
    """`urllib.parse.urlencode(params)`, byte for byte, in a third of its time (the
    status callback path encodes three forms a message)."""
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items())


@dataclass(slots=True)
class Delivery:
    kind: str  # status_callback, sms_url, sms_fallback_url, redirect
    url: str  # may carry connection overrides in its fragment
    method: str
    params: dict[str, str]
    auth_token: str
    account_sid: str
    resource_sid: str
    token: str  # I-Twilio-Idempotency-Token
    job_sid: str | None = None
    first_attempt: int = 1


def error_code_for(result: HttpResult) -> int | None:
    """Twilio's debugger codes: 11205 no connection or no answer in time, 11200 any other
    failure to get a usable response (non-2xx status, oversized or broken response)."""
    if result.error_kind in ("connect", "read", "total"):
        return 11205
    if result.error_kind is not None or not result.ok:
        return 11200
    return None


class Deliverer:
    def __init__(self, client: WebhookClient, clock: Clock, sids: SidFactory) -> None:
        self.client = client
        self.clock = clock
        self.sids = sids

    async def deliver(self, d: Delivery) -> tuple[HttpResult, list[WebhookAttempt]]:
        base, ov = parse_overrides(d.url)
        method = "GET" if d.method.upper() == "GET" else "POST"
        encoded = encode_form(d.params)
        if method == "GET":
            url = base + ("&" if "?" in base else "?") + encoded if encoded else base
            signature = sign(url, None, d.auth_token)
            body = b""
            headers = [("X-Twilio-Signature", signature),
                       ("I-Twilio-Idempotency-Token", d.token), ("Accept", "*/*")]
        else:
            url = base
            signature = sign(url, d.params, d.auth_token)
            body = encoded.encode()
            headers = [("Content-Type", "application/x-www-form-urlencoded"),
                       ("X-Twilio-Signature", signature),
                       ("I-Twilio-Idempotency-Token", d.token), ("Accept", "*/*")]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ov.total_timeout
        attempts: list[WebhookAttempt] = []
        result = HttpResult(None, {}, b"", 0.0, "no time left for an attempt", "total")
        for n in range(ov.retry_count + 1):
            left = deadline - loop.time()
            if left <= 0:
                break
            at = self.clock.now()
            result = await self.client.request(
                HttpRequest(method, url, headers, body),
                Timeouts(connect=min(ov.connect_timeout, left), read=ov.read_timeout,
                         total=left),
            )
            attempts.append(self._attempt(d, n + d.first_attempt, method, url, encoded,
                                          headers, result, at))
            if result.error_kind is None and result.ok:
                break
            if not should_retry(ov.retry_policy, status=result.status,
                                connect_error=result.error_kind == "connect",
                                read_timeout=result.error_kind in ("read", "total")):
                break
        return result, attempts

    def _attempt(self, d: Delivery, n: int, method: str, url: str, encoded: str,
                 headers: list[tuple[str, str]], result: HttpResult,
                 at: datetime) -> WebhookAttempt:
        body = result.body[:_MAX_LOGGED_BODY].decode("utf-8", "replace") if result.body else None
        return WebhookAttempt(
            sid=self.sids("WA"), account_sid=d.account_sid, resource_sid=d.resource_sid,
            job_sid=d.job_sid, kind=d.kind, attempt=n, method=method, url=url,
            request_params=encoded, request_headers=dict(headers), status_code=result.status,
            response_body=body, latency_us=int(result.latency * 1_000_000),
            error_code=error_code_for(result), error=result.error, date_created=at,
        )
