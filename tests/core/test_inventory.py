"""The simulated inventory: deterministic, valid numbers of the right type, Contains
patterns, geographic filters, and lookup agreeing with search."""

from __future__ import annotations

import itertools

import phonenumbers
import pytest

from callbox.core import inventory as inv
from callbox.core.errors import InvalidParameter

F = inv.SearchFilter
TYPES = {
    "local": {phonenumbers.PhoneNumberType.FIXED_LINE,
              phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE},
    "mobile": {phonenumbers.PhoneNumberType.MOBILE,
               phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE},
    "tollfree": {phonenumbers.PhoneNumberType.TOLL_FREE},
}


def take(code: str, kind: str, flt: inv.SearchFilter | None = None, n: int = 50
         ) -> list[inv.Offer]:
    return list(itertools.islice(inv.search(code, kind, flt or F()), n))


@pytest.mark.parametrize(("code", "kind"), [(c.code, k) for c in inv.countries() for k in c.kinds])
def test_every_country_and_type_offers_valid_numbers(code: str, kind: str) -> None:
    offers = take(code, kind)
    assert len(offers) == 50
    assert len({o.phone_number for o in offers}) == 50
    for offer in offers:
        parsed = phonenumbers.parse(offer.phone_number)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) in TYPES[kind]
        assert offer.kind == kind and offer.country.code == code
        assert inv.lookup(offer.phone_number) == offer
        assert inv.classify(offer.phone_number) == kind


def test_search_is_deterministic() -> None:
    assert take("US", "local") == take("US", "local")
    assert take("GB", "mobile", F(contains="77")) == take("GB", "mobile", F(contains="77"))


def test_nanp_local_and_mobile_never_overlap() -> None:
    local = {o.phone_number for o in take("US", "local", n=200)}
    mobile = {o.phone_number for o in take("US", "mobile", n=200)}
    assert not local & mobile


def test_magic_numbers() -> None:
    offer = inv.lookup(inv.MAGIC_AVAILABLE)
    assert offer is not None and offer.friendly_name == "(500) 555-0006"
    assert inv.lookup(inv.MAGIC_UNAVAILABLE) is None
    assert [o.phone_number for o in take("US", "local", F(area_code=500))] == [
        inv.MAGIC_AVAILABLE]
    assert inv.MAGIC_AVAILABLE not in {o.phone_number for o in take("US", "local", n=500)}


def test_not_in_inventory() -> None:
    assert inv.lookup("+12015550123") is None  # area code callbox does not stock
    assert inv.lookup("+14155550123") is None  # fictional 555-01XX
    assert inv.lookup("+14150550123") is None  # exchange starting with 0
    assert inv.lookup("+4915") is None
    assert inv.lookup("+19995550123") is None
    assert inv.lookup("+8613800138000") is None  # a country callbox does not stock


@pytest.mark.parametrize(("pattern", "must"), [
    ("STORM", "78676"), ("510555****", "510555"), ("+1415%", "1415"), ("22$", "22"),
    ("+415", "415"), ("%555%", "555"),
])
def test_contains(pattern: str, must: str) -> None:
    offers = take("US", "local", F(contains=pattern), n=20)
    assert len(offers) == 20
    for o in offers:
        digits = o.phone_number[1:]
        assert must in digits
    if pattern.startswith("+"):
        assert all(o.phone_number[1:].startswith(must) or o.phone_number[2:].startswith(must)
                   for o in offers)
    if pattern.endswith("$"):
        assert all(o.phone_number.endswith(must) for o in offers)


def test_contains_that_cannot_match_ends() -> None:
    assert take("US", "local", F(contains="+9999")) == []


@pytest.mark.parametrize("pattern", ["1", "x" * 17, "12-3", "1*", "1+2", "$12", "+*12"])
def test_bad_contains(pattern: str) -> None:
    with pytest.raises(InvalidParameter):
        inv.compile_contains(pattern)


def test_geographic_filters() -> None:
    assert {o.area.region for o in take("US", "local", F(in_region="ny"))} == {"NY"}
    assert {o.area.locality for o in take("CA", "local", F(area_code=416))} == {"Toronto"}
    assert {o.area.locality for o in take("US", "local", F(in_locality="+13035550100"))} == {
        "Denver"}
    near = take("US", "local", F(near_lat_long="40.75,-73.99", distance=10), n=30)
    assert {o.area.locality for o in near} == {"New York"}
    assert take("US", "local", F(near_number="+8613800138000")) == []
    assert take("US", "tollfree", F(in_region="CA")) == []
    with pytest.raises(InvalidParameter):
        take("US", "local", F(in_rate_center="OKLD"))
    with pytest.raises(InvalidParameter):
        take("US", "local", F(distance=1000))


def test_capability_filters() -> None:
    assert take("GB", "local", F(sms_enabled=True)) == []
    assert take("GB", "local", F(sms_enabled=False), n=3)
    assert take("US", "mobile", F(fax_enabled=True)) == []
    assert take("FR", "mobile", F(exclude_local_address_required=True)) == []
    assert take("AU", "mobile", F(exclude_local_address_required=True), n=3)


def test_classify() -> None:
    assert inv.classify("+18005550100") == "tollfree"
    assert inv.classify("+447911123456") == "mobile"
    assert inv.classify("+442079460000") == "local"
    assert inv.classify("not a number") == "local"
