"""Wire formats of the 2010 API over raw HTTP (contract §4): XML by default and for
`.xml`, JSON, CSV and HTML; errors in every format; RFC 2822 dates."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import example, given
from hypothesis import strategies as st

from callbox.api.protocol.dates import format_rfc2822

TO = "+15558675310"
FROM = "+15005550006"
RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
UNKNOWN = "SM" + "0" * 32


def create(http: httpx.Client, base: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"To": TO, "From": FROM, "Body": "hello", **extra}
    r = http.post(f"{base}/Messages.json", data=data)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    # Let the simulated network finish with it, so that two fetches compare equal.
    deadline = time.monotonic() + 5
    while created["status"] not in ("delivered", "failed", "undelivered", "scheduled"):
        assert time.monotonic() < deadline, created["status"]
        time.sleep(0.02)
        created = http.get(f"{base}/Messages/{created['sid']}.json").json()
    return created


def media_type(r: httpx.Response) -> str:
    return r.headers["content-type"].split(";")[0].strip()


def assert_recent_rfc2822(value: str) -> None:
    assert RFC2822.match(value), value
    when = parsedate_to_datetime(value)
    assert abs(when - datetime.now(UTC)) < timedelta(minutes=5)


def children(el: Element) -> dict[str, Element]:
    out = {child.tag: child for child in el}
    assert len(out) == len(el), "duplicate child elements"
    return out


# XML ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["", ".xml"])
def test_instance_as_xml(http: httpx.Client, base: str, ext: str) -> None:
    msg = create(http, base, MediaUrl="https://example.com/a.jpg")
    r = http.get(f"{base}/Messages/{msg['sid']}{ext}")
    assert r.status_code == 200
    assert media_type(r) == "application/xml"
    root = fromstring(r.content)
    assert root.tag == "TwilioResponse"
    (message,) = list(root)
    assert message.tag == "Message"
    fields = children(message)
    assert fields["Sid"].text == msg["sid"]
    assert fields["AccountSid"].text == msg["account_sid"] == base.rsplit("/", 1)[1]
    assert fields["To"].text == TO
    assert fields["From"].text == FROM
    assert fields["Body"].text == "hello"
    assert fields["Status"].text == "delivered"
    assert_recent_rfc2822(fields["DateSent"].text or "")
    assert fields["Direction"].text == "outbound-api"
    assert fields["ApiVersion"].text == "2010-04-01"
    assert fields["NumMedia"].text == "1"
    assert fields["NumSegments"].text == "1"
    assert fields["Uri"].text == msg["uri"]
    # null is an empty element
    for empty in ("Price", "ErrorCode", "ErrorMessage", "MessagingServiceSid"):
        assert fields[empty].text is None and len(fields[empty]) == 0, empty
    assert_recent_rfc2822(fields["DateCreated"].text or "")
    assert fields["DateCreated"].text == msg["date_created"]
    assert_recent_rfc2822(fields["DateUpdated"].text or "")
    subs = children(fields["SubresourceUris"])
    assert subs["Media"].text == msg["subresource_uris"]["media"]
    assert subs["Feedback"].text == msg["subresource_uris"]["feedback"]
    # every JSON field has its PascalCase element
    pascal = {"".join(p.title() for p in k.split("_")) for k in msg}
    assert pascal == set(fields)


def test_xml_without_extension_equals_xml_extension(http: httpx.Client, base: str) -> None:
    msg = create(http, base)
    plain = http.get(f"{base}/Messages/{msg['sid']}")
    dotted = http.get(f"{base}/Messages/{msg['sid']}.xml")
    assert plain.content == dotted.content


def test_list_as_xml(http: httpx.Client, base: str) -> None:
    first = create(http, base, Body="one")
    second = create(http, base, Body="two")
    r = http.get(f"{base}/Messages", params={"PageSize": 5})
    assert r.status_code == 200
    assert media_type(r) == "application/xml"
    root = fromstring(r.content)
    assert root.tag == "TwilioResponse"
    (messages,) = list(root)
    assert messages.tag == "Messages"
    assert messages.get("page") == "0"
    assert messages.get("pagesize") == "5"
    assert messages.get("start") == "0"
    assert messages.get("end") == "1"
    assert (messages.get("firstpageuri") or "").startswith(f"{base}/Messages")
    assert [m.tag for m in messages] == ["Message", "Message"]
    assert [m.findtext("Sid") for m in messages] == [second["sid"], first["sid"]]
    assert [m.findtext("Body") for m in messages] == ["two", "one"]


def test_xml_escapes_markup(http: httpx.Client, base: str) -> None:
    body = "<script>alert('x')</script> & <b>"
    msg = create(http, base, Body=body)
    r = http.get(f"{base}/Messages/{msg['sid']}.xml")
    assert b"<script>" not in r.content
    assert fromstring(r.content).find("Message/Body").text == body


def test_media_list_as_xml(http: httpx.Client, base: str) -> None:
    msg = create(http, base, MediaUrl=["https://example.com/a.jpg", "https://example.com/b.png"])
    r = http.get(f"{base}/Messages/{msg['sid']}/Media.xml")
    assert r.status_code == 200
    root = fromstring(r.content)
    (media_list,) = list(root)
    assert len(media_list) == 2
    for media in media_list:
        assert media.findtext("ParentSid") == msg["sid"]
        assert (media.findtext("Sid") or "").startswith("ME")
        assert media.findtext("ContentType") in ("image/jpeg", "image/png")


# CSV ---------------------------------------------------------------------------------------
def read_csv(r: httpx.Response) -> tuple[list[str], list[dict[str, str]]]:
    assert media_type(r) == "text/csv"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows, f"no CSV rows at all: {r.content!r}"
    header = rows[0]
    assert header, f"a CSV body always starts with a header row, got {r.content!r}"
    assert len(set(header)) == len(header)
    for row in rows[1:]:
        assert len(row) == len(header)
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_instance_as_csv(http: httpx.Client, base: str) -> None:
    msg = create(http, base, Body='comma, "quote"\nnewline')
    r = http.get(f"{base}/Messages/{msg['sid']}.csv")
    assert r.status_code == 200
    header, rows = read_csv(r)
    assert set(header) == set(msg)
    (row,) = rows
    assert row["sid"] == msg["sid"]
    assert row["body"] == 'comma, "quote"\nnewline'
    assert row["to"] == TO
    assert row["status"] == "delivered"
    assert row["num_segments"] == "1"
    assert_recent_rfc2822(row["date_sent"])
    assert row["date_created"] == msg["date_created"]
    assert_recent_rfc2822(row["date_created"])


def test_list_as_csv(http: httpx.Client, base: str) -> None:
    made = [create(http, base, Body=f"m{i}")["sid"] for i in range(3)]
    r = http.get(f"{base}/Messages.csv")
    assert r.status_code == 200
    header, rows = read_csv(r)
    assert {"sid", "body", "to", "from", "status", "date_created"} <= set(header)
    assert [row["sid"] for row in rows] == made[::-1]
    assert [row["body"] for row in rows] == ["m2", "m1", "m0"]


def test_empty_list_as_csv_still_has_a_header(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Messages.csv")
    assert r.status_code == 200
    header, rows = read_csv(r)
    assert rows == []
    assert {"sid", "account_sid", "body", "to", "from", "status", "date_created"} <= set(header)


# HTML --------------------------------------------------------------------------------------
def test_instance_as_html_is_escaped(http: httpx.Client, base: str) -> None:
    msg = create(http, base, Body="<script>alert(1)</script>")
    r = http.get(f"{base}/Messages/{msg['sid']}.html")
    assert r.status_code == 200
    assert media_type(r) == "text/html"
    text = r.text
    assert "<table" in text and "</table>" in text
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert msg["sid"] in text
    assert "<th>sid</th>" in text


def test_list_as_html(http: httpx.Client, base: str) -> None:
    sids = [create(http, base, Body=f"<i>{i}</i>")["sid"] for i in range(2)]
    r = http.get(f"{base}/Messages.html")
    assert r.status_code == 200
    assert media_type(r) == "text/html"
    assert "<i>" not in r.text
    assert "&lt;i&gt;0&lt;/i&gt;" in r.text
    assert r.text.count("<tr>") == 3  # header + 2 records
    assert all(sid in r.text for sid in sids)


# errors --------------------------------------------------------------------------------------
def test_not_found_as_json(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Messages/{UNKNOWN}.json")
    assert r.status_code == 404
    assert media_type(r) == "application/json"
    body = r.json()
    assert body["code"] == 20404
    assert body["status"] == 404
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20404"
    assert UNKNOWN in body["message"]


@pytest.mark.parametrize("ext", ["", ".xml"])
def test_not_found_as_xml(http: httpx.Client, base: str, ext: str) -> None:
    r = http.get(f"{base}/Messages/{UNKNOWN}{ext}")
    assert r.status_code == 404
    assert media_type(r) == "application/xml"
    root = fromstring(r.content)
    assert root.tag == "TwilioResponse"
    (exc,) = list(root)
    assert exc.tag == "RestException"
    fields = children(exc)
    assert fields["Code"].text == "20404"
    assert fields["Status"].text == "404"
    assert fields["MoreInfo"].text == "https://www.twilio.com/docs/errors/20404"
    assert UNKNOWN in (fields["Message"].text or "")


def test_not_found_as_csv(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Messages/{UNKNOWN}.csv")
    assert r.status_code == 404
    header, rows = read_csv(r)
    assert header == ["code", "message", "more_info", "status"]
    (row,) = rows
    assert row["code"] == "20404"
    assert row["status"] == "404"
    assert UNKNOWN in row["message"]


def test_not_found_as_html(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Messages/{UNKNOWN}.html")
    assert r.status_code == 404
    assert media_type(r) == "text/html"
    assert "<table" in r.text
    assert "20404" in r.text
    assert UNKNOWN in r.text


def test_validation_error_as_xml(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.xml", data={"From": FROM, "Body": "x"})
    assert r.status_code == 400
    exc = fromstring(r.content).find("RestException")
    assert exc is not None
    assert exc.findtext("Code") == "21604"
    assert exc.findtext("Status") == "400"


def test_create_as_xml_returns_201(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.xml", data={"To": TO, "From": FROM, "Body": "x"})
    assert r.status_code == 201
    assert media_type(r) == "application/xml"
    message = fromstring(r.content).find("Message")
    assert message is not None
    assert (message.findtext("Sid") or "").startswith("SM")


def test_auth_error_in_each_format(live: Any, base: str) -> None:
    with httpx.Client(base_url=live.base_url, auth=(base.rsplit("/", 1)[1], "wrong"),
                      timeout=30) as bad:
        r = bad.get(f"{base}/Messages.json")
        assert r.status_code == 401
        assert r.json()["code"] == 20003
        r = bad.get(f"{base}/Messages.xml")
        assert r.status_code == 401
        assert fromstring(r.content).findtext("RestException/Code") == "20003"


# dates -----------------------------------------------------------------------------------------
def test_json_dates_are_rfc2822(http: httpx.Client, base: str) -> None:
    msg = create(http, base)
    assert_recent_rfc2822(msg["date_created"])
    assert_recent_rfc2822(msg["date_updated"])
    assert_recent_rfc2822(msg["date_sent"])
    fetched = http.get(f"{base}/Messages/{msg['sid']}.json").json()
    assert fetched["date_created"] == msg["date_created"]
    listed = http.get(f"{base}/Messages.json").json()["messages"][0]
    assert listed["date_created"] == msg["date_created"]


def _oracle(value: datetime) -> str:
    v = value.astimezone(UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
    return (f"{days[v.weekday()]}, {v.day:02d} {months[v.month - 1]} {v.year:04d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d} +0000")


def test_format_rfc2822_examples() -> None:
    assert format_rfc2822(None) is None
    assert format_rfc2822(datetime(2010, 8, 13, 1, 16, 24, tzinfo=UTC)) == \
        "Fri, 13 Aug 2010 01:16:24 +0000"
    assert format_rfc2822(datetime(2026, 11, 24, 5, 56, 13, 999999, tzinfo=UTC)) == \
        "Tue, 24 Nov 2026 05:56:13 +0000"
    east = datetime.fromisoformat("2024-01-02T03:04:05+02:00")
    assert format_rfc2822(east) == "Tue, 02 Jan 2024 01:04:05 +0000"


aware = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                     timezones=st.just(UTC))


@given(st.lists(aware, min_size=1, max_size=4))
@example([datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
          datetime(1970, 1, 1, 0, 0, 0, 300000, tzinfo=UTC)])
@example([datetime(2024, 1, 2, 3, 4, 5, 100, tzinfo=UTC),
          datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC),
          datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC)])
def test_format_rfc2822_matches_the_rfc_form_in_any_call_order(values: list[datetime]) -> None:
    """Whatever was formatted before, each value gets its own second (a formatter that
    remembers its last answer must not hand it to a different second)."""
    for value in values:
        text = format_rfc2822(value)
        assert text == _oracle(value)
        assert text is not None and RFC2822.match(text)
