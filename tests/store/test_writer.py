"""The group-commit writer on a real database: batching, failure isolation, multi-step
atomicity and flush on stop; on PostgreSQL, one transaction per unit."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from callbox.core.entities import Job, Media, Message, MessageDirection, MessageStatus
from callbox.core.errors import ServiceUnavailable
from callbox.store.sql import schema as t
from callbox.store.sql.engine import create_engine, create_writer, migrate, sqlite_url
from callbox.store.sql.store import SqlStore
from callbox.store.sql.writer import Exec, GroupWriter, Insert
from tests.support.pg import postgres_database

# SQLite's writer thread hands the driver's own error back; PostgreSQL's is SQLAlchemy's.
DUPLICATE = (IntegrityError, sqlite3.IntegrityError)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
MICROS = 1_767_323_045_000_000


def sid(prefix: str) -> str:
    return prefix + os.urandom(16).hex()


def key_row(key_sid: str | None = None, account_sid: str = "AC" + "1" * 32) -> dict[str, Any]:
    return {"sid": key_sid or sid("SK"), "account_sid": account_sid, "friendly_name": "k",
            "secret_hash": "0" * 64, "date_created": MICROS, "date_updated": MICROS}


def message(account_sid: str = "AC" + "1" * 32) -> Message:
    return Message(
        sid=sid("SM"), account_sid=account_sid, to="+15558675310", from_="+15017122661",
        body="hello", status=MessageStatus.QUEUED, direction=MessageDirection.OUTBOUND_API,
        num_segments=1, num_media=1, date_created=NOW, date_updated=NOW,
    )


def job_for(msg: Message, idempotency_key: str | None = None) -> Job:
    return Job(
        sid=sid("JB"), kind="message.send", account_sid=msg.account_sid,
        resource_sid=msg.sid, payload={"v": 1, "message_sid": msg.sid}, run_at=NOW,
        idempotency_key=idempotency_key or f"message.send:{msg.sid}", date_created=NOW,
    )


def media_for(msg: Message) -> Media:
    return Media(sid("ME"), msg.account_sid, msg.sid, "https://example.com/a.png", "image/png",
                 NOW, NOW)


async def count(engine: AsyncEngine, table: sa.Table, *where: Any) -> int:
    async with engine.connect() as conn:
        stmt = sa.select(sa.func.count()).select_from(table)
        if where:
            stmt = stmt.where(*where)
        return int((await conn.execute(stmt)).scalar_one())


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "writer.db")


@pytest.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(url)
    await migrate(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def writer(url: str, engine: AsyncEngine) -> AsyncIterator[GroupWriter]:
    w = create_writer(url, engine)
    assert isinstance(w, GroupWriter)
    await w.start()
    yield w
    await w.stop()


# batching ----------------------------------------------------------------------------------------
async def test_concurrent_writes_commit_in_few_batches(engine: AsyncEngine,
                                                       writer: GroupWriter) -> None:
    rows = [key_row() for _ in range(200)]
    batches, units = writer.batches, writer.units
    results = await asyncio.gather(*(writer.write(Insert(t.api_keys, row)) for row in rows))
    assert results == [[] for _ in rows]  # Insert steps return nothing
    assert writer.units - units == 200
    used = writer.batches - batches
    assert 1 <= used < 200
    assert used <= 20, f"200 concurrent writes took {used} transactions"
    assert await count(engine, t.api_keys) == 200


async def test_exec_results_are_returned_in_order(engine: AsyncEngine,
                                                  writer: GroupWriter) -> None:
    row = key_row()

    def select_count(conn: Any) -> int:
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(t.api_keys)).scalar_one())

    # an Exec sees the Inserts queued before it in the same unit
    results = await writer.write(Exec(select_count), Insert(t.api_keys, row), Exec(select_count))
    assert results == [0, 1]


# failure isolation ---------------------------------------------------------------------------------
async def test_failing_unit_fails_alone(engine: AsyncEngine, writer: GroupWriter) -> None:
    taken = key_row()
    await writer.write(Insert(t.api_keys, taken))

    good = [key_row() for _ in range(20)]
    units = [Insert(t.api_keys, row) for row in good[:10]]
    units.append(Insert(t.api_keys, key_row(taken["sid"])))  # primary key violation
    units += [Insert(t.api_keys, row) for row in good[10:]]
    results = await asyncio.gather(*(writer.write(u) for u in units), return_exceptions=True)

    failed = [r for r in results if isinstance(r, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], DUPLICATE), results
    assert isinstance(results[10], DUPLICATE)
    assert all(r == [] for i, r in enumerate(results) if i != 10)
    assert await count(engine, t.api_keys) == 21
    good_sids = [row["sid"] for row in good]
    assert await count(engine, t.api_keys, t.api_keys.c.sid.in_(good_sids)) == 20


async def test_two_units_with_the_same_key_in_one_batch(engine: AsyncEngine,
                                                        writer: GroupWriter) -> None:
    row = key_row()
    results = await asyncio.gather(
        writer.write(Insert(t.api_keys, row)),
        writer.write(Insert(t.api_keys, dict(row, friendly_name="second"))),
        writer.write(Insert(t.api_keys, key_row())),
        return_exceptions=True,
    )
    assert results[0] == [] and results[2] == []
    assert isinstance(results[1], DUPLICATE)
    async with engine.connect() as conn:
        name = (await conn.execute(
            sa.select(t.api_keys.c.friendly_name).where(t.api_keys.c.sid == row["sid"])
        )).scalar_one()
    assert name == "k"
    assert await count(engine, t.api_keys) == 2


async def test_failing_exec_fails_alone(engine: AsyncEngine, writer: GroupWriter) -> None:
    def broken(conn: Any) -> None:
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    ok_rows = [key_row() for _ in range(5)]
    results = await asyncio.gather(
        *(writer.write(Insert(t.api_keys, r)) for r in ok_rows[:2]),
        writer.write(Insert(t.api_keys, key_row("SK" + "f" * 32)), Exec(broken)),
        *(writer.write(Insert(t.api_keys, r)) for r in ok_rows[2:]),
        return_exceptions=True,
    )
    assert isinstance(results[2], Exception)
    assert [r for i, r in enumerate(results) if i != 2] == [[]] * 5
    assert await count(engine, t.api_keys) == 5  # the failing unit's Insert rolled back too


# multi-step atomicity -----------------------------------------------------------------------------
async def test_create_message_is_atomic(engine: AsyncEngine, writer: GroupWriter) -> None:
    store = SqlStore(engine, writer)
    first = message()
    await store.create_message(first, [media_for(first)], [job_for(first, "dup-key")])
    assert await store.get_message(first.account_sid, first.sid) is not None

    second = message()
    with pytest.raises(DUPLICATE):
        await store.create_message(second, [media_for(second)], [job_for(second, "dup-key")])
    assert await store.get_message(second.account_sid, second.sid) is None
    assert await count(engine, t.messages, t.messages.c.sid == second.sid) == 0
    assert await count(engine, t.media, t.media.c.parent_sid == second.sid) == 0
    assert await count(engine, t.jobs, t.jobs.c.resource_sid == second.sid) == 0
    # the first message is untouched
    assert await count(engine, t.jobs) == 1
    assert await count(engine, t.media) == 1


async def test_create_message_atomic_within_a_busy_batch(engine: AsyncEngine,
                                                         writer: GroupWriter) -> None:
    store = SqlStore(engine, writer)
    taken = message()
    await store.create_message(taken, [], [job_for(taken, "taken")])

    msgs = [message() for _ in range(10)]
    jobs = [job_for(m, "taken" if i == 4 else None) for i, m in enumerate(msgs)]
    results = await asyncio.gather(
        *(store.create_message(m, [media_for(m)], [j]) for m, j in zip(msgs, jobs, strict=True)),
        return_exceptions=True,
    )
    assert isinstance(results[4], DUPLICATE)
    assert all(r is None for i, r in enumerate(results) if i != 4)
    for i, m in enumerate(msgs):
        present = await store.get_message(m.account_sid, m.sid) is not None
        assert present is (i != 4), i
        assert await count(engine, t.media, t.media.c.parent_sid == m.sid) == (i != 4)
        assert await count(engine, t.jobs, t.jobs.c.resource_sid == m.sid) == (i != 4)


# stop ------------------------------------------------------------------------------------------
async def test_stop_flushes_what_was_queued(url: str, engine: AsyncEngine) -> None:
    w = create_writer(url, engine)
    await w.start()
    rows = [key_row() for _ in range(50)]
    tasks = [asyncio.create_task(w.write(Insert(t.api_keys, row))) for row in rows]
    await asyncio.sleep(0)  # every task has queued its unit; none has committed yet
    assert not any(task.done() for task in tasks)
    await w.stop()
    assert all(task.done() and task.result() == [] for task in tasks)
    assert await count(engine, t.api_keys) == 50
    with pytest.raises(ServiceUnavailable) as refused:
        await w.write(Insert(t.api_keys, key_row()))
    assert (refused.value.status, refused.value.code) == (503, 20503)
    await w.stop()  # idempotent


async def test_write_racing_stop_does_not_hang(url: str, engine: AsyncEngine) -> None:
    """A write that arrives while stop() is draining must either commit or be refused;
    it must never wait forever on a writer that has already exited."""
    w = create_writer(url, engine)
    await w.start()
    stopping = asyncio.create_task(w.stop())
    await asyncio.sleep(0)  # stop() has queued its sentinel and waits for the writer task
    row = key_row()
    late = asyncio.create_task(w.write(Insert(t.api_keys, row)))
    await stopping
    try:
        result = await asyncio.wait_for(late, timeout=2)
    except ServiceUnavailable:
        assert await count(engine, t.api_keys) == 0
    except TimeoutError:
        pytest.fail("a write queued during stop() never completed: its caller hangs forever")
    else:
        assert result == []
        assert await count(engine, t.api_keys) == 1


async def test_write_before_start_is_refused(url: str, engine: AsyncEngine) -> None:
    w = create_writer(url, engine)
    with pytest.raises(ServiceUnavailable):
        await w.write(Insert(t.api_keys, key_row()))


# PostgreSQL --------------------------------------------------------------------------------------
async def test_postgres_create_message_is_one_transaction() -> None:
    with postgres_database() as url:
        eng = create_engine(url)
        try:
            await migrate(eng)
            w = create_writer(url, eng)
            await w.start()
            try:
                store = SqlStore(eng, w)
                msg = message()
                med = media_for(msg)
                await store.create_message(msg, [med], [job_for(msg)])
                async with eng.connect() as conn:
                    xmin = {
                        name: (await conn.execute(sa.text(
                            f"SELECT xmin::text FROM {table} WHERE {col} = :sid"
                        ), {"sid": msg.sid})).scalar_one()
                        for name, table, col in [("message", "messages", "sid"),
                                                 ("job", "jobs", "resource_sid"),
                                                 ("media", "media", "parent_sid")]
                    }
                # rows written by one transaction carry the same creating transaction id
                assert len(set(xmin.values())) == 1, xmin
                fetched = await store.get_message(msg.account_sid, msg.sid)
                assert fetched is not None and fetched.body == "hello"

                # and a failing job insert takes the message down with it
                other = message()
                with pytest.raises(IntegrityError):
                    await store.create_message(other, [media_for(other)],
                                               [job_for(other, f"message.send:{msg.sid}")])
                assert await store.get_message(other.account_sid, other.sid) is None
                assert await count(eng, t.media, t.media.c.parent_sid == other.sid) == 0

                # concurrent units still batch and isolate failures on PostgreSQL
                rows = [key_row() for _ in range(50)]
                dup = key_row(rows[0]["sid"])
                results = await asyncio.gather(
                    *(w.write(Insert(t.api_keys, r)) for r in rows),
                    w.write(Insert(t.api_keys, dup)),
                    return_exceptions=True,
                )
                assert isinstance(results[-1], IntegrityError)
                assert results[:-1] == [[]] * 50
                assert await count(eng, t.api_keys) == 50
            finally:
                await w.stop()
        finally:
            await eng.dispose()
