"""Wire dates: RFC 2822 out (always `+0000`), many forms in."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

__all__ = ["LATEST", "day_bounds", "second_bounds", "format_rfc2822", "parse_date_or_datetime"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


_last: tuple[int, str] = (-1, "")


def format_rfc2822(value: datetime | None) -> str | None:
    """`Fri, 13 Aug 2010 01:16:24 +0000`, locale-independent. Many records share a second,
    so the last answer is kept."""
    global _last
    if value is None:
        return None
    v = value.astimezone(UTC)
    second = math.floor(v.timestamp())
    last = _last
    if last[0] == second:
        return last[1]
    text = (f"{_DAYS[v.weekday()]}, {v.day:02d} {_MONTHS[v.month]} {v.year:04d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d} +0000")
    _last = (second, text)
    return text


_EXTRA_FORMATS = ("%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


def parse_date_or_datetime(raw: str) -> date | datetime:
    """A `date` for `YYYY-MM-DD`; otherwise an aware UTC `datetime`.

    Accepts ISO 8601 (`2019-06-11T22:05:25Z`, offsets, fractions), RFC 2822 and the other
    forms Twilio's spec shows as examples. Raises ValueError otherwise.
    """
    text = raw.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        base = text.rsplit(" ", 1)[0] if text[-3:].isalpha() else text
        for fmt in _EXTRA_FORMATS:
            try:
                parsed = datetime.strptime(base, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"not a date: {raw!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date out of range: {raw!r}") from None


LATEST = datetime.max.replace(tzinfo=UTC)


def day_bounds(value: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC day; the last representable day ends at `LATEST`."""
    start = datetime.combine(value, time(0), tzinfo=UTC)
    if value == date.max:
        return start, LATEST
    return start, datetime.combine(date.fromordinal(value.toordinal() + 1), time(0), tzinfo=UTC)


def second_bounds(value: datetime) -> tuple[datetime, datetime]:
    """[value, value + 1 s), clamped at `LATEST`."""
    return value, (value + timedelta(seconds=1) if value < LATEST - timedelta(seconds=1)
                   else LATEST)

