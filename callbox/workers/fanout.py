"""`comms.fanout`: turns a Communications API operation's recipients into messages, in
batches. Each batch is one transaction: its messages, their media and send jobs, and the
operation's cursor (guarded by the cursor's old value and by `canceled`), so a crash or a
restart resumes after the last committed batch and no recipient gets two messages; a
cancel stops the fan-out at the next batch."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from callbox.core.clock import Clock
from callbox.core.comms import FanoutConflict, addressed, plan_batch
from callbox.core.entities import Job
from callbox.core.jobs import Changes, JobChange
from callbox.core.pacing import Pacer
from callbox.core.sids import SidFactory

__all__ = ["FanoutHandler"]

log = logging.getLogger("callbox.workers.fanout")


class FanoutHandler:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory, pacer: Pacer, *,
                 batch: int = 1000) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.pacer = pacer
        self.batch = batch
        self.lease = 60.0  # the runner's lease: each batch extends the job's by this much

    async def __call__(self, jobs: list[Job]) -> None:
        for job in jobs:
            await self._one(job)

    async def _one(self, job: Job) -> None:
        op = await self.store.get_operation(None, job.resource_sid)
        if op is None or op.canceled or op.processed >= op.recipients:
            await self.store.apply(Changes(jobs=[JobChange(job.sid, "done", self.clock.now())]))
            return
        targets = await self.store.operation_targets(op.sid)
        processed, request = op.processed, op.request
        seen = addressed(request["channel"], targets[:processed]) if processed else set()
        while processed < len(targets):
            end = min(processed + self.batch, len(targets))
            now = self.clock.now()
            messages, unaddressable = plan_batch(
                op.sid, op.account_sid, request, targets[processed:end], now, self.sids,
                self.pacer, op.tags, seen)
            try:
                await self.store.fanout_batch(
                    op.sid, expect_processed=processed, processed=end,
                    unaddressable=unaddressable, now=now, messages=messages,
                    job_done=job.sid if end >= len(targets) else None,
                    lease=(job.sid, now + timedelta(seconds=self.lease)))
            except FanoutConflict:
                self._release(messages)
                now_op = await self.store.get_operation(None, op.sid)
                if now_op is None or now_op.canceled or now_op.processed >= now_op.recipients:
                    log.info("fan-out of %s stopped at %d: canceled or done", op.sid,
                             processed)
                    await self.store.apply(Changes(jobs=[JobChange(job.sid, "done",
                                                                   self.clock.now())]))
                else:
                    # Another worker moved the cursor: our lease ran out and it claimed the
                    # job. Leave the job to it (marking it done here would lose the rest of
                    # the fan-out if that worker then died).
                    log.info("fan-out of %s: another worker took over at %d", op.sid,
                             now_op.processed)
                return
            except BaseException:
                self._release(messages)
                raise
            processed = end

    def _release(self, messages: list[Any]) -> None:
        for message, _, jobs in messages:
            if jobs and message.status.value == "queued":
                self.pacer.leave(message.from_, message.num_segments)
