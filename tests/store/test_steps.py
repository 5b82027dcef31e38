"""Guarded message steps applied in bulk (UPDATE … FROM (VALUES …) RETURNING): each step
applies only if its message is still in an expected status, and only applied steps write
their follow-up jobs and inbox entries. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from callbox.core.entities import InboxEntry, Job, Message, MessageDirection, MessageStatus
from callbox.core.jobs import Changes, MessageChange
from callbox.core.sids import RandomSids
from callbox.store.sql import schema as t
from callbox.store.sql.store import SqlStore
from tests.support.stores import backend_url, open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
sids = RandomSids()


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def store(url: str) -> AsyncIterator[SqlStore]:
    async with open_store(url) as store:
        yield store


def _message(status: MessageStatus) -> Message:
    return Message(sid=sids("SM"), account_sid="AC" + "1" * 32, to="+14155550100",
                   from_="+15005550006", body="hi", status=status,
                   direction=MessageDirection.OUTBOUND_API, num_segments=1, num_media=0,
                   date_created=NOW, date_updated=NOW)


def _job(message: Message, n: int) -> Job:
    return Job(sid=sids("JB"), kind="webhook.deliver", account_sid=message.account_sid,
               resource_sid=message.sid, payload={"n": n}, run_at=NOW,
               idempotency_key=f"test:{message.sid}:{n}", date_created=NOW)


async def test_bulk_steps_apply_exactly_where_the_guard_holds(store: SqlStore) -> None:
    queued = [_message(MessageStatus.QUEUED) for _ in range(30)]
    moved = [_message(MessageStatus.CANCELED) for _ in range(10)]
    for m in queued + moved:
        await store.create_message(m, [], [])
    later = NOW + timedelta(seconds=1)
    changes = Changes()
    order = [m for pair in zip(queued[:10], moved, strict=True) for m in pair] + queued[10:]
    for n, m in enumerate(order):
        values = {"status": "delivered", "date_updated": later, "date_sent": later}
        if n % 7 == 0:  # a second shape in the same batch
            values = {"status": "failed", "date_updated": later, "error_code": 30008,
                      "error_message": None}
        changes.steps.append(MessageChange(
            m.sid, m.account_sid, frozenset({"queued", "sending"}), values, [_job(m, n)],
            InboxEntry(idempotency_key=f"send:{m.sid}", message_sid=m.sid,
                       account_sid=m.account_sid, handset=m.to, sender=m.from_, body="hi",
                       media=[], num_segments=1, date_received=later)))
    applied = await store.apply(changes)
    expected = [m.status is MessageStatus.QUEUED for m in order]
    assert applied == expected
    async with store.engine.connect() as conn:
        rows = dict((await conn.execute(sa.select(t.messages.c.sid, t.messages.c.status)))
                    .fetchall())
        jobs = set((await conn.execute(sa.select(t.jobs.c.resource_sid))).scalars())
        inbox = set((await conn.execute(sa.select(t.sim_inbox.c.message_sid))).scalars())
        failed = (await conn.execute(sa.select(t.messages.c.error_code).where(
            t.messages.c.status == "failed"))).scalars().all()
    for n, m in enumerate(order):
        if m.status is MessageStatus.QUEUED:
            assert rows[m.sid] == ("failed" if n % 7 == 0 else "delivered")
        else:
            assert rows[m.sid] == "canceled"
    assert jobs == inbox == {m.sid for m in queued}
    assert failed and set(failed) == {30008}
    # the same steps again: nothing applies twice
    assert await store.apply(changes) == [False] * len(order)
