"""Per-sender pacing, as carriers meter senders: a long code sends 1 segment a second, a
toll-free number 3, a short code 100. A sender's queue holds at most 10 hours' worth of
segments; beyond that create answers 21611.

    admit(sender, segments)   at create: count the segments into the sender's queue
    slot(sender, segments)    at send: when this message may leave (reserves the time)
    leave(sender, segments)   when a message leaves the queue (sent, failed, canceled)

One `Pacer` per process; the queue counts are rebuilt from the store at start-up.
Disabled (the simulator's default) it admits everything and never delays.
"""

from __future__ import annotations

import phonenumbers

__all__ = ["MAX_QUEUE_SECONDS", "RATES", "Pacer", "sender_class"]

RATES = {"shortcode": 100.0, "tollfree": 3.0, "longcode": 1.0}
MAX_QUEUE_SECONDS = 10 * 3600


def sender_class(sender: str) -> str:
    """shortcode (3-8 digits, no +), tollfree, or longcode (every other number, and
    alphanumeric sender IDs, which carriers meter like long codes)."""
    if not sender.startswith("+"):
        return "shortcode" if sender.isdigit() and 3 <= len(sender) <= 8 else "longcode"
    try:
        parsed = phonenumbers.parse(sender, None)
    except phonenumbers.NumberParseException:
        return "longcode"
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE:
        return "tollfree"
    return "longcode"


class Pacer:
    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._next: dict[str, float] = {}  # sender -> epoch seconds of its next free slot
        self._queued: dict[str, int] = {}  # sender -> segments waiting
        self._classes: dict[str, str] = {}

    def rate(self, sender: str) -> float:
        cls = self._classes.get(sender)
        if cls is None:
            cls = self._classes[sender] = sender_class(sender)
        return RATES[cls]

    def restore(self, queued: dict[str, int]) -> None:
        self._queued = dict(queued)

    def admit(self, sender: str, segments: int) -> bool:
        if not self.enabled:
            return True
        waiting = self._queued.get(sender, 0)
        if (waiting + segments) / self.rate(sender) > MAX_QUEUE_SECONDS:
            return False
        self._queued[sender] = waiting + segments
        return True

    def add(self, sender: str, segments: int) -> None:
        """Count segments in without the limit (a scheduled message that fell due)."""
        if self.enabled:
            self._queued[sender] = self._queued.get(sender, 0) + segments

    def leave(self, sender: str, segments: int) -> None:
        if self.enabled and sender in self._queued:
            left = self._queued[sender] - segments
            if left > 0:
                self._queued[sender] = left
            else:
                del self._queued[sender]

    def slot(self, sender: str, segments: int, now: float) -> float:
        """The time this message may be handed to the carrier; reserves its share of the
        sender's rate. `now` when pacing is off or the sender is idle."""
        if not self.enabled:
            return now
        start = max(now, self._next.get(sender, now))
        self._next[sender] = start + max(1, segments) / self.rate(sender)
        return start
