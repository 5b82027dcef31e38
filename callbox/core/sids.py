"""SIDs: two letters and 32 lowercase hex digits. One factory, injectable for tests."""

from __future__ import annotations

import os
import re
import time
from typing import Protocol

__all__ = ["RandomSids", "SidFactory", "SequentialSids", "is_sid"]


_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def is_sid(value: str, prefix: str | None = None) -> bool:
    return bool(_SID.match(value)) and (prefix is None or value.startswith(prefix))


class SidFactory(Protocol):
    def __call__(self, prefix: str) -> str: ...


class RandomSids:
    """Time-ordered SIDs: the 128 bits of a UUIDv7 (48 bits of milliseconds, version 7,
    variant 10, 74 random bits from the OS, fetched 4 KiB at a time). Same shape as
    Twilio's; the time prefix keeps B-tree inserts next to each other, which cut the pages a
    group commit writes by an order of magnitude. Being UUIDv7s, a message's sid is also its
    Communications API id (`core.comms_ids`)."""

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def __call__(self, prefix: str) -> str:
        if self._at >= len(self._pool):
            self._pool, self._at = os.urandom(4000), 0
        at = self._at
        self._at = at + 10
        millis = time.time_ns() // 1_000_000
        rand = self._pool[at : at + 10]
        return (f"{prefix}{millis & 0xFFFFFFFFFFFF:012x}{(rand[0] & 0x0F) | 0x70:02x}"
                f"{rand[1]:02x}{(rand[2] & 0x3F) | 0x80:02x}{rand[3:].hex()}")


class SequentialSids:
    """Deterministic SIDs for tests: AC000…001, AC000…002, …"""

    def __init__(self) -> None:
        self._n = 0

    def __call__(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:032x}"
