"""Ingest benchmark: CreateMessage throughput of callbox against two baselines.

Run from the repository root (``make bench``)::

    .venv/bin/python bench/ingest.py

Three targets are loaded one after the other, in the same run, with the same
request and the same wrk settings, so that the ratios stay meaningful on a
small, shared, noisy machine::

    (a) callbox   python -m callbox serve, SQLite in a fresh data dir
    (b) bare      bench/bare_app.py: Starlette + uvicorn, form + auth + JSON only
    (c) prism     Stoplight Prism mocking the official spec (needs node and npm)
    (d) callbox   the same on PostgreSQL at 127.0.0.1:5432, for operators (reported,
                  no target; skipped when no PostgreSQL answers)

    for each target:  start in its own process group -> wait until it answers
                      -> one checked request -> wrk warm-up -> wrk measured run
                      -> stop the process group

Only one server runs at a time. The report is a table, the ratios a/b and a/c,
PASS/FAIL against the targets (bench/report.py), and a JSON copy in
bench/results/. See bench/README.md for the settings.

Exit status: 0 when every target ran or was skipped for a stated reason (node
absent), whatever the figures; 1 when a target could not be run; 2 when the
benchmark could not start at all (no wrk, bad settings); 130 when interrupted.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

if not __package__:  # run as a script: make `bench` importable from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.harness import (
    BenchError,
    Children,
    Interrupted,
    free_port,
    log_tail,
    signals_as_exceptions,
    wait_ready,
)
from bench.loadgen import LUA_SCRIPT, WrkResult, ensure_wrk, run_wrk
from bench.report import (
    TargetResult,
    build_checks,
    git_commit,
    machine_info,
    print_report,
    tool_version,
    write_json,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PRISM_DIR = BENCH_DIR / ".prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
# 5.14.2 is the newest 5.x whose engines accept Node 18/20 (5.15 wants Node >= 24).
PRISM_VERSION = os.environ.get("BENCH_PRISM_VERSION", "5.14.2")

MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"
FORM_BODY = (
    "To=%2B15558675310&From=%2B15005550006&Body=Hello+from+the+bench"
    "&StatusCallback=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
)


@dataclass
class Settings:
    seconds: int
    warmup: int
    connections: int
    threads: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def number(name: str, default: int, minimum: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise BenchError(f"{name}={raw!r} is not a whole number") from None
            if value < minimum:
                raise BenchError(f"{name}={value} must be at least {minimum}")
            return value

        settings = cls(
            seconds=number("BENCH_SECONDS", 10, 1),
            warmup=number("BENCH_WARMUP", 3, 0),
            connections=number("BENCH_CONNECTIONS", 64, 1),
            threads=number("BENCH_THREADS", 2, 1),
        )
        if settings.threads > settings.connections:
            raise BenchError("BENCH_THREADS must not exceed BENCH_CONNECTIONS")
        return settings


@dataclass
class Credentials:
    account_sid: str
    auth_token: str

    @classmethod
    def fresh(cls) -> Credentials:
        return cls("AC" + secrets.token_hex(16), secrets.token_hex(16))

    @property
    def authorization(self) -> str:
        pair = f"{self.account_sid}:{self.auth_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def server_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CALLBOX_ACCOUNT_SID": self.account_sid,
            "CALLBOX_AUTH_TOKEN": self.auth_token,
            "CALLBOX_LOG_LEVEL": "warning",
        }


@dataclass
class Target:
    """How to start one server and how to tell that it is up."""

    argv: list[str]
    env: dict[str, str]
    port: int
    ready_path: str
    ready: Callable[[int], bool]


def _is_200(status: int) -> bool:
    return status == 200


def _any_answer(status: int) -> bool:
    return True


def callbox_target(port: int, data_dir: Path, creds: Credentials) -> Target:
    argv = [sys.executable, "-m", "callbox", "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--data-dir", str(data_dir)]
    return Target(argv, creds.server_env(), port, "/health", _is_200)


def postgres_database() -> tuple[str, Callable[[], None]] | None:
    """A fresh database on the PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres) and
    a function that drops it; None when no such server answers or psql is missing."""
    psql = shutil.which("psql")
    if psql is None:
        return None
    name = f"callbox_bench_{secrets.token_hex(6)}"
    base = [psql, "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    try:
        subprocess.run([*base, f"CREATE DATABASE {name}"], check=True, capture_output=True,
                       timeout=30)
    except (subprocess.SubprocessError, OSError):
        return None

    def drop() -> None:
        subprocess.run([*base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       capture_output=True, timeout=30)

    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", drop


def bare_target(port: int, creds: Credentials) -> Target:
    argv = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    argv += ["--loop", "uvloop", "--http", "httptools"]
    return Target(argv, creds.server_env(), port, "/health", _is_200)


def prism_target(port: int, prism: Path, spec: Path, log_level: str) -> Target:
    argv = [str(prism), "mock", "-p", str(port), "-h", "127.0.0.1", "-v", log_level, str(spec)]
    # Prism has no health route: any HTTP answer (404 for "/") means it listens.
    return Target(argv, dict(os.environ), port, "/", _any_answer)


def prism_setup(children: Children, result: TargetResult) -> tuple[Path, Path] | None:
    """Return (prism binary, spec), or None with result marked skipped or failed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if not p)
        result.status = "skipped"
        result.reason = f"{missing} not on PATH"
        return None
    shared = Path(os.environ.get("CALLBOX_SHARED") or REPO_ROOT.parent / "shared")
    spec = shared / "reference" / "twilio_api_v2010.json"
    if not spec.is_file():
        result.status = "failed"
        result.reason = f"spec not found: {spec} (set CALLBOX_SHARED to the shared/ folder)"
        return None
    if not PRISM_BIN.exists():
        package = f"@stoplight/prism-cli@{PRISM_VERSION}"
        print(f"  installing {package} into {PRISM_DIR} ...", flush=True)
        install = children.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PRISM_DIR), package],
            timeout=300,
        )
        if install.returncode != 0 or not PRISM_BIN.exists():
            result.status = "failed"
            result.reason = "npm install of Prism failed: " + install.stderr.strip()[-1500:]
            return None
    return PRISM_BIN, spec


def prism_version() -> str | None:
    package = PRISM_DIR / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def check_request(url: str, creds: Credentials, result: TargetResult) -> None:
    """One request before the load: the figures mean little if this is not a 201."""
    with httpx.Client(timeout=10.0) as client:
        response = client.post(
            url,
            content=FORM_BODY.encode(),
            headers={
                "Authorization": creds.authorization,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
    result.check_status = response.status_code
    result.response_bytes = len(response.content)
    if response.status_code == 201:
        print(f"  check request: 201, {result.response_bytes} bytes of JSON", flush=True)
        return
    note = (
        f"WARNING: check request got HTTP {response.status_code}, expected 201: "
        f"{response.text[:300]!r}"
    )
    result.notes.append(note)
    print("  " + note, flush=True)


def measure(
    target: Target,
    result: TargetResult,
    children: Children,
    wrk: str,
    settings: Settings,
    creds: Credentials,
) -> None:
    base = f"http://127.0.0.1:{target.port}"
    url = base + MESSAGES_PATH.format(sid=creds.account_sid)
    proc, log_path = children.start(result.key, target.argv, target.env)

    def load(seconds: int) -> WrkResult:
        return run_wrk(
            children,
            wrk,
            url=url,
            auth=creds.authorization,
            body=FORM_BODY,
            threads=settings.threads,
            connections=settings.connections,
            seconds=seconds,
        )

    try:
        result.startup_s = wait_ready(
            proc, log_path, base + target.ready_path, target.ready, result.name
        )
        print(f"  up after {result.startup_s:.1f} s", flush=True)
        check_request(url, creds, result)
        if settings.warmup:
            print(f"  warm-up {settings.warmup} s ...", flush=True)
            result.warmup_errors = load(settings.warmup).errors
        print(f"  measuring {settings.seconds} s ...", flush=True)
        result.wrk = w = load(settings.seconds)
        if proc.poll() is not None:
            raise BenchError(
                f"{result.name} exited (status {proc.returncode}) during the run\n"
                f"  last lines of {log_path.name}:\n{log_tail(log_path)}"
            )
        result.status = "ok"
        print(
            f"  {w.requests_per_sec:,.0f} req/s, p50 {w.latency_ms.get('50', 0.0):.2f} ms, "
            f"p99 {w.latency_ms.get('99', 0.0):.2f} ms, errors {w.errors}",
            flush=True,
        )
    finally:
        children.stop(proc)


def run_targets(
    results: dict[str, TargetResult],
    children: Children,
    work: Path,
    settings: Settings,
    creds: Credentials,
    info: dict[str, object],
) -> None:
    wrk = ensure_wrk(children)
    info["wrk"] = tool_version([wrk, "-v"])
    print(
        f"ingest benchmark: {settings.seconds} s measured after {settings.warmup} s warm-up "
        f"per target, wrk -t{settings.threads} -c{settings.connections}; "
        f"load average at start {info.get('loadavg_at_start')}",
        flush=True,
    )
    for key, result in results.items():
        print(f"\n({key}) {result.name}", flush=True)
        port = free_port()
        try:
            if key == "a":
                data_dir = work / "callbox-data"
                data_dir.mkdir()
                target = callbox_target(port, data_dir, creds)
                target.env["CALLBOX_WORKERS"] = "false"  # ingest only: see bench/pipeline.py
            elif key == "d":
                database = postgres_database()
                if database is None:
                    result.status = "skipped"
                    result.reason = "no PostgreSQL answering on 127.0.0.1:5432 (or no psql)"
                    print(f"  {result.status}: {result.reason}", flush=True)
                    continue
                url, drop = database
                data_dir = work / "callbox-pg-data"
                data_dir.mkdir()
                target = callbox_target(port, data_dir, creds)
                target.env["CALLBOX_DATABASE_URL"] = url
                target.env["CALLBOX_WORKERS"] = "false"
                try:
                    measure(target, result, children, wrk, settings, creds)
                finally:
                    drop()
                continue
            elif key == "b":
                target = bare_target(port, creds)
            else:
                setup = prism_setup(children, result)
                if setup is None:
                    print(f"  {result.status}: {result.reason}", flush=True)
                    continue
                # Prism as users run it (`prism mock spec.json`): its default log level.
                log_level = os.environ.get("BENCH_PRISM_LOG", "info")
                info.update(
                    prism=prism_version(),
                    prism_log_level=log_level,
                    node=tool_version(["node", "--version"]),
                )
                target = prism_target(port, *setup, log_level)
            measure(target, result, children, wrk, settings, creds)
        except BenchError as exc:
            result.status = "failed"
            result.reason = str(exc)
            print(f"  FAILED: {exc}", flush=True)


def main() -> int:
    try:
        settings = Settings.from_env(os.environ)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if not LUA_SCRIPT.is_file():
        print(f"bench: {LUA_SCRIPT} is missing", file=sys.stderr)
        return 2

    creds = Credentials.fresh()
    info = machine_info()
    results = {
        "a": TargetResult("a", "callbox (sqlite)"),
        "d": TargetResult("d", "callbox (postgresql)"),
        "b": TargetResult("b", "bare starlette"),
        "c": TargetResult("c", "prism mock"),
    }
    work = Path(tempfile.mkdtemp(prefix="callbox-bench-"))
    children = Children(log_dir=work, cwd=REPO_ROOT)
    try:
        with signals_as_exceptions():
            run_targets(results, children, work, settings, creds, info)
    except (KeyboardInterrupt, Interrupted) as exc:
        print(
            f"\nbench: interrupted ({type(exc).__name__} {exc}); children stopped", file=sys.stderr
        )
        return 130
    except BenchError as exc:  # from ensure_wrk: nothing could be measured
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        children.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    checks = build_checks(results)
    print_report(
        f"ingest: POST {MESSAGES_PATH.format(sid='<sid>')}, wrk -t{settings.threads} "
        f"-c{settings.connections}, warm-up {settings.warmup} s, measured {settings.seconds} s",
        results,
        checks,
    )
    payload = {
        "git_commit": git_commit(REPO_ROOT),
        "settings": asdict(settings),
        "request": {"method": "POST", "path": MESSAGES_PATH, "body": FORM_BODY},
        "machine": info,
    }
    path = write_json(RESULTS_DIR, payload, checks, results)
    print(f"\nresults written to {path.relative_to(REPO_ROOT)}", flush=True)
    failed = [r for r in results.values() if r.status == "failed"]
    if failed:
        print("could not run: " + ", ".join(f"({r.key}) {r.name}" for r in failed), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
