"""Durable jobs: kinds, retry policy, and the unit of work a worker commits.

A job row is written in the same transaction as the resource it acts on. A worker claims
due jobs (a lease), does the work, and commits the outcome (`Changes`) in one transaction:
the resource's new state, the job's new state and any jobs that follow. Whatever happens
in between (a crash, a restart), the job is still there and runs again; the steps it
takes are guarded so that running twice changes nothing twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from callbox.core.entities import InboxEntry, Job, Media, Message, Notification, WebhookAttempt

__all__ = [
    "INBOUND_JOB",
    "SEND_JOB",
    "WEBHOOK_JOB",
    "Changes",
    "JobChange",
    "MessageChange",
    "backoff",
]

SEND_JOB = "message.send"
INBOUND_JOB = "message.inbound"
WEBHOOK_JOB = "webhook.deliver"


def backoff(attempt: int, *, base: float = 1.0, cap: float = 300.0,
            rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: a random delay in [0.5, 1] x min(cap, base*2^n),
    so retries of many jobs that failed together spread out instead of arriving together."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    r = (rng or random).random()
    return timedelta(seconds=ceiling * (0.5 + r / 2))


@dataclass(slots=True)
class MessageChange:
    """A status step of one message, applied only if the message is still in one of the
    `expect` statuses (the guard that makes a repeated step a no-op). The jobs in `then`
    (status callbacks) and the inbox entry are written only if the step applied."""

    sid: str
    account_sid: str
    expect: frozenset[str]
    values: dict[str, Any]
    then: list[Job] = field(default_factory=list)
    inbox: InboxEntry | None = None


@dataclass(slots=True)
class JobChange:
    """A job's next state: done, failed (given up), canceled, or pending again at run_at."""

    sid: str
    status: str
    date_updated: datetime
    run_at: datetime | None = None
    payload: dict[str, Any] | None = None
    last_error: str | None = None
    reset_attempts: bool = False


@dataclass(slots=True)
class Changes:
    """One worker transaction. Order of application: new messages (with media and their
    jobs), message steps, job changes, new jobs, attempts, notifications."""

    messages: list[tuple[Message, list[Media], list[Job]]] = field(default_factory=list)
    steps: list[MessageChange] = field(default_factory=list)
    jobs: list[JobChange] = field(default_factory=list)
    new_jobs: list[Job] = field(default_factory=list)
    attempts: list[WebhookAttempt] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.messages or self.steps or self.jobs or self.new_jobs
                    or self.attempts or self.notifications)
