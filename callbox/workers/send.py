"""`message.send`: moves an outbound message through its statuses.

    scheduled ─(SendAt)─► queued ─► sending ─► sent ─► delivered | undelivered
                                          └─► failed (refused by the carrier, 300xx)
    queued past its ValidityPeriod ─► failed (30036)

The job carries the next stage in its payload. Each run applies every stage that is due
(with the simulator's default latencies of 0 that is all of them, in one transaction:
one guarded UPDATE of the message plus a status callback job per step) and reschedules
itself for the next stage otherwise. Every step is guarded by the status it expects, so
a job that runs again after a crash changes nothing twice; the handset's inbox entry is
written with the `delivered` step under the message's idempotency key (the carrier edge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from callbox.channels.base import Connector, Submission
from callbox.channels.sim.network import error_message
from callbox.core.callbacks import callback_job
from callbox.core.clock import Clock
from callbox.core.entities import InboxEntry, Job, Message, MessageStatus
from callbox.core.jobs import Changes, JobChange, MessageChange
from callbox.core.pacing import Pacer
from callbox.core.sids import SidFactory

__all__ = ["SendHandler"]

log = logging.getLogger("callbox.workers.send")

S = MessageStatus


class SendHandler:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory, connector: Connector,
                 pacer: Pacer) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.connector = connector
        self.pacer = pacer
        self.handoff: Callable[[list[Job]], None] | None = None
        self.lease = 60.0

    async def __call__(self, jobs: list[Job]) -> None:
        now = self.clock.now()
        messages = await self.store.messages_by_sid([j.resource_sid for j in jobs])
        media = await self._media(messages)
        changes = Changes()
        # (index of the job's step in changes.steps, sender, segments into (+) or out of
        # (-) the sender's queue): counted only once the step has committed, so a step whose
        # guard failed (a cancel got there first) or a transaction that failed (the job runs
        # again) never moves the pacer's counts, which mirror the store's queued messages.
        pacing: list[tuple[int, str, int]] = []
        for job in jobs:
            message = messages.get(job.resource_sid)
            if message is None or message.status not in (S.SCHEDULED, S.QUEUED, S.SENDING,
                                                          S.SENT):
                # deleted, canceled, or already final: nothing left to do
                changes.jobs.append(JobChange(job.sid, "done", now))
                continue
            self._advance(job, message, media.get(message.sid, ()), now, changes, pacing)
        applied = await self.store.apply(changes)
        for index, sender, segments in pacing:
            if applied[index]:
                if segments > 0:
                    self.pacer.add(sender, segments)
                else:
                    self.pacer.leave(sender, -segments)
        if self.handoff is not None:
            # The status callbacks were written already leased: run them now, without a
            # second claim (a crash leaves them to the next start or the lease's end).
            ready = [job for step, ok in zip(changes.steps, applied, strict=True) if ok
                     for job in step.then]
            if ready:
                self.handoff(ready)

    async def _media(self, messages: dict[str, Message]) -> dict[str, tuple[str, ...]]:
        with_media = [m.sid for m in messages.values() if m.num_media]
        if not with_media:
            return {}
        return await self.store.media_urls(with_media)  # type: ignore[no-any-return]

    def _advance(self, job: Job, message: Message, media: tuple[str, ...], now: datetime,
                 changes: Changes, pacing: list[tuple[int, str, int]]) -> None:
        receipt = self.connector.plan(Submission(
            idempotency_key=job.idempotency_key, message_sid=message.sid,
            account_sid=message.account_sid, to=message.to, from_=message.from_,
            body=message.body, media_urls=media, num_segments=message.num_segments,
        ))
        stage: str | None = job.payload.get("stage") or _first_stage(message.status)
        due = datetime.fromisoformat(job.payload["due"]) if "due" in job.payload else job.run_at
        values: dict[str, Any] = {}
        then: list[Job] = []
        inbox: InboxEntry | None = None
        sender, segments = message.from_, message.num_segments
        queue_delta = 0
        while stage is not None and due <= now:
            if stage == "queue":  # a scheduled message is due
                queue_delta += segments
                self._step(message, S.QUEUED, None, due, values, then)
                stage = "pace"
            elif stage == "pace":  # reserve the sender's next slot (once)
                slot = self.pacer.slot(sender, segments, due.timestamp())
                due = max(due, datetime.fromtimestamp(slot, due.tzinfo))
                due += timedelta(seconds=receipt.sending_after)
                stage = "sending"
            elif stage == "sending":
                queue_delta -= segments
                if _expired(message, due):
                    self._step(message, S.FAILED, 30036, due, values, then)
                    stage = None
                    break
                self._step(message, S.SENDING, None, due, values, then)
                stage = "sent"
                due += timedelta(seconds=receipt.sent_after)
            elif stage == "sent":
                if not receipt.accepted:
                    self._step(message, S.FAILED, receipt.error_code, due, values, then)
                    stage = None
                    break
                values["date_sent"] = due
                self._step(message, S.SENT, None, due, values, then)
                stage = "final"
                due += timedelta(seconds=receipt.report_after)
            else:  # the delivery report
                self._step(message, receipt.final, receipt.error_code, due, values, then)
                if receipt.final is S.DELIVERED:
                    inbox = InboxEntry(
                        idempotency_key=job.idempotency_key, message_sid=message.sid,
                        account_sid=message.account_sid, handset=message.to, sender=sender,
                        body=message.body, media=list(media), num_segments=segments,
                        date_received=due,
                    )
                stage = None
        if values:
            if queue_delta:
                pacing.append((len(changes.steps), sender, queue_delta))
            changes.steps.append(MessageChange(message.sid, message.account_sid,
                                               frozenset({message.status.value}), values, then,
                                               inbox))
        if stage is None:
            changes.jobs.append(JobChange(job.sid, "done", now))
        else:
            payload = {**job.payload, "stage": stage, "due": due.isoformat()}
            changes.jobs.append(JobChange(job.sid, "pending", now, run_at=due, payload=payload,
                                          reset_attempts=True))

    def _step(self, message: Message, status: MessageStatus, error_code: int | None,
              at: datetime, values: dict[str, Any], then: list[Job]) -> None:
        values["status"] = status.value
        values["date_updated"] = at
        if error_code is not None:
            values["error_code"] = error_code
            values["error_message"] = error_message(error_code)
        if message.status_callback:
            job = callback_job(
                self.sids("JB"), message, status, url=message.status_callback,
                method=message.options.get("StatusCallbackMethod", "POST"),
                error_code=error_code, at=at, seq=len(then),
            )
            if self.handoff is not None:
                job.status = "running"
                job.attempts = 1
                job.locked_until = self.clock.now() + timedelta(seconds=self.lease)
            then.append(job)


def _first_stage(status: MessageStatus) -> str:
    return {S.SCHEDULED: "queue", S.QUEUED: "pace", S.SENDING: "sent",
            S.SENT: "final"}[status]


def _expired(message: Message, at: datetime) -> bool:
    if not message.validity_period:
        return False
    return at > message.date_created + timedelta(seconds=message.validity_period)

