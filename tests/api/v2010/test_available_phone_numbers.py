"""AvailablePhoneNumbers through the official twilio client: countries, per-type searches
with their filters, determinism, and that every number offered can be bought."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from callbox.core.inventory import compile_contains


def rest_error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value


def test_countries(client: Client, http: httpx.Client, base: str) -> None:
    countries = {c.country_code: c for c in client.available_phone_numbers.list()}
    assert {"US", "CA", "GB", "AU", "DE", "FR"} <= set(countries)
    us = countries["US"]
    assert (us.country, us.beta) == ("United States", False)
    assert us.uri == f"{base}/AvailablePhoneNumbers/US.json"
    assert us.subresource_uris == {
        "local": f"{base}/AvailablePhoneNumbers/US/Local.json",
        "mobile": f"{base}/AvailablePhoneNumbers/US/Mobile.json",
        "toll_free": f"{base}/AvailablePhoneNumbers/US/TollFree.json",
    }
    assert "toll_free" not in countries["CA"].subresource_uris
    fetched = client.available_phone_numbers("gb").fetch()
    assert (fetched.country_code, fetched.country) == ("GB", "United Kingdom")
    body = http.get(f"{base}/AvailablePhoneNumbers.json").json()
    assert set(body) == {"countries", "uri"}


def test_unknown_country_is_404(client: Client, http: httpx.Client, base: str) -> None:
    assert rest_error(lambda: client.available_phone_numbers("ZZ").fetch()).code == 20404
    with pytest.raises(Exception, match="20404"):
        client.available_phone_numbers("ZZ").local.list()
    assert http.get(f"{base}/AvailablePhoneNumbers/USA/Local.json").status_code == 404


def test_local_search_shape_and_determinism(client: Client, http: httpx.Client, base: str
                                           ) -> None:
    numbers = client.available_phone_numbers("US").local.list(limit=20)
    assert len(numbers) == 20
    again = client.available_phone_numbers("US").local.list(limit=20)
    assert [n.phone_number for n in numbers] == [n.phone_number for n in again]
    first = numbers[0]
    assert re.fullmatch(r"\+1[2-9]\d{9}", first.phone_number)
    assert first.iso_country == "US" and first.address_requirements == "none"
    assert first.region and first.locality and first.lata and first.rate_center
    assert -90 <= float(first.latitude) <= 90 and -180 <= float(first.longitude) <= 180
    assert first.capabilities == {"voice": True, "sms": True, "mms": True, "fax": True}
    body = http.get(f"{base}/AvailablePhoneNumbers/US/Local.json",
                    params={"PageSize": 5}).json()
    assert set(body) == {"available_phone_numbers", "uri"}
    assert len(body["available_phone_numbers"]) == 5
    assert body["uri"] == f"{base}/AvailablePhoneNumbers/US/Local.json?PageSize=5"
    assert len(client.available_phone_numbers("US").local.list(page_size=100)) == 100


def test_area_code_and_geography(client: Client) -> None:
    us = client.available_phone_numbers("US")
    sf = us.local.list(area_code=415, limit=10)
    assert sf and all(n.phone_number.startswith("+1415") for n in sf)
    assert {n.locality for n in sf} == {"San Francisco"}
    assert us.local.list(area_code=201) == []
    texas = us.local.list(in_region="TX", limit=30)
    assert texas and {n.region for n in texas} == {"TX"}
    assert {n.locality for n in texas} == {"Dallas", "Austin", "Houston"}
    assert {n.locality for n in us.local.list(in_locality="boston", limit=5)} == {"Boston"}
    assert {n.postal_code for n in us.local.list(in_postal_code="98101", limit=5)} == {"98101"}
    # "given a phone number": the same region as that number
    same = us.local.list(in_region="+14155550100", limit=30)
    assert same and {n.region for n in same} == {"CA"}
    lata = us.local.list(in_lata="722", in_rate_center="OKLD", limit=5)
    assert lata and {n.locality for n in lata} == {"Oakland"}
    near = us.local.list(near_lat_long="37.77,-122.42", distance=20, limit=30)
    assert {n.locality for n in near} == {"San Francisco", "Oakland"}
    for n in near:
        assert _miles(37.77, -122.42, float(n.latitude), float(n.longitude)) <= 20
    near_number = us.local.list(near_number="+12125550100", distance=5, limit=30)
    assert {n.locality for n in near_number} == {"New York"}


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 3958.8 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("pattern", ["STORM", "510555****", "+1415%", "22$", "**555**", "+415"])
def test_contains(client: Client, pattern: str) -> None:
    found = client.available_phone_numbers("US").local.list(contains=pattern, limit=10)
    assert len(found) == 10
    compiled = compile_contains(pattern)
    for n in found:
        assert compiled.matches(n.phone_number, n.phone_number[2:]), n.phone_number


@pytest.mark.parametrize(("params", "code"), [
    ({"Contains": "1"}, 20001),
    ({"Contains": "12345678901234567"}, 20001),
    ({"Contains": "12-34"}, 20001),
    ({"Contains": "1*"}, 20001),
    ({"Contains": "12+3"}, 20001),
    ({"NearLatLong": "north"}, 20001),
    ({"NearLatLong": "91,0"}, 20001),
    ({"Distance": "501"}, 20001),
    ({"InRateCenter": "OKLD"}, 20001),
    ({"AreaCode": "abc"}, 20001),
])
def test_bad_filters(http: httpx.Client, base: str, params: dict[str, str], code: int) -> None:
    response = http.get(f"{base}/AvailablePhoneNumbers/US/Local.json", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code


def test_capability_and_address_filters(client: Client) -> None:
    gb = client.available_phone_numbers("GB")
    assert gb.local.list(sms_enabled=True) == []
    assert len(gb.mobile.list(sms_enabled=True, limit=3)) == 3
    assert gb.mobile.list(exclude_all_address_required=True) == []
    assert len(client.available_phone_numbers("US").local.list(
        exclude_all_address_required=True, fax_enabled=True, beta=False, limit=3)) == 3
    assert client.available_phone_numbers("US").toll_free.list(fax_enabled=True) == []
    assert client.available_phone_numbers("DE").local.list(
        exclude_local_address_required=True) == []


@pytest.mark.parametrize(("country", "kind", "prefix"), [
    ("US", "toll_free", r"\+18(00|33|44|55|66|77|88)"), ("US", "mobile", r"\+1"),
    ("CA", "local", r"\+1"), ("GB", "local", r"\+44"), ("GB", "toll_free", r"\+4480"),
    ("AU", "mobile", r"\+614"), ("DE", "mobile", r"\+491"), ("FR", "local", r"\+33"),
])
def test_every_number_offered_can_be_bought(client: Client, country: str, kind: str,
                                            prefix: str) -> None:
    offered = getattr(client.available_phone_numbers(country), kind).list(limit=3)
    assert len(offered) == 3
    for n in offered:
        assert re.match(prefix, n.phone_number) and n.iso_country == country
    bought = client.incoming_phone_numbers.create(phone_number=offered[0].phone_number)
    assert bought.type == {"toll_free": "tollfree"}.get(kind, kind)
    assert bought.friendly_name == offered[0].friendly_name
    after = getattr(client.available_phone_numbers(country), kind).list(limit=3)
    assert offered[0].phone_number not in {n.phone_number for n in after}
    client.incoming_phone_numbers(bought.sid).delete()


def test_types_a_country_does_not_offer_are_empty(client: Client) -> None:
    us = client.available_phone_numbers("US")
    assert us.national.list() == []
    assert us.voip.list() == []
    assert us.shared_cost.list() == []
    assert us.machine_to_machine.list() == []
    assert client.available_phone_numbers("CA").toll_free.list() == []


def test_magic_area_code_is_offered(client: Client) -> None:
    found = client.available_phone_numbers("US").local.list(area_code=500)
    assert [(n.phone_number, n.friendly_name) for n in found] == [
        ("+15005550006", "(500) 555-0006")]


def test_xml(http: httpx.Client, base: str) -> None:
    response = http.get(f"{base}/AvailablePhoneNumbers/US/Local", params={"PageSize": 2})
    assert response.status_code == 200
    assert response.text.count("<PhoneNumber>") == 2
