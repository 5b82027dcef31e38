"""wrk as the load generator: find or install it, run it with bench/post.lua, read its report."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.harness import BenchError, Children

__all__ = ["LUA_SCRIPT", "WrkResult", "ensure_wrk", "parse_wrk", "run_wrk"]

LUA_SCRIPT = Path(__file__).resolve().parent / "post.lua"


@dataclass
class WrkResult:
    requests_per_sec: float
    requests: int
    latency_avg_ms: float | None
    latency_ms: dict[str, float]  # "50", "75", "90", "99"
    non_2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


def ensure_wrk(children: Children) -> str:
    """Path of wrk; installs the Debian package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError(
            "wrk is not on PATH. Install it (Debian/Ubuntu: apt-get install -y wrk) and rerun."
        )
    print("wrk not found; installing the Debian package (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = children.run(["apt-get", "install", "-y", "wrk"], timeout=300, env=env)
    if result.returncode != 0:
        children.run(["apt-get", "update"], timeout=300, env=env)
        result = children.run(["apt-get", "install", "-y", "wrk"], timeout=300, env=env)
    found = shutil.which("wrk")
    if result.returncode != 0 or not found:
        raise BenchError(
            "wrk is not on PATH and 'apt-get install -y wrk' failed:\n" + result.stderr[-2000:]
        )
    return found


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([\d.]+)(us|ms|s|m|h)"


def _ms(value: str, unit: str) -> float:
    return round(float(value) * _TIME_UNITS_MS[unit], 3)


def parse_wrk(output: str) -> WrkResult:
    """Parse the text wrk --latency prints (wrk 4.x)."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if not rps or not total:
        raise BenchError("could not read wrk's output:\n" + output)
    avg = re.search(r"^\s*Latency\s+" + _TIME, output, re.MULTILINE)
    latency = {
        m.group(1): _ms(m.group(2), m.group(3))
        for m in re.finditer(r"^\s*(50|75|90|99)%\s+" + _TIME, output, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True))
        if sock
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    return WrkResult(
        requests_per_sec=float(rps.group(1)),
        requests=int(total.group(1)),
        latency_avg_ms=_ms(avg.group(1), avg.group(2)) if avg else None,
        latency_ms=latency,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
    )


def run_wrk(
    children: Children,
    wrk: str,
    *,
    url: str,
    auth: str,
    body: str,
    threads: int,
    connections: int,
    seconds: int,
) -> WrkResult:
    """POST body to url with the Authorization header auth, for seconds."""
    path = urlsplit(url).path or "/"
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    env = {**os.environ, "BENCH_AUTH": auth, "BENCH_BODY": body, "BENCH_PATH": path}
    result = children.run(argv, timeout=seconds + 30, env=env)
    if result.returncode != 0:
        raise BenchError(f"wrk exited with status {result.returncode}:\n{result.stderr}")
    return parse_wrk(result.stdout)
