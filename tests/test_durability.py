"""Accepted work survives a crash or a stop: kill -9 the server right after it answered 201
(or stop it with messages still queued), start it again on the same data directory, and
every accepted message is there and is delivered exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, free_port


def _start(data_dir: Path, port: int, **env_extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CALLBOX_ACCOUNT_SID": ACCOUNT_SID, "CALLBOX_AUTH_TOKEN": AUTH_TOKEN,
           "CALLBOX_LOG_LEVEL": "warning", **env_extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "callbox", "serve", "--port", str(port), "--data-dir",
         str(data_dir)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def test_kill_9_loses_no_accepted_message(tmp_path: Path) -> None:
    port = free_port()
    proc = _start(tmp_path, port)
    url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    accepted = []
    try:
        with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10) as http:
            for i in range(200):
                r = http.post(url, data={"To": "+15558675310", "From": "+15005550006",
                                         "Body": f"m{i}"})
                assert r.status_code == 201
                accepted.append(r.json()["sid"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    db = sqlite3.connect(tmp_path / "callbox.db")
    sids = {row[0] for row in db.execute("SELECT sid FROM messages")}
    jobs = {row[0] for row in db.execute(
        "SELECT resource_sid FROM jobs WHERE kind = 'message.send'")}
    db.close()
    assert set(accepted) <= sids
    assert set(accepted) <= jobs

    proc = _start(tmp_path, port)
    try:
        with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10) as http:
            listed = http.get(url, params={"PageSize": 1000}).json()["messages"]
        assert {m["sid"] for m in listed} == set(accepted)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _rules(tmp_path: Path, handset: str, sending_ms: int) -> Path:
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[numbers."{handset}"]\nsending_ms = {sending_ms}\n')
    return rules


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill-9"])
def test_queued_messages_are_delivered_exactly_once_after_restart(
    tmp_path: Path, receiver: Receiver, stop: signal.Signals
) -> None:
    handset = "+15558675320"
    path = f"/restart/{uuid.uuid4().hex}"
    data = tmp_path / "data"
    port = free_port()
    # The carrier waits 2 s before taking each message: all of them are still queued (or
    # in the worker's hands) when the server goes down.
    proc = _start(data, port, CALLBOX_SIM_RULES_FILE=str(_rules(tmp_path, handset, 2000)))
    url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    accepted = []
    try:
        with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10) as http:
            for i in range(60):
                r = http.post(url, data={"To": handset, "From": "+15005550006",
                                         "Body": f"m{i}", "StatusCallback": receiver.url(path)})
                assert r.status_code == 201
                accepted.append(r.json()["sid"])
            statuses = {m["status"] for m in
                        http.get(url, params={"PageSize": 100}).json()["messages"]}
            assert statuses == {"queued"}
    finally:
        proc.send_signal(stop)
        proc.wait(timeout=15)
    assert receiver.at(path) == []

    proc = _start(data, port, CALLBOX_SIM_RULES_FILE=str(_rules(tmp_path, handset, 0)))
    try:
        got = receiver.wait_for(path, 3 * len(accepted), timeout=20)
        with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10) as http:
            listed = http.get(url, params={"PageSize": 100}).json()["messages"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert {m["sid"]: m["status"] for m in listed} == {sid: "delivered" for sid in accepted}
    delivered = [r.params["MessageSid"] for r in got if r.params["MessageStatus"] == "delivered"]
    assert sorted(delivered) == sorted(accepted)  # one delivered callback per message
    db = sqlite3.connect(data / "callbox.db")
    inbox = db.execute("SELECT message_sid, COUNT(*) FROM sim_inbox GROUP BY message_sid")
    counts = dict(inbox.fetchall())
    db.close()
    assert counts == {sid: 1 for sid in accepted}  # each reached the handset exactly once


def test_kill_9_during_a_bulk_fan_out_sends_each_recipient_exactly_once(
        tmp_path: Path) -> None:
    """POST /v1/Messages to 10,000 recipients, kill -9 while the fan-out runs, start
    again: the fan-out resumes after its last committed batch, every recipient gets one
    message, one delivery (one inbox row), and the operation completes."""
    port = free_port()
    proc = _start(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    body = {"from": {"address": "+15005550006", "channel": "SMS"},
            "to": [{"address": f"+1212555{i:04d}"} for i in range(10_000)],
            "content": {"text": "bulk"}}
    try:
        with httpx.Client(base_url=base, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=30) as http:
            r = http.post("/v1/Messages", json=body)
            assert r.status_code == 202
            op = r.json()["id"]
        # WAL lets another process read while the server writes: kill once some batches,
        # not all, are committed.
        watch = sqlite3.connect(tmp_path / "callbox.db")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            row = watch.execute("SELECT processed FROM comms_operations WHERE sid = ?",
                                (op,)).fetchone()
            if row is not None and row[0] > 0:
                break
            time.sleep(0.002)
        watch.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    db = sqlite3.connect(tmp_path / "callbox.db")
    (processed,) = db.execute("SELECT processed FROM comms_operations WHERE sid = ?",
                              (op,)).fetchone()
    db.close()
    assert 0 < processed < 10_000, f"the kill missed the fan-out ({processed} processed)"
    port = free_port()
    proc = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=(ACCOUNT_SID, AUTH_TOKEN),
                          timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                state = http.get(f"/v1/Messages/Operations/{op}").json()
                if state["status"] == "COMPLETED" or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        assert state["status"] == "COMPLETED", state
        assert state["stats"]["delivered"] == 10_000 and state["stats"]["total"] == 10_000
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    db = sqlite3.connect(tmp_path / "callbox.db")
    count, distinct = db.execute("SELECT count(*), count(DISTINCT to_addr) FROM messages "
                                 "WHERE operation_id = ?", (op,)).fetchone()
    inbox, handsets = db.execute(
        "SELECT count(*), count(DISTINCT handset) FROM sim_inbox WHERE message_sid IN "
        "(SELECT sid FROM messages WHERE operation_id = ?)", (op,)).fetchone()
    assert (count, distinct) == (10_000, 10_000)
    assert (inbox, handsets) == (10_000, 10_000)
