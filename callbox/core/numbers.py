"""Phone numbers an account owns (IncomingPhoneNumbers), the simulated inventory they are
bought from (AvailablePhoneNumbers) and Applications. (Being written.)"""

from __future__ import annotations

from typing import Any

from callbox.core.clock import Clock
from callbox.core.sids import SidFactory

__all__ = ["NumberService"]


class NumberService:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
