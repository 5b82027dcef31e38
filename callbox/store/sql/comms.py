"""SqlStore's part for the Communications API: operations (the fan-out's durable state)
and the Messages views (filters by channel, status, operation, tags; keyset paging).

An operation's stats are not counters: they are counted from its messages when read, with
a partial covering index on (operation_id, status, error_code, date_updated), so they are
exact whatever happened in between (a crash, a restart, a retry)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, func, not_, or_, select, update
from sqlalchemy.engine import Connection

from callbox.core.clock import from_micros, to_micros
from callbox.core.comms import (
    FINAL_MESSAGE_STATUSES,
    FanoutConflict,
    OperationCompleted,
    OperationRow,
)
from callbox.core.entities import Job, Media, Message, Page
from callbox.core.ports import Cursor
from callbox.store.sql import schema as t
from callbox.store.sql.jobs import job_row, message_from_row, message_inserts
from callbox.store.sql.writer import Exec, Insert, Step

__all__ = ["CommsStoreMixin", "MessageQuery", "count_deleted", "operation_counts_query"]


def count_deleted(conn: Connection, op_sid: str, status: str, error_code: int | None
                  ) -> None:
    """Within the DELETE's transaction: the operation keeps counting a message deleted
    through the 2010 API in the status it had (its stats stay whole)."""
    o = t.comms_operations.c
    raw = conn.execute(select(o.deleted).where(o.sid == op_sid).with_for_update()).scalar()
    if raw is None:
        return
    deleted = orjson.loads(raw)
    key = f"{status}:{'' if error_code is None else error_code}"
    deleted[key] = deleted.get(key, 0) + 1
    conn.execute(update(t.comms_operations).where(o.sid == op_sid)
                 .values(deleted=orjson.dumps(deleted).decode()))


def _deleted_counts(raw: str) -> dict[tuple[str, int | None], int]:
    out = {}
    for key, n in orjson.loads(raw).items():
        status, _, code = key.partition(":")
        out[(status, int(code) if code else None)] = int(n)
    return out


def operation_counts_query(sids: Sequence[str]) -> Select[Any]:
    c = t.messages.c
    return (select(c.operation_id, c.status, c.error_code, func.count(),
                   func.max(c.date_updated))
            .where(c.operation_id.in_(list(sids)))
            .group_by(c.operation_id, c.status, c.error_code))


@dataclass(slots=True, frozen=True)
class MessageQuery:
    channel: str | None = None  # SMS | RCS | WHATSAPP
    statuses: tuple[str, ...] | None = None  # 2010 statuses
    operation_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    session_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def _operation(row: Any) -> OperationRow:
    return OperationRow(
        sid=row.sid, account_sid=row.account_sid, canceled=bool(row.canceled),
        recipients=row.recipients, processed=row.processed, unaddressable=row.unaddressable,
        request=orjson.loads(row.request), tags=orjson.loads(row.tags),
        send_at=from_micros(row.send_at) if row.send_at is not None else None,
        date_created=from_micros(row.date_created), date_updated=from_micros(row.date_updated),
        deleted=_deleted_counts(row.deleted),
    )


_OPERATION_COLUMNS = [c for c in t.comms_operations.c if c.name != "targets"]


class CommsStoreMixin:
    writer: Any
    engine: Any
    on_jobs: Callable[[], None]
    _rows: Callable[[Any], Awaitable[list[Any]]]
    _one: Callable[[Any], Awaitable[Any]]
    _list: Callable[..., Awaitable[Page[Any]]]

    # operations ------------------------------------------------------------------------------
    async def create_operation(self, row: dict[str, Any], job: Job) -> None:
        """The operation (with its recipients) and its fan-out job, in one transaction."""
        await self.writer.write(Insert(t.comms_operations, row), Insert(t.jobs, job_row(job)))
        self.on_jobs()

    async def get_operation(self, account_sid: str | None, sid: str) -> OperationRow | None:
        c = t.comms_operations.c
        stmt = select(*_OPERATION_COLUMNS).where(c.sid == sid)
        if account_sid is not None:
            stmt = stmt.where(c.account_sid == account_sid)
        row = await self._one(stmt)
        return _operation(row) if row else None

    async def operation_targets(self, sid: str) -> list[list[Any]]:
        c = t.comms_operations.c
        row = await self._one(select(c.targets).where(c.sid == sid))
        return orjson.loads(row.targets) if row else []

    async def list_operations(self, account_sid: str, *, after: Cursor | None,
                              limit: int) -> Page[OperationRow]:
        c = t.comms_operations.c
        stmt: Select[Any] = select(*_OPERATION_COLUMNS).where(c.account_sid == account_sid)
        return await self._list(stmt, t.comms_operations, after, limit, _operation)

    async def operation_counts(self, sids: Sequence[str]
                               ) -> dict[str, tuple[dict[tuple[str, int | None], int],
                                                    datetime | None]]:
        """For each operation: its messages per (status, error_code), and their latest
        change. One grouped query over the partial covering index, however many."""
        out: dict[str, tuple[dict[tuple[str, int | None], int], datetime | None]] = {
            sid: ({}, None) for sid in sids}
        if not sids:
            return out
        for op, status, code, count, latest in await self._rows(operation_counts_query(sids)):
            counts, seen = out[op]
            counts[(status, code)] = int(count)
            when = from_micros(latest)
            out[op] = counts, (when if seen is None or when > seen else seen)
        return out

    async def fanout_batch(self, sid: str, *, expect_processed: int, processed: int,
                           unaddressable: int, now: datetime,
                           messages: Sequence[tuple[Message, list[Media], list[Job]]],
                           job_done: str | None = None,
                           lease: tuple[str, datetime] | None = None) -> None:
        """One batch of the fan-out: its messages (with media and send jobs) and the
        operation's cursor, atomically; refused (FanoutConflict, nothing written) when the
        operation was canceled or the cursor is not where this batch started. `lease`
        (job sid, until): the fan-out job's lease, extended with each batch so that a long
        fan-out is not taken for a dead one by another worker."""
        c = t.comms_operations.c
        guard = (update(t.comms_operations)
                 .where(c.sid == sid, c.processed == expect_processed, c.canceled.is_(False))
                 .values(processed=processed, unaddressable=c.unaddressable + unaddressable,
                         date_updated=to_micros(now)))

        def advance(conn: Connection) -> None:
            if conn.execute(guard).rowcount != 1:
                raise FanoutConflict(f"operation {sid} moved on")

        steps: list[Step] = [Exec(advance)]
        for message, media, jobs in messages:
            steps += message_inserts(message, media, jobs)
        jc = t.jobs.c
        if job_done is not None:
            done = (update(t.jobs).where(jc.sid == job_done)
                    .values(status="done", locked_until=None, date_updated=to_micros(now)))
            steps.append(Exec(lambda conn: conn.execute(done)))
        elif lease is not None:
            job_sid, until = lease
            extend = (update(t.jobs).where(jc.sid == job_sid, jc.status == "running")
                      .values(locked_until=to_micros(until)))
            steps.append(Exec(lambda conn: conn.execute(extend)))
        await self.writer.write(*steps)
        self.on_jobs()

    async def cancel_operation(self, sid: str, now: datetime) -> dict[str, int] | None:
        """Mark the operation canceled and cancel its messages not handed to the carrier
        yet; returns the queued segments released per sender (for pacing), or None when it
        was canceled already."""
        oc, mc = t.comms_operations.c, t.messages.c
        at = to_micros(now)

        def run(conn: Connection) -> dict[str, int] | None:
            op = conn.execute(select(oc.processed, oc.recipients, oc.canceled)
                              .where(oc.sid == sid).with_for_update()).first()
            if op is None or op.canceled:
                return None
            if op.processed >= op.recipients and conn.execute(
                    select(mc.sid).where(mc.operation_id == sid,
                                         mc.status.not_in(FINAL_MESSAGE_STATUSES)).limit(1)
            ).first() is None:
                # it completed since the caller looked: nothing is left to cancel
                raise OperationCompleted
            conn.execute(update(t.comms_operations).where(oc.sid == sid)
                         .values(canceled=True, date_updated=at))
            released = {r[0]: int(r[1]) for r in conn.execute(
                select(mc.from_addr, func.sum(mc.num_segments))
                .where(mc.operation_id == sid, mc.status.in_(("queued", "accepted")))
                .group_by(mc.from_addr))}
            conn.execute(update(t.messages)
                         .where(mc.operation_id == sid,
                                mc.status.in_(("scheduled", "queued", "accepted")))
                         .values(status="canceled", date_updated=at))
            return released

        (result,) = await self.writer.write(Exec(run))
        return result  # type: ignore[no-any-return]

    # messages --------------------------------------------------------------------------------
    async def list_comms_messages(self, account_sid: str, q: MessageQuery, *,
                                  after: Cursor | None, limit: int) -> Page[Message]:
        c = t.messages.c
        stmt: Select[Any] = select(t.messages).where(c.account_sid == account_sid)
        if q.operation_id is not None:
            stmt = stmt.where(c.operation_id == q.operation_id)
        if q.session_id is not None:
            stmt = stmt.where(c.session_id == q.session_id)
        if q.statuses is not None:
            stmt = stmt.where(c.status.in_(q.statuses))
        if q.channel == "WHATSAPP":
            stmt = stmt.where(or_(c.from_addr.like("whatsapp:%"), c.to_addr.like("whatsapp:%")))
        elif q.channel == "RCS":
            stmt = stmt.where(or_(c.from_addr.like("rcs:%"), c.to_addr.like("rcs:%")))
        elif q.channel == "SMS":
            stmt = stmt.where(not_(or_(c.from_addr.like("whatsapp:%"),
                                       c.to_addr.like("whatsapp:%"),
                                       c.from_addr.like("rcs:%"), c.to_addr.like("rcs:%"))))
        if q.start is not None:
            stmt = stmt.where(c.date_created >= to_micros(q.start))
        if q.end is not None:
            stmt = stmt.where(c.date_created < to_micros(q.end))
        find = func.instr if self.engine.dialect.name == "sqlite" else func.strpos
        for key, value in q.tags:
            # Tags are stored as orjson's compact JSON. `"key":"value"` right after `{` or
            # `,` occurs in the text exactly when the pair is present: inside a JSON string
            # every `"` is escaped, so `{"` and `,"` can only open a key.
            pair = orjson.dumps({key: value}).decode()[1:-1]
            stmt = stmt.where(c.tags.is_not(None), or_(find(c.tags, "{" + pair) > 0,
                                                       find(c.tags, "," + pair) > 0))
        return await self._list(stmt, t.messages, after, limit, message_from_row)

    async def set_message_tags(self, account_sid: str, sids: Sequence[str],
                               tags: dict[str, str], now: datetime) -> bool:
        """Replace the tags of the account's message (one of `sids`); False if none is."""
        c = t.messages.c
        stmt = update(t.messages).where(c.sid.in_(list(sids)), c.account_sid == account_sid
                                        ).values(tags=orjson.dumps(tags).decode() if tags
                                                 else None, date_updated=to_micros(now))
        (count,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
        return bool(count)

    async def get_session(self, account_sid: str, sid: str
                          ) -> tuple[Message, int, datetime, datetime] | None:
        """The session's latest message, its message count, the first message's creation
        and the latest change; None when the account has no message in it."""
        c = t.messages.c
        mine = (c.session_id == sid, c.account_sid == account_sid)
        row = await self._one(select(func.count(), func.min(c.date_created),
                                     func.max(c.date_updated)).where(*mine))
        if row is None or not row[0]:
            return None
        latest = await self._one(select(t.messages).where(*mine)
                                 .order_by(c.date_created.desc(), c.sid.desc()).limit(1))
        if latest is None:  # deleted in between
            return None
        return message_from_row(latest), int(row[0]), from_micros(row[1]), from_micros(row[2])

    async def get_message_any(self, account_sid: str, sids: Sequence[str]) -> Message | None:
        c = t.messages.c
        row = await self._one(select(t.messages).where(c.sid.in_(list(sids)),
                                                       c.account_sid == account_sid))
        return message_from_row(row) if row else None
