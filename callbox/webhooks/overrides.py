"""Webhook connection overrides: Twilio's per-URL delivery settings in the URL fragment.

``https://example.com/sms#ct=1000&rt=3000&tt=9000&rc=3&rp=5xx,ct`` (docs "Webhooks (HTTP
callbacks): Connection Overrides"). The fragment is never sent: the URL requested, and
signed, is the part before ``#``.

====  ===================  ===========  =======  ==========================================
key   meaning              valid range  default  here
====  ===================  ===========  =======  ==========================================
ct    connect timeout, ms  100..10000   5000     `Overrides.connect_timeout`, in seconds
rt    read timeout, ms     100..15000   15000    `Overrides.read_timeout`, in seconds
tt    total time, ms       100..15000   15000    `Overrides.total_timeout`, in seconds: the
                                                 budget for every attempt, retries included
rc    retry count          0..5         1        `Overrides.retry_count` (retries, so
                                                 ``rc + 1`` attempts at most)
rp    retry policy         4xx, 5xx,    ct       `Overrides.retry_policy`; ``all`` expands
                           ct, rt, all           to the four others
e     egress edge          edge names            recognised and ignored (one simulated edge)
sni   TLS SNI              y, n, ...             recognised and ignored
====  ===================  ===========  =======  ==========================================

Twilio reports a malformed override as a debugger warning (e.g. 11243 "HTTP retry policy
is invalid") and still delivers. Here, likewise, nothing fails: a number out of range is
clamped into it, a value that is not a whole number is ignored (the default stays), an
``rp`` without any known policy keeps the default, and unknown keys are ignored. When a
key repeats, the last one wins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = ["Overrides", "RETRY_POLICIES", "parse_overrides", "should_retry"]

RETRY_POLICIES = frozenset({"4xx", "5xx", "ct", "rt"})

# key: (minimum, maximum) in the fragment's own unit (ms, or a count for rc)
_RANGES = {"ct": (100, 10_000), "rt": (100, 15_000), "tt": (100, 15_000), "rc": (0, 5)}
_INTEGER = re.compile(r"[+-]?[0-9]+")
# Longer digit strings are out of range anyway; capping avoids int() on huge inputs.
_MAX_DIGITS = 12


@dataclass(frozen=True)
class Overrides:
    """Delivery settings for one webhook URL. Times are in seconds."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 15.0
    retry_count: int = 1
    retry_policy: frozenset[str] = frozenset({"ct"})


@functools.lru_cache(maxsize=1024)
def parse_overrides(url: str) -> tuple[str, Overrides]:
    """Split ``url`` into the URL to request (no fragment) and its connection overrides."""
    base, _, fragment = url.partition("#")
    defaults = Overrides()
    values: dict[str, str] = dict(parse_qsl(fragment, keep_blank_values=True))
    return base, Overrides(
        connect_timeout=_millis(values.get("ct"), "ct", defaults.connect_timeout),
        read_timeout=_millis(values.get("rt"), "rt", defaults.read_timeout),
        total_timeout=_millis(values.get("tt"), "tt", defaults.total_timeout),
        retry_count=_clamped(values.get("rc"), "rc", defaults.retry_count),
        retry_policy=_policy(values.get("rp"), defaults.retry_policy),
    )


def should_retry(policy: Collection[str], *, status: int | None, connect_error: bool,
                 read_timeout: bool) -> bool:
    """Whether a failed attempt may be retried under ``policy``.

    ``connect_error``: no connection (refused, unreachable, connect timeout, TLS failure),
    retried under ``ct``. ``read_timeout``: connected but no complete response in time,
    retried under ``rt``. Otherwise ``status`` is the HTTP status received: 4xx retried
    under ``4xx``, 5xx under ``5xx``; anything else (success, 3xx, none) is not retried.
    ``all`` in ``policy`` allows every case.
    """
    def allows(name: str) -> bool:
        return name in policy or "all" in policy

    if connect_error:
        return allows("ct")
    if read_timeout:
        return allows("rt")
    if status is None:
        return False
    if 400 <= status <= 499:
        return allows("4xx")
    if 500 <= status <= 599:
        return allows("5xx")
    return False


def _clamped(raw: str | None, key: str, default: int) -> int:
    if raw is None or not _INTEGER.fullmatch(raw.strip()):
        return default
    text = raw.strip()
    low, high = _RANGES[key]
    digits = text.lstrip("+-")
    negative = text.startswith("-")
    if len(digits) > _MAX_DIGITS:
        return low if negative else high
    return min(max(int(text), low), high)


def _millis(raw: str | None, key: str, default_seconds: float) -> float:
    default = round(default_seconds * 1000)
    return _clamped(raw, key, default) / 1000


def _policy(raw: str | None, default: frozenset[str]) -> frozenset[str]:
    if raw is None:
        return default
    names = {token.strip().lower() for token in raw.split(",")}
    if "all" in names:
        return RETRY_POLICIES
    chosen = frozenset(names & RETRY_POLICIES)
    return chosen or default
