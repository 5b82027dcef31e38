"""What a carrier connector does: take messages for delivery and say what became of them.

A worker hands a batch of `Submission`s to `submit`; each comes back with a `Receipt`:
refused at once (`failed` with a 300xx code), or accepted, with the delivery report the
carrier will give (`final`, after `report_after` seconds). A connector must accept each
`idempotency_key` at most once: a worker that crashed after submitting submits again
after the restart, and the second submission must not reach the handset again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from callbox.core.entities import MessageStatus

__all__ = ["Connector", "Receipt", "Submission"]


@dataclass(slots=True, frozen=True)
class Submission:
    idempotency_key: str
    message_sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...]
    num_segments: int


@dataclass(slots=True, frozen=True)
class Receipt:
    accepted: bool
    error_code: int | None = None  # when refused, or with a failing final status
    final: MessageStatus = MessageStatus.DELIVERED  # delivered, undelivered or failed
    sending_after: float = 0.0  # seconds in `queued` before the carrier takes it
    sent_after: float = 0.0  # seconds from `sending` to `sent` (the carrier's ack)
    report_after: float = 0.0  # seconds from `sent` to the delivery report


class Connector(Protocol):
    name: str

    def plan(self, sub: Submission) -> Receipt:
        """What will become of this message (the simulator knows in advance; a real
        carrier's connector answers `accepted` and reports later)."""
        ...

    async def submit(self, batch: Sequence[Submission]) -> list[Receipt]: ...
