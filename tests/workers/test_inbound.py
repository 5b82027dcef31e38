"""A virtual handset texts the app's number: the SmsUrl is called (signed, Twilio's
parameters), its TwiML runs (<Message> replies land in the handset's inbox, <Redirect>
fetches more), the fallback URL takes over on failure, and hostile or broken TwiML
fails safe with Twilio's codes recorded as Notifications."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from tests.support.receiver import Receiver, Reply
from tests.support.refusals import eventually
from tests.support.server import LiveServer

HANDSET = "+15558675340"
XML = "application/xml"


@pytest.fixture
def sim(live: LiveServer, account: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base_url, auth=(account.sid, account.auth_token),
                      timeout=30) as c:
        yield c


def _paths() -> tuple[str, str]:
    tag = uuid.uuid4().hex
    return f"/sms/{tag}", f"/fallback/{tag}"


def _text(sim: httpx.Client, to: str, body: str = "hi", **extra: Any) -> dict[str, Any]:
    r = sim.post("/sim/v1/Messages", json={"From": HANDSET, "To": to, "Body": body, **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _inbox(sim: httpx.Client, handset: str = HANDSET) -> list[dict[str, Any]]:
    r = sim.get(f"/sim/v1/Phones/{handset}/Messages")
    assert r.status_code == 200, r.text
    return r.json()["messages"]  # type: ignore[no-any-return]


def test_twiml_reply_reaches_the_handset(client: Client, account: Any, sim: httpx.Client,
                                         receiver: Receiver) -> None:
    sms, _ = _paths()
    reply = MessagingResponse()
    reply.message("pong").media("https://example.com/cat.png")
    receiver.replies[sms] = Reply(body=str(reply).encode(), content_type=XML)
    number = client.incoming_phone_numbers.create(area_code="415", sms_url=receiver.url(sms))
    inbound = _text(sim, number.phone_number, "ping")
    (got,) = receiver.wait_for(sms, 1)
    params = got.params
    assert params["Body"] == "ping" and params["From"] == HANDSET
    assert params["To"] == number.phone_number and params["SmsStatus"] == "received"
    assert params["MessageSid"] == params["SmsMessageSid"] == inbound["sid"]
    assert params["NumMedia"] == "0" and params["AccountSid"] == account.sid
    assert RequestValidator(account.auth_token).validate(receiver.url(sms), params,
                                                         got.headers["X-Twilio-Signature"])

    def replied() -> dict[str, Any]:
        entries = _inbox(sim)
        assert entries and entries[0]["body"] == "pong"
        entry = entries[0]
        return entry

    entry = eventually(replied, timeout=5)
    assert entry["media_urls"] == ["https://example.com/cat.png"]
    sent = client.messages.list(to=HANDSET, from_=number.phone_number)
    assert [m.direction for m in sent] == ["outbound-reply"]
    assert client.messages(inbound["sid"]).fetch().direction == "inbound"


def test_fallback_url_answers_when_sms_url_fails(client: Client, sim: httpx.Client,
                                                 receiver: Receiver) -> None:
    sms, fallback = _paths()
    receiver.replies[sms] = Reply(status=500)
    receiver.replies[fallback] = Reply(body=b"<Response><Message>from fallback</Message>"
                                       b"</Response>", content_type=XML)
    number = client.incoming_phone_numbers.create(
        area_code="415", sms_url=receiver.url(sms), sms_fallback_url=receiver.url(fallback))
    handset = "+15558675341"
    sim.post("/sim/v1/Messages", json={"From": handset, "To": number.phone_number,
                                       "Body": "hi"})
    receiver.wait_for(fallback, 1)
    assert eventually(lambda: _one(_inbox(sim, handset)))["body"] == "from fallback"
    codes = eventually(lambda: _codes(client, 11200))
    assert 11200 in codes


def _one(items: list[Any]) -> Any:
    assert len(items) == 1
    return items[0]


def _codes(client: Client, want: int) -> list[int]:
    codes = [n.error_code for n in client.notifications.list()]
    assert want in [int(c) for c in codes], codes
    return [int(c) for c in codes]


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b"<Response><Message>&b;</Message></Response>", XML, 12100),
    (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Message>&x;'
     b"</Message></Response>", XML, 12100),
    (b"<Response><Message>unclosed", XML, 12100),
    (b"<Reply><Message>hi</Message></Reply>", XML, 12102),
    (b"<Response/>", "image/png", 12300),
    (b"<Response>" + b" " * 70_000 + b"</Response>", XML, 11750),
])
def test_hostile_or_broken_twiml_sends_nothing(client: Client, sim: httpx.Client,
                                               receiver: Receiver, body: bytes,
                                               content_type: str, code: int) -> None:
    sms, _ = _paths()
    receiver.replies[sms] = Reply(body=body, content_type=content_type)
    number = client.incoming_phone_numbers.create(area_code="415", sms_url=receiver.url(sms))
    handset = f"+1555867{uuid.uuid4().int % 10000:04d}"
    sim.post("/sim/v1/Messages", json={"From": handset, "To": number.phone_number,
                                       "Body": "hi"})
    receiver.wait_for(sms, 1)
    eventually(lambda: _codes(client, code), timeout=5)
    assert _inbox(sim, handset) == []
    assert client.messages.list(from_=number.phone_number) == []


def test_redirect_fetches_more_twiml(client: Client, sim: httpx.Client,
                                     receiver: Receiver) -> None:
    sms, more = _paths()
    receiver.replies[sms] = Reply(body=f"<Response><Message>one</Message><Redirect method="
                                       f'"GET">{more}</Redirect></Response>'.encode(),
                                  content_type=XML)
    receiver.replies[more] = Reply(body=b"<Response><Message>two</Message></Response>",
                                   content_type=XML)
    number = client.incoming_phone_numbers.create(area_code="415", sms_url=receiver.url(sms))
    handset = "+15558675342"
    sim.post("/sim/v1/Messages", json={"From": handset, "To": number.phone_number,
                                       "Body": "hi"})
    (redirected,) = receiver.wait_for(more, 1)
    assert redirected.method == "GET" and "Body=hi" in redirected.path

    def both() -> list[str]:
        bodies = sorted(e["body"] for e in _inbox(sim, handset))
        assert bodies == ["one", "two"]
        return bodies

    eventually(both, timeout=5)


def test_number_without_sms_url_only_stores_the_message(client: Client,
                                                        sim: httpx.Client) -> None:
    number = client.incoming_phone_numbers.create(area_code="415")
    inbound = _text(sim, number.phone_number, "hello")
    fetched = client.messages(inbound["sid"]).fetch()
    assert (fetched.status, fetched.direction, fetched.body) == ("received", "inbound", "hello")
