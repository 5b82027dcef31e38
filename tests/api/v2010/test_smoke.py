from __future__ import annotations

from twilio.rest import Client


def test_create_fetch_list(client: Client) -> None:
    msg = client.messages.create(to="+15558675310", from_="+15005550006", body="hi")
    assert msg.status == "queued"
    assert client.messages(msg.sid).fetch().body == "hi"
    assert [m.sid for m in client.messages.list()] == [msg.sid]
