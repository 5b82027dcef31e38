"""Communications API ids: lowercase Crockford base32 of 128 bits (UUIDv7 for new ids), a
message's comms id and its 2010 sid are the same bits, sessions are a stable hash."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callbox.core.comms_ids import (
    ALPHABET,
    comms_id,
    decode,
    encode,
    message_id,
    new_id,
    session_id,
    sid_for_message_id,
    uuid7,
)


def _reference(n: int) -> str:  # five bits at a time, the definition
    return "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(26)))


@given(st.integers(min_value=0, max_value=2**130 - 1))
def test_encode_is_base32_of_130_bits_and_decode_inverts_it(n: int) -> None:
    assert encode(n) == _reference(n)
    assert decode(encode(n)) == n


@given(st.integers(min_value=0, max_value=2**128 - 1), st.sampled_from(["SM", "MM"]))
def test_a_message_id_and_its_sid_are_the_same_bits(n: int, prefix: str) -> None:
    sid = f"{prefix}{n:032x}"
    mid = message_id(sid)
    assert comms_id(mid, "message") == n
    pair = sid_for_message_id(mid)
    assert pair is not None and sid in pair


def test_new_ids_are_uuid7_and_time_ordered() -> None:
    n = uuid7()
    assert (n >> 76) & 0xF == 7 and (n >> 62) & 0b11 == 0b10
    ids = [new_id("operation") for _ in range(50)]
    assert all(comms_id(i, "operation") is not None for i in ids)
    assert [i[16:26] for i in ids] == sorted(i[16:26] for i in ids)  # the millisecond part


def test_ids_are_strict() -> None:
    good = new_id("audience")
    assert comms_id(good, "audience") is not None
    for bad in (good + "\n", good.upper(), good.replace("audience", "operation"),
                good[:-1], good + "0", "comms_audience_" + "8" + good[-25:]):
        assert comms_id(bad, "audience") is None, bad


def test_a_session_is_a_stable_hash_of_its_parties() -> None:
    one = session_id("AC" + "1" * 32, "+15005550006", "+14155550100")
    assert one == session_id("AC" + "1" * 32, "+15005550006", "+14155550100")
    assert comms_id(one, "session") is not None
    assert one != session_id("AC" + "2" * 32, "+15005550006", "+14155550100")
    assert one != session_id("AC" + "1" * 32, "+14155550100", "+15005550006")
