"""/sim/v1/Messages and /sim/v1/Phones/{Phone}/Messages: virtual handsets texting the
account's numbers, and what handsets received."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.rest import Client

from tests.api.sim.conftest import SENDER, buy_number
from tests.api.sim.openapi_check import OpenApiValidator
from tests.support.receiver import Receiver, Reply
from tests.support.refusals import eventually
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
HANDSET = "+15557771001"


def test_handset_texts_a_number_json(sim: httpx.Client, client: Client, account: Any) -> None:
    number = buy_number(client)
    response = sim.post("/sim/v1/Messages", json={
        "From": HANDSET, "To": number.phone_number, "Body": "hello",
        "MediaUrl": ["https://example.com/a.jpg"],
    })
    assert response.status_code == 201, response.text
    msg = response.json()
    assert msg["sid"].startswith("MM")
    assert (msg["from"], msg["to"], msg["body"]) == (HANDSET, number.phone_number, "hello")
    assert (msg["direction"], msg["status"], msg["num_media"]) == ("inbound", "received", "1")
    assert msg["account_sid"] == account.sid
    assert msg["uri"] == f"/2010-04-01/Accounts/{account.sid}/Messages/{msg['sid']}.json"
    fetched = client.messages(msg["sid"]).fetch()
    assert (fetched.direction, fetched.status, fetched.from_) == ("inbound", "received", HANDSET)
    media = client.messages(msg["sid"]).media.list()
    assert len(media) == 1


def test_handset_texts_a_number_form(sim: httpx.Client, client: Client) -> None:
    number = buy_number(client)
    response = sim.post("/sim/v1/Messages", data={
        "From": HANDSET, "To": number.phone_number,
        "MediaUrl": ["https://example.com/a.jpg", "https://example.com/b.png"],
    })
    assert response.status_code == 201, response.text
    msg = response.json()
    assert (msg["body"], msg["num_media"]) == ("", "2")
    response = sim.post("/sim/v1/Messages",
                        data={"From": HANDSET, "To": number.phone_number, "Body": "plain"})
    assert response.status_code == 201 and response.json()["sid"].startswith("SM")


def test_refusals(sim: httpx.Client, client: Client) -> None:
    number = buy_number(client).phone_number
    cases: list[tuple[dict[str, Any], int, int]] = [
        ({"To": number, "Body": "x"}, 400, 21603),
        ({"From": HANDSET, "Body": "x"}, 400, 21604),
        ({"From": "nonsense", "To": number, "Body": "x"}, 400, 21212),
        ({"From": HANDSET, "To": number}, 400, 21602),
        ({"From": HANDSET, "To": number, "Body": "x", "MediaUrl": ["ftp://x"]}, 400, 21620),
        ({"From": HANDSET, "To": number, "Body": "x", "MediaUrl": [1]}, 400, 20001),
        ({"From": HANDSET, "To": number, "Body": 5}, 400, 20001),
        ({"From": HANDSET, "To": number, "body": "x"}, 400, 20001),
        ({"From": HANDSET, "To": "+15557779999", "Body": "x"}, 404, 20404),
    ]
    for body, status, code in cases:
        response = sim.post("/sim/v1/Messages", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), (
            body, response.text)
    response = sim.post("/sim/v1/Messages",
                        content=urlencode([("From", HANDSET), ("From", HANDSET), ("To", number)]),
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()["code"]) == (400, 20001)


def test_a_parent_texts_its_subaccounts_number(client: Client, live: LiveServer,
                                               sim_validator: OpenApiValidator) -> None:
    number = buy_number(client).phone_number
    response = httpx.post(live.base_url + "/sim/v1/Messages", auth=(ACCOUNT_SID, AUTH_TOKEN),
                          json={"From": HANDSET, "To": number, "Body": "x"}, timeout=30)
    sim_validator.validate(response)
    assert response.status_code == 201
    assert response.json()["account_sid"] == client.account_sid


# the handset's inbox ---------------------------------------------------------------------------
def _inbox(sim: httpx.Client, handset: str, **params: Any) -> dict[str, Any]:
    response = sim.get(f"/sim/v1/Phones/{handset.replace('+', '%2B')}/Messages", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_inbox_pages_newest_first(sim: httpx.Client, client: Client, account: Any) -> None:
    handset = "+15557771002"
    sent = [client.messages.create(to=handset, from_=SENDER, body=f"n{i}").sid for i in range(3)]
    eventually(lambda: _assert_count(sim, handset, 3), timeout=10)
    first = _inbox(sim, handset, PageSize=2)
    assert first["meta"]["key"] == "messages" and first["meta"]["page_size"] == 2
    assert [e["message_sid"] for e in first["messages"]] == sent[::-1][:2]
    entry = first["messages"][0]
    assert (entry["from"], entry["to"], entry["body"]) == (SENDER, handset, "n2")
    assert (entry["media_urls"], entry["num_media"], entry["num_segments"]) == ([], 0, 1)
    assert ISO.match(entry["date_received"]) and entry["account_sid"] == account.sid
    assert entry["message_uri"].endswith(f"/Messages/{sent[2]}.json")
    next_url = first["meta"]["next_page_url"]
    assert next_url.startswith("http://") and "PageToken=PA" in next_url
    second = sim.get(next_url).json()
    assert [e["message_sid"] for e in second["messages"]] == [sent[0]]
    assert second["meta"]["next_page_url"] is None
    # the encoded and the plain form of the path are the same handset
    assert sim.get(f"/sim/v1/Phones/{handset}/Messages").json()["messages"] == \
        _inbox(sim, handset)["messages"]


def _assert_count(sim: httpx.Client, handset: str, count: int) -> None:
    assert len(_inbox(sim, handset)["messages"]) == count


def test_inbox_bad_parameters(sim: httpx.Client) -> None:
    for params in ({"PageSize": 0}, {"PageSize": 1001}, {"PageSize": "x"},
                   {"PageToken": "garbage"}):
        response = sim.get("/sim/v1/Phones/%2B15557771003/Messages", params=params)
        assert (response.status_code, response.json()["code"]) == (400, 20001), params
    response = sim.get("/sim/v1/Phones/12/Messages")
    assert (response.status_code, response.json()["code"]) == (400, 21211)
    assert _inbox(sim, "+15557771003")["messages"] == []


def test_reply_reaches_the_handset_and_the_webhook_is_logged(
    sim: httpx.Client, client: Client, receiver: Receiver
) -> None:
    path = f"/sms/{uuid.uuid4().hex}"
    receiver.replies[path] = Reply(200, b"<Response><Message>pong</Message></Response>",
                                   "application/xml")
    number = buy_number(client, sms_url=receiver.url(path)).phone_number
    handset = "+15557771004"
    inbound = sim.post("/sim/v1/Messages",
                       json={"From": handset, "To": number, "Body": "ping"}).json()
    (got,) = receiver.wait_for(path, 1)
    assert (got.params["Body"], got.params["From"], got.params["MessageSid"]) == (
        "ping", handset, inbound["sid"])

    def replied() -> None:
        entries = _inbox(sim, handset)["messages"]
        assert [(e["from"], e["body"]) for e in entries] == [(number, "pong")]

    eventually(replied, timeout=10)

    log = sim.get("/sim/v1/Webhooks", params={"ResourceSid": inbound["sid"]}).json()
    assert log["meta"]["key"] == "webhooks"
    assert "ResourceSid=" + inbound["sid"] in log["meta"]["url"]
    (attempt,) = log["webhooks"]
    assert (attempt["kind"], attempt["method"], attempt["url"], attempt["status_code"]) == (
        "sms_url", "POST", receiver.url(path), 200)
    assert attempt["resource_sid"] == inbound["sid"] and attempt["attempt"] == 1
    assert "Body=ping" in attempt["request_params"]
    assert "x-twilio-signature" in {k.lower() for k in attempt["request_headers"]}
    assert "pong" in attempt["response_body"]
    assert isinstance(attempt["latency_ms"], float) and attempt["latency_ms"] >= 0
    assert attempt["error_code"] is None and ISO.match(attempt["date_created"])
    assert sim.get(attempt["uri"]).json() == attempt

    everything = sim.get("/sim/v1/Webhooks").json()["webhooks"]
    assert attempt["sid"] in [a["sid"] for a in everything]


def test_webhook_log_paging_and_404(sim: httpx.Client, client: Client,
                                    receiver: Receiver) -> None:
    path = f"/status/{uuid.uuid4().hex}"
    message = client.messages.create(to="+15557771005", from_=SENDER, body="x",
                                      status_callback=receiver.url(path))
    receiver.wait_for(path, 3)

    def three() -> None:
        body = sim.get("/sim/v1/Webhooks", params={"ResourceSid": message.sid}).json()
        assert len(body["webhooks"]) == 3

    eventually(three, timeout=10)
    seen: list[str] = []
    url: str | None = "/sim/v1/Webhooks?PageSize=1&ResourceSid=" + message.sid
    while url:
        page = sim.get(url).json()
        assert len(page["webhooks"]) == 1
        seen += [a["sid"] for a in page["webhooks"]]
        url = page["meta"]["next_page_url"]
    assert len(set(seen)) == 3
    assert all(a == "status_callback" for a in
               [sim.get(f"/sim/v1/Webhooks/{s}").json()["kind"] for s in seen])
    missing = sim.get("/sim/v1/Webhooks/WA" + "0" * 32)
    assert (missing.status_code, missing.json()["code"]) == (404, 20404)
