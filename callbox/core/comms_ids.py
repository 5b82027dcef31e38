"""Communications API identifiers: `comms_<type>_<26 chars>`, the lowercase Crockford
base32 of a 128-bit UUIDv7 (the first character is therefore 0-7).

A message has one identity in both API families: the 128 bits of its 2010 sid
(`SM` + 32 hex digits, time-ordered like a UUIDv7) are the 128 bits of its comms id, so
`comms_message_…` <-> `SM…` needs no lookup table and every message of the store is visible
through both APIs.
"""

from __future__ import annotations

import hashlib
import os
import re
import time

__all__ = [
    "comms_id",
    "decode",
    "encode",
    "message_id",
    "new_id",
    "session_id",
    "session_parties",
    "sid_for_message_id",
    "uuid7",
]

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ID = re.compile(r"\Acomms_([a-z]+)_([0-7][0-9a-hjkmnp-tv-z]{25})\Z")


_PAIRS = [ALPHABET[i >> 5] + ALPHABET[i & 31] for i in range(1024)]  # 10 bits -> 2 chars
_SHIFTS = tuple(range(120, -1, -10))


def encode(n: int) -> str:
    """Up to 130 bits -> 26 base32 characters (most significant first), 10 bits a step."""
    return "".join([_PAIRS[(n >> shift) & 1023] for shift in _SHIFTS])


def decode(text: str) -> int:
    n = 0
    for c in text:
        n = (n << 5) | _INDEX[c]
    return n


def uuid7() -> int:
    """48 bits of Unix milliseconds, version 7, variant 10, 74 random bits."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    return ((millis & 0xFFFFFFFFFFFF) << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b


def new_id(kind: str) -> str:
    return f"comms_{kind}_{encode(uuid7())}"


def comms_id(value: str, kind: str) -> int | None:
    """The 128 bits of `comms_<kind>_…`, or None when `value` is not such an id."""
    m = _ID.match(value)
    if m is None or m.group(1) != kind:
        return None
    return decode(m.group(2))


def message_id(sid: str) -> str:
    """`SM…`/`MM…` -> `comms_message_…`."""
    return f"comms_message_{encode(int(sid[2:], 16))}"


def sid_for_message_id(value: str) -> tuple[str, str] | None:
    """`comms_message_…` -> the two sids it may be stored under (SM…, MM…), or None."""
    n = comms_id(value, "message")
    if n is None:
        return None
    hex32 = f"{n:032x}"
    return f"SM{hex32}", f"MM{hex32}"


def session_id(account_sid: str, ours: str, theirs: str) -> str:
    """The thread between the account's address and the other party's (same both ways)."""
    digest = hashlib.blake2b(f"{account_sid}\x00{ours}\x00{theirs}".encode(),
                             digest_size=16).digest()
    return f"comms_session_{encode(int.from_bytes(digest, 'big') >> 2)}"


def session_parties(inbound: bool, from_: str, to: str) -> tuple[str, str]:
    """(the account's address, the other party's) of a message, as the 2010 API has them."""
    return (to, from_) if inbound else (from_, to)
