"""Pacing on (CALLBOX_SIM_PACING=true): senders leave at their number type's rate and a
sender's queue holds at most 10 hours' worth (21611). Off is the default (every other
test runs with it off and sees no delay)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.rest import Client

from tests.support.handsets import SENDER
from tests.support.refusals import eventually, rest_error
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer


@pytest.fixture(scope="module")
def paced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("paced")), sim_pacing=True).start()
    yield server
    server.stop()


@pytest.fixture
def pclient(paced: LiveServer) -> Client:
    c = Client(ACCOUNT_SID, AUTH_TOKEN)
    c.api.base_url = paced.base_url
    return c


def _sent_times(client: Client, sids: list[str]) -> list[float]:
    def all_delivered() -> list[float]:
        msgs = [client.messages(s).fetch() for s in sids]
        assert all(m.status == "delivered" for m in msgs)
        return [m.date_sent.timestamp() for m in msgs]

    return eventually(all_delivered, timeout=10)  # type: ignore[no-any-return]


def test_long_code_sends_one_segment_a_second(pclient: Client) -> None:
    sids = [pclient.messages.create(to="+15558675330", from_=SENDER, body=f"m{i}").sid
            for i in range(3)]
    times = sorted(_sent_times(pclient, sids))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.99 <= g <= 1.5 for g in gaps), gaps


def test_a_two_segment_message_takes_two_slots(pclient: Client) -> None:
    sender = pclient.incoming_phone_numbers.create(area_code="212").phone_number
    first = pclient.messages.create(to="+15558675331", from_=sender, body="x" * 200).sid
    second = pclient.messages.create(to="+15558675331", from_=sender, body="y").sid
    a, b = _sent_times(pclient, [first, second])
    assert 1.99 <= b - a <= 2.5


def test_short_code_is_fast(pclient: Client) -> None:
    sids = [pclient.messages.create(to="+15558675332", from_="54321", body=f"m{i}").sid
            for i in range(5)]
    times = sorted(_sent_times(pclient, sids))
    assert times[-1] - times[0] < 0.5


def test_queue_holds_ten_hours(paced: LiveServer, pclient: Client) -> None:
    pacer = paced.runtime.services.pacer
    sender = pclient.incoming_phone_numbers.create(area_code="415").phone_number
    pacer.add(sender, 36_000 - 1)  # a long code's 10 hours, but one segment
    try:
        err = rest_error(lambda: pclient.messages.create(to="+15558675333", from_=sender,
                                                         body="x" * 200))
        assert (err.status, err.code) == (400, 21611)
        assert pclient.messages.create(to="+15558675333", from_=sender, body="x").sid
    finally:
        pacer.leave(sender, 36_000)
