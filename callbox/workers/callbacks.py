"""`webhook.deliver`: status callbacks (and any other queued webhook), delivered with the
URL's connection overrides, every attempt logged.

A delivery that gets no usable answer (no connection, timeout, 5xx or 429) is retried
later with exponential backoff and jitter, up to `max_attempts` rounds, so a receiver
that is down for a while still gets every callback once it is back; then the job is
given up and an 11200/11205 notification recorded. Callbacks of one message are sent in
the order of its steps.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from callbox.core.clock import Clock
from callbox.core.entities import Job, Notification
from callbox.core.jobs import Changes, JobChange, backoff
from callbox.core.sids import SidFactory
from callbox.webhooks.client import HttpResult
from callbox.webhooks.delivery import Deliverer, Delivery, error_code_for

__all__ = ["CallbackHandler"]


def _retryable(result: HttpResult) -> bool:
    if result.error_kind in ("connect", "read", "total", "protocol"):
        return True
    return result.status is not None and (result.status >= 500 or result.status == 429)


class CallbackHandler:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory, deliverer: Deliverer,
                 accounts: Any, *, max_attempts: int = 10) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.deliverer = deliverer
        self.accounts = accounts
        self.max_attempts = max_attempts
        self._rng = random.Random()

    async def __call__(self, jobs: list[Job]) -> None:
        by_resource: dict[str, list[Job]] = {}
        for job in sorted(jobs, key=lambda j: (j.resource_sid, j.payload.get("seq", 0))):
            by_resource.setdefault(job.resource_sid, []).append(job)
        changes = Changes()
        await asyncio.gather(*(self._in_order(group, changes)
                               for group in by_resource.values()))
        await self.store.apply(changes)

    async def _in_order(self, jobs: list[Job], changes: Changes) -> None:
        for job in jobs:
            await self._one(job, changes)

    async def _one(self, job: Job, changes: Changes) -> None:
        now = self.clock.now()
        account = await self.accounts.account(job.account_sid)
        if account is None:
            changes.jobs.append(JobChange(job.sid, "failed", now, last_error="account gone"))
            return
        p = job.payload
        result, attempts = await self.deliverer.deliver(Delivery(
            kind=p.get("kind", "status_callback"), url=p["url"], method=p.get("method", "POST"),
            params=p["params"], auth_token=account.auth_token, account_sid=job.account_sid,
            resource_sid=job.resource_sid, token=f"{job.sid}-{job.idempotency_key}",
            job_sid=job.sid, first_attempt=p.get("tried", 0) + 1,
        ))
        changes.attempts += attempts
        now = self.clock.now()
        if not _retryable(result):
            changes.jobs.append(JobChange(job.sid, "done", now))
            return
        error = result.error or f"HTTP {result.status}"
        if job.attempts >= self.max_attempts:
            changes.jobs.append(JobChange(job.sid, "failed", now, last_error=error))
            changes.notifications.append(Notification(
                sid=self.sids("NO"), account_sid=job.account_sid,
                error_code=error_code_for(result) or 11200, log="0",
                message_text=f"Status callback to {p['url']} gave up after {job.attempts} "
                             f"rounds: {error}",
                message_date=now, date_created=now, resource_sid=job.resource_sid,
                request_method=p.get("method", "POST"), request_url=p["url"],
                request_variables=attempts[-1].request_params if attempts else None,
                response_body=attempts[-1].response_body if attempts else None,
            ))
            return
        payload = {**p, "tried": p.get("tried", 0) + len(attempts)}
        changes.jobs.append(JobChange(
            job.sid, "pending", now, run_at=now + backoff(job.attempts, base=2.0, cap=600.0,
                                                           rng=self._rng),
            payload=payload, last_error=error,
        ))
