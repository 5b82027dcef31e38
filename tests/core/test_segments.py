"""count_segments / is_gsm7 / smart_encode: SMS segment arithmetic (contract §1.2)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbox.core.segments import count_segments, is_gsm7, smart_encode

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"
gsm_basic_text = st.text(alphabet=GSM_BASIC, max_size=1000)
gsm_text = st.text(alphabet=GSM_BASIC + GSM_EXTENDED, max_size=1000)


@pytest.mark.parametrize(("text", "segments"), [
    ("", 1),
    ("a", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("a" * 459, 3),
    ("a" * 460, 4),
    ("a" * 1600, 11),
    ("€" * 80, 1),          # extended characters take two septets
    ("€" * 81, 2),
    ("a" * 159 + "€", 2),
    ("ж" * 70, 1),          # UCS-2
    ("ж" * 71, 2),
    ("ж" * 134, 2),
    ("ж" * 135, 3),
    ("a" * 69 + "ж", 1),    # one non-GSM character switches the whole body to UCS-2
    ("a" * 70 + "ж", 2),
    ("😀" * 35, 1),          # astral characters are two UTF-16 code units
    ("😀" * 36, 2),
    ("😀" + "a" * 68, 1),
    ("😀" + "a" * 69, 2),
])
def test_count_segments(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_is_gsm7() -> None:
    assert is_gsm7("Hello, World! @£$ {ok} €5")
    assert is_gsm7("")
    assert not is_gsm7("naïve")  # ï is not in GSM-7
    assert not is_gsm7("ж")
    assert not is_gsm7("😀")
    assert not is_gsm7("\u201cquoted\u201d")


def test_smart_encode() -> None:
    assert smart_encode("\u201cHi\u201d \u2018you\u2019") == "\"Hi\" 'you'"
    assert smart_encode("a\u2014b\u2013c") == "a-b-c"
    assert smart_encode("wait\u2026") == "wait..."
    assert smart_encode("no\u00a0break") == "no break"
    assert smart_encode("zero\u200bwidth") == "zerowidth"
    assert smart_encode("plain ascii") == "plain ascii"
    assert smart_encode("ж and 😀 stay") == "ж and 😀 stay"


def test_smart_encoding_can_save_segments() -> None:
    text = "\u201c" + "a" * 100 + "\u201d"
    assert count_segments(text) == 2
    assert count_segments(smart_encode(text)) == 1


@given(st.text(max_size=2000))
def test_never_below_one(text: str) -> None:
    assert count_segments(text) >= 1


@given(gsm_text)
def test_monotonic_in_length_for_gsm_text(text: str) -> None:
    counts = [count_segments(text[:n]) for n in range(len(text) + 1)]
    assert counts == sorted(counts)


@given(gsm_text, gsm_text)
def test_appending_gsm_text_never_reduces_segments(a: str, b: str) -> None:
    assert count_segments(a + b) >= count_segments(a)


@given(gsm_basic_text)
def test_gsm_basic_formula(text: str) -> None:
    n = len(text)
    assert count_segments(text) == (1 if n <= 160 else math.ceil(n / 153))


@given(st.text(alphabet=st.characters(min_codepoint=0x400, max_codepoint=0x4FF), max_size=800))
def test_ucs2_formula(text: str) -> None:
    n = len(text)
    assert count_segments(text) == (1 if n <= 70 else math.ceil(n / 67))


@given(st.text(max_size=500))
def test_smart_encode_is_idempotent(text: str) -> None:
    once = smart_encode(text)
    assert smart_encode(once) == once
    assert len(once) <= len(text) * 3
