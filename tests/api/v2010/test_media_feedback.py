"""A message's Media (list, fetch, delete) and Feedback (create), through the official
client; plus account isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from tests.conftest import make_client
from tests.support.schema import ResponseValidator
from tests.support.server import LiveServer

TO = "+15558675310"
FROM = "+15005550006"
URLS = ["https://example.com/cat.jpg", "https://example.com/dog.png",
        "https://example.com/clip"]


def rest_error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as info:
        call()
    return info.value


@pytest.fixture
def mms(client: Client) -> Any:
    return client.messages.create(to=TO, from_=FROM, body="pics", media_url=URLS)


@pytest.fixture
def other_client(live: LiveServer, validator: ResponseValidator, main_client: Client) -> Client:
    """A second, unrelated subaccount."""
    other = main_client.api.v2010.accounts.create(friendly_name="other")
    return make_client(live, validator, other.sid, other.auth_token)


# media -----------------------------------------------------------------------------------
def test_list_media(client: Client, mms: Any) -> None:
    media = client.messages(mms.sid).media.list()
    assert len(media) == 3
    by_type = sorted(m.content_type for m in media)
    assert by_type == ["application/octet-stream", "image/jpeg", "image/png"]
    for m in media:
        assert m.sid.startswith("ME") and len(m.sid) == 34
        assert m.parent_sid == mms.sid
        assert m.account_sid == client.account_sid
        assert m.uri == (f"/2010-04-01/Accounts/{client.account_sid}/Messages/{mms.sid}"
                         f"/Media/{m.sid}.json")
    assert len({m.sid for m in media}) == 3


def test_list_media_of_sms_is_empty(client: Client) -> None:
    sms = client.messages.create(to=TO, from_=FROM, body="no media")
    assert client.messages(sms.sid).media.list() == []


def test_list_media_envelope(client: Client, mms: Any, http: httpx.Client, base: str) -> None:
    r = http.get(f"{base}/Messages/{mms.sid}/Media.json", params={"PageSize": 2})
    assert r.status_code == 200
    page = r.json()
    assert set(page) == {"media_list", "end", "first_page_uri", "next_page_uri", "page",
                         "page_size", "previous_page_uri", "start", "uri"}
    assert len(page["media_list"]) == 2
    nxt = http.get(page["next_page_uri"]).json()
    assert len(nxt["media_list"]) == 1
    assert nxt["next_page_uri"] is None
    seen = {m["sid"] for m in page["media_list"]} | {m["sid"] for m in nxt["media_list"]}
    assert len(seen) == 3


def test_list_media_date_created_filters(client: Client, mms: Any, http: httpx.Client,
                                         base: str) -> None:
    uri = f"{base}/Messages/{mms.sid}/Media.json"
    today = datetime.now(UTC).date()
    cases = [
        ({"DateCreated": today.isoformat()}, 3),
        ({"DateCreated>": (today - timedelta(days=1)).isoformat()}, 3),
        ({"DateCreated<": (today - timedelta(days=1)).isoformat()}, 0),
        ({"DateCreated>": (today + timedelta(days=1)).isoformat()}, 0),
        ({"DateCreated": ""}, 3),  # empty: no filter
    ]
    for params, count in cases:
        r = http.get(uri, params=params)
        assert r.status_code == 200, (params, r.text)
        assert len(r.json()["media_list"]) == count, params


def test_fetch_media(client: Client, mms: Any) -> None:
    first = client.messages(mms.sid).media.list()[0]
    got = client.messages(mms.sid).media(first.sid).fetch()
    assert got.sid == first.sid
    assert got.parent_sid == mms.sid
    assert got.content_type == first.content_type
    assert got.date_created == first.date_created


def test_delete_media_decrements_num_media(client: Client, mms: Any) -> None:
    media = client.messages(mms.sid).media.list()
    victim = media[0]
    assert client.messages(mms.sid).media(victim.sid).delete() is True
    assert client.messages(mms.sid).fetch().num_media == "2"
    left = client.messages(mms.sid).media.list()
    assert {m.sid for m in left} == {m.sid for m in media[1:]}
    err = rest_error(lambda: client.messages(mms.sid).media(victim.sid).fetch())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: client.messages(mms.sid).media(victim.sid).delete())
    assert (err.status, err.code) == (404, 20404)
    assert client.messages(mms.sid).fetch().num_media == "2"
    for m in media[1:]:
        client.messages(mms.sid).media(m.sid).delete()
    assert client.messages(mms.sid).fetch().num_media == "0"
    assert client.messages(mms.sid).media.list() == []


def test_delete_media_returns_204(client: Client, mms: Any, http: httpx.Client, base: str
                                  ) -> None:
    me = client.messages(mms.sid).media.list()[0].sid
    r = http.delete(f"{base}/Messages/{mms.sid}/Media/{me}.json")
    assert r.status_code == 204
    assert r.content == b""


def test_unknown_media_is_404(client: Client, mms: Any) -> None:
    err = rest_error(lambda: client.messages(mms.sid).media("ME" + "0" * 32).fetch())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: client.messages(mms.sid).media("ME" + "0" * 32).delete())
    assert (err.status, err.code) == (404, 20404)
    assert client.messages(mms.sid).fetch().num_media == "3"


def page_error(call: Any) -> Any:
    """A list call's failure: twilio-python raises a plain TwilioException carrying the
    response (contract §2: a page fetch needs exactly 200)."""
    with pytest.raises(TwilioException) as info:
        call()
    assert not isinstance(info.value, TwilioRestException)
    return info.value.args[1]


def test_media_of_unknown_message_is_404(client: Client) -> None:
    response = page_error(lambda: client.messages("MM" + "0" * 32).media.list())
    assert response.status_code == 404
    assert json.loads(response.text)["code"] == 20404


def test_media_under_another_message_is_404(client: Client, mms: Any) -> None:
    other = client.messages.create(to=TO, from_=FROM, media_url=["https://example.com/x.gif"])
    me = client.messages(mms.sid).media.list()[0].sid
    err = rest_error(lambda: client.messages(other.sid).media(me).fetch())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: client.messages(other.sid).media(me).delete())
    assert (err.status, err.code) == (404, 20404)
    assert client.messages(mms.sid).fetch().num_media == "3"
    assert client.messages(other.sid).fetch().num_media == "1"


def test_media_of_another_accounts_message_is_404(client: Client, mms: Any,
                                                 other_client: Client) -> None:
    me = client.messages(mms.sid).media.list()[0].sid
    response = page_error(lambda: other_client.messages(mms.sid).media.list())
    assert response.status_code == 404
    assert json.loads(response.text)["code"] == 20404
    err = rest_error(lambda: other_client.messages(mms.sid).media(me).fetch())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: other_client.messages(mms.sid).media(me).delete())
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: other_client.messages(mms.sid).fetch())
    assert (err.status, err.code) == (404, 20404)
    # untouched for its owner
    assert client.messages(mms.sid).media(me).fetch().sid == me
    assert client.messages(mms.sid).fetch().num_media == "3"


def test_messages_are_private_to_their_account(client: Client, mms: Any,
                                              other_client: Client) -> None:
    mine = client.messages.create(to=TO, from_=FROM, body="mine")
    theirs = other_client.messages.create(to=TO, from_=FROM, body="theirs")
    assert {m.sid for m in client.messages.list()} == {mms.sid, mine.sid}
    assert [m.sid for m in other_client.messages.list()] == [theirs.sid]
    assert [m.sid for m in other_client.messages.list(to=TO)] == [theirs.sid]
    err = rest_error(lambda: other_client.messages(mine.sid).update(body=""))
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: other_client.messages(mine.sid).delete())
    assert (err.status, err.code) == (404, 20404)
    assert client.messages(mine.sid).fetch().body == "mine"


def test_media_gone_with_its_message(client: Client, http: httpx.Client, base: str) -> None:
    msg = client.messages.create(to=TO, from_=FROM, media_url=["https://example.com/y.jpg"],
                                 schedule_type="fixed",
                                 send_at=datetime.now(UTC) + timedelta(minutes=10))
    me = client.messages(msg.sid).media.list()[0].sid
    assert client.messages(msg.sid).delete() is True
    r = http.get(f"{base}/Messages/{msg.sid}/Media/{me}.json")
    assert r.status_code == 404
    assert r.json()["code"] == 20404


# feedback ----------------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["confirmed", "unconfirmed"])
def test_feedback(client: Client, outcome: str) -> None:
    msg = client.messages.create(to=TO, from_=FROM, body="feedback")
    fb = client.messages(msg.sid).feedback.create(outcome=outcome)
    assert fb.outcome == outcome
    assert fb.message_sid == msg.sid
    assert fb.account_sid == client.account_sid
    assert fb.uri == f"/2010-04-01/Accounts/{client.account_sid}/Messages/{msg.sid}/Feedback.json"


def test_feedback_is_200_and_updatable(client: Client, http: httpx.Client, base: str) -> None:
    msg = client.messages.create(to=TO, from_=FROM, body="feedback")
    r = http.post(f"{base}/Messages/{msg.sid}/Feedback.json", data={"Outcome": "unconfirmed"})
    assert r.status_code == 200
    assert r.json()["outcome"] == "unconfirmed"
    r = http.post(f"{base}/Messages/{msg.sid}/Feedback.json", data={"Outcome": "confirmed"})
    assert r.status_code == 200
    assert r.json()["outcome"] == "confirmed"
    assert r.json()["message_sid"] == msg.sid


def test_feedback_bad_outcome_is_400(client: Client) -> None:
    msg = client.messages.create(to=TO, from_=FROM, body="feedback")
    err = rest_error(lambda: client.messages(msg.sid).feedback.create(outcome="maybe"))
    assert (err.status, err.code) == (400, 20001)


def test_feedback_on_unknown_message_is_404(client: Client) -> None:
    err = rest_error(lambda: client.messages("SM" + "0" * 32).feedback.create(
        outcome="confirmed"))
    assert (err.status, err.code) == (404, 20404)


def test_feedback_on_another_accounts_message_is_404(client: Client,
                                                    other_client: Client) -> None:
    msg = client.messages.create(to=TO, from_=FROM, body="feedback")
    err = rest_error(lambda: other_client.messages(msg.sid).feedback.create(
        outcome="confirmed"))
    assert (err.status, err.code) == (404, 20404)
