"""Results of the ingest benchmark: the table, the checks against targets, the JSON copy."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import WrkResult

__all__ = [
    "Check",
    "TargetResult",
    "build_checks",
    "git_commit",
    "machine_info",
    "print_report",
    "tool_version",
    "write_json",
]

TARGET_AB = 0.6  # callbox req/s >= 0.6 x bare Starlette
TARGET_AC = 10.0  # callbox req/s >= 10 x Prism
TARGET_P99_MS = 25.0  # callbox p99 latency


@dataclass
class TargetResult:
    key: str
    name: str
    status: str = "not run"  # ok | skipped | failed
    reason: str = ""
    startup_s: float | None = None
    check_status: int | None = None
    response_bytes: int | None = None
    warmup_errors: int | None = None
    wrk: WrkResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def measured(self) -> WrkResult | None:
        return self.wrk if self.status == "ok" else None


@dataclass
class Check:
    name: str
    value: float | None
    goal: str
    result: str  # PASS | FAIL | N/A
    missing: str  # why value is None


def build_checks(results: dict[str, TargetResult]) -> list[Check]:
    a, b, c = (results[k].measured for k in ("a", "b", "c"))

    def check(
        name: str, value: float | None, goal: str, passed: Callable[[float], bool], *keys: str
    ) -> Check:
        if value is None:
            why = ", ".join(
                f"({k}) {results[k].status}" for k in keys if results[k].measured is None
            )
            return Check(name, None, goal, "N/A", why)
        return Check(name, round(value, 3), goal, "PASS" if passed(value) else "FAIL", "")

    return [
        check(
            "a/b req/s",
            a.requests_per_sec / b.requests_per_sec if a and b else None,
            f">= {TARGET_AB:g}",
            lambda v: v >= TARGET_AB,
            "a",
            "b",
        ),
        check(
            "a/c req/s",
            a.requests_per_sec / c.requests_per_sec if a and c else None,
            f">= {TARGET_AC:g}",
            lambda v: v >= TARGET_AC,
            "a",
            "c",
        ),
        check(
            "callbox p99 ms",
            a.latency_ms.get("99") if a else None,
            f"<= {TARGET_P99_MS:g}",
            lambda v: v <= TARGET_P99_MS,
            "a",
        ),
    ]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_report(title: str, results: dict[str, TargetResult], checks: list[Check]) -> None:
    print(f"\n{title}\n")
    header = f"{'target':<24} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>8}"
    print(header)
    print("-" * len(header))
    for r in results.values():
        label = f"({r.key}) {r.name}"
        w = r.measured
        if w:
            print(
                f"{label:<24} {w.requests_per_sec:>10,.0f} {_fmt(w.latency_ms.get('50')):>8} "
                f"{_fmt(w.latency_ms.get('99')):>8} {w.errors:>8}"
            )
        else:
            first_line = r.reason.splitlines()[0] if r.reason else ""
            print(f"{label:<24} {r.status.upper():>10}  {first_line}")
    print()
    header = f"{'check':<16} {'value':>8} {'goal':>8}  result"
    print(header)
    print("-" * len(header))
    for c in checks:
        extra = f"  ({c.missing})" if c.missing else ""
        print(f"{c.name:<16} {_fmt(c.value):>8} {c.goal:>8}  {c.result}{extra}")
    for r in results.values():
        w = r.measured
        if w and w.errors:
            print(
                f"\n({r.key}) errors: {w.non_2xx} non-2xx/3xx responses, "
                f"socket errors {w.socket_errors}"
            )
        for note in r.notes:
            print(f"({r.key}) {note}")


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    with contextlib.suppress(OSError):
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def _first_line(argv: list[str], cwd: Path | None = None, need_ok: bool = False) -> str | None:
    try:
        out = subprocess.run(
            argv,
            check=False,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            start_new_session=True,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if need_ok and out.returncode != 0:
        return None
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else None


def tool_version(argv: list[str]) -> str | None:
    """First line a tool prints about its version (wrk -v exits non-zero)."""
    return _first_line(argv)


def git_commit(repo: Path) -> str | None:
    return _first_line(["git", "rev-parse", "HEAD"], cwd=repo, need_ok=True)


def write_json(
    results_dir: Path,
    payload: dict[str, Any],
    checks: list[Check],
    results: dict[str, TargetResult],
) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results_dir.mkdir(exist_ok=True)
    path = results_dir / f"ingest-{stamp}.json"
    document = {
        "benchmark": "ingest",
        "timestamp": stamp,
        **payload,
        "targets": {
            key: {**asdict(r), "errors": r.wrk.errors if r.wrk else None}
            for key, r in results.items()
        },
        "checks": [asdict(c) for c in checks],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
