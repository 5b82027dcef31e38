"""Applications through the official twilio client: create, fetch, update, list, delete
(which detaches the application from the account's numbers)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

FIELDS = {
    "friendly_name": "My app", "voice_url": "https://example.com/voice", "voice_method": "GET",
    "voice_fallback_url": "https://example.com/vf", "voice_fallback_method": "GET",
    "status_callback": "https://example.com/status", "status_callback_method": "GET",
    "voice_caller_id_lookup": True, "sms_url": "https://example.com/sms", "sms_method": "GET",
    "sms_fallback_url": "https://example.com/sf", "sms_fallback_method": "GET",
    "sms_status_callback": "https://example.com/ss",
    "message_status_callback": "https://example.com/ms",
    "public_application_connect_enabled": True, "api_version": "2008-08-01",
}


def rest_error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value


def test_create_with_defaults(client: Client) -> None:
    app = client.applications.create()
    assert app.sid.startswith("AP") and len(app.sid) == 34
    assert app.account_sid == client.account_sid
    assert app.friendly_name is None and app.api_version == "2010-04-01"
    assert (app.voice_method, app.sms_method, app.status_callback_method) == ("POST",) * 3
    assert app.voice_url is None and app.voice_caller_id_lookup is False
    assert app.public_application_connect_enabled is False
    assert app.uri == f"/2010-04-01/Accounts/{client.account_sid}/Applications/{app.sid}.json"


def test_create_fetch_update_every_field(client: Client) -> None:
    app = client.applications.create(**FIELDS)
    fetched = client.applications(app.sid).fetch()
    for source in (app, fetched):
        assert {k: getattr(source, k) for k in FIELDS} == FIELDS
    updated = client.applications(app.sid).update(
        friendly_name="Renamed", sms_url="http://example.org/new", voice_method="POST",
        voice_caller_id_lookup=False,
    )
    assert updated.friendly_name == "Renamed" and updated.sms_url == "http://example.org/new"
    assert updated.voice_method == "POST" and updated.voice_caller_id_lookup is False
    assert updated.voice_url == FIELDS["voice_url"]
    assert client.applications(app.sid).fetch().friendly_name == "Renamed"


def test_update_clears_a_url(client: Client, http: httpx.Client, base: str) -> None:
    app = client.applications.create(sms_url="https://example.com/sms")
    body = http.post(f"{base}/Applications/{app.sid}.json", data={"SmsUrl": ""}).json()
    assert body["sms_url"] is None


@pytest.mark.parametrize(("data", "code"), [
    ({"VoiceUrl": "not a url"}, 21402),
    ({"SmsFallbackUrl": "ftp://example.com/x"}, 21402),
    ({"StatusCallback": "example.com"}, 21502),
    ({"SmsStatusCallback": "/x"}, 21502),
    ({"MessageStatusCallback": "http:/x"}, 21502),
    ({"SmsMethod": "PATCH"}, 20001),
    ({"ApiVersion": "2011"}, 20001),
    ({"FriendlyName": "n" * 65}, 20001),
])
def test_create_and_update_errors(client: Client, http: httpx.Client, base: str,
                                  data: dict[str, str], code: int) -> None:
    response = http.post(f"{base}/Applications.json", data=data)
    assert response.status_code == 400 and response.json()["code"] == code, response.text
    app = client.applications.create(friendly_name="ok")
    response = http.post(f"{base}/Applications/{app.sid}.json", data=data)
    assert response.status_code == 400 and response.json()["code"] == code, response.text
    assert [a.sid for a in client.applications.list()] == [app.sid]


def test_list_filter_and_paging(client: Client) -> None:
    a = client.applications.create(friendly_name="one")
    b = client.applications.create(friendly_name="two")
    c = client.applications.create(friendly_name="two")
    assert [x.sid for x in client.applications.list()] == [c.sid, b.sid, a.sid]
    assert [x.sid for x in client.applications.list(friendly_name="two")] == [c.sid, b.sid]
    assert client.applications.list(friendly_name="three") == []
    assert [x.sid for x in client.applications.stream(page_size=1)] == [c.sid, b.sid, a.sid]


def test_delete_detaches_numbers(client: Client) -> None:
    app = client.applications.create(friendly_name="router")
    keep = client.applications.create(friendly_name="keep")
    pn = client.incoming_phone_numbers.create(area_code="202", sms_application_sid=app.sid,
                                              voice_application_sid=app.sid)
    other = client.incoming_phone_numbers.create(area_code="202", voice_application_sid=keep.sid)
    assert client.applications(app.sid).delete() is True
    fetched = client.incoming_phone_numbers(pn.sid).fetch()
    assert fetched.sms_application_sid is None and fetched.voice_application_sid is None
    assert client.incoming_phone_numbers(other.sid).fetch().voice_application_sid == keep.sid
    assert rest_error(lambda: client.applications(app.sid).fetch()).code == 20404
    assert rest_error(lambda: client.applications(app.sid).delete()).status == 404


def test_no_cross_account_access(client: Client, main_client: Client) -> None:
    theirs = main_client.applications.create(friendly_name="parent's")
    try:
        assert rest_error(lambda: client.applications(theirs.sid).fetch()).status == 404
        assert rest_error(lambda: client.applications(theirs.sid).update(
            friendly_name="x")).status == 404
        assert rest_error(lambda: client.applications(theirs.sid).delete()).status == 404
        assert client.applications.list() == []
    finally:
        main_client.applications(theirs.sid).delete()


def test_xml_and_csv(client: Client, http: httpx.Client, base: str) -> None:
    app = client.applications.create(friendly_name="fmt")
    xml = http.get(f"{base}/Applications/{app.sid}")
    assert xml.status_code == 200 and "<FriendlyName>fmt</FriendlyName>" in xml.text
    csv = http.get(f"{base}/Applications.csv")
    assert csv.status_code == 200 and app.sid in csv.text
