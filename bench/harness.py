"""Child processes for the benchmarks: own process groups, readiness, guaranteed cleanup.

    Children.start(name, argv) -> Popen   a server, output to <log_dir>/<name>.log
    Children.run(argv, timeout)           a command to completion, output captured
    Children.stop(proc) / stop_all()      SIGTERM the process group, then SIGKILL

Every child gets its own session (so its own process group): a Ctrl-C at the
terminal reaches only the benchmark, whose ``finally`` then stops the groups.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "BenchError",
    "Children",
    "Interrupted",
    "free_port",
    "log_tail",
    "signals_as_exceptions",
    "wait_ready",
]

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


class BenchError(Exception):
    """A target (or the whole benchmark) could not be run; the message says why."""


class Interrupted(BaseException):
    """SIGTERM/SIGHUP, raised like KeyboardInterrupt so that cleanup runs."""


class Children:
    """Every child runs in its own process group (session) and is killed on exit."""

    def __init__(self, log_dir: Path, cwd: Path) -> None:
        self.log_dir = log_dir
        self.cwd = cwd
        self._procs: list[subprocess.Popen[Any]] = []

    def start(
        self, name: str, argv: list[str], env: Mapping[str, str] | None = None
    ) -> tuple[subprocess.Popen[bytes], Path]:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._procs.append(proc)
        return proc, log_path

    def run(
        self, argv: list[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run to completion, output captured; killed with its group on timeout."""
        proc = subprocess.Popen(
            argv,
            cwd=self.cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._procs.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{argv[0]} did not finish within {timeout:.0f} s") from None
        finally:
            self.stop(proc)
        return subprocess.CompletedProcess(argv, proc.returncode, out, err)

    def stop(self, proc: subprocess.Popen[Any]) -> None:
        if proc not in self._procs:
            return  # already stopped
        self._procs.remove(proc)
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
            try:
                os.killpg(proc.pid, sig)  # pgid == pid: start_new_session
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; make sure nothing it forked lingers in the group.
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            break
        if proc.poll() is None:
            print(f"bench: warning: pid {proc.pid} did not exit after SIGKILL", file=sys.stderr)

    def stop_all(self) -> None:
        for proc in list(reversed(self._procs)):
            self.stop(proc)


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").rstrip()
    except OSError:
        return "(no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join("    | " + line for line in tail) if tail else "    | (log is empty)"


def wait_ready(
    proc: subprocess.Popen[bytes],
    log_path: Path,
    url: str,
    ok: Callable[[int], bool],
    what: str,
) -> float:
    """Poll url until ok(status); return seconds taken. Fail fast if proc exits."""
    started = time.monotonic()
    deadline = started + READY_TIMEOUT
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            code = proc.poll()
            if code is not None:
                raise BenchError(
                    f"{what} exited with status {code} before answering {url}\n"
                    f"  last lines of {log_path.name}:\n{log_tail(log_path)}"
                )
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            else:
                if ok(response.status_code):
                    return time.monotonic() - started
                last = f"HTTP {response.status_code}"
            time.sleep(0.2)
    raise BenchError(
        f"{what} did not answer {url} within {READY_TIMEOUT:.0f} s (last: {last})\n"
        f"  last lines of {log_path.name}:\n{log_tail(log_path)}"
    )
