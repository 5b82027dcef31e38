"""The `Store` of core/ports.py on SQLAlchemy Core: reads on a pool, writes through the
group-commit writer. Every query is scoped by account: no cross-account reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from callbox.core.clock import from_micros, to_micros
from callbox.core.entities import (
    Account,
    AccountStatus,
    AccountType,
    ApiKey,
    Feedback,
    Job,
    Media,
    Message,
    Page,
)
from callbox.core.ports import Cursor, MessageFilter
from callbox.store.sql import schema as t
from callbox.store.sql.audiences import AudiencesStoreMixin
from callbox.store.sql.comms import CommsStoreMixin, count_deleted
from callbox.store.sql.jobs import JobsStoreMixin, message_from_row, message_inserts
from callbox.store.sql.numbers import NumbersStoreMixin
from callbox.store.sql.writer import Exec, GroupWriter, Insert

__all__ = ["SqlStore"]

def _to_row(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (to_micros(v) if isinstance(v, datetime) else v) for k, v in values.items()}


def _account(row: Any) -> Account:
    return Account(
        sid=row.sid,
        auth_token=row.auth_token,
        friendly_name=row.friendly_name,
        owner_account_sid=row.owner_account_sid,
        status=AccountStatus(row.status),
        type=AccountType(row.type),
        date_created=from_micros(row.date_created),
        date_updated=from_micros(row.date_updated),
        is_main=bool(row.is_main),
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(
        sid=row.sid,
        account_sid=row.account_sid,
        friendly_name=row.friendly_name,
        secret_hash=row.secret_hash,
        date_created=from_micros(row.date_created),
        date_updated=from_micros(row.date_updated),
    )




def _media(row: Any) -> Media:
    return Media(
        sid=row.sid,
        account_sid=row.account_sid,
        parent_sid=row.parent_sid,
        url=row.url,
        content_type=row.content_type,
        date_created=from_micros(row.date_created),
        date_updated=from_micros(row.date_updated),
    )




def _keyset(stmt: Select[Any], table: Any, after: Cursor | None, limit: int) -> Select[Any]:
    """Newest first. A page next to a cursor costs the same at any depth: an index range
    scan from the cursor, never an OFFSET (which only `Page=N` without a token uses)."""
    created, sid = table.c.date_created, table.c.sid
    if after is not None and after.sid:
        at = to_micros(after.created)
        if after.backward:
            stmt = stmt.where(or_(created > at, and_(created == at, sid > after.sid)))
            return stmt.order_by(created.asc(), sid.asc()).limit(limit + 1)
        stmt = stmt.where(or_(created < at, and_(created == at, sid < after.sid)))
    stmt = stmt.order_by(created.desc(), sid.desc()).limit(limit + 1)
    if after is not None and after.offset:
        stmt = stmt.offset(after.offset)
    return stmt


def _page(rows: list[Any], limit: int, convert: Any, after: Cursor | None = None) -> Page[Any]:
    records = [convert(r) for r in rows[:limit]]
    if after is not None and after.backward:
        records.reverse()
    return Page(records, len(rows) > limit)


def _nothing() -> None:
    return None


class SqlStore(NumbersStoreMixin, JobsStoreMixin, AudiencesStoreMixin, CommsStoreMixin):
    def __init__(self, engine: AsyncEngine, writer: GroupWriter) -> None:
        self.engine = engine
        self.writer = writer
        # Called after a commit that added due work (the in-process job runner's wake-up).
        self.on_jobs: Callable[[], None] = _nothing

    async def _rows(self, stmt: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(stmt)).fetchall())

    async def _list(
        self, stmt: Select[Any], table: Any, after: Cursor | None, limit: int, convert: Any
    ) -> Page[Any]:
        rows = await self._rows(_keyset(stmt, table, after, limit))
        return _page(rows, limit, convert, after)

    async def _one(self, stmt: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).first()

    # accounts ---------------------------------------------------------------------------
    async def get_account(self, sid: str) -> Account | None:
        row = await self._one(select(t.accounts).where(t.accounts.c.sid == sid))
        return _account(row) if row else None

    async def main_account(self) -> Account | None:
        row = await self._one(
            select(t.accounts).where(t.accounts.c.is_main.is_(True)).order_by(
                t.accounts.c.date_created
            ).limit(1)
        )
        return _account(row) if row else None

    async def list_accounts(
        self, root_sid: str, *, friendly_name: str | None, status: str | None,
        after: Cursor | None, limit: int,
    ) -> Page[Account]:
        c = t.accounts.c
        stmt = select(t.accounts).where(or_(c.sid == root_sid, c.owner_account_sid == root_sid))
        if friendly_name is not None:
            stmt = stmt.where(c.friendly_name == friendly_name)
        if status is not None:
            stmt = stmt.where(c.status == status)
        return await self._list(stmt, t.accounts, after, limit, _account)

    async def insert_account(self, account: Account) -> None:
        row = _to_row(asdict(account))
        row["status"] = account.status.value
        row["type"] = account.type.value
        row["is_main"] = bool(account.is_main)
        await self.writer.write(Insert(t.accounts, row))

    async def update_account(self, sid: str, changes: dict[str, Any]) -> None:
        stmt = update(t.accounts).where(t.accounts.c.sid == sid).values(_to_row(changes))
        await self.writer.write(Exec(lambda conn: conn.execute(stmt)))

    # keys -------------------------------------------------------------------------------
    async def get_key(self, sid: str) -> ApiKey | None:
        row = await self._one(select(t.api_keys).where(t.api_keys.c.sid == sid))
        return _key(row) if row else None

    async def list_keys(self, account_sid: str, *, after: Cursor | None, limit: int) -> Page[ApiKey]:
        stmt = select(t.api_keys).where(t.api_keys.c.account_sid == account_sid)
        return await self._list(stmt, t.api_keys, after, limit, _key)

    async def insert_key(self, key: ApiKey) -> None:
        await self.writer.write(Insert(t.api_keys, _to_row(asdict(key))))

    async def update_key(self, sid: str, changes: dict[str, Any]) -> None:
        stmt = update(t.api_keys).where(t.api_keys.c.sid == sid).values(_to_row(changes))
        await self.writer.write(Exec(lambda conn: conn.execute(stmt)))

    async def delete_key(self, account_sid: str, sid: str) -> bool:
        c = t.api_keys.c
        stmt = delete(t.api_keys).where(c.sid == sid, c.account_sid == account_sid)
        (result,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt)))
        return bool(result.rowcount)

    # messages ---------------------------------------------------------------------------
    async def create_message(self, message: Message, media: list[Media], jobs: list[Job]) -> None:
        await self.writer.write(*message_inserts(message, media, jobs))
        self.on_jobs()

    async def get_message(self, account_sid: str, sid: str) -> Message | None:
        c = t.messages.c
        row = await self._one(select(t.messages).where(c.sid == sid, c.account_sid == account_sid))
        return message_from_row(row) if row else None

    async def list_messages(
        self, account_sid: str, flt: MessageFilter, *, after: Cursor | None, limit: int
    ) -> Page[Message]:
        c = t.messages.c
        stmt = select(t.messages).where(c.account_sid == account_sid)
        if flt.to is not None:
            stmt = stmt.where(c.to_addr == flt.to)
        if flt.from_ is not None:
            stmt = stmt.where(c.from_addr == flt.from_)
        if flt.sent_from is not None:
            stmt = stmt.where(c.date_sent >= to_micros(flt.sent_from))
        if flt.sent_until is not None:
            stmt = stmt.where(c.date_sent < to_micros(flt.sent_until))
        return await self._list(stmt, t.messages, after, limit, message_from_row)

    async def update_message(
        self, account_sid: str, sid: str, changes: dict[str, Any],
        *, only_if_status: frozenset[str] | None = None, cancel_jobs: bool = False,
    ) -> bool:
        c = t.messages.c
        stmt = update(t.messages).where(c.sid == sid, c.account_sid == account_sid)
        if only_if_status is not None:
            stmt = stmt.where(c.status.in_(sorted(only_if_status)))
        stmt = stmt.values(_to_row(changes))

        def run(conn: Connection) -> int:
            result = conn.execute(stmt)
            if result.rowcount and cancel_jobs:
                conn.execute(
                    update(t.jobs)
                    .where(t.jobs.c.resource_sid == sid, t.jobs.c.status == "pending")
                    .values(status="canceled", date_updated=_to_row(changes)["date_updated"])
                )
            return int(result.rowcount)

        (count,) = await self.writer.write(Exec(run))
        return bool(count)

    async def delete_message(self, account_sid: str, sid: str,
                             statuses: Iterable[str] | None = None) -> bool:
        """Delete the message (only while its status is one of `statuses`, if given: a
        worker may move it on between the caller's read and this write)."""
        c = t.messages.c
        stmt = delete(t.messages).where(c.sid == sid, c.account_sid == account_sid)
        if statuses is not None:
            stmt = stmt.where(c.status.in_(list(statuses)))

        def run(conn: Connection) -> int:
            gone = conn.execute(stmt.returning(c.operation_id, c.status, c.error_code)).first()
            if gone is not None:
                if gone.operation_id is not None:
                    count_deleted(conn, gone.operation_id, gone.status, gone.error_code)
                conn.execute(delete(t.media).where(t.media.c.parent_sid == sid))
                conn.execute(delete(t.feedback).where(t.feedback.c.message_sid == sid))
                conn.execute(
                    update(t.jobs)
                    .where(t.jobs.c.resource_sid == sid, t.jobs.c.status == "pending")
                    .values(status="canceled")
                )
            return 0 if gone is None else 1

        (count,) = await self.writer.write(Exec(run))
        return bool(count)

    # media and feedback -------------------------------------------------------------------
    async def list_media(
        self, account_sid: str, message_sid: str, *, created_from: datetime | None,
        created_until: datetime | None, after: Cursor | None, limit: int,
    ) -> Page[Media]:
        c = t.media.c
        stmt = select(t.media).where(c.parent_sid == message_sid, c.account_sid == account_sid)
        if created_from is not None:
            stmt = stmt.where(c.date_created >= to_micros(created_from))
        if created_until is not None:
            stmt = stmt.where(c.date_created < to_micros(created_until))
        return await self._list(stmt, t.media, after, limit, _media)

    async def get_media(self, account_sid: str, message_sid: str, sid: str) -> Media | None:
        c = t.media.c
        row = await self._one(
            select(t.media).where(
                c.sid == sid, c.parent_sid == message_sid, c.account_sid == account_sid
            )
        )
        return _media(row) if row else None

    async def delete_media(self, account_sid: str, message_sid: str, sid: str) -> bool:
        c = t.media.c

        def run(conn: Connection) -> int:
            result = conn.execute(
                delete(t.media).where(
                    c.sid == sid, c.parent_sid == message_sid, c.account_sid == account_sid
                )
            )
            if result.rowcount:
                count = (
                    conn.execute(
                        select(func.count()).select_from(t.media).where(c.parent_sid == message_sid)
                    )
                ).scalar_one()
                conn.execute(
                    update(t.messages).where(t.messages.c.sid == message_sid).values(num_media=count)
                )
            return int(result.rowcount)

        (count,) = await self.writer.write(Exec(run))
        return bool(count)

    async def upsert_feedback(self, fb: Feedback) -> Feedback:
        c = t.feedback.c

        def run(conn: Connection) -> Feedback:
            existing = conn.execute(
                select(t.feedback).where(c.message_sid == fb.message_sid)
            ).first()
            if existing is None:
                conn.execute(t.feedback.insert().values(_to_row(asdict(fb))))
                return fb
            conn.execute(
                update(t.feedback)
                .where(c.message_sid == fb.message_sid)
                .values(outcome=fb.outcome, date_updated=to_micros(fb.date_updated))
            )
            return Feedback(
                fb.account_sid, fb.message_sid, fb.outcome,
                from_micros(existing.date_created), fb.date_updated,
            )

        (result,) = await self.writer.write(Exec(run))
        return result  # type: ignore[no-any-return]
