"""Pipeline benchmark: messages per second from POST to the `delivered` status callback
received by a local receiver, on the embedded default (SQLite, in-process workers, the
simulated carrier with its default latencies of 0 ms, pacing off).

Run from the repository root (``make bench-pipeline``)::

    .venv/bin/python bench/pipeline.py

Two phases in the same run, one server at a time, so the ratio is meaningful on a
small, shared, noisy machine::

    (i)  ingest   callbox with CALLBOX_WORKERS=false: CreateMessage only (the foundation
                  benchmark's figure), wrk warm-up then a measured run
    (p)  pipeline callbox with workers: wrk POSTs messages whose StatusCallback is
                  bench/receiver.py for BENCH_SECONDS; then the run waits until every
                  accepted message's `delivered` callback has arrived (at most
                  BENCH_DRAIN_TIMEOUT s)

    end-to-end msg/s = accepted messages / (last delivered callback - start of load)

Every message gets three callbacks (sending, sent, delivered), all signed, all logged
as webhook attempts in the database. Settings: BENCH_SECONDS (10), BENCH_WARMUP (3),
BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_DRAIN_TIMEOUT (120). The target is
>= 5,000 msg/s end to end; the report says PASS or FAIL and why, and a JSON copy goes
to bench/results/.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.harness import BenchError, Children, free_port, signals_as_exceptions, wait_ready
from bench.ingest import FORM_BODY, MESSAGES_PATH, Credentials, Settings, callbox_target
from bench.loadgen import ensure_wrk, run_wrk
from bench.report import git_commit, machine_info

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
TARGET_MSG_S = 5000.0


def _stats(port: int) -> dict[str, float]:
    return httpx.get(f"http://127.0.0.1:{port}/stats", timeout=5).json()  # type: ignore[no-any-return]


def _ingest(children: Children, wrk: str, work: Path, settings: Settings,
            creds: Credentials) -> dict[str, float]:
    port = free_port()
    data = work / "ingest-data"
    data.mkdir()
    target = callbox_target(port, data, creds)
    target.env["CALLBOX_WORKERS"] = "false"
    proc, log = children.start("ingest", target.argv, target.env)
    try:
        wait_ready(proc, log, f"http://127.0.0.1:{port}/health", lambda s: s == 200, "callbox")
        url = f"http://127.0.0.1:{port}" + MESSAGES_PATH.format(sid=creds.account_sid)
        kwargs = dict(url=url, auth=creds.authorization, body=FORM_BODY,
                      threads=settings.threads, connections=settings.connections)
        if settings.warmup:
            run_wrk(children, wrk, seconds=settings.warmup, **kwargs)  # type: ignore[arg-type]
        w = run_wrk(children, wrk, seconds=settings.seconds, **kwargs)  # type: ignore[arg-type]
        return {"req_s": w.requests_per_sec, "p99_ms": w.latency_ms.get("99", 0.0),
                "errors": w.errors}
    finally:
        children.stop(proc)


def _pipeline(children: Children, wrk: str, work: Path, settings: Settings,
              creds: Credentials, drain_timeout: float) -> dict[str, float]:
    rport = free_port()
    receiver, rlog = children.start("receiver", [sys.executable, str(BENCH_DIR / "receiver.py"),
                                                 str(rport)])
    port = free_port()
    data = work / "pipeline-data"
    data.mkdir()
    target = callbox_target(port, data, creds)
    proc, log = children.start("pipeline", target.argv, target.env)
    try:
        wait_ready(receiver, rlog, f"http://127.0.0.1:{rport}/stats", lambda s: s == 200,
                   "receiver")
        wait_ready(proc, log, f"http://127.0.0.1:{port}/health", lambda s: s == 200, "callbox")
        url = f"http://127.0.0.1:{port}" + MESSAGES_PATH.format(sid=creds.account_sid)
        callback = quote(f"http://127.0.0.1:{rport}/cb", safe="")
        body = ("To=%2B15558675310&From=%2B15005550006&Body=Hello+from+the+bench"
                f"&StatusCallback={callback}")
        started = time.time()
        w = run_wrk(children, wrk, url=url, auth=creds.authorization, body=body,
                    threads=settings.threads, connections=settings.connections,
                    seconds=settings.seconds)
        load_end = time.time()
        accepted = w.requests - w.non_2xx
        at_load_end = _stats(rport)["delivered"]
        deadline = time.monotonic() + drain_timeout
        stats = _stats(rport)
        while stats["delivered"] < accepted and time.monotonic() < deadline:
            time.sleep(0.2)
            stats = _stats(rport)
        if stats["delivered"] < accepted:
            raise BenchError(f"only {stats['delivered']:.0f} of {accepted} delivered "
                             f"callbacks within {drain_timeout:.0f} s of the end of the load")
        elapsed = stats["last"] - started
        return {
            "accepted": accepted,
            "ingest_req_s_during_pipeline": w.requests_per_sec,
            "post_p99_ms": w.latency_ms.get("99", 0.0),
            "post_errors": w.errors,
            "delivered_during_load": at_load_end,
            "drain_s": stats["last"] - load_end,
            "callbacks": stats["requests"],
            "end_to_end_msg_s": accepted / elapsed,
        }
    finally:
        children.stop(proc)
        children.stop(receiver)


def main() -> int:
    try:
        settings = Settings.from_env(os.environ)
        drain = float(os.environ.get("BENCH_DRAIN_TIMEOUT", "120"))
    except (BenchError, ValueError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    creds = Credentials.fresh()
    info = machine_info()
    work = Path(tempfile.mkdtemp(prefix="callbox-pipeline-"))
    children = Children(log_dir=work, cwd=REPO_ROOT)
    try:
        with signals_as_exceptions():
            wrk = ensure_wrk(children)
            print(f"pipeline benchmark: wrk -t{settings.threads} -c{settings.connections}, "
                  f"{settings.seconds} s; load average {info.get('loadavg_at_start')}",
                  flush=True)
            print("(i) ingest only (CALLBOX_WORKERS=false) ...", flush=True)
            ingest = _ingest(children, wrk, work, settings, creds)
            print(f"    {ingest['req_s']:,.0f} req/s, p99 {ingest['p99_ms']:.1f} ms", flush=True)
            print("(p) POST -> delivered callback ...", flush=True)
            pipe = _pipeline(children, wrk, work, settings, creds, drain)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        children.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    e2e = pipe["end_to_end_msg_s"]
    verdict = "PASS" if e2e >= TARGET_MSG_S else "FAIL"
    print(f"    {pipe['accepted']:,.0f} messages accepted at "
          f"{pipe['ingest_req_s_during_pipeline']:,.0f} req/s (POST p99 "
          f"{pipe['post_p99_ms']:.1f} ms); {pipe['delivered_during_load']:,.0f} delivered "
          f"during the load, the rest {pipe['drain_s']:.1f} s after it; "
          f"{pipe['callbacks']:,.0f} callbacks")
    print(f"\nend to end: {e2e:,.0f} msg/s  (target >= {TARGET_MSG_S:,.0f}: {verdict}); "
          f"ingest only {ingest['req_s']:,.0f} req/s; ratio {e2e / ingest['req_s']:.2f}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"pipeline-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"git_commit": git_commit(REPO_ROOT), "machine": info,
                               "ingest": ingest, "pipeline": pipe, "verdict": verdict},
                              indent=2))
    print(f"results written to {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
