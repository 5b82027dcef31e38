"""Finished jobs do not pile up: the runner deletes done and canceled jobs once they are
older than the retention (CALLBOX_JOB_RETENTION_HOURS), in batches between claims; failed,
pending and running jobs are kept. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from callbox.core.clock import FrozenClock, to_micros
from callbox.core.entities import Job
from callbox.core.jobs import Changes, JobChange
from callbox.core.sids import RandomSids
from callbox.store.sql import schema as t
from callbox.store.sql.engine import create_engine, migrate, sqlite_url
from callbox.store.sql.jobs import job_row
from callbox.store.sql.store import SqlStore
from callbox.store.sql.writer import Insert
from callbox.workers.runner import Runner
from tests.support.stores import backend_url, open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
OLD = NOW - timedelta(hours=30)
sids = RandomSids()


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def store(url: str) -> AsyncIterator[SqlStore]:
    async with open_store(url) as store:
        yield store


async def _jobs(store: SqlStore, spec: list[tuple[str, datetime]], kind: str = "test.noop"
                ) -> dict[str, tuple[str, datetime]]:
    made = {}
    for status, run_at in spec:
        job = Job(sid=sids("JB"), kind=kind, account_sid="AC" + "1" * 32,
                  resource_sid="SM" + "2" * 32, payload={}, run_at=run_at,
                  idempotency_key=sids("JB"), date_created=run_at, status=status)
        await store.writer.write(Insert(t.jobs, job_row(job)))
        made[job.sid] = (status, run_at)
    return made


async def _left(store: SqlStore) -> set[str]:
    async with store.engine.connect() as conn:
        return {row[0] for row in await conn.execute(sa.select(t.jobs.c.sid))}


SPEC = [("done", OLD), ("done", OLD), ("canceled", OLD), ("failed", OLD), ("pending", OLD),
        ("running", OLD), ("done", NOW), ("canceled", NOW - timedelta(hours=1))]


async def test_prune_deletes_only_old_finished_jobs_in_batches(store: SqlStore) -> None:
    made = await _jobs(store, SPEC)
    cutoff = NOW - timedelta(hours=24)
    assert await store.prune_jobs(cutoff, limit=2) == 2
    assert await store.prune_jobs(cutoff, limit=2) == 1
    assert await store.prune_jobs(cutoff, limit=2) == 0
    kept = {made[sid] for sid in await _left(store)}
    assert kept == {("failed", OLD), ("pending", OLD), ("running", OLD), ("done", NOW),
                    ("canceled", NOW - timedelta(hours=1))}


async def test_the_prune_query_uses_the_due_index(tmp_path: Path) -> None:
    """The batch is found through ix_jobs_due (status, run_at), not a scan of every job."""
    engine = create_engine(sqlite_url(tmp_path / "plan.db"))
    await migrate(engine)
    c = t.jobs.c
    stmt = sa.select(c.sid).where(c.status.in_(("done", "canceled")),
                                  c.run_at < to_micros(NOW)).limit(5000)
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        plan = " ".join(r[-1] for r in (await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql)).fetchall())
    await engine.dispose()
    assert "ix_jobs_due" in plan and "SCAN jobs" not in plan, plan


async def test_the_runner_prunes_between_claims_and_still_runs_jobs(store: SqlStore) -> None:
    made = await _jobs(store, SPEC * 3)
    ran: list[str] = []

    async def handler(jobs: list[Job]) -> None:
        ran.extend(j.sid for j in jobs)
        await store.apply(Changes(jobs=[JobChange(j.sid, "done", NOW) for j in jobs]))

    due = await _jobs(store, [("pending", NOW)] * 2, kind="test.due")
    runner = Runner(store, FrozenClock(NOW), {"test.due": handler, "test.noop": handler},
                    retention=timedelta(hours=24), prune_every=60, prune_batch=2)
    await runner.start()
    try:
        for _ in range(500):  # up to 10 s on a busy machine
            left = await _left(store)
            if not any(made.get(s, ("", NOW))[0] in ("done", "canceled")
                       and made[s][1] == OLD for s in left):
                break
            await asyncio.sleep(0.02)
    finally:
        await runner.stop()
    old_finished = [s for s, (status, at) in made.items()
                    if status in ("done", "canceled") and at == OLD]
    assert len(old_finished) == 9
    assert not set(old_finished) & await _left(store)
    assert set(due) <= set(ran)  # claiming went on (the old pending jobs ran too)
    assert {s for s, (status, _) in made.items() if status == "failed"} <= await _left(store)

