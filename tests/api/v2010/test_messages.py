"""Messages through the official twilio client: create, fetch, list, update, delete and
every create-time validation code (contract §1.2, §3)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.support.handsets import STAYS_QUEUED

TO = "+15558675310"
FROM = "+15005550006"
SID_RE = re.compile(r"^(SM|MM)[0-9a-f]{32}$")


def send(client: Client, **kwargs: Any) -> Any:
    kwargs.setdefault("to", TO)
    kwargs.setdefault("from_", FROM)
    if "media_url" not in kwargs:
        kwargs.setdefault("body", "hello")
    return client.messages.create(**kwargs)


def schedule(client: Client, ahead: timedelta = timedelta(minutes=10)) -> Any:
    return send(client, schedule_type="fixed", send_at=datetime.now(UTC) + ahead)


def rest_error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value


# create ----------------------------------------------------------------------------------
def test_create_returns_queued_outbound_message(client: Client) -> None:
    msg = send(client, body="Hello there")
    assert SID_RE.match(msg.sid) and msg.sid.startswith("SM")
    assert msg.account_sid == client.account_sid
    assert msg.to == TO
    assert msg.from_ == FROM
    assert msg.body == "Hello there"
    assert msg.status == "queued"
    assert msg.direction == "outbound-api"
    assert msg.api_version == "2010-04-01"
    assert msg.num_media == "0"
    assert msg.num_segments == "1"
    assert msg.date_sent is None
    assert msg.error_code is None
    assert isinstance(msg.date_created, datetime)
    assert abs(msg.date_created.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=1)
    assert msg.uri == f"/2010-04-01/Accounts/{client.account_sid}/Messages/{msg.sid}.json"
    assert msg.subresource_uris == {
        "media": f"/2010-04-01/Accounts/{client.account_sid}/Messages/{msg.sid}/Media.json",
        "feedback": f"/2010-04-01/Accounts/{client.account_sid}/Messages/{msg.sid}/Feedback.json",
    }


def test_create_with_media_urls_is_mms(client: Client) -> None:
    urls = ["https://example.com/a.jpg", "http://example.com/b.png"]
    msg = send(client, body="pics", media_url=urls)
    assert msg.sid.startswith("MM") and SID_RE.match(msg.sid)
    assert msg.num_media == "2"
    assert msg.body == "pics"


def test_create_with_media_only_and_ten_urls(client: Client) -> None:
    urls = [f"https://example.com/{i}.gif" for i in range(10)]
    msg = client.messages.create(to=TO, from_=FROM, media_url=urls)
    assert msg.sid.startswith("MM")
    assert msg.num_media == "10"
    assert msg.body == ""
    assert len(client.messages(msg.sid).media.list()) == 10


def test_create_with_status_callback_and_validity_period(client: Client) -> None:
    msg = send(client, status_callback="https://example.com/status?x=1", validity_period=3600)
    assert msg.status == "queued"
    assert client.messages(msg.sid).fetch().sid == msg.sid


def test_smart_encoded_replaces_curly_quotes(client: Client) -> None:
    text = "\u201cHello\u201d \u2018there\u2019 \u2014 ok\u2026"
    smart = send(client, body=text, smart_encoded=True)
    assert smart.body == "\"Hello\" 'there' - ok..."
    plain = send(client, body=text, smart_encoded=False)
    assert plain.body == text
    assert client.messages(smart.sid).fetch().body == "\"Hello\" 'there' - ok..."


def test_smart_encoding_changes_segment_count(client: Client) -> None:
    text = "\u201c" + "a" * 158 + "\u201d"  # 160 characters, two of them outside GSM-7
    assert send(client, body=text).num_segments == "3"  # UCS-2: 160 units / 67
    assert send(client, body=text, smart_encoded=True).num_segments == "1"


def test_scheduled_message(client: Client) -> None:
    msg = schedule(client)
    assert msg.status == "scheduled"
    assert client.messages(msg.sid).fetch().status == "scheduled"


def test_schedule_window_bounds_accepted(client: Client) -> None:
    assert schedule(client, timedelta(seconds=330)).status == "scheduled"
    assert schedule(client, timedelta(days=34, hours=23)).status == "scheduled"


def test_to_is_normalized_to_e164(client: Client) -> None:
    msg = send(client, to="+1 (555) 867-5310")
    assert msg.to == "+15558675310"


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, "1"),
        ("a" * 161, "2"),
        ("a" * 306, "2"),
        ("a" * 307, "3"),
        ("\u20ac" * 80, "1"),  # extended GSM-7: two septets each
        ("\u20ac" * 81, "2"),
        ("\U0001F600" + "a" * 68, "1"),  # UCS-2: 70 UTF-16 units
        ("\U0001F600" + "a" * 69, "2"),  # 71 units
        ("\u0436" * 70, "1"),
        ("\u0436" * 71, "2"),
        ("\U0001F600" * 35, "1"),
        ("\U0001F600" * 36, "2"),
    ],
)
def test_num_segments(client: Client, body: str, segments: str) -> None:
    msg = send(client, body=body)
    assert msg.num_segments == segments
    assert client.messages(msg.sid).fetch().num_segments == segments


# fetch -----------------------------------------------------------------------------------
def test_fetch(client: Client) -> None:
    created = send(client, body="fetch me", media_url=["https://example.com/x.jpg"])
    got = client.messages(created.sid).fetch()
    assert got.sid == created.sid
    assert got.body == "fetch me"
    assert got.to == TO and got.from_ == FROM
    assert got.num_media == "1"
    assert got.status == "queued"
    assert got.date_created == created.date_created


def test_fetch_unknown_is_404(client: Client) -> None:
    err = rest_error(lambda: client.messages("SM" + "0" * 32).fetch())
    assert (err.status, err.code) == (404, 20404)


# list ------------------------------------------------------------------------------------
def test_list_filters_by_to_and_from(client: Client) -> None:
    a = send(client, to="+15558675310", from_="+15005550006")
    b = send(client, to="+15558675311", from_="+15005550006")
    c = send(client, to="+15558675310", from_="Callbox")
    assert {m.sid for m in client.messages.list()} == {a.sid, b.sid, c.sid}
    assert {m.sid for m in client.messages.list(to="+15558675310")} == {a.sid, c.sid}
    assert {m.sid for m in client.messages.list(to="+1 (555) 867-5310")} == {a.sid, c.sid}
    assert {m.sid for m in client.messages.list(to="+1 555-867-5311")} == {b.sid}
    assert {m.sid for m in client.messages.list(from_="Callbox")} == {c.sid}
    assert {m.sid for m in client.messages.list(to="+15558675310", from_="+15005550006")} == {
        a.sid
    }
    assert client.messages.list(to="+15558675399") == []


def test_list_is_newest_first(client: Client) -> None:
    sids = [send(client, body=str(i)).sid for i in range(4)]
    assert [m.sid for m in client.messages.list()] == sids[::-1]


def test_date_sent_filters_exclude_unsent_messages(client: Client) -> None:
    msg = send(client, to=STAYS_QUEUED)
    assert msg.date_sent is None
    now = datetime.now(UTC)
    assert [m.sid for m in client.messages.list()] == [msg.sid]
    assert client.messages.list(date_sent=now) == []
    assert client.messages.list(date_sent=date.today()) == []
    assert client.messages.list(date_sent_before=now + timedelta(days=1)) == []
    assert client.messages.list(date_sent_after=now - timedelta(days=1)) == []
    assert client.messages.list(
        date_sent_after=now - timedelta(days=1), date_sent_before=now + timedelta(days=1)
    ) == []


def test_date_sent_filter_forms_on_the_wire(client: Client, http: httpx.Client, base: str
                                            ) -> None:
    send(client, to=STAYS_QUEUED)
    for params in ({"DateSent": "2024-01-02"}, {"DateSent<": "2099-01-02"},
                   {"DateSent>": "2000-01-02T03:04:05Z"},
                   {"DateSent": "Tue, 02 Jan 2024 03:04:05 +0000"}):
        r = http.get(f"{base}/Messages.json", params=params)
        assert r.status_code == 200, (params, r.text)
        assert r.json()["messages"] == []
    r = http.get(f"{base}/Messages.json", params={"DateSent": "garbage"})
    assert r.status_code == 400
    assert r.json()["code"] == 20001


@pytest.mark.parametrize("name", ["DateSent", "DateSent<", "DateSent>"])
def test_empty_date_sent_filter_is_no_filter(client: Client, http: httpx.Client, base: str,
                                             name: str) -> None:
    msg = send(client)
    r = http.get(f"{base}/Messages.json", params={name: ""})
    assert r.status_code == 200, r.text
    assert [m["sid"] for m in r.json()["messages"]] == [msg.sid]


# update ----------------------------------------------------------------------------------
def test_cancel_scheduled_message(client: Client) -> None:
    msg = schedule(client)
    canceled = client.messages(msg.sid).update(status="canceled")
    assert canceled.status == "canceled"
    assert client.messages(msg.sid).fetch().status == "canceled"


def test_cancel_queued_message_is_30409(client: Client) -> None:
    msg = send(client, to=STAYS_QUEUED)
    err = rest_error(lambda: client.messages(msg.sid).update(status="canceled"))
    assert (err.status, err.code) == (400, 30409)
    assert client.messages(msg.sid).fetch().status == "queued"


def test_cancel_twice_is_30409(client: Client) -> None:
    msg = schedule(client)
    client.messages(msg.sid).update(status="canceled")
    err = rest_error(lambda: client.messages(msg.sid).update(status="canceled"))
    assert (err.status, err.code) == (400, 30409)


def test_redact_canceled_message(client: Client) -> None:
    msg = schedule(client)
    client.messages(msg.sid).update(status="canceled")
    redacted = client.messages(msg.sid).update(body="")
    assert redacted.body == ""
    assert redacted.status == "canceled"
    assert client.messages(msg.sid).fetch().body == ""


def test_redact_queued_message_is_20009(client: Client) -> None:
    msg = send(client, body="secret", to=STAYS_QUEUED)
    err = rest_error(lambda: client.messages(msg.sid).update(body=""))
    assert (err.status, err.code) == (400, 20009)
    assert client.messages(msg.sid).fetch().body == "secret"


def test_redact_scheduled_message_is_20009(client: Client) -> None:
    msg = schedule(client)
    err = rest_error(lambda: client.messages(msg.sid).update(body=""))
    assert (err.status, err.code) == (400, 20009)


def test_update_body_to_text_is_400(client: Client) -> None:
    msg = schedule(client)
    client.messages(msg.sid).update(status="canceled")
    err = rest_error(lambda: client.messages(msg.sid).update(body="x"))
    assert err.status == 400
    assert err.code == 20001
    assert client.messages(msg.sid).fetch().body == "hello"


def test_update_status_other_than_canceled_is_400(client: Client) -> None:
    msg = schedule(client)
    err = rest_error(lambda: client.messages(msg.sid).update(status="sent"))
    assert (err.status, err.code) == (400, 20001)
    assert client.messages(msg.sid).fetch().status == "scheduled"


def test_update_unknown_is_404(client: Client) -> None:
    err = rest_error(lambda: client.messages("SM" + "1" * 32).update(status="canceled"))
    assert (err.status, err.code) == (404, 20404)


# delete ----------------------------------------------------------------------------------
def test_delete_canceled_message(client: Client) -> None:
    msg = schedule(client)
    client.messages(msg.sid).update(status="canceled")
    assert client.messages(msg.sid).delete() is True
    err = rest_error(lambda: client.messages(msg.sid).fetch())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: client.messages(msg.sid).delete())
    assert (err.status, err.code) == (404, 20404)
    assert client.messages.list() == []


def test_delete_scheduled_message(client: Client, http: httpx.Client, base: str) -> None:
    msg = schedule(client)
    r = http.delete(f"{base}/Messages/{msg.sid}.json")
    assert r.status_code == 204
    assert r.content == b""
    err = rest_error(lambda: client.messages(msg.sid).fetch())
    assert (err.status, err.code) == (404, 20404)


def test_delete_queued_message_is_20009(client: Client) -> None:
    msg = send(client, to=STAYS_QUEUED)
    err = rest_error(lambda: client.messages(msg.sid).delete())
    assert (err.status, err.code) == (400, 20009)
    assert client.messages(msg.sid).fetch().status == "queued"


def test_delete_unknown_is_404(client: Client) -> None:
    err = rest_error(lambda: client.messages("SM" + "2" * 32).delete())
    assert (err.status, err.code) == (404, 20404)


# validation --------------------------------------------------------------------------------
MG = "MG" + "0123456789abcdef" * 2
HX = "HX" + "0123456789abcdef" * 2

VALIDATION = [
    ("no To", {"to": ""}, 21604),
    ("no From", {"from_": None}, 21603),
    ("no Body, no MediaUrl", {"body": None}, 21602),
    ("whitespace Body", {"body": "   \n\t "}, 21619),
    ("Body of 1601 chars", {"body": "a" * 1601}, 21617),
    ("11 MediaUrl", {"media_url": [f"https://example.com/{i}.jpg" for i in range(11)]}, 21623),
    ("ftp MediaUrl", {"media_url": ["ftp://example.com/a.jpg"]}, 21620),
    ("relative MediaUrl", {"media_url": ["/a.jpg"]}, 21620),
    ("To abc", {"to": "abc"}, 21211),
    ("From invalid", {"from_": "+12"}, 21212),
    ("From +15005550001", {"from_": "+15005550001"}, 21212),
    ("From +15005550007", {"from_": "+15005550007"}, 21606),
    ("From +15005550008", {"from_": "+15005550008"}, 21611),
    ("To +15005550001", {"to": "+15005550001"}, 21211),
    ("To +15005550002", {"to": "+15005550002"}, 21612),
    ("To +15005550003", {"to": "+15005550003"}, 21408),
    ("To +15005550004", {"to": "+15005550004"}, 21610),
    ("To +15005550009", {"to": "+15005550009"}, 21614),
    ("StatusCallback notaurl", {"status_callback": "notaurl"}, 21609),
    ("MessagingServiceSid", {"messaging_service_sid": MG}, 21701),
    ("MessagingServiceSid without From", {"messaging_service_sid": MG, "from_": None}, 21701),
    ("ScheduleType without SendAt", {"schedule_type": "fixed"}, 35111),
    ("SendAt too soon", {"schedule_type": "fixed", "send_at": "soon"}, 35114),
    ("SendAt too late", {"schedule_type": "fixed", "send_at": "late"}, 35114),
    ("ContentSid", {"content_sid": HX}, 20001),
    ("ValidityPeriod 0", {"validity_period": 0}, 20001),
    ("ValidityPeriod 36001", {"validity_period": 36001}, 20001),
]


@pytest.mark.parametrize(("kwargs", "code"), [pytest.param(k, c, id=i) for i, k, c in VALIDATION])
def test_create_validation(client: Client, kwargs: dict[str, Any], code: int) -> None:
    args: dict[str, Any] = {"to": TO, "from_": FROM, "body": "hello", **kwargs}
    if args.get("send_at") == "soon":
        args["send_at"] = datetime.now(UTC) + timedelta(seconds=60)
    elif args.get("send_at") == "late":
        args["send_at"] = datetime.now(UTC) + timedelta(days=36)
    args = {k: v for k, v in args.items() if v is not None}
    if "media_url" in kwargs and "body" not in kwargs:
        args.pop("body")
    err = rest_error(lambda: client.messages.create(**args))
    assert err.code == code, err.msg
    assert err.status == 400
    # a refused create writes nothing
    assert client.messages.list() == []


def test_missing_to_on_the_wire_is_21604(client: Client, http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.json", data={"From": FROM, "Body": "hi"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 21604
    assert body["status"] == 400
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21604"
    assert client.messages.list() == []


def test_empty_send_at_is_missing_send_at(client: Client, http: httpx.Client, base: str
                                          ) -> None:
    r = http.post(f"{base}/Messages.json", data={"To": TO, "From": FROM, "Body": "hi",
                                                 "ScheduleType": "fixed", "SendAt": ""})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 35111
    assert client.messages.list() == []


def test_to_equal_to_from_is_refused(client: Client) -> None:
    err = rest_error(lambda: send(client, to=FROM, from_=FROM))
    assert err.status == 400
    assert err.code == 21266
    assert client.messages.list() == []
