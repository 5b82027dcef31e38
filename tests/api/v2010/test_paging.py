"""2010 list paging: PageSize bounds, the envelope, token pages forwards and backwards,
and streaming every record through the official client (contract §1.1, §1.5, §2)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from twilio.rest import Client

from tests.conftest import make_client
from tests.support.schema import ResponseValidator
from tests.support.server import LiveServer

TOTAL = 120
ENVELOPE = {"messages", "end", "first_page_uri", "next_page_uri", "page", "page_size",
            "previous_page_uri", "start", "uri"}


class Populated:
    def __init__(self, client: Client, http: httpx.Client, sids: list[str]) -> None:
        self.client = client
        self.http = http
        self.sids = sids  # in creation order
        self.base = f"/2010-04-01/Accounts/{client.account_sid}"

    @property
    def newest_first(self) -> list[str]:
        return self.sids[::-1]


@pytest.fixture(scope="module")
def populated(live: LiveServer, validator: ResponseValidator, main_client: Client
              ) -> Iterator[Populated]:
    """One subaccount holding TOTAL messages, shared by this module's read-only tests."""
    account = main_client.api.v2010.accounts.create(friendly_name="paging")
    client = make_client(live, validator, account.sid, account.auth_token)

    def check(response: httpx.Response) -> None:
        response.read()
        path = response.request.url.path
        if path.endswith(".json") and response.content:
            validator.validate(response.request.method, path, response.status_code,
                               response.json())

    with httpx.Client(base_url=live.base_url, auth=(account.sid, account.auth_token),
                      event_hooks={"response": [check]}, timeout=30) as http:
        base = f"/2010-04-01/Accounts/{account.sid}/Messages.json"
        sids = []
        for i in range(TOTAL):
            r = http.post(base, data={"To": "+15558675310", "From": "+15005550006",
                                      "Body": f"message {i}"})
            assert r.status_code == 201, r.text
            sids.append(r.json()["sid"])
        yield Populated(client, http, sids)


def get(p: Populated, uri: str, **params: Any) -> dict[str, Any]:
    r = p.http.get(uri, params=params or None)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def sids(page: dict[str, Any]) -> list[str]:
    return [m["sid"] for m in page["messages"]]


def assert_relative(uri: str | None) -> None:
    assert uri is not None
    parts = urlsplit(uri)
    assert not parts.scheme and not parts.netloc, uri
    assert parts.path.startswith("/2010-04-01/Accounts/"), uri


# PageSize ----------------------------------------------------------------------------------
@pytest.mark.parametrize("size", ["0", "1001", "-1", "abc"])
def test_page_size_out_of_range_is_20001(http: httpx.Client, base: str, size: str) -> None:
    r = http.get(f"{base}/Messages.json", params={"PageSize": size})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 20001
    assert body["status"] == 400


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_page_size_in_range(populated: Populated, size: int) -> None:
    page = get(populated, f"{populated.base}/Messages.json", PageSize=size)
    assert page["page_size"] == size
    assert sids(page) == populated.newest_first[:size]


def test_default_page_size_is_50(populated: Populated) -> None:
    page = get(populated, f"{populated.base}/Messages.json")
    assert page["page_size"] == 50
    assert sids(page) == populated.newest_first[:50]
    assert page["next_page_uri"] is not None


def test_client_read_limit(populated: Populated) -> None:
    assert [m.sid for m in populated.client.messages.list(limit=5)] == \
        populated.newest_first[:5]


# envelope ----------------------------------------------------------------------------------
def test_envelope_keys(populated: Populated, http: httpx.Client, base: str) -> None:
    assert set(get(populated, f"{populated.base}/Messages.json", PageSize=7)) == ENVELOPE
    r = http.get(f"{base}/Messages.json")  # an empty list has the same shape
    assert r.status_code == 200
    empty = r.json()
    assert set(empty) == ENVELOPE
    assert empty["messages"] == []
    assert empty["next_page_uri"] is None
    assert empty["previous_page_uri"] is None
    assert (empty["page"], empty["start"]) == (0, 0)


def test_first_page_fields(populated: Populated) -> None:
    page = get(populated, f"{populated.base}/Messages.json", PageSize=7)
    assert (page["page"], page["page_size"], page["start"], page["end"]) == (0, 7, 0, 6)
    assert page["previous_page_uri"] is None
    for key in ("uri", "first_page_uri", "next_page_uri"):
        assert_relative(page[key])
    assert urlsplit(page["uri"]).path == f"{populated.base}/Messages.json"
    first = parse_qs(urlsplit(page["first_page_uri"]).query)
    assert first["PageSize"] == ["7"] and first["Page"] == ["0"]
    nxt = parse_qs(urlsplit(page["next_page_uri"]).query)
    assert nxt["PageSize"] == ["7"] and nxt["Page"] == ["1"] and nxt["PageToken"]


def test_filters_are_kept_in_page_uris(populated: Populated) -> None:
    page = get(populated, f"{populated.base}/Messages.json", PageSize=7, To="+15558675310")
    assert len(page["messages"]) == 7
    for key in ("first_page_uri", "next_page_uri"):
        assert parse_qs(urlsplit(page[key]).query)["To"] == ["+15558675310"]
    second = get(populated, page["next_page_uri"])
    assert sids(second) == populated.newest_first[7:14]


def walk_forward(p: Populated, size: int) -> list[dict[str, Any]]:
    pages = [get(p, f"{p.base}/Messages.json", PageSize=size)]
    while pages[-1]["next_page_uri"]:
        assert_relative(pages[-1]["next_page_uri"])
        pages.append(get(p, pages[-1]["next_page_uri"]))
        assert len(pages) <= TOTAL
    return pages


def test_next_pages_cover_everything_with_start_end(populated: Populated) -> None:
    pages = walk_forward(populated, 7)
    assert len(pages) == 18  # 17 full pages + 1
    seen: list[str] = []
    for number, page in enumerate(pages):
        assert page["page"] == number
        assert page["page_size"] == 7
        assert page["start"] == number * 7
        assert page["end"] == page["start"] + len(page["messages"]) - 1
        assert_relative(page["uri"])
        assert_relative(page["first_page_uri"])
        if number:
            assert_relative(page["previous_page_uri"])
        seen += sids(page)
    assert seen == populated.newest_first
    last = pages[-1]
    assert (last["start"], last["end"], len(last["messages"])) == (119, 119, 1)
    assert last["next_page_uri"] is None


def test_previous_pages_walk_back_to_the_first(populated: Populated) -> None:
    forward = walk_forward(populated, 7)
    page = forward[-1]
    for expected in reversed(forward[:-1]):
        assert_relative(page["previous_page_uri"])
        page = get(populated, page["previous_page_uri"])
        assert sids(page) == sids(expected)
        assert page["page"] == expected["page"]
        assert (page["start"], page["end"]) == (expected["start"], expected["end"])
    assert page["page"] == 0
    assert page["previous_page_uri"] is None
    # and forwards again from a page reached backwards
    again = get(populated, page["next_page_uri"])
    assert sids(again) == sids(forward[1])


def test_back_and_forth_in_the_middle(populated: Populated) -> None:
    p0 = get(populated, f"{populated.base}/Messages.json", PageSize=10)
    p1 = get(populated, p0["next_page_uri"])
    p2 = get(populated, p1["next_page_uri"])
    back1 = get(populated, p2["previous_page_uri"])
    assert sids(back1) == sids(p1) == populated.newest_first[10:20]
    fwd2 = get(populated, back1["next_page_uri"])
    assert sids(fwd2) == sids(p2)
    back0 = get(populated, back1["previous_page_uri"])
    assert sids(back0) == sids(p0)
    assert back0["previous_page_uri"] is None


def test_page_number_without_token(populated: Populated) -> None:
    page = get(populated, f"{populated.base}/Messages.json", PageSize=7, Page=2)
    assert page["page"] == 2
    assert (page["start"], page["end"]) == (14, 20)
    assert sids(page) == populated.newest_first[14:21]


def test_stream_everything_with_the_client(populated: Populated) -> None:
    listed = [m.sid for m in populated.client.messages.list(page_size=7)]
    assert len(listed) == TOTAL
    assert len(set(listed)) == TOTAL
    assert listed == populated.newest_first
    streamed = [m.sid for m in populated.client.messages.stream(page_size=13)]
    assert streamed == populated.newest_first


def test_client_page_objects(populated: Populated) -> None:
    page = populated.client.messages.page(page_size=50)
    collected = [m.sid for m in page]
    while (page := page.next_page()) is not None:
        collected += [m.sid for m in page]
    assert collected == populated.newest_first


# PageToken ---------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    pytest.param("garbage", id="no-prefix"),
    pytest.param("PA", id="prefix-only"),
    pytest.param("PAgarbage!!", id="not-base64"),
    pytest.param("PA" + _b64(b"not json"), id="not-json"),
    pytest.param("PA" + _b64(b"[1]"), id="short-list"),
    pytest.param("PA" + _b64(b'["x", 1]'), id="wrong-types"),
    pytest.param("PB" + _b64(b'{"a": 1}'), id="object"),
    pytest.param("PA" + _b64(b'[99999999999999999999999, "SM"]'), id="beyond-int64"),
    pytest.param("PA" + _b64(b'[1000000000000000000, "SM"]'), id="after-year-9999"),
    pytest.param("PB" + _b64(b'[-100000000000000000, "SM"]'), id="before-year-1"),
])
def test_garbage_page_token_is_400(http: httpx.Client, base: str, token: str) -> None:
    r = http.get(f"{base}/Messages.json", params={"PageToken": token, "PageSize": "5"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 20001
