"""How many SMS segments a body takes: GSM-7 (160 alone, 153 per part) or UCS-2
(70 alone, 67 per part, counted in UTF-16 code units)."""

from __future__ import annotations

__all__ = ["count_segments", "is_gsm7", "smart_encode"]

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

_SMART = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
    "\u200b": "", "\u2022": "-", "\u00ab": '"', "\u00bb": '"', "\u02c6": "^", "\u02dc": "~",
}


_GSM7 = _GSM7_BASIC | _GSM7_EXTENDED


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


def count_segments(text: str) -> int:
    if not text:
        return 1
    if is_gsm7(text):
        septets = len(text)
        if not _GSM7_EXTENDED.isdisjoint(text):
            septets += sum(text.count(ch) for ch in _GSM7_EXTENDED)
        if septets <= 160:
            return 1
        return -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2
    if units <= 70:
        return 1
    return -(-units // 67)


def smart_encode(text: str) -> str:
    """Replace the Unicode look-alikes Twilio's Smart Encoding replaces with GSM-7 ones."""
    if text.isascii():
        return text
    return "".join(_SMART.get(ch, ch) for ch in text)
