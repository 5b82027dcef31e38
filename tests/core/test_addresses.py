"""normalize_e164 / normalize_address: To and From as Twilio accepts them."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from callbox.core.addresses import normalize_address, normalize_e164


@pytest.mark.parametrize(("raw", "e164"), [
    ("+15558675310", "+15558675310"),
    ("+1 (555) 867-5310", "+15558675310"),
    ("+1 555.867.5310", "+15558675310"),
    ("+1-555-867-5310", "+15558675310"),
    ("+44 20 7946 0958", "+442079460958"),
    ("5558675310", None),        # no country code
    ("+1", None),
    ("+", None),
    ("", None),
    ("abc", None),
    ("+1555867531O", None),      # letter O
    ("++15558675310", None),
])
def test_normalize_e164(raw: str, e164: str | None) -> None:
    assert normalize_e164(raw) == e164


@pytest.mark.parametrize(("raw", "sender", "expected"), [
    ("+1 (555) 867-5310", False, "+15558675310"),
    ("  +15558675310  ", False, "+15558675310"),
    ("whatsapp:+1 555 867 5310", False, "whatsapp:+15558675310"),
    ("WhatsApp:+15558675310", False, "whatsapp:+15558675310"),
    ("messenger:+15558675310", True, "messenger:+15558675310"),
    ("whatsapp:abc", False, None),
    ("12345", False, "12345"),        # short code
    ("12", False, None),
    ("123456789", False, None),
    ("MyCompany", True, "MyCompany"),  # alphanumeric sender ID: From only
    ("MyCompany", False, None),
    ("TooLongSenderID", True, None),   # more than 11 characters
    ("12345678", True, "12345678"),
    ("abc!", True, None),
    ("", True, None),
])
def test_normalize_address(raw: str, sender: bool, expected: str | None) -> None:
    assert normalize_address(raw, sender=sender) == expected


phone_like = st.from_regex(r"\A\+[0-9][0-9 ().\-]{0,20}\Z")


@given(st.one_of(phone_like, st.text(max_size=30)))
@example("+1 (555) 867-5310")
@example("+44 020 7946 0958")
@example("+39 06 1234 5678")
def test_normalize_e164_idempotent(raw: str) -> None:
    once = normalize_e164(raw)
    if once is not None:
        assert once.startswith("+") and once[1:].isdigit()
        assert normalize_e164(once) == once


@given(st.one_of(phone_like, st.text(max_size=30)), st.booleans())
def test_normalize_address_idempotent(raw: str, sender: bool) -> None:
    once = normalize_address(raw, sender=sender)
    if once is not None:
        assert normalize_address(once, sender=sender) == once


def test_unstable_numbers_are_refused() -> None:
    # phonenumbers turns +49000000 into +4900000 and that into +490000: digits would
    # shift on every round trip, so it is not a number callbox accepts.
    assert normalize_e164("+49000000") is None
    assert normalize_e164("+44 020 7946 0958") == "+442079460958"
