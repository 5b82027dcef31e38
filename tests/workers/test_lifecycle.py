"""An outbound message's whole life on the simulated network, seen as a user sees it:
statuses through the API, signed status callbacks at a real receiver."""

from __future__ import annotations

import uuid
from typing import Any

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.support.receiver import Receiver
from tests.support.refusals import eventually

SENDER = "+15005550006"


def test_message_moves_to_delivered_with_signed_callbacks(
    client: Client, account: Any, receiver: Receiver
) -> None:
    path = f"/status/{uuid.uuid4().hex}"
    message = client.messages.create(to="+14155550100", from_=SENDER, body="hello",
                                      status_callback=receiver.url(path))
    assert message.status == "queued"
    got = receiver.wait_for(path, 3)
    assert [r.params["MessageStatus"] for r in got] == ["sending", "sent", "delivered"]
    validator = RequestValidator(account.auth_token)
    for r in got:
        assert r.method == "POST"
        assert validator.validate(receiver.url(path), r.params, r.headers["X-Twilio-Signature"])
        assert r.params["MessageSid"] == r.params["SmsSid"] == message.sid
        assert r.params["AccountSid"] == account.sid
        assert r.params["To"] == "+14155550100" and r.params["From"] == SENDER
        assert r.params["ApiVersion"] == "2010-04-01"
        assert r.headers["I-Twilio-Idempotency-Token"]
    assert "RawDlrDoneDate" in got[2].params and "ErrorCode" not in got[2].params

    def delivered() -> None:
        fetched = client.messages(message.sid).fetch()
        assert fetched.status == "delivered"
        assert fetched.date_sent is not None

    eventually(delivered)
