"""The job runner: claims due jobs in batches and hands each batch to its kind's handler.

    wake() ──► loop: claim up to `batch` due jobs (a lease of `lease` seconds)
                      └─ per kind: handler(jobs) as a task (at most `max_inflight` jobs)
                    nothing due: sleep until the next job is due (at most `poll` s)
                                 or until wake()
                    every `prune_every` s: delete finished jobs older than `retention`
                                 (in batches of `prune_batch`, between claims)

A handler commits each job's outcome together with the work (done, rescheduled, failed).
If a handler raises, its jobs go back to pending with backoff; after `max_attempts`
claims a job is given up (`failed`). A crash leaves leased jobs `running`: the next
start puts them back (the embedded server is the only worker of its database), and in
a shared database any worker takes them once their lease has run out.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from callbox.core.clock import Clock
from callbox.core.entities import Job
from callbox.core.jobs import Changes, JobChange, backoff

__all__ = ["Handler", "Runner"]

log = logging.getLogger("callbox.workers")

Handler = Callable[[list[Job]], Awaitable[None]]


class Runner:
    def __init__(self, store: Any, clock: Clock, handlers: dict[str, Handler], *,
                 batch: int = 512, max_inflight: int = 8192, lease: float = 60.0,
                 poll: float = 1.0, max_attempts: int = 10, sole_worker: bool = True,
                 linger: float = 0.01, retention: timedelta | None = None,
                 prune_every: float = 300.0, prune_batch: int = 5000) -> None:
        self.store = store
        self.clock = clock
        self.handlers = handlers
        self.batch = batch
        self.max_inflight = max_inflight
        self.lease = lease
        self.poll = poll
        self.max_attempts = max_attempts
        self.sole_worker = sole_worker
        self.linger = linger
        self.retention = retention
        self.prune_every = prune_every
        self.prune_batch = prune_batch
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._inflight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._rng = random.Random()

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        released = await self.store.release_jobs(self.clock.now(), all_running=self.sole_worker)
        if released:
            log.info("resumed %d job(s) a previous run left unfinished", released)
        self._loop_task = asyncio.create_task(self._run(), name="callbox-job-runner")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; give running handlers `timeout` seconds, then cancel them (their
        jobs stay leased and run again at the next start)."""
        self._stopping = True
        self._wake.set()
        self._room.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is due or running (tests and benchmarks)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if not self._tasks and not await self.store.count_jobs(status="running"):
                due = await self.store.next_job_at()
                if due is None or due > self.clock.now():
                    return True
            self.wake()
            await asyncio.sleep(0.02)
        return False

    async def _run(self) -> None:
        last_sweep = 0.0
        loop = asyncio.get_running_loop()
        next_prune = loop.time()
        while not self._stopping:
            try:
                if self._inflight >= self.max_inflight:
                    self._room.clear()
                    await self._room.wait()
                    continue
                if not self.sole_worker and loop.time() - last_sweep > self.lease / 4:
                    last_sweep = loop.time()
                    await self.store.release_jobs(self.clock.now())
                more_to_prune = False
                if self.retention is not None and loop.time() >= next_prune:
                    pruned = await self.store.prune_jobs(self.clock.now() - self.retention,
                                                         self.prune_batch)
                    # a full batch: more are left, take the next one after this claim
                    more_to_prune = pruned >= self.prune_batch
                    next_prune = loop.time() + (0 if more_to_prune else self.prune_every)
                self._wake.clear()
                now = self.clock.now()
                limit = min(self.batch, self.max_inflight - self._inflight)
                jobs = await self.store.claim_jobs(now, now + timedelta(seconds=self.lease),
                                                   limit)
                if jobs:
                    self._dispatch(jobs)
                    if len(jobs) == limit:
                        await asyncio.sleep(0)
                        continue
                if more_to_prune:
                    await asyncio.sleep(0)
                    continue
                await self._idle()
                # Woken by new work: let a little more arrive, so that it is claimed, sent
                # and committed in batches (each batch costs a claim and a commit).
                if self.linger:
                    await asyncio.sleep(self.linger)
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._stopping:
                    break
                log.exception("job runner: claiming failed; retrying in 1 s")
                await asyncio.sleep(1.0)

    async def _idle(self) -> None:
        due = await self.store.next_job_at()
        wait = self.poll
        if due is not None:
            wait = max(0.0, min(wait, (due - self.clock.now()).total_seconds()))
        if wait <= 0:
            await asyncio.sleep(0)
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=wait)
        except TimeoutError:
            pass

    def dispatch(self, jobs: list[Job]) -> None:
        """Run jobs already leased to this process (written leased by another handler)."""
        if not self._stopping:
            self._dispatch(jobs)

    def _dispatch(self, jobs: list[Job]) -> None:
        by_kind: dict[str, list[Job]] = {}
        for job in jobs:
            by_kind.setdefault(job.kind, []).append(job)
        for kind, group in by_kind.items():
            self._inflight += len(group)
            task = asyncio.create_task(self._handle(kind, group))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, kind: str, jobs: list[Job]) -> None:
        try:
            handler = self.handlers.get(kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            await handler(jobs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("job handler %s failed for %d job(s)", kind, len(jobs))
            await self._retry(jobs, f"{type(exc).__name__}: {exc}")
        finally:
            self._inflight -= len(jobs)
            self._room.set()

    async def _retry(self, jobs: list[Job], error: str) -> None:
        now = self.clock.now()
        changes = Changes()
        for job in jobs:
            if job.attempts >= self.max_attempts:
                changes.jobs.append(JobChange(job.sid, "failed", now, last_error=error))
            else:
                delay = backoff(job.attempts, rng=self._rng)
                changes.jobs.append(JobChange(job.sid, "pending", now, run_at=now + delay,
                                              last_error=error))
        try:
            await self.store.apply(changes)
        except Exception:
            log.exception("could not reschedule %d job(s); their lease will expire", len(jobs))
