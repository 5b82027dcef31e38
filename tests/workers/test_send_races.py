"""The send handler against a store that changes under it: a cancel that commits between
the handler's read and its write, a transaction that fails and runs again, a delete racing a
scheduled message falling due. The pacer's per-sender counts must keep mirroring the store's
queued messages (they decide 21611), and a message in flight is never deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from callbox.channels.sim.network import SimNetwork
from callbox.core.clock import FrozenClock, from_micros, to_micros
from callbox.core.comms import FANOUT_JOB, OperationCompleted
from callbox.core.comms_ids import new_id
from callbox.core.entities import Job, Message, MessageDirection, MessageStatus
from callbox.core.errors import CallboxError
from callbox.core.jobs import SEND_JOB, Changes
from callbox.core.messaging import MessagingService
from callbox.core.pacing import Pacer
from callbox.core.sids import RandomSids
from callbox.store.sql import schema as t
from callbox.store.sql.engine import sqlite_url
from callbox.store.sql.store import SqlStore
from callbox.store.sql.writer import Exec
from callbox.workers.fanout import FanoutHandler
from callbox.workers.send import SendHandler
from tests.support.stores import open_store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ACCOUNT = "AC" + "1" * 32
SENDER = "+14155550000"  # a long code: 1 segment a second
sids = RandomSids()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    async with open_store(sqlite_url(tmp_path / "races.db")) as store:
        yield store


async def _queued(store: SqlStore, pacer: Pacer, status: MessageStatus = MessageStatus.QUEUED
                  ) -> tuple[Message, Job]:
    sid = sids("SM")
    message = Message(sid=sid, account_sid=ACCOUNT, to="+14155550100", from_=SENDER,
                      body="hi", status=status, direction=MessageDirection.OUTBOUND_API,
                      num_segments=1, num_media=0, date_created=NOW, date_updated=NOW)
    job = Job(sid=sids("JB"), kind=SEND_JOB, account_sid=ACCOUNT, resource_sid=sid,
              payload={"v": 1, "message_sid": sid}, run_at=NOW,
              idempotency_key=f"{SEND_JOB}:{sid}", date_created=NOW)
    await store.create_message(message, [], [job])
    if status is MessageStatus.QUEUED:
        assert pacer.admit(SENDER, 1)
    return message, job


async def _set_status(store: SqlStore, sid: str, status: str) -> None:
    stmt = sa.update(t.messages).where(t.messages.c.sid == sid).values(status=status)
    await store.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))


async def _status(store: SqlStore, sid: str) -> str | None:
    message = await store.get_message(ACCOUNT, sid)
    return message.status.value if message else None


class Racing:
    """The store, but something happens just before the handler's write."""

    def __init__(self, store: SqlStore, before_apply: Any) -> None:
        self._store = store
        self._before = before_apply

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def apply(self, changes: Changes) -> list[bool]:
        if self._before is not None:
            before, self._before = self._before, None
            await before()
        return await self._store.apply(changes)


def _handler(store: Any, pacer: Pacer, at: datetime = NOW) -> SendHandler:
    return SendHandler(store, FrozenClock(at), sids, SimNetwork(), pacer)


async def test_a_cancel_between_read_and_write_releases_the_segments_once(
        store: SqlStore) -> None:
    pacer = Pacer(enabled=True)
    racing, job = await _queued(store, pacer)
    await _queued(store, pacer)  # another message of the same sender, still waiting
    assert pacer._queued == {SENDER: 2}

    async def cancel() -> None:
        # what CommsService.cancel does: the store moves queued -> canceled, then the
        # segments of the messages it canceled leave the pacer
        await _set_status(store, racing.sid, "canceled")
        pacer.leave(SENDER, 1)

    await _handler(Racing(store, cancel), pacer)([job])
    assert await _status(store, racing.sid) == "canceled"  # the handler's step lost
    assert pacer._queued == {SENDER: 1}  # the other message still counts: 1 - 0, not 1 - 1


async def test_a_failed_write_moves_no_counts_and_the_retry_moves_them_once(
        store: SqlStore) -> None:
    pacer = Pacer(enabled=True)
    message, job = await _queued(store, pacer)
    await _queued(store, pacer)

    async def fail() -> None:
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        await _handler(Racing(store, fail), pacer)([job])
    assert pacer._queued == {SENDER: 2}
    # the job runs again, later (the failed run's slot stays reserved)
    await _handler(store, pacer, NOW + timedelta(seconds=10))([job])
    assert await _status(store, message.sid) == "delivered"
    assert pacer._queued == {SENDER: 1}


async def test_a_scheduled_message_counts_in_only_if_its_step_commits(
        store: SqlStore) -> None:
    pacer = Pacer(enabled=True)
    message, job = await _queued(store, pacer, MessageStatus.SCHEDULED)
    assert pacer._queued == {}
    pacer.slot(SENDER, 1, NOW.timestamp())  # the sender is busy: it must wait its turn

    async def cancel() -> None:  # the 2010 API's Status=canceled, just before the write
        await _set_status(store, message.sid, "canceled")

    await _handler(Racing(store, cancel), pacer)([job])
    assert await _status(store, message.sid) == "canceled"
    assert pacer._queued == {}  # not counted in (it never left the schedule)


async def test_delete_refuses_a_message_that_went_in_flight_since_the_read(
        store: SqlStore) -> None:
    pacer = Pacer(enabled=True)
    message, _ = await _queued(store, pacer, MessageStatus.SCHEDULED)
    service = MessagingService.__new__(MessagingService)

    class Stale:
        """Reads the message as it was (scheduled) the first time, as it is after."""

        def __init__(self) -> None:
            self.reads = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        async def get_message(self, account_sid: str, sid: str) -> Message | None:
            self.reads += 1
            if self.reads == 1:
                await _set_status(store, sid, "queued")  # it falls due right after the read
                return message
            return await store.get_message(account_sid, sid)

    service.store = Stale()  # type: ignore[assignment]
    with pytest.raises(CallboxError) as refused:
        await service.delete(ACCOUNT, message.sid, "/uri")
    assert (refused.value.status, refused.value.code) == (400, 20009)
    assert await _status(store, message.sid) == "queued"  # still there, still sending
    # once final it can go
    await _set_status(store, message.sid, "delivered")
    await service.delete(ACCOUNT, message.sid, "/uri")
    assert await _status(store, message.sid) is None


async def _operation(store: SqlStore, recipients: int) -> tuple[str, Job]:
    op_sid = new_id("operation")
    request = {"from": SENDER, "channel": "SMS", "text": "hi", "media": [],
               "defaultVariables": {}, "statusCallback": None, "sendAt": None}
    targets = [[f"+1415555{100 + i:04d}", "PHONE"] for i in range(recipients)]
    row = {"sid": op_sid, "account_sid": ACCOUNT, "canceled": False,
           "recipients": recipients, "processed": 0, "unaddressable": 0,
           "request": orjson.dumps(request).decode(), "targets": orjson.dumps(targets).decode(),
           "tags": "{}", "send_at": None, "date_created": to_micros(NOW),
           "date_updated": to_micros(NOW), "deleted": "{}"}
    job = Job(sid=sids("JB"), kind=FANOUT_JOB, account_sid=ACCOUNT, resource_sid=op_sid,
              payload={"v": 1, "operation_id": op_sid}, run_at=NOW,
              idempotency_key=f"{FANOUT_JOB}:{op_sid}", date_created=NOW, status="running")
    await store.create_operation(row, job)
    return op_sid, job


async def _job_status(store: SqlStore, sid: str) -> str:
    async with store.engine.connect() as conn:
        return str((await conn.execute(
            sa.select(t.jobs.c.status).where(t.jobs.c.sid == sid))).scalar_one())


async def test_a_fan_out_another_worker_took_over_is_left_to_it(store: SqlStore) -> None:
    """The lease ran out mid fan-out and another worker claimed the job and moved the
    cursor: this run stops without marking the job done (that would lose the rest of the
    fan-out if the other worker then died)."""
    op_sid, job = await _operation(store, 5)
    handler = FanoutHandler(Racing(store, None), FrozenClock(NOW), sids, Pacer(), batch=2)

    class TakenOver(Racing):
        async def fanout_batch(self, sid: str, **kw: Any) -> None:
            stmt = (sa.update(t.comms_operations).where(t.comms_operations.c.sid == sid)
                    .values(processed=2))
            await store.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
            await store.fanout_batch(sid, **kw)

    handler.store = TakenOver(store, None)
    await handler([job])
    assert await _job_status(store, job.sid) == "running"  # still the other worker's
    op = await store.get_operation(None, op_sid)
    assert op is not None and op.processed == 2  # nothing of this run committed
    # a cancel, by contrast, ends the job
    await store.cancel_operation(op_sid, NOW)
    handler.store = store
    await handler([job])
    assert await _job_status(store, job.sid) == "done"


async def test_a_cancel_that_finds_the_operation_completed_meanwhile_is_refused(
        store: SqlStore) -> None:
    """The service saw PROCESSING; by the cancel's transaction every message is final: 30409
    (OperationCompleted), and the operation is not marked canceled."""
    op_sid, job = await _operation(store, 2)
    await FanoutHandler(store, FrozenClock(NOW), sids, Pacer())([job])
    messages = await _messages_of(store, op_sid)
    assert len(messages) == 2
    await _set_status(store, messages[0], "delivered")
    released = await store.cancel_operation(op_sid, NOW)  # one still queued: canceled
    assert released == {SENDER: 1}
    op2, job2 = await _operation(store, 2)
    await FanoutHandler(store, FrozenClock(NOW), sids, Pacer())([job2])
    for sid in await _messages_of(store, op2):
        await _set_status(store, sid, "delivered")
    with pytest.raises(OperationCompleted):
        await store.cancel_operation(op2, NOW)
    op = await store.get_operation(None, op2)
    assert op is not None and not op.canceled


async def _messages_of(store: SqlStore, op_sid: str) -> list[str]:
    async with store.engine.connect() as conn:
        return list((await conn.execute(sa.select(t.messages.c.sid).where(
            t.messages.c.operation_id == op_sid))).scalars())


async def test_each_fan_out_batch_extends_the_job_s_lease(store: SqlStore) -> None:
    """A long fan-out keeps its job leased (another worker would take it for dead)."""
    op_sid, job = await _operation(store, 5)
    leases: list[datetime] = []

    class Watching(Racing):
        async def fanout_batch(self, sid: str, **kw: Any) -> None:
            await store.fanout_batch(sid, **kw)
            if kw["job_done"] is None:
                async with store.engine.connect() as conn:
                    leases.append(from_micros((await conn.execute(
                        sa.select(t.jobs.c.locked_until).where(t.jobs.c.sid == job.sid))
                    ).scalar_one()))

    handler = FanoutHandler(Watching(store, None), FrozenClock(NOW), sids, Pacer(), batch=2)
    await handler([job])
    assert leases == [NOW + timedelta(seconds=60)] * 2  # batches 1 and 2; the 3rd ends it
    assert await _job_status(store, job.sid) == "done"
