"""Addresses as Twilio accepts them: E.164 numbers, short codes, alphanumeric sender
IDs (From only) and channel addresses such as `whatsapp:+14155552345`."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = ["normalize_address", "normalize_e164", "CHANNEL_PREFIXES"]

CHANNEL_PREFIXES = ("whatsapp:", "messenger:", "rcs:")
_STRIP = re.compile(r"[\s().\-]")
_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 +\-_&]{1,11}$")


@lru_cache(maxsize=65536)
def normalize_e164(raw: str) -> str | None:
    """`+1 (415) 555-2345` -> `+14155552345`; None when it is not a possible number."""
    candidate = _STRIP.sub("", raw)
    if not candidate.startswith("+") or not candidate[1:].isdigit():
        return None
    try:
        parsed = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if formatted != candidate:
        # Formatting may drop a national trunk zero (+44 020… → +4420…); only accept the
        # result if it is itself stable, else digits would shift on every round trip.
        again = phonenumbers.parse(formatted, None)
        if (not phonenumbers.is_possible_number(again)
                or phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164)
                != formatted):
            return None
    return formatted


def normalize_address(raw: str, *, sender: bool = False) -> str | None:
    """The canonical form of a To (or, with sender=True, a From) address, or None."""
    raw = raw.strip()
    lowered = raw.lower()
    for prefix in CHANNEL_PREFIXES:
        if lowered.startswith(prefix):
            number = normalize_e164(raw[len(prefix):])
            return prefix + number if number else None
    number = normalize_e164(raw)
    if number:
        return number
    if _SHORT_CODE.match(raw):
        return raw
    if sender and _ALPHANUMERIC.match(raw):
        return raw
    return None
