"""The simulated network's outcomes, seen through the API and the status callbacks:
failures after acceptance, scheduled messages, validity periods, From ownership,
callback retries and connection overrides, applications."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from twilio.rest import Client

from tests.support.handsets import REFUSED, SENDER, SLOW_PICKUP, UNREACHABLE
from tests.support.receiver import Received, Receiver, Reply
from tests.support.refusals import eventually, rest_error
from tests.support.server import LiveServer


def _path() -> str:
    return f"/cb/{uuid.uuid4().hex}"


def _run(live: LiveServer, coro: Any) -> Any:
    """Run a coroutine on the server's own event loop (white-box set-up only)."""
    loop = live.runtime.services.store.writer._loop
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=10)


def test_unreachable_handset_is_undelivered_30003(client: Client, receiver: Receiver) -> None:
    path = _path()
    msg = client.messages.create(to=UNREACHABLE, from_=SENDER, body="x",
                                 status_callback=receiver.url(path))
    got = receiver.wait_for(path, 3)
    assert [r.params["MessageStatus"] for r in got] == ["sending", "sent", "undelivered"]
    assert got[2].params["ErrorCode"] == "30003"
    assert "ErrorCode" not in got[1].params
    fetched = eventually(lambda: _final(client, msg.sid))
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)
    assert fetched.error_message == "Unreachable destination handset"


def test_refused_by_carrier_is_failed_30008(client: Client, receiver: Receiver) -> None:
    path = _path()
    msg = client.messages.create(to=REFUSED, from_=SENDER, body="x",
                                 status_callback=receiver.url(path))
    got = receiver.wait_for(path, 2)
    assert [r.params["MessageStatus"] for r in got] == ["sending", "failed"]
    assert got[1].params["ErrorCode"] == "30008"
    fetched = eventually(lambda: _final(client, msg.sid))
    assert (fetched.status, fetched.error_code, fetched.date_sent) == ("failed", 30008, None)


def _final(client: Client, sid: str) -> Any:
    m = client.messages(sid).fetch()
    assert m.status in ("delivered", "undelivered", "failed")
    return m


def test_from_must_be_an_owned_number(client: Client) -> None:
    err = rest_error(lambda: client.messages.create(to="+15558675310", from_="+14155550123",
                                                    body="x"))
    assert (err.status, err.code) == (400, 21606)
    number = client.incoming_phone_numbers.create(area_code="415")
    msg = client.messages.create(to="+15558675310", from_=number.phone_number, body="x")
    assert msg.status == "queued"
    number.delete()
    err = rest_error(lambda: client.messages.create(to="+15558675310",
                                                    from_=number.phone_number, body="x"))
    assert err.code == 21606


def test_scheduled_message_waits_then_is_sent(live: LiveServer, client: Client,
                                              receiver: Receiver) -> None:
    path = _path()
    send_at = datetime.now(UTC) + timedelta(minutes=10)
    msg = client.messages.create(to="+15558675310", from_=SENDER, body="later",
                                 schedule_type="fixed", send_at=send_at,
                                 status_callback=receiver.url(path))
    assert msg.status == "scheduled"
    assert client.messages(msg.sid).fetch().status == "scheduled"
    # Time travel: the job falls due now.
    store = live.runtime.services.store
    from sqlalchemy import update

    from callbox.store.sql import schema as t
    from callbox.store.sql.writer import Exec

    stmt = update(t.jobs).where(t.jobs.c.resource_sid == msg.sid).values(run_at=0)
    _run(live, store.writer.write(Exec(lambda conn: conn.execute(stmt))))
    live.runtime.workers.runner.wake()
    got = receiver.wait_for(path, 4)
    assert [r.params["MessageStatus"] for r in got] == ["queued", "sending", "sent",
                                                        "delivered"]


def test_validity_period_expires_in_the_queue_30036(client: Client, receiver: Receiver
                                                    ) -> None:
    path = _path()
    # SLOW_PICKUP: the carrier takes the message after 1.5 s, past a 1 s validity period.
    msg = client.messages.create(to=SLOW_PICKUP, from_=SENDER, body="x", validity_period=1,
                                 status_callback=receiver.url(path))
    assert msg.status == "queued"
    got = receiver.wait_for(path, 1, timeout=5)
    assert [r.params["MessageStatus"] for r in got] == ["failed"]
    assert got[0].params["ErrorCode"] == "30036"
    fetched = client.messages(msg.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("failed", 30036)
    ok = client.messages.create(to=SLOW_PICKUP, from_=SENDER, body="x", validity_period=60)
    assert eventually(lambda: _final(client, ok.sid), timeout=5).status == "delivered"


def test_callbacks_are_retried_until_the_receiver_answers(client: Client, receiver: Receiver
                                                          ) -> None:
    path = _path()
    answers = iter([503, 503])

    def flaky(_: Received) -> Reply:
        return Reply(status=next(answers, 200))

    receiver.replies[path] = flaky
    client.messages.create(to="+15558675310", from_=SENDER, body="x",
                           status_callback=receiver.url(path) + "#rc=0")
    got = receiver.wait_for(path, 5, timeout=20)
    statuses = [r.params["MessageStatus"] for r in got]
    assert statuses.count("delivered") == 1 and statuses.count("sending") >= 1
    tokens = {r.headers["I-Twilio-Idempotency-Token"] for r in got
              if r.params["MessageStatus"] == "sending"}
    assert len(tokens) == 1  # the same delivery, retried


def test_connection_overrides_retry_within_one_round(client: Client, receiver: Receiver
                                                     ) -> None:
    path = _path()
    answers = iter([500, 500])
    receiver.replies[path] = lambda _: Reply(status=next(answers, 204))
    client.messages.create(to=REFUSED, from_=SENDER, body="x",
                           status_callback=receiver.url(path) + "#rc=2&rp=5xx&tt=5000")
    got = receiver.wait_for(path, 4, timeout=5)
    assert [r.params["MessageStatus"] for r in got] == ["sending"] * 3 + ["failed"]


def test_application_sid_sends_callbacks_to_the_application(
    client: Client, receiver: Receiver
) -> None:
    path = _path()
    app = client.applications.create(friendly_name="cb",
                                      message_status_callback=receiver.url(path))
    client.messages.create(to="+15558675310", from_=SENDER, body="x", application_sid=app.sid,
                           status_callback=receiver.url("/ignored"))
    got = receiver.wait_for(path, 3)
    assert got[-1].params["MessageStatus"] == "delivered"
    err = rest_error(lambda: client.messages.create(
        to="+15558675310", from_=SENDER, body="x", application_sid="AP" + "0" * 32))
    assert (err.status, err.code) == (400, 21218)
