"""SqlStore's part for jobs and the work the workers commit: claims with a lease, the
guarded message steps of `core.jobs.Changes`, webhook attempts, notifications, the
simulated network's rules and inboxes.

On SQLite the worker's statements go to the driver directly (the writer's connection is
already inline on the event loop; SQLAlchemy's per-statement overhead was the larger part
of a step); elsewhere they go through SQLAlchemy `text()` with the same named parameters.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Table, and_, delete, func, or_, select, text, update
from sqlalchemy.engine import Connection

from callbox.core.clock import from_micros, to_micros
from callbox.core.comms_ids import session_id, session_parties
from callbox.core.entities import (
    InboxEntry,
    Job,
    Media,
    Message,
    MessageDirection,
    MessageStatus,
    Notification,
    Page,
    WebhookAttempt,
)
from callbox.core.jobs import Changes
from callbox.core.ports import Cursor
from callbox.store.sql import schema as t
from callbox.store.sql.writer import Exec, Insert, Step

__all__ = [
    "JobsStoreMixin",
    "job_row",
    "media_row",
    "message_from_row",
    "message_inserts",
    "message_row",
]

def message_from_row(row: Any) -> Message:
    return Message(
        sid=row.sid,
        account_sid=row.account_sid,
        to=row.to_addr,
        from_=row.from_addr,
        body=row.body,
        status=MessageStatus(row.status),
        direction=MessageDirection(row.direction),
        num_segments=row.num_segments,
        num_media=row.num_media,
        date_created=from_micros(row.date_created),
        date_updated=from_micros(row.date_updated),
        date_sent=from_micros(row.date_sent) if row.date_sent is not None else None,
        messaging_service_sid=row.messaging_service_sid,
        status_callback=row.status_callback,
        validity_period=row.validity_period,
        send_at=from_micros(row.send_at) if row.send_at is not None else None,
        error_code=row.error_code,
        error_message=row.error_message,
        price=row.price,
        price_unit=row.price_unit,
        options=orjson.loads(row.options),
        operation_id=row.operation_id,
        tags=orjson.loads(row.tags) if row.tags else None,
    )


def job_row(job: Job) -> dict[str, Any]:
    created = to_micros(job.date_created)
    return {
        "sid": job.sid,
        "kind": job.kind,
        "account_sid": job.account_sid,
        "resource_sid": job.resource_sid,
        "payload": orjson.dumps(job.payload).decode(),
        "status": job.status,
        "run_at": to_micros(job.run_at),
        "attempts": job.attempts,
        "idempotency_key": job.idempotency_key,
        "locked_until": to_micros(job.locked_until) if job.locked_until else None,
        "last_error": None,
        "date_created": created,
        "date_updated": created,
    }


def message_row(m: Message) -> dict[str, Any]:
    return {
        "sid": m.sid,
        "account_sid": m.account_sid,
        "to_addr": m.to,
        "from_addr": m.from_,
        "body": m.body,
        "status": m.status.value,
        "direction": m.direction.value,
        "num_segments": m.num_segments,
        "num_media": m.num_media,
        "messaging_service_sid": m.messaging_service_sid,
        "status_callback": m.status_callback,
        "validity_period": m.validity_period,
        "send_at": to_micros(m.send_at) if m.send_at else None,
        "error_code": m.error_code,
        "error_message": m.error_message,
        "price": m.price,
        "price_unit": m.price_unit,
        "options": orjson.dumps(m.options).decode(),
        "date_created": to_micros(m.date_created),
        "date_updated": to_micros(m.date_updated),
        "date_sent": to_micros(m.date_sent) if m.date_sent else None,
        "operation_id": m.operation_id,
        "tags": orjson.dumps(m.tags).decode() if m.tags else None,
        "session_id": session_id(m.account_sid, *session_parties(
            m.direction is MessageDirection.INBOUND, m.from_, m.to)),
    }


def message_inserts(message: Message, media: Sequence[Media], jobs: Sequence[Job]
                    ) -> list[Insert]:
    """A new message with its media and jobs, as writer steps."""
    steps = [Insert(t.messages, message_row(message))]
    steps += [Insert(t.media, media_row(m)) for m in media]
    steps += [Insert(t.jobs, job_row(j)) for j in jobs]
    return steps


def media_row(m: Media) -> dict[str, Any]:
    return {
        "sid": m.sid,
        "account_sid": m.account_sid,
        "parent_sid": m.parent_sid,
        "url": m.url,
        "content_type": m.content_type,
        "date_created": to_micros(m.date_created),
        "date_updated": to_micros(m.date_updated),
    }


def _attempt_row(a: WebhookAttempt) -> dict[str, Any]:
    return {
        "sid": a.sid,
        "account_sid": a.account_sid,
        "resource_sid": a.resource_sid,
        "job_sid": a.job_sid,
        "kind": a.kind,
        "attempt": a.attempt,
        "method": a.method,
        "url": a.url,
        "request_params": a.request_params,
        "request_headers": orjson.dumps(a.request_headers).decode(),
        "status_code": a.status_code,
        "response_body": a.response_body,
        "latency_us": a.latency_us,
        "error_code": a.error_code,
        "error": a.error,
        "date_created": to_micros(a.date_created),
    }


def _attempt(row: Any) -> WebhookAttempt:
    return WebhookAttempt(
        sid=row.sid, account_sid=row.account_sid, resource_sid=row.resource_sid,
        job_sid=row.job_sid, kind=row.kind, attempt=row.attempt, method=row.method,
        url=row.url, request_params=row.request_params,
        request_headers=orjson.loads(row.request_headers), status_code=row.status_code,
        response_body=row.response_body, latency_us=row.latency_us,
        error_code=row.error_code, error=row.error, date_created=from_micros(row.date_created),
    )


def _notification_row(n: Notification) -> dict[str, Any]:
    return {
        "sid": n.sid,
        "account_sid": n.account_sid,
        "call_sid": n.call_sid,
        "resource_sid": n.resource_sid,
        "error_code": n.error_code,
        "log": n.log,
        "message_text": n.message_text,
        "request_method": n.request_method,
        "request_url": n.request_url,
        "request_variables": n.request_variables,
        "response_body": n.response_body,
        "response_headers": n.response_headers,
        "message_date": to_micros(n.message_date),
        "date_created": to_micros(n.date_created),
        "date_updated": to_micros(n.date_created),
    }


def _notification(row: Any) -> Notification:
    return Notification(
        sid=row.sid, account_sid=row.account_sid, error_code=row.error_code, log=row.log,
        message_text=row.message_text, message_date=from_micros(row.message_date),
        date_created=from_micros(row.date_created), resource_sid=row.resource_sid,
        call_sid=row.call_sid, request_method=row.request_method, request_url=row.request_url,
        request_variables=row.request_variables, response_body=row.response_body,
        response_headers=row.response_headers,
    )


def _inbox_row(e: InboxEntry) -> dict[str, Any]:
    return {
        "idempotency_key": e.idempotency_key,
        "message_sid": e.message_sid,
        "account_sid": e.account_sid,
        "handset": e.handset,
        "sender": e.sender,
        "body": e.body,
        "media": orjson.dumps(e.media).decode(),
        "num_segments": e.num_segments,
        "date_received": to_micros(e.date_received),
    }


def _inbox(row: Any) -> InboxEntry:
    return InboxEntry(
        idempotency_key=row.idempotency_key, message_sid=row.message_sid,
        account_sid=row.account_sid, handset=row.handset, sender=row.sender, body=row.body,
        media=orjson.loads(row.media), num_segments=row.num_segments,
        date_received=from_micros(row.date_received),
    )


def _job(row: Any) -> Job:
    return Job(
        sid=row.sid, kind=row.kind, account_sid=row.account_sid,
        resource_sid=row.resource_sid, payload=orjson.loads(row.payload),
        run_at=from_micros(row.run_at), idempotency_key=row.idempotency_key,
        date_created=from_micros(row.date_created), status=row.status, attempts=row.attempts,
    )


class _Sql:
    """Named-parameter SQL on the transaction's connection: the sqlite3 driver directly,
    or SQLAlchemy `text()` on other databases."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        raw = conn.connection.driver_connection
        self.raw: sqlite3.Connection | None = raw if isinstance(raw, sqlite3.Connection) else None

    def run(self, sql: str, params: dict[str, Any]) -> int:
        if self.raw is not None:
            return self.raw.execute(sql, params).rowcount
        return int(self.conn.execute(text(sql), params).rowcount)

    def returning(self, sql: str, params: dict[str, Any]) -> list[Any]:
        """The first column of each row a statement with RETURNING gave back."""
        if self.raw is not None:
            return [r[0] for r in self.raw.execute(sql, params).fetchall()]
        return [r[0] for r in self.conn.execute(text(sql), params).fetchall()]

    def many(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.raw is not None:
            self.raw.executemany(sql, rows)
        else:
            self.conn.execute(text(sql), list(rows))

    def insert(self, table: Table, rows: Sequence[dict[str, Any]], *,
               ignore_conflicts: bool = False) -> None:
        if not rows:
            return
        cols = [c.name for c in table.columns]
        sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
               f"VALUES ({', '.join(':' + c for c in cols)})")
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        self.many(sql, rows)


_STEP_SQL: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}


def _step_sql(columns: tuple[str, ...], expect: tuple[str, ...]) -> str:
    key = (columns, expect)
    sql = _STEP_SQL.get(key)
    if sql is None:
        sets = ", ".join(f"{c} = :{c}" for c in columns)
        allowed = ", ".join(f"'{s}'" for s in expect)
        sql = f"UPDATE messages SET {sets} WHERE sid = :sid AND status IN ({allowed})"
        _STEP_SQL[key] = sql
    return sql


_CASTS = {"BIGINT": "BIGINT", "INTEGER": "INTEGER"}
# UPDATE … FROM (VALUES …) RETURNING: SQLite 3.35+ (PostgreSQL always)
_BULK_STEPS_SQLITE = sqlite3.sqlite_version_info >= (3, 35, 0)
_BULK_MIN = 4  # fewer steps of one shape: one UPDATE each
_BULK_CHUNK = 400


def _cast(column: str) -> str:
    kind = str(t.messages.c[column].type).upper()
    return _CASTS.get(kind, "")


def _bulk_step_sql(columns: tuple[str, ...], expect: tuple[str, ...], rows: int) -> str:
    """One guarded UPDATE for `rows` messages whose steps set the same columns from the
    same expected statuses; RETURNING says which of them applied."""
    casts = [_cast(c) for c in columns]
    values = ", ".join(
        "(" + ", ".join([f":sid_{i}"] + [f"CAST(:{c}_{i} AS {k})" if k else f":{c}_{i}"
                                         for c, k in zip(columns, casts, strict=True)]) + ")"
        for i in range(rows))
    sets = ", ".join(f"{c} = v.column{n + 2}" for n, c in enumerate(columns))
    allowed = ", ".join(f"'{x}'" for x in expect)
    return (f"UPDATE messages SET {sets} FROM (VALUES {values}) AS v "
            f"WHERE messages.sid = v.column1 AND messages.status IN ({allowed}) "
            "RETURNING messages.sid")


def _apply_steps(sql: _Sql, changes: Changes) -> list[bool]:
    """Each step's guarded UPDATE; whether it applied. Steps of one shape (same columns,
    same expected statuses) go in one UPDATE … FROM (VALUES …) RETURNING when there are
    several (a send batch: hundreds), else one UPDATE each."""
    prepared = []
    for step in changes.steps:
        values = {k: (to_micros(v) if isinstance(v, datetime) else v)
                  for k, v in step.values.items()}
        prepared.append((tuple(sorted(values)), tuple(sorted(step.expect)), values))
    sids = [step.sid for step in changes.steps]
    bulk = ((sql.raw is None or _BULK_STEPS_SQLITE) and len(sids) >= _BULK_MIN
            and len(set(sids)) == len(sids))
    applied = [False] * len(sids)
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for i, (columns, expect, _) in enumerate(prepared):
        groups.setdefault((columns, expect), []).append(i)
    for (columns, expect), members in groups.items():
        if not bulk or len(members) < _BULK_MIN:
            statement = _step_sql(columns, expect)
            for i in members:
                applied[i] = sql.run(statement, {**prepared[i][2], "sid": sids[i]}) > 0
            continue
        for at in range(0, len(members), _BULK_CHUNK):
            chunk = members[at:at + _BULK_CHUNK]
            params: dict[str, Any] = {}
            for n, i in enumerate(chunk):
                params[f"sid_{n}"] = sids[i]
                for c in columns:
                    params[f"{c}_{n}"] = prepared[i][2][c]
            done = set(sql.returning(_bulk_step_sql(columns, expect, len(chunk)), params))
            for i in chunk:
                applied[i] = sids[i] in done
    return applied


def _apply(conn: Connection, changes: Changes) -> list[bool]:
    sql = _Sql(conn)
    applied = _apply_steps(sql, changes)
    then: list[dict[str, Any]] = []
    inbox: list[dict[str, Any]] = []
    for step, ok in zip(changes.steps, applied, strict=True):
        if ok:
            then += [job_row(j) for j in step.then]
            if step.inbox is not None:
                inbox.append(_inbox_row(step.inbox))
    # The carrier edge: a message's idempotency key lands in an inbox at most once.
    sql.insert(t.sim_inbox, inbox, ignore_conflicts=True)
    sql.insert(t.jobs, then, ignore_conflicts=True)
    # Job changes of one shape go in one executemany (no rowcount needed here).
    shapes: dict[str, list[dict[str, Any]]] = {}
    for change in changes.jobs:
        params: dict[str, Any] = {"sid": change.sid, "status": change.status,
                                  "date_updated": to_micros(change.date_updated),
                                  "last_error": change.last_error}
        sets = "status = :status, date_updated = :date_updated, last_error = :last_error, " \
               "locked_until = NULL"
        if change.run_at is not None:
            sets += ", run_at = :run_at"
            params["run_at"] = to_micros(change.run_at)
        if change.payload is not None:
            sets += ", payload = :payload"
            params["payload"] = orjson.dumps(change.payload).decode()
        if change.reset_attempts:
            sets += ", attempts = 0"
        shapes.setdefault(f"UPDATE jobs SET {sets} WHERE sid = :sid", []).append(params)
    for statement, rows in shapes.items():
        sql.many(statement, rows)
    return applied


class JobsStoreMixin:
    """Mixed into SqlStore: uses its `writer`, `engine`, `_rows`, `_one`, `_list`."""

    writer: Any
    engine: Any
    on_jobs: Callable[[], None]

    # provided by SqlStore
    _rows: Callable[[Any], Awaitable[list[Any]]]
    _one: Callable[[Any], Awaitable[Any]]
    _list: Callable[..., Awaitable[Page[Any]]]

    # jobs ---------------------------------------------------------------------------------
    async def claim_jobs(self, now: datetime, lease_until: datetime, limit: int) -> list[Job]:
        """Lease up to `limit` due jobs, oldest first; each claim counts an attempt."""
        params = {"now": to_micros(now), "lease": to_micros(lease_until), "n": limit}
        skip_locked = "" if self.engine.dialect.name == "sqlite" else " FOR UPDATE SKIP LOCKED"
        claim = (
            "UPDATE jobs SET status = 'running', locked_until = :lease, "
            "attempts = attempts + 1, date_updated = :now WHERE sid IN ("
            "SELECT sid FROM jobs WHERE status = 'pending' AND run_at <= :now "
            f"ORDER BY run_at LIMIT :n{skip_locked}) "
            "RETURNING sid, kind, account_sid, resource_sid, payload, run_at, "
            "idempotency_key, date_created, status, attempts"
        )

        def run(conn: Connection) -> list[Job]:
            sql = _Sql(conn)
            rows: list[Any]
            if sql.raw is not None:
                cursor = sql.raw.execute(claim, params)
                names = [d[0] for d in cursor.description]
                rows = [_Row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]
            else:
                rows = list(conn.execute(text(claim), params).fetchall())
            jobs = [_job(r) for r in rows]
            jobs.sort(key=lambda j: (j.run_at, j.sid))
            return jobs

        (jobs,) = await self.writer.write(Exec(run))
        return jobs  # type: ignore[no-any-return]

    async def release_jobs(self, now: datetime, *, all_running: bool = False) -> int:
        """Put leased jobs back to pending: those whose lease ran out, or (at start-up of
        the only worker process, `all_running`) every one a previous run left behind."""
        c = t.jobs.c
        stmt = update(t.jobs).where(c.status == "running")
        if not all_running:
            stmt = stmt.where(c.locked_until < to_micros(now))
        stmt = stmt.values(status="pending", locked_until=None)
        (count,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
        return int(count)

    async def prune_jobs(self, ran_before: datetime, limit: int) -> int:
        """Delete up to `limit` finished jobs (done, canceled) that ran before `ran_before`.
        A finished job is never read again; its run_at is when it last ran or was due, so
        the (status, run_at) index finds them."""
        c = t.jobs.c
        finished = (select(c.sid).where(c.status.in_(("done", "canceled")),
                                        c.run_at < to_micros(ran_before))
                    .limit(limit).scalar_subquery())
        stmt = delete(t.jobs).where(c.sid.in_(finished))
        (count,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
        return int(count)

    async def next_job_at(self) -> datetime | None:
        c = t.jobs.c
        row = await self._one(select(func.min(c.run_at)).where(c.status == "pending"))
        return from_micros(row[0]) if row is not None and row[0] is not None else None

    async def count_jobs(self, *, status: str, kind: str | None = None) -> int:
        c = t.jobs.c
        stmt = select(func.count()).select_from(t.jobs).where(c.status == status)
        if kind is not None:
            stmt = stmt.where(c.kind == kind)
        row = await self._one(stmt)
        return int(row[0])

    async def apply(self, changes: Changes) -> list[bool]:
        """Commit one unit of worker work; returns, per message step, whether it applied."""
        steps: list[Step] = []
        for message, media, jobs in changes.messages:
            steps += message_inserts(message, media, jobs)
        steps.append(Exec(lambda conn: _apply(conn, changes)))
        steps += [Insert(t.jobs, job_row(j)) for j in changes.new_jobs]
        steps += [Insert(t.webhook_attempts, _attempt_row(a)) for a in changes.attempts]
        steps += [Insert(t.notifications, _notification_row(n)) for n in changes.notifications]
        results = await self.writer.write(*steps)
        self.on_jobs()
        return results[0]  # type: ignore[no-any-return]

    async def messages_by_sid(self, sids: Sequence[str]) -> dict[str, Message]:
        if not sids:
            return {}
        rows = await self._rows(select(t.messages).where(t.messages.c.sid.in_(list(sids))))
        return {r.sid: message_from_row(r) for r in rows}

    async def media_urls(self, message_sids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        c = t.media.c
        rows = await self._rows(select(c.parent_sid, c.url).where(
            c.parent_sid.in_(list(message_sids))).order_by(c.date_created, c.sid))
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(r.parent_sid, []).append(r.url)
        return {k: tuple(v) for k, v in out.items()}

    async def queued_segments(self) -> dict[str, int]:
        """Segments waiting per sender (pacing's queue limit is rebuilt from this)."""
        c = t.messages.c
        rows = await self._rows(
            select(c.from_addr, func.sum(c.num_segments)).where(c.status == "queued")
            .group_by(c.from_addr)
        )
        return {r[0]: int(r[1]) for r in rows}

    # webhook attempts and notifications ----------------------------------------------------
    async def list_attempts(self, account_sid: str, *, resource_sid: str | None,
                            after: Cursor | None, limit: int) -> Page[WebhookAttempt]:
        c = t.webhook_attempts.c
        stmt = select(t.webhook_attempts).where(c.account_sid == account_sid)
        if resource_sid is not None:
            stmt = stmt.where(c.resource_sid == resource_sid)
        return await self._list(stmt, t.webhook_attempts, after, limit, _attempt)

    async def get_attempt(self, account_sid: str, sid: str) -> WebhookAttempt | None:
        c = t.webhook_attempts.c
        row = await self._one(select(t.webhook_attempts).where(
            c.sid == sid, c.account_sid == account_sid))
        return _attempt(row) if row else None

    async def list_notifications(self, account_sid: str, *, log: str | None,
                                 created_from: datetime | None, created_until: datetime | None,
                                 after: Cursor | None, limit: int) -> Page[Notification]:
        c = t.notifications.c
        stmt = select(t.notifications).where(c.account_sid == account_sid)
        if log is not None:
            stmt = stmt.where(c.log == log)
        if created_from is not None:
            stmt = stmt.where(c.message_date >= to_micros(created_from))
        if created_until is not None:
            stmt = stmt.where(c.message_date < to_micros(created_until))
        return await self._list(stmt, t.notifications, after, limit, _notification)

    async def get_notification(self, account_sid: str, sid: str) -> Notification | None:
        c = t.notifications.c
        row = await self._one(select(t.notifications).where(
            c.sid == sid, c.account_sid == account_sid))
        return _notification(row) if row else None

    # the simulated network -----------------------------------------------------------------
    async def list_inbox(self, account_sid: str, handset: str, *, after: Cursor | None,
                         limit: int) -> Page[InboxEntry]:
        c = t.sim_inbox.c
        stmt = select(t.sim_inbox).where(c.account_sid == account_sid, c.handset == handset)
        if after is not None and after.sid:
            at = to_micros(after.created)
            stmt = stmt.where(or_(c.date_received < at,
                                  and_(c.date_received == at, c.message_sid < after.sid)))
        stmt = stmt.order_by(c.date_received.desc(), c.message_sid.desc()).limit(limit + 1)
        rows = await self._rows(stmt)
        return Page([_inbox(r) for r in rows[:limit]], len(rows) > limit)

    async def list_rules(self, account_sid: str) -> list[dict[str, Any]]:
        c = t.sim_rules.c
        rows = await self._rows(select(t.sim_rules).where(c.account_sid == account_sid)
                                .order_by(c.number))
        return [dict(r._mapping) for r in rows]

    async def all_rules(self) -> list[dict[str, Any]]:
        rows = await self._rows(select(t.sim_rules))
        return [dict(r._mapping) for r in rows]

    async def put_rule(self, rule: dict[str, Any]) -> None:
        c = t.sim_rules.c
        key = (c.account_sid == rule["account_sid"], c.number == rule["number"])

        def run(conn: Connection) -> None:
            existing = conn.execute(select(c.date_created).where(*key)).first()
            if existing is None:
                conn.execute(t.sim_rules.insert().values(rule))
            else:
                changes = {k: v for k, v in rule.items() if k != "date_created"}
                conn.execute(update(t.sim_rules).where(*key).values(changes))

        await self.writer.write(Exec(run))

    async def delete_rule(self, account_sid: str, number: str) -> bool:
        c = t.sim_rules.c
        stmt = delete(t.sim_rules).where(c.account_sid == account_sid, c.number == number)
        (result,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
        return bool(result)


class _Row:
    """Attribute access over a dict (rows read straight from the sqlite3 driver)."""

    __slots__ = ("_d",)

    def __init__(self, d: dict[str, Any]) -> None:
        self._d = d

    def __getattr__(self, name: str) -> Any:
        try:
            return self._d[name]
        except KeyError:
            raise AttributeError(name) from None
