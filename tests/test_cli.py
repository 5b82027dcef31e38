"""`python -m callbox serve` as a user runs it: a real process on a real port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.server import free_port

SID_LINE = re.compile(r"Account SID\s+(AC[0-9a-f]{32})")
TOKEN_LINE = re.compile(r"Auth Token\s+(\S+)")
FIXED_SID = "AC" + "5" * 32
FIXED_TOKEN = "a1" * 16


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOX_")}
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONUNBUFFERED="1", **extra)
    return env


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.output)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def credentials(self) -> tuple[str, str]:
        sid, token = SID_LINE.search(self.text), TOKEN_LINE.search(self.text)
        assert sid and token, self.text
        return sid.group(1), token.group(1)

    def terminate(self, within: float = 10.0) -> float:
        """SIGTERM; return how long the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"callbox did not stop within {within}s of SIGTERM") from None
        return time.monotonic() - started


@contextmanager
def serve(args: list[str], env: dict[str, str], port: int) -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "callbox", "serve", *args], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    served = Served(proc, port)
    assert proc.stdout is not None
    stream = proc.stdout
    reader = threading.Thread(target=lambda: served.output.extend(iter(stream.readline, "")),
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not (SID_LINE.search(served.text) and TOKEN_LINE.search(served.text)):
            assert proc.poll() is None, f"callbox exited early:\n{served.text}"
            assert time.monotonic() < deadline, f"no credentials printed:\n{served.text}"
            time.sleep(0.05)
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)


def help_text() -> str:
    result = subprocess.run([sys.executable, "-m", "callbox", "serve", "--help"],
                            env=clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_serve_help_lists_options() -> None:
    out = help_text()
    for option in ("--host", "--port", "--data-dir", "--database-url"):
        assert option in out, out


def test_serve_help_names_the_environment_variables() -> None:
    """The options' help text says "[env CALLBOX_PORT]" etc.; the help must show it."""
    out = help_text()
    for var in ("CALLBOX_HOST", "CALLBOX_PORT", "CALLBOX_DATA_DIR", "CALLBOX_DATABASE_URL"):
        assert var in out, f"{var} missing from --help:\n{out}"


def test_serve_generates_persists_and_stops_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    args = ["--port", str(port), "--data-dir", str(data_dir)]
    with serve(args, clean_env(), port) as first:
        sid, token = first.credentials()
        assert token and token != FIXED_TOKEN
        assert f"127.0.0.1:{port}" in first.text

        health = httpx.get(f"{first.base_url}/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # the printed credentials work
        me = httpx.get(f"{first.base_url}/2010-04-01/Accounts/{sid}.json", auth=(sid, token),
                       timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["sid"] == sid
        wrong = httpx.get(f"{first.base_url}/2010-04-01/Accounts/{sid}.json",
                          auth=(sid, token + "x"), timeout=10)
        assert wrong.status_code == 401

        took = first.terminate()
        assert took < 10
        assert first.proc.returncode in (0, -signal.SIGTERM), first.text
    assert (data_dir / "callbox.db").is_file()

    port2 = free_port()
    with serve(["--port", str(port2), "--data-dir", str(data_dir)], clean_env(), port2) as again:
        assert again.credentials() == (sid, token), again.text
        r = httpx.get(f"{again.base_url}/2010-04-01/Accounts/{sid}.json", auth=(sid, token),
                      timeout=10)
        assert r.status_code == 200
        again.terminate()


def test_env_fixes_credentials_and_port(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(CALLBOX_ACCOUNT_SID=FIXED_SID, CALLBOX_AUTH_TOKEN=FIXED_TOKEN,
                    CALLBOX_PORT=str(port))
    with serve(["--data-dir", str(tmp_path)], env, port) as served:
        assert served.credentials() == (FIXED_SID, FIXED_TOKEN)
        assert f"127.0.0.1:{port}" in served.text
        assert httpx.get(f"{served.base_url}/health", timeout=10).status_code == 200
        r = httpx.get(f"{served.base_url}/2010-04-01/Accounts/{FIXED_SID}.json",
                      auth=(FIXED_SID, FIXED_TOKEN), timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["auth_token"] == FIXED_TOKEN
        served.terminate()
