"""The status callback form encoder is urllib's urlencode, byte for byte."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from callbox.webhooks.delivery import encode_form


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=300), max_size=12))
def test_same_as_urlencode(params: dict[str, str]) -> None:
    assert encode_form(params) == urlencode(params)


def test_typical_status_callback() -> None:
    params = {"MessageSid": "SM" + "a" * 32, "From": "+15005550006", "To": "whatsapp:+1415",
              "Body": "Hi there & welcome ~ 100% ✓", "MessageStatus": "delivered",
              "ApiVersion": "2010-04-01", "ErrorCode": "30003", "Empty": ""}
    assert encode_form(params) == urlencode(params)
