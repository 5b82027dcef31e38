"""IncomingPhoneNumbers through the official twilio client: buy (by number, by area code,
per type), Twilio's test numbers, fetch, update (configuration, applications, transfer
between accounts), release and list with filters."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.conftest import make_client
from tests.support.schema import ResponseValidator
from tests.support.server import LiveServer

SID_RE = re.compile(r"^PN[0-9a-f]{32}$")


def rest_error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value


def available(client: Client, kind: str = "local", country: str = "US", **kw: Any) -> str:
    lists = client.available_phone_numbers(country)
    found = getattr(lists, kind).list(limit=1, **kw)
    assert found, f"no {kind} number in {country}"
    return str(found[0].phone_number)


def buy(client: Client, kind: str = "local", **kw: Any) -> Any:
    return client.incoming_phone_numbers.create(phone_number=available(client, kind), **kw)


# buy --------------------------------------------------------------------------------------
def test_buy_an_available_number(client: Client) -> None:
    number = available(client, "local", area_code=415)
    pn = client.incoming_phone_numbers.create(phone_number=number)
    assert SID_RE.match(pn.sid)
    assert pn.account_sid == client.account_sid
    assert pn.phone_number == number
    assert re.fullmatch(r"\(415\) \d{3}-\d{4}", pn.friendly_name)
    assert pn.capabilities == {"voice": True, "sms": True, "mms": True, "fax": True}
    assert (pn.type, pn.origin, pn.status, pn.api_version) == ("local", "twilio", "in-use",
                                                               "2010-04-01")
    assert pn.beta is False and pn.address_requirements == "none"
    assert (pn.sms_method, pn.voice_method, pn.status_callback_method) == ("POST",) * 3
    assert pn.sms_url is None and pn.voice_application_sid is None
    assert pn.uri == f"/2010-04-01/Accounts/{client.account_sid}/IncomingPhoneNumbers/{pn.sid}.json"
    fetched = client.incoming_phone_numbers(pn.sid).fetch()
    assert fetched.phone_number == number and fetched.date_created == pn.date_created


def test_buy_with_configuration(client: Client) -> None:
    pn = buy(client, friendly_name="Front desk", sms_url="https://example.com/sms",
             sms_method="GET", voice_url="http://example.com/voice",
             status_callback="https://example.com/status", voice_caller_id_lookup=True)
    assert pn.friendly_name == "Front desk"
    assert (pn.sms_url, pn.sms_method) == ("https://example.com/sms", "GET")
    assert pn.voice_url == "http://example.com/voice"
    assert pn.status_callback == "https://example.com/status"
    assert pn.voice_caller_id_lookup is True


@pytest.mark.parametrize(("kind", "resource", "caps"), [
    ("local", "local", {"voice": True, "sms": True, "mms": True, "fax": True}),
    ("mobile", "mobile", {"voice": True, "sms": True, "mms": True, "fax": False}),
    ("tollfree", "toll_free", {"voice": True, "sms": True, "mms": True, "fax": False}),
])
def test_buy_per_type(client: Client, kind: str, resource: str, caps: dict[str, bool]) -> None:
    number = available(client, resource)
    pn = getattr(client.incoming_phone_numbers, resource).create(phone_number=number)
    assert pn.phone_number == number and pn.capabilities == caps
    assert client.incoming_phone_numbers(pn.sid).fetch().type == kind
    listed = getattr(client.incoming_phone_numbers, resource).list()
    assert [n.sid for n in listed] == [pn.sid]


def test_buy_from_the_wrong_type_is_not_available(client: Client) -> None:
    tollfree = available(client, "toll_free")
    err = rest_error(lambda: client.incoming_phone_numbers.local.create(phone_number=tollfree))
    assert (err.status, err.code) == (400, 21422)


def test_buy_by_area_code(client: Client) -> None:
    pn = client.incoming_phone_numbers.create(area_code="212")
    assert pn.phone_number.startswith("+1212") and pn.type == "local"
    ca = client.incoming_phone_numbers.create(area_code="604")
    assert ca.phone_number.startswith("+1604")


def test_buy_other_countries(client: Client) -> None:
    gb = client.incoming_phone_numbers.create(phone_number=available(client, "mobile", "GB"))
    assert gb.phone_number.startswith("+447") and gb.type == "mobile"
    assert gb.address_requirements == "any"
    assert gb.capabilities == {"voice": True, "sms": True, "mms": False, "fax": False}


def test_magic_numbers(client: Client) -> None:
    assert rest_error(lambda: client.incoming_phone_numbers.create(
        phone_number="+15005550000")).code == 21422
    assert rest_error(lambda: client.incoming_phone_numbers.create(
        phone_number="+15005550001")).code == 21421
    assert rest_error(lambda: client.incoming_phone_numbers.create(area_code="533")).code == 21452
    pn = client.incoming_phone_numbers.create(phone_number="+15005550006")
    assert pn.friendly_name == "(500) 555-0006" and pn.type == "local"
    # owned now: neither the number nor its area code has another to give
    assert rest_error(lambda: client.incoming_phone_numbers.create(
        phone_number="+15005550006")).code == 21422
    assert rest_error(lambda: client.incoming_phone_numbers.create(area_code="500")).code == 21452
    client.incoming_phone_numbers(pn.sid).delete()
    again = client.incoming_phone_numbers.create(area_code="500")
    assert (again.phone_number, again.friendly_name) == ("+15005550006", "(500) 555-0006")
    client.incoming_phone_numbers(again.sid).delete()


@pytest.mark.parametrize(("data", "code"), [
    ({}, 20001),
    ({"PhoneNumber": "+14155550100", "AreaCode": "415"}, 20001),
    ({"PhoneNumber": "not a number"}, 21421),
    ({"PhoneNumber": "+1415555"}, 21421),
    ({"PhoneNumber": "+19995550123"}, 21421),  # possible, never valid
    ({"PhoneNumber": "+12125550123"}, 21422),  # valid, not for sale (555-01XX is fiction)
    ({"AreaCode": "099"}, 21451),
    ({"AreaCode": "9"}, 21451),
    ({"AreaCode": "201"}, 21452),  # a real area code with no inventory in callbox
    ({"AreaCode": "415", "SmsUrl": "ftp://example.com"}, 21402),
    ({"AreaCode": "415", "VoiceFallbackUrl": "example.com/x"}, 21402),
    ({"AreaCode": "415", "StatusCallback": "nope"}, 21502),
    ({"AreaCode": "415", "SmsMethod": "PUT"}, 20001),
    ({"AreaCode": "415", "VoiceApplicationSid": "AP" + "0" * 32}, 21218),
    ({"AreaCode": "415", "ApiVersion": "2099-01-01"}, 20001),
    ({"AreaCode": "415", "FriendlyName": "x" * 65}, 20001),
    ({"AreaCode": "415", "TrunkSid": "TK" + "0" * 32}, 20001),
    ({"AreaCode": "415", "BundleSid": "BU" + "0" * 32}, 20001),
])
def test_create_errors(http: httpx.Client, base: str, data: dict[str, str], code: int) -> None:
    response = http.post(f"{base}/IncomingPhoneNumbers.json", data=data)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert http.get(f"{base}/IncomingPhoneNumbers.json").json()["incoming_phone_numbers"] == []


def test_a_number_has_one_owner_across_accounts(client: Client, main_client: Client) -> None:
    pn = buy(client)
    err = rest_error(lambda: main_client.incoming_phone_numbers.create(
        phone_number=pn.phone_number))
    assert (err.status, err.code) == (400, 21422)
    # and the inventory stops offering it
    offered = client.available_phone_numbers("US").local.list(
        contains=pn.phone_number[2:], limit=50)
    assert pn.phone_number not in {o.phone_number for o in offered}


# update -----------------------------------------------------------------------------------
def test_update_every_writable_field(client: Client) -> None:
    app = client.applications.create(friendly_name="app")
    pn = buy(client)
    updated = client.incoming_phone_numbers(pn.sid).update(
        friendly_name="Renamed", sms_url="https://example.com/s", sms_method="GET",
        sms_fallback_url="https://example.com/sf", sms_fallback_method="GET",
        sms_application_sid=app.sid, voice_url="https://example.com/v", voice_method="GET",
        voice_fallback_url="https://example.com/vf", voice_fallback_method="GET",
        voice_application_sid=app.sid, voice_caller_id_lookup=True,
        status_callback="https://example.com/cb", status_callback_method="GET",
        voice_receive_mode="fax", emergency_status="Active", api_version="2008-08-01",
    )
    expected = {
        "friendly_name": "Renamed", "sms_url": "https://example.com/s", "sms_method": "GET",
        "sms_fallback_url": "https://example.com/sf", "sms_fallback_method": "GET",
        "sms_application_sid": app.sid, "voice_url": "https://example.com/v",
        "voice_method": "GET", "voice_fallback_url": "https://example.com/vf",
        "voice_fallback_method": "GET", "voice_application_sid": app.sid,
        "voice_caller_id_lookup": True, "status_callback": "https://example.com/cb",
        "status_callback_method": "GET", "voice_receive_mode": "fax",
        "emergency_status": "Active", "api_version": "2008-08-01",
    }
    for source in (updated, client.incoming_phone_numbers(pn.sid).fetch()):
        assert {k: getattr(source, k) for k in expected} == expected
    assert updated.date_updated >= pn.date_updated


def test_update_clears_with_empty_values(client: Client, http: httpx.Client, base: str) -> None:
    pn = buy(client, sms_url="https://example.com/s", friendly_name="Named")
    response = http.post(f"{base}/IncomingPhoneNumbers/{pn.sid}.json",
                         data={"SmsUrl": "", "FriendlyName": ""})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sms_url"] is None
    assert body["friendly_name"] == re.sub(r"^\+1(\d{3})(\d{3})(\d{4})$", r"(\1) \2-\3",
                                           pn.phone_number)


@pytest.mark.parametrize(("data", "code"), [
    ({"SmsUrl": "mailto:a@b"}, 21402),
    ({"VoiceUrl": "http://"}, 21402),
    ({"StatusCallback": "/relative"}, 21502),
    ({"VoiceMethod": "DELETE"}, 20001),
    ({"SmsApplicationSid": "AP" + "1" * 32}, 21218),
    ({"AccountSid": "AC" + "1" * 32}, 21471),
    ({"IdentitySid": "RI" + "1" * 32}, 20001),
])
def test_update_errors(client: Client, http: httpx.Client, base: str, data: dict[str, str],
                       code: int) -> None:
    pn = buy(client)
    response = http.post(f"{base}/IncomingPhoneNumbers/{pn.sid}.json", data=data)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert client.incoming_phone_numbers(pn.sid).fetch().date_updated == pn.date_updated


def test_application_of_another_account_is_refused(client: Client, main_client: Client) -> None:
    theirs = main_client.applications.create(friendly_name="not yours")
    pn = buy(client)
    err = rest_error(lambda: client.incoming_phone_numbers(pn.sid).update(
        voice_application_sid=theirs.sid))
    assert err.code == 21218
    main_client.applications(theirs.sid).delete()


def test_transfer_between_parent_and_subaccount(client: Client, main_client: Client,
                                                live: LiveServer,
                                                validator: ResponseValidator) -> None:
    sub = client.account_sid
    app = client.applications.create(friendly_name="stays behind")
    pn = buy(client, sms_application_sid=app.sid)
    # the parent acts on its subaccount's number and moves it to itself
    as_parent = main_client.api.v2010.accounts(sub).incoming_phone_numbers(pn.sid)
    moved = as_parent.update(account_sid=main_client.account_sid)
    assert moved.account_sid == main_client.account_sid
    assert moved.sms_application_sid is None
    assert moved.uri.startswith(f"/2010-04-01/Accounts/{main_client.account_sid}/")
    assert rest_error(lambda: client.incoming_phone_numbers(pn.sid).fetch()).status == 404
    mine = main_client.incoming_phone_numbers(pn.sid).fetch()
    assert mine.phone_number == pn.phone_number
    # and back, to a sibling subaccount this time
    sibling = main_client.api.v2010.accounts.create(friendly_name="sibling")
    back = main_client.incoming_phone_numbers(pn.sid).update(account_sid=sibling.sid)
    assert back.account_sid == sibling.sid
    sibling_client = make_client(live, validator, sibling.sid, sibling.auth_token)
    assert [n.sid for n in sibling_client.incoming_phone_numbers.list()] == [pn.sid]
    # a subaccount cannot push its number to another account
    err = rest_error(lambda: sibling_client.incoming_phone_numbers(pn.sid).update(
        account_sid=sub))
    assert err.code == 21471


# release ----------------------------------------------------------------------------------
def test_release_returns_the_number_to_the_inventory(client: Client, main_client: Client
                                                     ) -> None:
    pn = buy(client)
    assert client.incoming_phone_numbers(pn.sid).delete() is True
    assert rest_error(lambda: client.incoming_phone_numbers(pn.sid).fetch()).code == 20404
    assert rest_error(lambda: client.incoming_phone_numbers(pn.sid).delete()).status == 404
    again = main_client.incoming_phone_numbers.create(phone_number=pn.phone_number)
    assert again.sid != pn.sid
    main_client.incoming_phone_numbers(again.sid).delete()


def test_no_cross_account_reads(client: Client, main_client: Client) -> None:
    theirs = main_client.incoming_phone_numbers.create(area_code="617")
    try:
        err = rest_error(lambda: client.incoming_phone_numbers(theirs.sid).fetch())
        assert (err.status, err.code) == (404, 20404)
        assert rest_error(lambda: client.incoming_phone_numbers(theirs.sid).update(
            friendly_name="x")).status == 404
        assert rest_error(lambda: client.incoming_phone_numbers(theirs.sid).delete()).status == 404
        assert theirs.sid not in {n.sid for n in client.incoming_phone_numbers.list()}
    finally:
        main_client.incoming_phone_numbers(theirs.sid).delete()


# list -------------------------------------------------------------------------------------
def test_list_filters_and_paging(client: Client) -> None:
    a = client.incoming_phone_numbers.create(area_code="303", friendly_name="alpha")
    b = client.incoming_phone_numbers.create(area_code="305", friendly_name="beta")
    c = client.incoming_phone_numbers.toll_free.create(
        phone_number=available(client, "toll_free"))
    sids = [n.sid for n in client.incoming_phone_numbers.list()]
    assert sids == [c.sid, b.sid, a.sid]
    assert [n.sid for n in client.incoming_phone_numbers.list(friendly_name="alpha")] == [a.sid]
    assert [n.sid for n in client.incoming_phone_numbers.list(phone_number="+1305")] == [b.sid]
    last4 = a.phone_number[-4:]
    partial = client.incoming_phone_numbers.list(phone_number=f"303*{'*' * 2}{last4}")
    assert a.sid in {n.sid for n in partial}
    assert client.incoming_phone_numbers.list(phone_number="abc") == []
    assert len(client.incoming_phone_numbers.list(origin="twilio")) == 3
    assert client.incoming_phone_numbers.list(origin="hosted") == []
    assert len(client.incoming_phone_numbers.list(beta=False)) == 3
    assert [n.sid for n in client.incoming_phone_numbers.local.list()] == [b.sid, a.sid]
    assert client.incoming_phone_numbers.mobile.list() == []
    paged = list(client.incoming_phone_numbers.stream(page_size=1))
    assert [n.sid for n in paged] == sids
    page = client.incoming_phone_numbers.page(page_size=2)
    assert len(list(page)) == 2 and page.next_page() is not None


def test_xml_and_csv(client: Client, http: httpx.Client, base: str) -> None:
    pn = buy(client)
    body = http.get(f"{base}/IncomingPhoneNumbers/{pn.sid}.json").json()
    assert body["subresource_uris"] == {
        "assigned_add_ons": f"{base}/IncomingPhoneNumbers/{pn.sid}/AssignedAddOns.json"}
    xml = http.get(f"{base}/IncomingPhoneNumbers/{pn.sid}")
    assert xml.status_code == 200
    assert f"<PhoneNumber>{pn.phone_number}</PhoneNumber>" in xml.text
    assert "<Capabilities><Voice>true</Voice>" in xml.text
    csv = http.get(f"{base}/IncomingPhoneNumbers.csv")
    assert csv.status_code == 200
    header, row = csv.text.strip().splitlines()
    assert "phone_number" in header.split(",") and pn.phone_number in row
    err = http.post(f"{base}/IncomingPhoneNumbers", data={"PhoneNumber": "+15005550001"})
    assert err.status_code == 400 and "<Code>21421</Code>" in err.text


def test_concurrent_buyers_of_one_number(client: Client, http: httpx.Client, base: str) -> None:
    """The unique constraint decides a race the availability check cannot see."""
    from concurrent.futures import ThreadPoolExecutor

    number = available(client, "local", area_code=702)

    def attempt(_: int) -> int:
        response = http.post(f"{base}/IncomingPhoneNumbers.json", data={"PhoneNumber": number})
        return response.status_code if response.status_code == 201 else response.json()["code"]

    with ThreadPoolExecutor(8) as pool:
        results = sorted(pool.map(attempt, range(8)))
    assert results == [201] + [21422] * 7
    assert [n.phone_number for n in client.incoming_phone_numbers.list()] == [number]
