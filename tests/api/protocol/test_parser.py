"""parse_params: typed request parameters by the operation's OpenAPI schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbox.api.protocol.parser import parse_form, parse_params
from callbox.core.errors import BadRequest, InvalidParameter
from callbox.spec import load_v2010
from callbox.spec.loader import Operation


@pytest.fixture(scope="module")
def create_op() -> Operation:
    return load_v2010().operations["CreateMessage"]


@pytest.fixture(scope="module")
def list_op() -> Operation:
    return load_v2010().operations["ListMessage"]


def form(op: Operation, *pairs: tuple[str, str]) -> dict[str, Any]:
    return parse_params(op, [], list(pairs))


def query(op: Operation, *pairs: tuple[str, str]) -> dict[str, Any]:
    return parse_params(op, list(pairs), [])


def invalid(call: Any, name: str) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as info:
        call()
    err = info.value
    assert err.code == 20001
    assert err.status == 400
    assert err.field == name
    assert name in err.message
    return err


# repetition, unknown names ----------------------------------------------------------------
def test_repeated_media_url_is_a_list_in_order(create_op: Operation) -> None:
    params = form(create_op, ("MediaUrl", "https://a/1.jpg"), ("To", "+15558675310"),
                  ("MediaUrl", "https://a/2.jpg"), ("MediaUrl", "https://a/3.jpg"))
    assert params["MediaUrl"] == ["https://a/1.jpg", "https://a/2.jpg", "https://a/3.jpg"]


def test_single_media_url_is_still_a_list(create_op: Operation) -> None:
    assert form(create_op, ("MediaUrl", "https://a/1.jpg"))["MediaUrl"] == ["https://a/1.jpg"]


def test_first_value_wins_for_scalars(create_op: Operation) -> None:
    params = form(create_op, ("To", "+15558675310"), ("To", "+15558675311"),
                  ("Body", "first"), ("Body", "second"),
                  ("ValidityPeriod", "60"), ("ValidityPeriod", "not a number"))
    assert params["To"] == "+15558675310"
    assert params["Body"] == "first"
    assert params["ValidityPeriod"] == 60


def test_unknown_names_are_ignored(create_op: Operation) -> None:
    params = form(create_op, ("To", "+15558675310"), ("Foo", "bar"), ("to", "lowercase"),
                  ("MediaUrl[]", "x"), ("PageSize", "5"))
    assert params == {"To": "+15558675310"}


def test_query_is_read_for_list_and_form_only_for_bodies(list_op: Operation) -> None:
    # ListMessage declares no body: form pairs are ignored
    assert parse_params(list_op, [("To", "+1555")], [("From", "+1666")]) == {"To": "+1555"}


def test_operations_without_a_schema_param_ignore_everything(list_op: Operation) -> None:
    assert query(list_op, ("Body", "x"), ("Status", "sent")) == {}


# strings and empties ----------------------------------------------------------------------
def test_empty_string_kept_for_strings_and_absent_otherwise(create_op: Operation) -> None:
    params = form(create_op, ("Body", ""), ("ValidityPeriod", ""), ("SmartEncoded", ""),
                  ("MaxPrice", ""))
    assert params == {"Body": ""}


def test_empty_date_is_absent(create_op: Operation, list_op: Operation) -> None:
    """An empty date cannot be kept as "": every consumer expects a date, a datetime or
    nothing (a "" reaches `send_at - now` and the DateSent range and fails there with a 500)."""
    assert form(create_op, ("SendAt", "")) == {}
    assert query(list_op, ("DateSent", ""), ("DateSent<", ""), ("DateSent>", "")) == {}


def test_update_body_empty_string_is_kept() -> None:
    op = load_v2010().operations["UpdateMessage"]
    assert form(op, ("Body", "")) == {"Body": ""}
    assert form(op, ("Status", "canceled")) == {"Status": "canceled"}
    invalid(lambda: form(op, ("Status", "sent")), "Status")


def test_values_are_not_trimmed_or_case_folded(create_op: Operation) -> None:
    assert form(create_op, ("Body", "  Mixed Case  "))["Body"] == "  Mixed Case  "


# booleans ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "value"), [
    ("true", True), ("True", True), ("TRUE", True),
    ("false", False), ("False", False), ("FALSE", False),
])
def test_booleans(create_op: Operation, raw: str, value: bool) -> None:
    assert form(create_op, ("SmartEncoded", raw))["SmartEncoded"] is value
    assert form(create_op, ("SendAsMms", raw))["SendAsMms"] is value


@pytest.mark.parametrize("raw", ["maybe", "tru", "2", "on?"])
def test_bad_boolean_is_20001(create_op: Operation, raw: str) -> None:
    invalid(lambda: form(create_op, ("SmartEncoded", raw)), "SmartEncoded")


# integers, numbers, enums -----------------------------------------------------------------
@pytest.mark.parametrize("raw", ["abc", "1.5", "12x", "0x10", " "])
def test_bad_integer_is_20001(create_op: Operation, raw: str) -> None:
    invalid(lambda: form(create_op, ("ValidityPeriod", raw)), "ValidityPeriod")


def test_integers_are_ints(create_op: Operation, list_op: Operation) -> None:
    assert form(create_op, ("ValidityPeriod", "3600"))["ValidityPeriod"] == 3600
    assert form(create_op, ("Attempt", "-3"))["Attempt"] == -3
    assert query(list_op, ("PageSize", "20"), ("Page", "2")) == {"PageSize": 20, "Page": 2}


@pytest.mark.parametrize(("raw", "ok"), [("1", True), ("1000", True), ("0", False),
                                         ("1001", False), ("-5", False)])
def test_page_size_bounds_from_the_spec(list_op: Operation, raw: str, ok: bool) -> None:
    if ok:
        assert query(list_op, ("PageSize", raw))["PageSize"] == int(raw)
    else:
        invalid(lambda: query(list_op, ("PageSize", raw)), "PageSize")


def test_bad_page_size_is_20001(list_op: Operation) -> None:
    invalid(lambda: query(list_op, ("PageSize", "ten")), "PageSize")
    invalid(lambda: query(list_op, ("Page", "-1")), "Page")


def test_numbers(create_op: Operation) -> None:
    assert form(create_op, ("MaxPrice", "0.25"))["MaxPrice"] == 0.25
    invalid(lambda: form(create_op, ("MaxPrice", "cheap")), "MaxPrice")


def test_enums(create_op: Operation) -> None:
    assert form(create_op, ("ScheduleType", "fixed"))["ScheduleType"] == "fixed"
    invalid(lambda: form(create_op, ("ScheduleType", "later")), "ScheduleType")
    invalid(lambda: form(create_op, ("ScheduleType", "Fixed")), "ScheduleType")
    invalid(lambda: form(create_op, ("ContentRetention", "forget")), "ContentRetention")


# dates ------------------------------------------------------------------------------------
def test_date_sent_plain_date_stays_a_date(list_op: Operation) -> None:
    value = query(list_op, ("DateSent", "2024-01-02"))["DateSent"]
    assert type(value) is date
    assert value == date(2024, 1, 2)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02T03:04:05.250Z", datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)),
    ("Tue, 02 Jan 2024 03:04:05 +0000", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("Tue, 02 Jan 2024 03:04:05 -0100", datetime(2024, 1, 2, 4, 4, 5, tzinfo=UTC)),
])
def test_date_sent_datetimes_are_aware_utc(list_op: Operation, raw: str,
                                           expected: datetime) -> None:
    for name in ("DateSent", "DateSent<", "DateSent>"):
        value = query(list_op, (name, raw))[name]
        assert isinstance(value, datetime)
        assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0
        assert value == expected


@pytest.mark.parametrize("raw", ["garbage", "2024-13-02", "2024-01-32", "yesterday",
                                 "02/30/2024 10:00:00", "2024-01-02Tnoon"])
def test_date_sent_rejects_garbage(list_op: Operation, raw: str) -> None:
    invalid(lambda: query(list_op, ("DateSent", raw)), "DateSent")


def test_date_sent_operators_are_distinct_names(list_op: Operation) -> None:
    params = query(list_op, ("DateSent<", "2024-01-03"), ("DateSent>", "2024-01-01"))
    assert params == {"DateSent<": date(2024, 1, 3), "DateSent>": date(2024, 1, 1)}


def test_send_at_iso(create_op: Operation) -> None:
    value = form(create_op, ("SendAt", "2030-05-06T07:08:09Z"))["SendAt"]
    assert value == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)


# the form body ----------------------------------------------------------------------------
def test_parse_form_decodes_utf8_and_keeps_blanks() -> None:
    pairs = parse_form(b"Body=caf%C3%A9+%E2%82%AC&Body=&MediaUrl=a%26b")
    assert pairs == [("Body", "café €"), ("Body", ""), ("MediaUrl", "a&b")]
    assert parse_form(b"") == []


def test_parse_form_rejects_invalid_utf8() -> None:
    with pytest.raises(BadRequest) as info:
        parse_form(b"Body=%FF%FE")
    assert info.value.code == 20001
    assert info.value.status == 400
    with pytest.raises(BadRequest):
        parse_form(b"Body=\xff")


# properties -------------------------------------------------------------------------------
NO_NUL = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=20)


def test_nul_characters_are_refused() -> None:
    op = load_v2010().operations["CreateMessage"]
    with pytest.raises(InvalidParameter):
        parse_params(op, [], [("Body", "a\x00b")])


@given(st.lists(NO_NUL, max_size=12))
def test_media_url_list_round_trips(urls: list[str]) -> None:
    op = load_v2010().operations["CreateMessage"]
    params = parse_params(op, [], [("MediaUrl", u) for u in urls])
    assert params.get("MediaUrl", []) == urls


@given(st.lists(st.tuples(st.sampled_from(["To", "From", "Body", "Foo", "Bar"]),
                          NO_NUL), max_size=10))
def test_scalar_first_value_wins_property(pairs: list[tuple[str, str]]) -> None:
    op = load_v2010().operations["CreateMessage"]
    params = parse_params(op, [], pairs)
    expected: dict[str, str] = {}
    for name, value in pairs:
        if name in ("To", "From", "Body"):
            expected.setdefault(name, value)
    assert params == expected


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=24)), max_size=6))
def test_parse_form_matches_urllib_for_any_encoded_form(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in pairs if k]
    encoded = urlencode(pairs).encode()
    assert parse_form(encoded) == pairs


@given(st.binary(max_size=40))
def test_parse_form_agrees_with_urllib_on_raw_bytes(raw: bytes) -> None:
    from urllib.parse import parse_qsl

    from callbox.core.errors import BadRequest

    try:
        expected = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        expected = None
    try:
        got = parse_form(raw)
    except BadRequest:
        got = None
    if expected is not None and got is not None:
        assert got == expected
