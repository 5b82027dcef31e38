"""parse_overrides / should_retry: Twilio's webhook connection overrides (#ct=…&rc=…)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbox.webhooks.overrides import (
    RETRY_POLICIES,
    Overrides,
    parse_overrides,
    should_retry,
)

BASE = "https://example.com/sms?x=1"
DEFAULTS = Overrides(connect_timeout=5.0, read_timeout=15.0, total_timeout=15.0,
                     retry_count=1, retry_policy=frozenset({"ct"}))


def test_documented_defaults() -> None:
    assert Overrides() == DEFAULTS


@pytest.mark.parametrize("url", [BASE, BASE + "#", BASE + "#section-2", BASE + "#e=dublin&sni=n",
                                 BASE + "#unknown=7"])
def test_no_overrides_gives_defaults_and_drops_the_fragment(url: str) -> None:
    assert parse_overrides(url) == (BASE, DEFAULTS)


def test_all_overrides() -> None:
    url, overrides = parse_overrides(BASE + "#ct=1000&rt=3000&tt=9000&rc=3&rp=5xx,ct&e=ashburn")
    assert url == BASE
    assert overrides == Overrides(connect_timeout=1.0, read_timeout=3.0, total_timeout=9.0,
                                  retry_count=3, retry_policy=frozenset({"5xx", "ct"}))


@pytest.mark.parametrize(("fragment", "field", "expected"), [
    ("ct=100", "connect_timeout", 0.1),
    ("ct=99", "connect_timeout", 0.1),
    ("ct=0", "connect_timeout", 0.1),
    ("ct=-5", "connect_timeout", 0.1),
    ("ct=10000", "connect_timeout", 10.0),
    ("ct=10001", "connect_timeout", 10.0),
    ("ct=2500", "connect_timeout", 2.5),
    ("rt=50", "read_timeout", 0.1),
    ("rt=15001", "read_timeout", 15.0),
    ("rt=1234", "read_timeout", 1.234),
    ("tt=1", "total_timeout", 0.1),
    ("tt=99999999999999999999999", "total_timeout", 15.0),
    ("tt=-99999999999999999999999", "total_timeout", 0.1),
    ("tt=+700", "total_timeout", 0.7),
    ("rc=0", "retry_count", 0),
    ("rc=5", "retry_count", 5),
    ("rc=6", "retry_count", 5),
    ("rc=-1", "retry_count", 0),
    ("rc=%203%20", "retry_count", 3),
])
def test_out_of_range_values_are_clamped(fragment: str, field: str, expected: float) -> None:
    _, overrides = parse_overrides(f"{BASE}#{fragment}")
    assert getattr(overrides, field) == expected


@pytest.mark.parametrize("value", ["", "abc", "1.5", "1e3", "1000ms", "0x10", "½", "٣", "1_000",
                                   "--3", "3-"])
@pytest.mark.parametrize("key", ["ct", "rt", "tt", "rc"])
def test_garbage_is_ignored(key: str, value: str) -> None:
    assert parse_overrides(f"{BASE}#{key}={value}")[1] == DEFAULTS


def test_key_without_value_and_case_sensitivity() -> None:
    assert parse_overrides(f"{BASE}#ct&RC=3&Ct=200")[1] == DEFAULTS


def test_last_repeated_key_wins() -> None:
    assert parse_overrides(f"{BASE}#rc=2&rc=4")[1].retry_count == 4


@pytest.mark.parametrize(("rp", "expected"), [
    ("4xx", {"4xx"}),
    ("4xx,5xx", {"4xx", "5xx"}),
    ("4xx%2C5xx", {"4xx", "5xx"}),
    (" rt , CT ", {"rt", "ct"}),
    ("all", RETRY_POLICIES),
    ("ALL", RETRY_POLICIES),
    ("ct,all", RETRY_POLICIES),
    ("5xx,bogus", {"5xx"}),
    ("bogus", {"ct"}),
    ("", {"ct"}),
    (",,,", {"ct"}),
])
def test_retry_policy(rp: str, expected: set[str]) -> None:
    assert parse_overrides(f"{BASE}#rp={rp}")[1].retry_policy == frozenset(expected)


def test_only_the_first_hash_starts_the_fragment() -> None:
    url, overrides = parse_overrides("https://h.example/a#rc=2#rc=3&ct=200")
    assert url == "https://h.example/a"
    assert overrides.retry_count == 1  # "2#rc=3" is not a number
    assert overrides.connect_timeout == 0.2


@given(st.text(max_size=200))
def test_any_url_parses_within_the_documented_ranges(url: str) -> None:
    requested, overrides = parse_overrides(url)
    assert "#" not in requested
    assert url.startswith(requested)
    assert 0.1 <= overrides.connect_timeout <= 10.0
    assert 0.1 <= overrides.read_timeout <= 15.0
    assert 0.1 <= overrides.total_timeout <= 15.0
    assert 0 <= overrides.retry_count <= 5
    assert overrides.retry_policy and overrides.retry_policy <= RETRY_POLICIES


@given(st.integers(-10**30, 10**30), st.integers(-10**30, 10**30))
def test_any_number_clamps(ct: int, rc: int) -> None:
    overrides = parse_overrides(f"{BASE}#ct={ct}&rc={rc}")[1]
    assert overrides.connect_timeout == min(max(ct, 100), 10_000) / 1000
    assert overrides.retry_count == min(max(rc, 0), 5)


def test_overrides_are_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULTS.retry_count = 3  # type: ignore[misc]


ALL = frozenset({"all"})


@pytest.mark.parametrize(("policy", "status", "connect_error", "read_timeout", "expected"), [
    ({"ct"}, None, True, False, True),
    ({"ct"}, None, False, True, False),
    ({"ct"}, 500, False, False, False),
    ({"rt"}, None, False, True, True),
    ({"rt"}, None, True, False, False),
    ({"4xx"}, 404, False, False, True),
    ({"4xx"}, 400, False, False, True),
    ({"4xx"}, 499, False, False, True),
    ({"4xx"}, 503, False, False, False),
    ({"5xx"}, 500, False, False, True),
    ({"5xx"}, 599, False, False, True),
    ({"5xx"}, 429, False, False, False),
    (RETRY_POLICIES, 200, False, False, False),
    (RETRY_POLICIES, 302, False, False, False),
    (RETRY_POLICIES, 600, False, False, False),
    (RETRY_POLICIES, None, False, False, False),
    (RETRY_POLICIES, 502, False, False, True),
    (ALL, 404, False, False, True),
    (ALL, None, True, False, True),
    (ALL, None, False, True, True),
    (frozenset(), None, True, False, False),
])
def test_should_retry(policy: frozenset[str], status: int | None, connect_error: bool,
                      read_timeout: bool, expected: bool) -> None:
    assert should_retry(policy, status=status, connect_error=connect_error,
                        read_timeout=read_timeout) is expected


def test_default_policy_retries_only_connection_failures() -> None:
    policy = parse_overrides(BASE)[1].retry_policy
    assert should_retry(policy, status=None, connect_error=True, read_timeout=False)
    assert not should_retry(policy, status=None, connect_error=False, read_timeout=True)
    assert not should_retry(policy, status=500, connect_error=False, read_timeout=False)
