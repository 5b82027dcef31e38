"""The simulated inventory of phone numbers for sale (AvailablePhoneNumbers).

Deterministic and stateless: a number is *in the inventory* when phonenumbers considers it
valid for its type and it lies in one of the areas below (a NANP area code, or a national
prefix elsewhere). Searches draw candidates from a PRNG seeded by country, type, area and
pattern, so the same query gives the same numbers on every run; numbers some account owns
are filtered out by the caller (`NumberService`), which knows the store.

    search(country, kind, filters) ─► areas matching the geographic filters
                                    ─► per area, seeded candidates (Contains is built in,
                                       not hoped for) ─► lookup() re-checks each one
    lookup(number) ─► Offer (kind, country, area, capabilities) or None

NANP local and mobile numbers share their area codes; the inventory splits them by a stable
hash of the number, so every number has exactly one type, the one it is sold (and then
carried) as.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

from callbox.core.errors import InvalidParameter

__all__ = [
    "KINDS",
    "MAGIC_AVAILABLE",
    "MAGIC_INVALID",
    "MAGIC_UNAVAILABLE",
    "Area",
    "Capabilities",
    "Country",
    "Offer",
    "SearchFilter",
    "classify",
    "compile_contains",
    "country",
    "countries",
    "lookup",
    "search",
    "validate",
]

LOCAL, MOBILE, TOLLFREE = "local", "mobile", "tollfree"
KINDS = (LOCAL, MOBILE, TOLLFREE)

# Twilio's test numbers (contract §3).
MAGIC_AVAILABLE = "+15005550006"
MAGIC_UNAVAILABLE = "+15005550000"
MAGIC_INVALID = "+15005550001"
MAGIC_AREA_CODE = "500"

_NANP = frozenset({"US", "CA"})
_NANP_TOLLFREE = ("800", "833", "844", "855", "866", "877", "888")


@dataclass(frozen=True, slots=True)
class Capabilities:
    voice: bool
    sms: bool
    mms: bool
    fax: bool


@dataclass(frozen=True, slots=True)
class Area:
    """Where numbers come from: national digits they start with, their length, and the
    geography Twilio reports for them."""

    prefix: str
    length: int  # national significant number
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    rate_center: str | None = None
    lata: str | None = None


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    address_requirements: str  # none | any | local | foreign
    areas: dict[str, tuple[Area, ...]]
    capabilities: dict[str, Capabilities]
    beta: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in KINDS if k in self.areas)


@dataclass(frozen=True, slots=True)
class Offer:
    """One number for sale, with what AvailablePhoneNumbers reports about it."""

    phone_number: str
    friendly_name: str
    kind: str
    country: Country
    area: Area

    @property
    def capabilities(self) -> Capabilities:
        return self.country.capabilities[self.kind]


@dataclass(frozen=True, slots=True)
class SearchFilter:
    area_code: int | None = None
    contains: str | None = None
    sms_enabled: bool | None = None
    mms_enabled: bool | None = None
    voice_enabled: bool | None = None
    fax_enabled: bool | None = None
    exclude_all_address_required: bool = False
    exclude_local_address_required: bool = False
    exclude_foreign_address_required: bool = False
    beta: bool | None = None
    near_number: str | None = None
    near_lat_long: str | None = None
    distance: int | None = None
    in_postal_code: str | None = None
    in_region: str | None = None
    in_rate_center: str | None = None
    in_lata: str | None = None
    in_locality: str | None = None


def _a(prefix: str, length: int, locality: str | None, region: str | None,
       postal: str | None = None, lat: float | None = None, lon: float | None = None,
       rate_center: str | None = None, lata: str | None = None) -> Area:
    return Area(prefix, length, locality, region, postal, lat, lon, rate_center, lata)


_US_AREAS = (
    _a("202", 10, "Washington", "DC", "20001", 38.90, -77.04, "WASHINGTON", "236"),
    _a("206", 10, "Seattle", "WA", "98101", 47.61, -122.33, "SEATTLE", "674"),
    _a("212", 10, "New York", "NY", "10001", 40.75, -73.99, "NWYRCYZN01", "132"),
    _a("213", 10, "Los Angeles", "CA", "90012", 34.05, -118.24, "LSAN DA 01", "730"),
    _a("214", 10, "Dallas", "TX", "75201", 32.78, -96.80, "DALLAS", "552"),
    _a("215", 10, "Philadelphia", "PA", "19107", 39.95, -75.16, "PHLA", "228"),
    _a("303", 10, "Denver", "CO", "80202", 39.74, -104.99, "DENVER", "656"),
    _a("305", 10, "Miami", "FL", "33130", 25.77, -80.19, "MIAMI", "460"),
    _a("310", 10, "Santa Monica", "CA", "90401", 34.02, -118.49, "SNMN SMNCA", "730"),
    _a("312", 10, "Chicago", "IL", "60601", 41.88, -87.63, "CHICAGO", "358"),
    _a("404", 10, "Atlanta", "GA", "30303", 33.75, -84.39, "ATLANTA", "438"),
    _a("415", 10, "San Francisco", "CA", "94103", 37.77, -122.42, "SNFC CNTRL", "722"),
    _a("503", 10, "Portland", "OR", "97204", 45.52, -122.68, "PORTLAND", "672"),
    _a("510", 10, "Oakland", "CA", "94612", 37.80, -122.27, "OKLD", "722"),
    _a("512", 10, "Austin", "TX", "78701", 30.27, -97.74, "AUSTIN", "558"),
    _a("602", 10, "Phoenix", "AZ", "85004", 33.45, -112.07, "PHOENIX", "666"),
    _a("612", 10, "Minneapolis", "MN", "55401", 44.98, -93.27, "MINNEAPOLIS", "628"),
    _a("615", 10, "Nashville", "TN", "37203", 36.16, -86.78, "NASHVILLE", "470"),
    _a("617", 10, "Boston", "MA", "02108", 42.36, -71.06, "BOSTON", "128"),
    _a("646", 10, "New York", "NY", "10011", 40.74, -74.00, "NWYRCYZN01", "132"),
    _a("702", 10, "Las Vegas", "NV", "89101", 36.17, -115.14, "LAS VEGAS", "721"),
    _a("713", 10, "Houston", "TX", "77002", 29.76, -95.37, "HOUSTON", "560"),
    _a("808", 10, "Honolulu", "HI", "96813", 21.31, -157.86, "HONOLULU", "834"),
    _a("907", 10, "Anchorage", "AK", "99501", 61.22, -149.90, "ANCHORAGE", "832"),
)
_CA_AREAS = (
    _a("403", 10, "Calgary", "AB", "T2P", 51.05, -114.07, "CALGARY"),
    _a("416", 10, "Toronto", "ON", "M5H", 43.65, -79.38, "TORONTO"),
    _a("514", 10, "Montreal", "QC", "H2Y", 45.50, -73.57, "MONTREAL"),
    _a("604", 10, "Vancouver", "BC", "V6B", 49.28, -123.12, "VANCOUVER"),
    _a("613", 10, "Ottawa", "ON", "K1P", 45.42, -75.70, "OTTAWA"),
    _a("902", 10, "Halifax", "NS", "B3J", 44.65, -63.57, "HALIFAX"),
)
_MAGIC_AREA = _a(MAGIC_AREA_CODE, 10, None, None)

_ALL = Capabilities(voice=True, sms=True, mms=True, fax=True)
_TEXT = Capabilities(voice=True, sms=True, mms=True, fax=False)
_SMS = Capabilities(voice=True, sms=True, mms=False, fax=False)
_VOICE = Capabilities(voice=True, sms=False, mms=False, fax=False)

_COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("US", "United States", "none",
                {LOCAL: (*_US_AREAS, _MAGIC_AREA), MOBILE: _US_AREAS,
                 TOLLFREE: tuple(_a(p, 10, None, None) for p in _NANP_TOLLFREE)},
                {LOCAL: _ALL, MOBILE: _TEXT, TOLLFREE: _TEXT}),
        Country("CA", "Canada", "none", {LOCAL: _CA_AREAS, MOBILE: _CA_AREAS},
                {LOCAL: _ALL, MOBILE: _TEXT}),
        Country("GB", "United Kingdom", "any",
                {LOCAL: (_a("20", 10, "London", "England", None, 51.51, -0.13),
                         _a("121", 10, "Birmingham", "England", None, 52.49, -1.89),
                         _a("131", 10, "Edinburgh", "Scotland", None, 55.95, -3.19),
                         _a("161", 10, "Manchester", "England", None, 53.48, -2.24)),
                 MOBILE: tuple(_a(p, 10, None, None) for p in ("74", "75", "77", "78", "79")),
                 TOLLFREE: (_a("800", 10, None, None), _a("808", 10, None, None))},
                {LOCAL: _VOICE, MOBILE: _SMS, TOLLFREE: _VOICE}),
        Country("AU", "Australia", "any",
                {LOCAL: (_a("2", 9, "Sydney", "NSW", None, -33.87, 151.21),
                         _a("3", 9, "Melbourne", "VIC", None, -37.81, 144.96),
                         _a("7", 9, "Brisbane", "QLD", None, -27.47, 153.03),
                         _a("8", 9, "Perth", "WA", None, -31.95, 115.86)),
                 MOBILE: (_a("4", 9, None, None),),
                 TOLLFREE: (_a("1800", 10, None, None),)},
                {LOCAL: _VOICE, MOBILE: _TEXT, TOLLFREE: _VOICE}),
        Country("DE", "Germany", "local",
                {LOCAL: (_a("30", 10, "Berlin", "Berlin", None, 52.52, 13.40),
                         _a("40", 10, "Hamburg", "Hamburg", None, 53.55, 9.99),
                         _a("89", 10, "Munich", "Bavaria", None, 48.14, 11.58)),
                 MOBILE: (_a("151", 11, None, None), _a("176", 11, None, None)),
                 TOLLFREE: (_a("800", 10, None, None),)},
                {LOCAL: _VOICE, MOBILE: _SMS, TOLLFREE: _VOICE}),
        Country("FR", "France", "local",
                {LOCAL: (_a("1", 9, "Paris", "Ile-de-France", None, 48.86, 2.35),
                         _a("472", 9, "Lyon", "Auvergne-Rhone-Alpes", None, 45.76, 4.84),
                         _a("491", 9, "Marseille", "Provence-Alpes-Cote d'Azur", None,
                            43.30, 5.37)),
                 MOBILE: (_a("6", 9, None, None), _a("7", 9, None, None)),
                 TOLLFREE: (_a("800", 9, None, None),)},
                {LOCAL: _VOICE, MOBILE: _SMS, TOLLFREE: _VOICE}),
    )
}

_MATCHING_TYPES = {
    LOCAL: frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    MOBILE: frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    TOLLFREE: frozenset({PhoneNumberType.TOLL_FREE}),
}


def countries() -> list[Country]:
    return list(_COUNTRIES.values())


def country(code: str) -> Country | None:
    return _COUNTRIES.get(code.upper()) if len(code) == 2 else None


def _nanp_kind(number: str) -> str:
    """NANP geographic numbers are local or mobile by a stable hash (one in four mobile)."""
    return MOBILE if zlib.crc32(number.encode()) % 4 == 0 else LOCAL


def _friendly(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def _nanp_exchange_ok(nsn: str) -> bool:
    """NXX exchanges only, no N11 service codes, not the fictional 555-01XX range."""
    exchange = nsn[3:6]
    return (exchange[0] not in "01" and exchange[1:] != "11"
            and not (exchange == "555" and nsn[6:8] == "01"))


@lru_cache(maxsize=65536)
def lookup(number: str) -> Offer | None:
    """The inventory's entry for an E.164 number (owned or not), or None when the number is
    not one callbox sells."""
    if number == MAGIC_AVAILABLE:
        us = _COUNTRIES["US"]
        return Offer(number, "(500) 555-0006", LOCAL, us, _MAGIC_AREA)
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != number:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    nsn = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 1:
        if not _nanp_exchange_ok(nsn):
            return None
        candidates = ["US", "CA"]
    else:
        region = phonenumbers.region_code_for_number(parsed)
        candidates = [region] if region in _COUNTRIES else []
    ptype = phonenumbers.number_type(parsed)
    for code in candidates:
        c = _COUNTRIES[code]
        for kind in c.kinds:
            if ptype not in _MATCHING_TYPES[kind]:
                continue
            if parsed.country_code == 1 and kind != TOLLFREE and _nanp_kind(number) != kind:
                continue
            for area in c.areas[kind]:
                if (area is not _MAGIC_AREA and len(nsn) == area.length
                        and nsn.startswith(area.prefix)):
                    return Offer(number, _friendly(parsed), kind, c, area)
    return None


def classify(number: str) -> str:
    """tollfree, mobile or local for any E.164 number: the inventory's type when it sells
    the number, else what phonenumbers says (NANP split as the inventory splits it)."""
    offer = lookup(number)
    if offer is not None:
        return offer.kind
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return LOCAL
    ptype = phonenumbers.number_type(parsed)
    if ptype == PhoneNumberType.TOLL_FREE:
        return TOLLFREE
    if ptype == PhoneNumberType.MOBILE:
        return MOBILE
    if ptype == PhoneNumberType.FIXED_LINE_OR_MOBILE and parsed.country_code == 1:
        return _nanp_kind(number)
    return LOCAL


# Contains -------------------------------------------------------------------------------------
_KEYPAD = {c: str(d) for d, letters in
           ((2, "abc"), (3, "def"), (4, "ghi"), (5, "jkl"), (6, "mno"), (7, "pqrs"), (8, "tuv"),
            (9, "wxyz")) for c in letters}
_CONTAINS_CHARS = re.compile(r"^[0-9A-Za-z*%+$]+$")


@dataclass(frozen=True, slots=True)
class ContainsPattern:
    """A compiled `Contains`: letters as keypad digits, `*` one digit, `%` any digits,
    `+` anchors at the start (of the E.164 digits or of the national number), `$` at the
    end. It matches anywhere otherwise."""

    source: str
    template: str  # digits, '*' and '%'
    at_start: bool
    at_end: bool
    regex: re.Pattern[str]

    def matches(self, number: str, nsn: str) -> bool:
        digits = number.lstrip("+")
        return bool(self.regex.search(digits) or self.regex.search(nsn))


def compile_contains(pattern: str) -> ContainsPattern:
    def bad(why: str) -> InvalidParameter:
        return InvalidParameter(f"Invalid value for Contains: {pattern!r}: {why}", field="Contains")

    if not 2 <= len(pattern) <= 16:
        raise bad("it must be between 2 and 16 characters long")
    if not _CONTAINS_CHARS.match(pattern):
        raise bad("only digits, letters and the meta-characters * % + $ are allowed")
    at_start, at_end = pattern.startswith("+"), pattern.endswith("$")
    body = pattern[1 if at_start else 0: len(pattern) - 1 if at_end else len(pattern)]
    if not body or "+" in body or "$" in body:
        raise bad("'+' may only start the pattern and '$' only end it")
    literal = [ch for ch in body if ch not in "*%"]
    if len(literal) != len(body) and len(literal) < 2:
        raise bad("a pattern with wildcards needs at least two other characters")
    if (at_start and body[0] in "*%") or (at_end and body[-1] in "*%"):
        raise bad("meta-characters cannot be adjacent to each other")
    template = "".join(_KEYPAD.get(ch.lower(), ch) for ch in body)
    rx = "".join(r"\d" if ch == "*" else r"\d*" if ch == "%" else ch for ch in template)
    regex = re.compile(("^" if at_start else "") + rx + ("$" if at_end else ""))
    return ContainsPattern(pattern, template, at_start, at_end, regex)


# search -----------------------------------------------------------------------------------------
_MILES_PER_RADIAN = 3958.8


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _MILES_PER_RADIAN * math.asin(min(1.0, math.sqrt(h)))


def _area_of(value: str) -> Area | None:
    """The area of a phone number given where a filter accepts "a number instead"."""
    raw = value.strip()
    digits = re.sub(r"[\s().\-]", "", raw)
    if not digits.lstrip("+").isdigit() or len(digits.lstrip("+")) < 8:
        return None
    if not digits.startswith("+"):
        digits = ("+1" if len(digits) == 10 else "+") + digits
    try:
        parsed = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException:
        return None
    nsn = phonenumbers.national_significant_number(parsed)
    code = "US" if parsed.country_code == 1 else phonenumbers.region_code_for_number(parsed)
    codes = ["US", "CA"] if parsed.country_code == 1 else [code]
    for cc in codes:
        c = _COUNTRIES.get(cc or "")
        if c is None:
            continue
        for kind in c.kinds:
            for area in c.areas[kind]:
                if area is not _MAGIC_AREA and nsn.startswith(area.prefix) and area.locality:
                    return area
    return None


def _same(value: str | None, expected: str | None, attr: str) -> bool:
    """A geographic filter: compare by name, or by the attribute of a given number's area."""
    if value is None:
        return True
    area = _area_of(value)
    wanted = getattr(area, attr) if area is not None else value
    return expected is not None and wanted is not None and expected.lower() == wanted.lower()


def _parse_lat_long(value: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = value.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InvalidParameter(f"Invalid value for NearLatLong: {value!r}; expected "
                               "'latitude,longitude'", field="NearLatLong") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidParameter(f"Invalid value for NearLatLong: {value!r} is out of range",
                               field="NearLatLong")
    return lat, lon


def _areas(c: Country, kind: str, f: SearchFilter) -> list[Area]:
    caps = c.capabilities[kind]
    for wanted, have in ((f.sms_enabled, caps.sms), (f.mms_enabled, caps.mms),
                         (f.voice_enabled, caps.voice), (f.fax_enabled, caps.fax)):
        if wanted is not None and wanted != have:
            return []
    if f.exclude_all_address_required and c.address_requirements != "none":
        return []
    if f.exclude_local_address_required and c.address_requirements == "local":
        return []
    if f.exclude_foreign_address_required and c.address_requirements == "foreign":
        return []
    if f.beta is False and c.beta:
        return []
    distance = f.distance if f.distance is not None else 25
    center: tuple[float, float] | None = None
    if f.near_lat_long is not None:
        center = _parse_lat_long(f.near_lat_long)
    elif f.near_number is not None:
        near = _area_of(f.near_number)
        if near is None or near.latitude is None or near.longitude is None:
            return []
        center = (near.latitude, near.longitude)
    out = []
    for area in c.areas[kind]:
        if f.area_code is not None and c.code in _NANP and area.prefix != str(f.area_code):
            continue
        if area is _MAGIC_AREA and f.area_code is None:
            continue  # the test number only answers a search for its own area code
        if not (_same(f.in_region, area.region, "region")
                and _same(f.in_locality, area.locality, "locality")
                and _same(f.in_postal_code, area.postal_code, "postal_code")
                and _same(f.in_lata, area.lata, "lata")
                and _same(f.in_rate_center, area.rate_center, "rate_center")):
            continue
        if center is not None:
            if area.latitude is None or area.longitude is None:
                continue
            if _miles(center[0], center[1], area.latitude, area.longitude) > distance:
                continue
        out.append(area)
    return out


def _draw(rng: random.Random, code: str, area: Area, pattern: ContainsPattern | None
          ) -> str | None:
    """One candidate in the area; with a pattern, the pattern is placed in it."""
    cc = str(phonenumbers.country_code_for_region(code))
    rest = [""] * (area.length - len(area.prefix))
    full = cc + area.prefix
    if pattern is not None:
        template = "".join(
            "*" * rng.randint(0, 2) if ch == "%" else ch for ch in pattern.template
        )
        size = len(full) + len(rest)
        if len(template) > size:
            return None
        if pattern.at_start:
            offsets = [0, len(cc)]
        elif pattern.at_end:
            offsets = [size - len(template)]
        else:
            offsets = list(range(size - len(template) + 1))
        rng.shuffle(offsets)
        for offset in offsets:
            if offset + len(template) > size:
                continue
            fits = all(
                ch == "*" or (i >= len(full) or full[i] == ch)
                for i, ch in ((offset + j, t) for j, t in enumerate(template))
            )
            if fits:
                for j, ch in enumerate(template):
                    i = offset + j
                    if i >= len(full) and ch != "*":
                        rest[i - len(full)] = ch
                break
        else:
            return None
    digits = "".join(d or str(rng.randint(0, 9)) for d in rest)
    return f"+{full}{digits}"


def validate(f: SearchFilter) -> ContainsPattern | None:
    """Reject malformed filters (400 / 20001) whatever the country and type hold."""
    pattern = compile_contains(f.contains) if f.contains else None
    if f.in_rate_center is not None and f.in_lata is None:
        raise InvalidParameter("InRateCenter requires InLata", field="InRateCenter")
    if f.distance is not None and not 0 <= f.distance <= 500:
        raise InvalidParameter("Invalid value for Distance: must be between 0 and 500 miles",
                               field="Distance")
    if f.near_lat_long is not None:
        _parse_lat_long(f.near_lat_long)
    return pattern


def search(code: str, kind: str, f: SearchFilter, *, attempts: int = 400) -> Iterator[Offer]:
    """Every offer of one country and type the filters admit, deterministic and
    round-robin over the matching areas, without repeats; `attempts` draws per area."""
    c = _COUNTRIES[code]
    pattern = validate(f)
    if kind not in c.areas:
        return
    areas = _areas(c, kind, f)
    if not areas:
        return
    rngs = [random.Random(f"{code}:{kind}:{a.prefix}:{f.contains or ''}") for a in areas]
    left = [attempts] * len(areas)
    seen: set[str] = set()
    while any(left):
        for i, area in enumerate(areas):
            if not left[i]:
                continue
            left[i] -= 1
            if area is _MAGIC_AREA:
                left[i] = 0
                offer = lookup(MAGIC_AVAILABLE)
            else:
                number = _draw(rngs[i], code, area, pattern)
                offer = lookup(number) if number else None
            if offer is None or offer.kind != kind or offer.country is not c:
                continue
            if offer.area is not area or offer.phone_number in seen:
                continue
            if pattern is not None:
                nsn = offer.phone_number[1 + len(str(phonenumbers.country_code_for_region(code))):]
                if not pattern.matches(offer.phone_number, nsn):
                    continue
            seen.add(offer.phone_number)
            yield offer
