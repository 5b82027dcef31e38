"""Bulk benchmark: one POST /v1/Messages to 10,000 recipients on the embedded default
(SQLite, in-process workers, the simulated carrier with latencies of 0, pacing off).

Run from the repository root (``make bench-bulk``)::

    .venv/bin/python bench/bulk.py

Measured per round (BENCH_ROUNDS, default 3; one warm-up send of 100 recipients first):

    accept     time from sending the request to the 202 (client side, keep-alive)
    completed  time from sending the request until GET /v1/Messages/Operations/{id}
               says COMPLETED (polled every 10 ms): every recipient's message delivered
               by the simulated carrier

Baseline in the same run, same machine, same moment: a bare Starlette app (below, `bare`)
that checks Basic auth, parses the same 10,000-recipient JSON body and answers 202 with
no validation, storage or work. accept / bare is the cost of what callbox adds to the
202 (validation, the operation row with its recipients, its fan-out job, one commit).
Targets: accept <= 250 ms, completed <= 3 s. The report says PASS or FAIL, and a JSON
copy goes to bench/results/. BENCH_DATABASE=postgres runs callbox on a fresh database of
the PostgreSQL at 127.0.0.1:5432 instead (the operator's store; the targets are for the
embedded default).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.harness import BenchError, Children, free_port, signals_as_exceptions, wait_ready
from bench.ingest import Credentials, callbox_target, postgres_database
from bench.report import git_commit, machine_info

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
RECIPIENTS = 10_000
TARGET_ACCEPT_MS = 250.0
TARGET_COMPLETED_S = 3.0
SENDER = "+15005550006"


async def _bare_send(request: Request) -> Response:
    if not request.headers.get("authorization", "").startswith("Basic "):
        return Response(status_code=401)
    body = orjson.loads(await request.body())
    count = len(body["to"])
    return Response(orjson.dumps({"id": "comms_operation_0", "status": "PROCESSING",
                                  "stats": {"recipients": count}}),
                    status_code=202, media_type="application/json")


bare = Starlette(routes=[Route("/v1/Messages", _bare_send, methods=["POST"]),
                         Route("/health", lambda r: Response("ok"), methods=["GET"])])


def _body(n: int, offset: int) -> bytes:
    to = [{"address": f"+1{2000000000 + offset + i}", "channel": "PHONE"} for i in range(n)]
    return orjson.dumps({"from": {"address": SENDER, "channel": "SMS"}, "to": to,
                         "content": {"text": "Your order has shipped. Reply STOP to opt out."}})


def _send(http: httpx.Client, body: bytes) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    r = http.post("/v1/Messages", content=body, headers={"content-type": "application/json"})
    return time.perf_counter() - started, r


def _round(http: httpx.Client, body: bytes, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    accept, r = _send(http, body)
    if r.status_code != 202:
        raise BenchError(f"POST /v1/Messages answered {r.status_code}: {r.text[:300]}")
    op = r.json()["id"]
    deadline = started + timeout
    polls = 0
    while True:
        state = http.get(f"/v1/Messages/Operations/{op}").json()
        polls += 1
        if state["status"] == "COMPLETED":
            completed = time.perf_counter() - started
            break
        if time.perf_counter() > deadline:
            raise BenchError(f"operation {op} not COMPLETED after {timeout:.0f} s: {state}")
        time.sleep(0.01)
    stats = state["stats"]
    if stats["delivered"] != RECIPIENTS:
        raise BenchError(f"expected {RECIPIENTS} delivered, got {stats}")
    return {"accept_ms": accept * 1000, "completed_s": completed, "polls": polls,
            "msg_s": RECIPIENTS / completed}


def _bare_rounds(children: Children, creds: Credentials, bodies: list[bytes]) -> list[float]:
    port = free_port()
    proc, log = children.start("bare", [sys.executable, "-m", "uvicorn", "bench.bulk:bare",
                                        "--port", str(port), "--loop", "uvloop", "--http",
                                        "httptools", "--log-level", "warning"])
    try:
        wait_ready(proc, log, f"http://127.0.0.1:{port}/health", lambda s: s == 200, "bare")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          auth=(creds.account_sid, creds.auth_token)) as http:
            _send(http, bodies[0])
            return [_send(http, b)[0] * 1000 for b in bodies]
    finally:
        children.stop(proc)


def main() -> int:
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    timeout = float(os.environ.get("BENCH_COMPLETED_TIMEOUT", "60"))
    creds = Credentials.fresh()
    info = machine_info()
    work = Path(tempfile.mkdtemp(prefix="callbox-bulk-"))
    children = Children(log_dir=work, cwd=REPO_ROOT)
    bodies = [_body(RECIPIENTS, (r + 1) * 100_000) for r in range(rounds)]
    results: list[dict[str, Any]] = []
    drop = None
    database = "sqlite"
    if os.environ.get("BENCH_DATABASE") == "postgres":
        found = postgres_database()
        if found is None:
            print("bench: no PostgreSQL answers on 127.0.0.1:5432", file=sys.stderr)
            return 2
        database_url, drop = found
        database = "postgres"
    try:
        with signals_as_exceptions():
            print(f"bulk benchmark ({database}): {rounds} x POST /v1/Messages to {RECIPIENTS:,} recipients; "
                  f"load average {info.get('loadavg_at_start')}", flush=True)
            port = free_port()
            data = work / "data"
            data.mkdir()
            target = callbox_target(port, data, creds)
            if drop is not None:
                target.env["CALLBOX_DATABASE_URL"] = database_url
            proc, log = children.start("callbox", target.argv, target.env)
            try:
                wait_ready(proc, log, f"http://127.0.0.1:{port}/health", lambda s: s == 200,
                           "callbox")
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                  auth=(creds.account_sid, creds.auth_token)) as http:
                    warm = _body(100, 0)
                    _, r = _send(http, warm)
                    if r.status_code != 202:
                        raise BenchError(f"warm-up answered {r.status_code}: {r.text[:300]}")
                    time.sleep(1.0)
                    for i, body in enumerate(bodies):
                        res = _round(http, body, timeout)
                        results.append(res)
                        print(f"  round {i + 1}: 202 in {res['accept_ms']:.0f} ms, COMPLETED "
                              f"in {res['completed_s']:.2f} s ({res['msg_s']:,.0f} msg/s)",
                              flush=True)
                        time.sleep(0.5)
            finally:
                children.stop(proc)
            bare_ms = _bare_rounds(children, creds, bodies)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        children.stop_all()
        shutil.rmtree(work, ignore_errors=True)
        if drop is not None:
            drop()
    accept = statistics.median(r["accept_ms"] for r in results)
    worst_accept = max(r["accept_ms"] for r in results)
    completed = statistics.median(r["completed_s"] for r in results)
    worst_completed = max(r["completed_s"] for r in results)
    bare_median = statistics.median(bare_ms)
    ok = worst_accept <= TARGET_ACCEPT_MS and worst_completed <= TARGET_COMPLETED_S
    verdict = "PASS" if ok else "FAIL"
    print(f"\n202: median {accept:.0f} ms, worst {worst_accept:.0f} ms (target <= "
          f"{TARGET_ACCEPT_MS:.0f}); bare Starlette parse+202 median {bare_median:.0f} ms; "
          f"ratio {accept / bare_median:.1f}")
    print(f"COMPLETED: median {completed:.2f} s, worst {worst_completed:.2f} s (target <= "
          f"{TARGET_COMPLETED_S:.0f} s); {RECIPIENTS / completed:,.0f} msg/s. {verdict}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"bulk-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"git_commit": git_commit(REPO_ROOT), "machine": info,
                               "database": database,
                               "rounds": results, "bare_ms": bare_ms, "verdict": verdict},
                              indent=2))
    print(f"results written to {out.relative_to(REPO_ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
