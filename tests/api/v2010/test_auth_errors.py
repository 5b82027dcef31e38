"""The 2010 pipeline's refusals over raw HTTP: authentication, routing, method, body size,
body encoding, content type, unimplemented operations and unexpected exceptions; and the
request id every response carries."""

from __future__ import annotations

import base64
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callbox.api.app import create_app
from callbox.api.v2010 import V2010Provider
from callbox.config import Settings
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

TO, FROM = "+15558675310", "+15005550006"
FORM = {"content-type": "application/x-www-form-urlencoded"}
REQUEST_ID = re.compile(r"^RQ[0-9a-f]{32}$")
MiB = 1 << 20


def xml_error(response: httpx.Response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    assert root.tag == "TwilioResponse"
    exc = root.find("RestException")
    assert exc is not None, response.text
    return {child.tag: child.text or "" for child in exc}


def assert_json_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["status"] == status, body
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(body["message"], str) and body["message"]
    assert REQUEST_ID.match(response.headers.get("twilio-request-id", "")), response.headers
    return body  # type: ignore[no-any-return]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def anon(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, timeout=30) as c:
        yield c


# authentication --------------------------------------------------------------------------------
def test_no_auth_json_is_401_with_challenge(anon: httpx.Client, base: str,
                                            validator: Any) -> None:
    r = anon.get(f"{base}/Messages.json")
    assert_json_error(r, 401, 20003)
    assert r.headers["www-authenticate"].lower().startswith("basic")
    validator.validate("GET", f"{base}/Messages.json", r.status_code, r.json())


def test_no_auth_without_extension_is_xml_rest_exception(anon: httpx.Client, base: str) -> None:
    r = anon.get(f"{base}/Messages")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/xml")
    assert r.headers["www-authenticate"].lower().startswith("basic")
    err = xml_error(r)
    assert err["Code"] == "20003" and err["Status"] == "401"
    assert err["MoreInfo"] == "https://www.twilio.com/docs/errors/20003"
    assert REQUEST_ID.match(r.headers["twilio-request-id"])


@pytest.mark.parametrize("ext", [".xml", ".csv", ".html"])
def test_no_auth_in_other_formats(anon: httpx.Client, base: str, ext: str) -> None:
    r = anon.get(f"{base}/Messages{ext}")
    assert r.status_code == 401
    assert "20003" in r.text
    assert "www-authenticate" in r.headers


def test_wrong_token_is_401(anon: httpx.Client, account: Any, base: str) -> None:
    wrong = account.auth_token[:-1] + ("0" if account.auth_token[-1] != "0" else "1")
    for username, password in [
        (account.sid, wrong),
        (account.sid, ""),
        (account.sid, AUTH_TOKEN),  # the main account's token is not the subaccount's
        (ACCOUNT_SID, account.auth_token),  # nor the other way round
        ("AC" + "0" * 32, account.auth_token),  # unknown account
        ("admin", "admin"),  # not a SID at all
    ]:
        r = anon.get(f"{base}/Messages.json", auth=(username, password))
        assert_json_error(r, 401, 20003)
        assert "www-authenticate" in r.headers


@pytest.mark.parametrize("header", [
    "Basic",
    "Basic !!!not-base64!!!",
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),  # not UTF-8
    "Bearer " + "x" * 32,
    "Digest username=\"AC\"",
    "",
])
def test_malformed_authorization_is_401(anon: httpx.Client, base: str, header: str) -> None:
    r = anon.get(f"{base}/Messages.json", headers={"Authorization": header})
    assert_json_error(r, 401, 20003)


def test_basic_without_colon_is_401(anon: httpx.Client, account: Any, base: str) -> None:
    token = base64.b64encode(f"{account.sid}{account.auth_token}".encode()).decode()
    r = anon.get(f"{base}/Messages.json", headers={"Authorization": f"Basic {token}"})
    assert_json_error(r, 401, 20003)


def test_basic_scheme_is_case_insensitive(anon: httpx.Client, account: Any, base: str) -> None:
    header = basic(account.sid, account.auth_token).replace("Basic", "basic")
    r = anon.get(f"{base}/Messages.json", headers={"Authorization": header})
    assert r.status_code == 200, r.text


# routing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [
    "/Nope.json",
    "/Messages/SM00000000000000000000000000000000/Nope.json",
    "/Messages/SM00000000000000000000000000000000/Media/ME0/Extra.json",
])
def test_unknown_path_is_404(http: httpx.Client, base: str, suffix: str) -> None:
    r = http.get(base + suffix)
    body = assert_json_error(r, 404, 20404)
    assert base + suffix in body["message"]


@pytest.mark.parametrize("path", ["/2010-04-01/Nope.json", "/2010-04-01/Accounts/x/y/z/w.json"])
def test_unknown_top_level_path_is_404(http: httpx.Client, path: str) -> None:
    assert_json_error(http.get(path), 404, 20404)


def test_unknown_path_without_extension_is_xml_404(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Nope")
    assert r.status_code == 404
    assert xml_error(r)["Code"] == "20404"


@pytest.mark.parametrize("suffix", [
    "/Messages/SM00000000000000000000000000000000.json",
    "/Messages/MM00000000000000000000000000000000.json",
    "/Messages/not-a-sid.json",
    "/Messages/SM00000000000000000000000000000000/Media.json",
    "/Messages/SM00000000000000000000000000000000/Media/ME00000000000000000000000000000000.json",
    "/Keys/SK00000000000000000000000000000000.json",
])
def test_unknown_sid_is_404(http: httpx.Client, base: str, suffix: str) -> None:
    r = http.get(base + suffix)
    body = assert_json_error(r, 404, 20404)
    assert base + suffix in body["message"]


def test_unknown_sid_delete_is_404(http: httpx.Client, base: str) -> None:
    r = http.delete(f"{base}/Messages/SM00000000000000000000000000000000.json")
    assert_json_error(r, 404, 20404)


def test_unknown_account_in_path_is_404(http: httpx.Client) -> None:
    r = http.get(f"/2010-04-01/Accounts/AC{'0' * 32}/Messages.json")
    assert_json_error(r, 404, 20404)


# methods ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,suffix,allowed", [
    ("PUT", "/Messages.json", {"GET", "POST"}),
    ("DELETE", "/Messages.json", {"GET", "POST"}),
    ("PATCH", "/Messages/SM00000000000000000000000000000000.json", {"GET", "POST", "DELETE"}),
    ("DELETE", "/Messages/SM00000000000000000000000000000000/Feedback.json", {"POST"}),
])
def test_wrong_method_is_405_with_allow(http: httpx.Client, base: str, method: str,
                                        suffix: str, allowed: set[str]) -> None:
    r = http.request(method, base + suffix)
    assert_json_error(r, 405, 20004)
    allow = {m.strip() for m in r.headers["allow"].split(",")}
    assert allowed <= allow, allow
    assert method not in allow


def test_head_is_get_without_body(http: httpx.Client, base: str) -> None:
    r = http.head(f"{base}/Messages.json")
    assert r.status_code == 200
    assert r.content == b""


# body -------------------------------------------------------------------------------------
def test_body_over_limit_is_413(http: httpx.Client, base: str) -> None:
    body = b"Body=" + b"a" * (2 * MiB)
    r = http.post(f"{base}/Messages.json", content=body,
                  headers={**FORM, "content-length": str(len(body))})
    assert r.status_code == 413, r.text
    assert r.json()["status"] == 413
    assert REQUEST_ID.match(r.headers["twilio-request-id"])
    assert http.get(f"{base}/Messages.json").json()["messages"] == []


def test_chunked_body_over_limit_is_413(http: httpx.Client, base: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"Body="
        for _ in range(32):
            yield b"a" * (64 * 1024)  # 2 MiB in all, no Content-Length

    r = http.post(f"{base}/Messages.json", content=chunks(), headers=FORM)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, r.text
    assert r.json()["status"] == 413
    assert http.get(f"{base}/Messages.json").json()["messages"] == []


def test_body_just_under_limit_is_not_413(http: httpx.Client, base: str) -> None:
    # a large but acceptable body reaches the handler (which rejects the long Body: 21617)
    body = f"To={TO}&From={FROM}&Body=".encode() + b"a" * (MiB - 200)
    r = http.post(f"{base}/Messages.json", content=body, headers=FORM)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 21617


def test_chunked_body_under_limit_is_accepted(http: httpx.Client, base: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"To=%2B15558675310&"
        yield b"From=%2B15005550006&"
        yield b"Body=chunked"

    r = http.post(f"{base}/Messages.json", content=chunks(), headers=FORM)
    assert r.status_code == 201, r.text
    assert r.json()["body"] == "chunked"


@pytest.mark.parametrize("body", [
    b"To=%2B15558675310&From=%2B15005550006&Body=\xff\xfe",  # raw bytes that are not UTF-8
    b"To=%2B15558675310&From=%2B15005550006&Body=%FF%FE",  # percent-escaped non-UTF-8
    b"To=%2B15558675310&From=%2B15005550006&Body=%C3",  # truncated sequence
])
def test_body_not_utf8_is_400(http: httpx.Client, base: str, body: bytes) -> None:
    r = http.post(f"{base}/Messages.json", content=body, headers=FORM)
    assert r.status_code == 400, r.text
    assert r.json()["status"] == 400
    assert http.get(f"{base}/Messages.json").json()["messages"] == []


def test_json_body_is_415(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.json", json={"To": TO, "From": FROM, "Body": "json"})
    assert r.status_code == 415, r.text
    assert r.json()["status"] == 415
    assert http.get(f"{base}/Messages.json").json()["messages"] == []


def test_multipart_form_create_works(http: httpx.Client, base: str) -> None:
    boundary = uuid.uuid4().hex
    parts = [("To", TO), ("From", FROM), ("Body", "multipart ✓"),
             ("MediaUrl", "https://example.com/a.png"), ("MediaUrl", "https://example.com/b.jpg")]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in parts
    ) + f"--{boundary}--\r\n".encode()
    r = http.post(f"{base}/Messages.json", content=body,
                  headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 201, r.text
    msg = r.json()
    assert (msg["to"], msg["from"], msg["body"]) == (TO, FROM, "multipart ✓")
    assert msg["num_media"] == "2"
    media = http.get(f"{base}/Messages/{msg['sid']}/Media.json").json()["media_list"]
    assert len(media) == 2


def test_multipart_file_upload_is_refused(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.json", data={"To": TO, "From": FROM},
                  files={"Body": ("b.txt", b"file", "text/plain")})
    assert r.status_code == 400, r.text
    assert http.get(f"{base}/Messages.json").json()["messages"] == []


def test_malformed_multipart_is_400(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Messages.json", content=b"--x\r\ngarbage",
                  headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400, r.text


# unimplemented operations ----------------------------------------------------------------------
def test_unimplemented_operation_is_501_json(http: httpx.Client, base: str) -> None:
    body = assert_json_error(http.get(f"{base}/Calls.json"), 501, 20501)
    assert "ListCall" in body["message"]
    assert_json_error(http.post(f"{base}/Calls.json", data={"To": TO, "From": FROM,
                                                            "Url": "https://example.com"}),
                      501, 20501)


def test_unimplemented_operation_is_501_xml(http: httpx.Client, base: str) -> None:
    for path in (f"{base}/Calls", f"{base}/Calls.xml"):
        r = http.get(path)
        assert r.status_code == 501
        assert r.headers["content-type"].startswith("application/xml")
        err = xml_error(r)
        assert (err["Code"], err["Status"]) == ("20501", "501")
        assert REQUEST_ID.match(r.headers["twilio-request-id"])


def test_unimplemented_operation_is_501_csv(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Calls.csv")
    assert r.status_code == 501
    assert r.headers["content-type"].startswith("text/csv")
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1
    assert rows[0]["code"] == "20501" and rows[0]["status"] == "501"


def test_unimplemented_operation_is_501_html(http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Calls.html")
    assert r.status_code == 501
    assert r.headers["content-type"].startswith("text/html")
    assert "<td>20501</td>" in r.text


# unexpected exceptions -----------------------------------------------------------------------
@pytest.fixture
async def local_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                    ) -> AsyncIterator[httpx.AsyncClient]:
    """callbox in-process (no socket, its own SQLite under tmp_path), with ListMessage broken."""

    async def boom(self: Any, ctx: Any) -> Any:
        raise RuntimeError("kaboom: secret internals /etc/passwd")

    monkeypatch.setattr(V2010Provider, "list_message", boom)
    settings = Settings(data_dir=tmp_path, database_url=None, account_sid=ACCOUNT_SID,
                        auth_token=AUTH_TOKEN, log_level="warning")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://callbox.test",
                                     auth=(ACCOUNT_SID, AUTH_TOKEN)) as c:
            yield c


async def test_unexpected_exception_is_500_without_traceback(
    local_app: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    base = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
    with caplog.at_level(logging.ERROR):
        r = await local_app.get(f"{base}/Messages.json")
    assert r.status_code == 500, r.text
    request_id = r.headers["twilio-request-id"]
    assert REQUEST_ID.match(request_id)
    body = r.json()
    assert body["code"] == 20500 and body["status"] == 500
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20500"
    assert request_id in body["message"]
    for leak in ("Traceback", "kaboom", "RuntimeError", "/etc/passwd", "File \""):
        assert leak not in r.text, leak
    # the traceback goes to the log instead, under the same request id
    logged = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "kaboom" in str(logged[0].exc_info[1])

    xml = await local_app.get(f"{base}/Messages")
    assert xml.status_code == 500
    err = xml_error(xml)
    assert err["Code"] == "20500"
    assert xml.headers["twilio-request-id"] in err["Message"]
    assert "kaboom" not in xml.text and "Traceback" not in xml.text

    # other operations are unaffected
    ok = await local_app.post(f"{base}/Messages.json",
                              data={"To": TO, "From": FROM, "Body": "x"})
    assert ok.status_code == 201, ok.text


# request ids and health ---------------------------------------------------------------------
def test_every_2010_response_carries_a_request_id(http: httpx.Client, anon: httpx.Client,
                                                  base: str) -> None:
    created = http.post(f"{base}/Messages.json", data={"To": TO, "From": FROM, "Body": "x"})
    responses = [
        created,
        http.get(f"{base}/Messages.json"),
        http.get(f"{base}/Messages/{created.json()['sid']}"),
        http.get(f"{base}/Messages/{created.json()['sid']}.csv"),
        http.head(f"{base}/Messages.json"),
        anon.get(f"{base}/Messages.json"),  # 401
        http.get(f"{base}/Nope.json"),  # 404
        http.put(f"{base}/Messages.json"),  # 405
        http.post(f"{base}/Messages.json", json={}),  # 415
        http.post(f"{base}/Messages.json", data={"To": TO}),  # 400
        http.get(f"{base}/Calls.json"),  # 501
        http.post(f"{base}/Keys.json"),  # 201
    ]
    ids = [r.headers.get("twilio-request-id", "") for r in responses]
    for r, rid in zip(responses, ids, strict=True):
        assert REQUEST_ID.match(rid), (r.request.method, r.request.url, r.status_code)
    assert len(set(ids)) == len(ids), "request ids must be unique"


@pytest.mark.parametrize("path", ["/2010-04-02/Accounts.json", "/nope.json", "/"])
def test_request_id_outside_the_2010_namespace(anon: httpx.Client, path: str) -> None:
    """A wrong version or path is still an API response: Twilio sends a request id on it."""
    r = anon.get(path)
    assert r.status_code == 404
    assert r.json()["code"] == 20404
    assert REQUEST_ID.match(r.headers.get("twilio-request-id", "")), dict(r.headers)


def test_health(anon: httpx.Client) -> None:
    r = anon.get("/health")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["status"] == "ok"
    assert "version" in r.json()
