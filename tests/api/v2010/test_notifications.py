"""Notifications through the official twilio client. Real ones are triggered the way a
customer meets them: a virtual handset (POST /sim/v1/Messages) texts a number whose SmsUrl
answers 500, which callbox records as notification 11200 (it does not retry that webhook)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from twilio.rest import Client

from tests.support.receiver import Receiver, Reply
from tests.support.refusals import eventually, rest_error
from tests.support.server import LiveServer

HANDSET = "+15557772001"


def _number(client: Client, sms_url: str) -> str:
    found = client.available_phone_numbers("US").local.list(limit=1)
    return str(client.incoming_phone_numbers.create(phone_number=found[0].phone_number,
                                                    sms_url=sms_url).phone_number)


def _text(live: LiveServer, account: Any, to: str, body: str) -> str:
    response = httpx.post(live.base_url + "/sim/v1/Messages",
                          auth=(account.sid, account.auth_token),
                          json={"From": HANDSET, "To": to, "Body": body}, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["sid"])


def test_empty_list_and_unknown_sid(client: Client) -> None:
    assert client.notifications.list() == []
    refusal = rest_error(lambda: client.notifications("NO" + "0" * 32).fetch())
    assert (refusal.status, refusal.code) == (404, 20404)


def test_a_failed_sms_url_is_a_notification(client: Client, account: Any, live: LiveServer,
                                            receiver: Receiver) -> None:
    path = f"/sms/{uuid.uuid4().hex}"
    receiver.replies[path] = Reply(500, b"boom")
    number = _number(client, receiver.url(path))
    sid = _text(live, account, number, "first")
    receiver.wait_for(path, 1)

    (item,) = eventually(lambda: _count(client, 1), timeout=10)
    assert item.sid.startswith("NO") and item.account_sid == account.sid
    assert (item.error_code, item.log, item.api_version) == ("11200", "0", "2010-04-01")
    assert item.more_info == "https://www.twilio.com/docs/errors/11200"
    assert (item.request_method, item.request_url) == ("POST", receiver.url(path))
    assert receiver.url(path) in item.message_text
    assert item.call_sid is None
    assert item.uri == f"/2010-04-01/Accounts/{account.sid}/Notifications/{item.sid}.json"
    assert item.message_date is not None and item.date_created is not None

    fetched = client.notifications(item.sid).fetch()
    assert fetched.sid == item.sid and fetched.error_code == "11200"
    assert fetched.response_body == "boom"
    assert "Body=first" in fetched.request_variables and sid in fetched.request_variables

    # filters: Log, MessageDate, MessageDate<, MessageDate>
    today = datetime.now(UTC).date()
    assert [n.sid for n in client.notifications.list(log=0)] == [item.sid]
    assert client.notifications.list(log=1) == []
    assert [n.sid for n in client.notifications.list(message_date=today)] == [item.sid]
    assert client.notifications.list(message_date=today - timedelta(days=1)) == []
    assert [n.sid for n in client.notifications.list(message_date_after=today)] == [item.sid]
    assert client.notifications.list(message_date_after=today + timedelta(days=1)) == []
    assert [n.sid for n in client.notifications.list(message_date_before=today)] == [item.sid]
    assert client.notifications.list(message_date_before=today - timedelta(days=1)) == []

    # a second one, then paging newest first
    _text(live, account, number, "second")
    eventually(lambda: _count(client, 2), timeout=10)
    page = client.notifications.page(page_size=1)
    (newer,) = list(page)
    assert page.next_page_url is not None
    (older,) = list(page.next_page())
    assert older.sid == item.sid and newer.sid != item.sid
    assert [n.sid for n in client.notifications.list(page_size=1)] == [newer.sid, older.sid]


def test_notifications_are_per_account(client: Client, main_client: Client, account: Any,
                                       live: LiveServer, receiver: Receiver) -> None:
    path = f"/sms/{uuid.uuid4().hex}"
    receiver.replies[path] = Reply(500, b"")
    _text(live, account, _number(client, receiver.url(path)), "x")
    (item,) = eventually(lambda: _exactly_one(client), timeout=10)
    other = main_client.api.v2010.accounts.create(friendly_name="other")
    stranger = Client(other.sid, other.auth_token)
    stranger.api.base_url = live.base_url
    refusal = rest_error(lambda: stranger.notifications(item.sid).fetch())
    assert refusal.status == 404
    assert stranger.notifications.list() == []


def _exactly_one(client: Client) -> list[Any]:
    return _count(client, 1)


def _count(client: Client, count: int) -> list[Any]:
    found = client.notifications.list()
    assert len(found) == count
    return found


def test_formats(live: LiveServer, account: Any) -> None:
    url = f"{live.base_url}/2010-04-01/Accounts/{account.sid}/Notifications"
    auth = (account.sid, account.auth_token)
    xml = httpx.get(url, auth=auth, timeout=30)
    assert xml.status_code == 200 and "<Notifications" in xml.text
    csv = httpx.get(url + ".csv", auth=auth, timeout=30)
    assert csv.status_code == 200
