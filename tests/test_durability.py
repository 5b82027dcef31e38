"""Accepted work survives a crash: kill -9 the server right after it answered 201, start it
again on the same data directory, and every accepted message and its send job are there."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, free_port


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CALLBOX_ACCOUNT_SID": ACCOUNT_SID, "CALLBOX_AUTH_TOKEN": AUTH_TOKEN,
           "CALLBOX_LOG_LEVEL": "warning"}
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
                r = http.post(url, data={"To": "+15558675310", "From": "+15017122661",
                                         "Body": f"m{i}"})
                assert r.status_code == 201
                accepted.append(r.json()["sid"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    db = sqlite3.connect(tmp_path / "callbox.db")
    sids = {row[0] for row in db.execute("SELECT sid FROM messages")}
    jobs = {row[0] for row in db.execute(
        "SELECT resource_sid FROM jobs WHERE kind = 'message.send' AND status = 'pending'")}
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
