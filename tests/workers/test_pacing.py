"""Pacing on (CALLBOX_SIM_PACING=true): senders leave at their number type's rate and a
sender's queue holds at most 10 hours' worth (21611). Off is the default (every other
test runs with it off and sees no delay)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
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


def _sent_times(server: LiveServer, client: Client, sids: list[str]) -> list[float]:
    """When each message left its sender, to the microsecond.

    The API's date_sent is RFC 2822 (whole seconds), so two sends 0.1 s apart can read a
    second apart; the store keeps microseconds, read here from the database file (WAL)."""
    def all_delivered() -> None:
        assert all(client.messages(s).fetch().status == "delivered" for s in sids)

    eventually(all_delivered, timeout=10)
    with closing(sqlite3.connect(server.settings.data_dir / "callbox.db")) as db:
        sent = dict(db.execute(
            f"SELECT sid, date_sent FROM messages WHERE sid IN ({','.join('?' * len(sids))})",
            sids).fetchall())
    return [sent[s] / 1e6 for s in sids]


def test_long_code_sends_one_segment_a_second(paced: LiveServer, pclient: Client) -> None:
    sids = [pclient.messages.create(to="+15558675330", from_=SENDER, body=f"m{i}").sid
            for i in range(3)]
    times = sorted(_sent_times(paced, pclient, sids))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.99 <= g <= 1.5 for g in gaps), gaps


def test_a_two_segment_message_takes_two_slots(paced: LiveServer, pclient: Client) -> None:
    sender = pclient.incoming_phone_numbers.create(area_code="212").phone_number
    first = pclient.messages.create(to="+15558675331", from_=sender, body="x" * 200).sid
    second = pclient.messages.create(to="+15558675331", from_=sender, body="y").sid
    a, b = _sent_times(paced, pclient, [first, second])
    assert 1.99 <= b - a <= 2.5


def test_short_code_is_fast(paced: LiveServer, pclient: Client) -> None:
    sids = [pclient.messages.create(to="+15558675332", from_="54321", body=f"m{i}").sid
            for i in range(5)]
    times = sorted(_sent_times(paced, pclient, sids))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) < 0.5, gaps  # a long code would space them a second apart


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


def test_a_bulk_send_is_paced_like_any_message(paced: LiveServer, pclient: Client) -> None:
    """Messages of a /v1 operation leave a long code at 1 segment a second too."""
    sender = pclient.incoming_phone_numbers.create(area_code="415").phone_number
    with httpx.Client(base_url=paced.base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        r = http.post("/v1/Messages", json={
            "from": {"address": sender}, "content": {"text": "paced"},
            "to": [{"address": f"+1555867534{i}"} for i in range(3)]})
        assert r.status_code == 202
        op = r.json()["id"]

        def sids() -> list[str]:
            listed = http.get("/v1/Messages", params={"operationId": op}).json()["messages"]
            assert len(listed) == 3
            return [r["id"] for m in listed for r in m["related"] if r["name"] == "message"]

        found = eventually(sids, timeout=10)
    times = sorted(_sent_times(paced, pclient, found))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.99 <= g <= 1.5 for g in gaps), gaps
