"""SqlStore's part for IncomingPhoneNumbers and Applications. Reads on the pool, writes
through the group-commit writer; every query but the by-number lookups (which route inbound
traffic and guard a number's single owner) is scoped by account."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, false, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from callbox.core.clock import from_micros, to_micros
from callbox.core.entities import Page
from callbox.core.numbers import Application, IncomingPhoneNumber, NumberFilter
from callbox.core.ports import Cursor
from callbox.store.sql import schema as t
from callbox.store.sql.writer import Exec, Insert

if TYPE_CHECKING:
    from sqlalchemy import Select

    from callbox.store.sql.writer import GroupWriter

__all__ = ["NumbersStoreMixin"]

_NUMBER_FIELDS = tuple(f.name for f in fields(IncomingPhoneNumber))
_APP_FIELDS = tuple(f.name for f in fields(Application))
_TIMES = ("date_created", "date_updated")


def _row(record: IncomingPhoneNumber | Application) -> dict[str, Any]:
    return {k: (to_micros(v) if isinstance(v, datetime) else v)
            for k, v in asdict(record).items()}


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (to_micros(v) if isinstance(v, datetime) else v) for k, v in values.items()}


def _number(row: Any) -> IncomingPhoneNumber:
    data = {name: getattr(row, name) for name in _NUMBER_FIELDS}
    for name in _TIMES:
        data[name] = from_micros(data[name])
    return IncomingPhoneNumber(**data)


def _application(row: Any) -> Application:
    data = {name: getattr(row, name) for name in _APP_FIELDS}
    for name in _TIMES:
        data[name] = from_micros(data[name])
    return Application(**data)


class NumbersStoreMixin:
    if TYPE_CHECKING:
        writer: GroupWriter

        async def _rows(self, stmt: Any) -> list[Any]: ...
        async def _one(self, stmt: Any) -> Any: ...
        async def _list(self, stmt: Select[Any], table: Any, after: Cursor | None, limit: int,
                        convert: Any) -> Page[Any]: ...

    # incoming phone numbers -----------------------------------------------------------------
    async def get_number(self, account_sid: str, sid: str) -> IncomingPhoneNumber | None:
        c = t.incoming_phone_numbers.c
        row = await self._one(
            select(t.incoming_phone_numbers).where(c.sid == sid, c.account_sid == account_sid)
        )
        return _number(row) if row else None

    async def number_by_phone(self, phone_number: str) -> IncomingPhoneNumber | None:
        c = t.incoming_phone_numbers.c
        row = await self._one(select(t.incoming_phone_numbers).where(c.phone_number == phone_number))
        return _number(row) if row else None

    async def number_owner(self, phone_number: str) -> str | None:
        c = t.incoming_phone_numbers.c
        row = await self._one(select(c.account_sid).where(c.phone_number == phone_number))
        return str(row.account_sid) if row else None

    async def owned_numbers(self, phone_numbers: list[str]) -> set[str]:
        if not phone_numbers:
            return set()
        c = t.incoming_phone_numbers.c
        rows = await self._rows(select(c.phone_number).where(c.phone_number.in_(phone_numbers)))
        return {str(r.phone_number) for r in rows}

    async def list_numbers(self, account_sid: str, flt: NumberFilter, *, after: Cursor | None,
                           limit: int) -> Page[IncomingPhoneNumber]:
        c = t.incoming_phone_numbers.c
        stmt = select(t.incoming_phone_numbers).where(c.account_sid == account_sid)
        if flt.type is not None:
            stmt = stmt.where(c.type == flt.type)
        if flt.beta is False:
            stmt = stmt.where(c.beta.is_(False))
        if flt.friendly_name is not None:
            stmt = stmt.where(c.friendly_name == flt.friendly_name)
        if flt.origin is not None:
            stmt = stmt.where(c.origin == flt.origin)
        if flt.phone_number is not None:
            if flt.phone_number:
                stmt = stmt.where(c.phone_number.like(f"%{flt.phone_number.replace('*', '_')}%"))
            else:
                stmt = stmt.where(false())
        return await self._list(stmt, t.incoming_phone_numbers, after, limit, _number)

    async def insert_number(self, number: IncomingPhoneNumber) -> bool:
        """False when another account owns the number already (the unique constraint)."""
        try:
            await self.writer.write(Insert(t.incoming_phone_numbers, _row(number)))
        except IntegrityError:
            return False
        return True

    async def update_number(self, account_sid: str, sid: str, changes: dict[str, Any]) -> bool:
        c = t.incoming_phone_numbers.c
        stmt = (update(t.incoming_phone_numbers)
                .where(c.sid == sid, c.account_sid == account_sid).values(_changes(changes)))
        (result,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt)))
        return bool(result.rowcount)

    async def delete_number(self, account_sid: str, sid: str) -> bool:
        c = t.incoming_phone_numbers.c
        stmt = delete(t.incoming_phone_numbers).where(c.sid == sid, c.account_sid == account_sid)
        (result,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt)))
        return bool(result.rowcount)

    # applications ---------------------------------------------------------------------------
    async def insert_application(self, app: Application) -> None:
        await self.writer.write(Insert(t.applications, _row(app)))

    async def get_application(self, account_sid: str, sid: str) -> Application | None:
        c = t.applications.c
        row = await self._one(
            select(t.applications).where(c.sid == sid, c.account_sid == account_sid)
        )
        return _application(row) if row else None

    async def list_applications(self, account_sid: str, *, friendly_name: str | None,
                                after: Cursor | None, limit: int) -> Page[Application]:
        c = t.applications.c
        stmt = select(t.applications).where(c.account_sid == account_sid)
        if friendly_name is not None:
            stmt = stmt.where(c.friendly_name == friendly_name)
        return await self._list(stmt, t.applications, after, limit, _application)

    async def update_application(self, account_sid: str, sid: str,
                                 changes: dict[str, Any]) -> bool:
        c = t.applications.c
        stmt = (update(t.applications).where(c.sid == sid, c.account_sid == account_sid)
                .values(_changes(changes)))
        (result,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt)))
        return bool(result.rowcount)

    async def delete_application(self, account_sid: str, sid: str) -> bool:
        """Deletes the application and clears it from the account's numbers, atomically."""
        a, n = t.applications.c, t.incoming_phone_numbers.c

        def run(conn: Connection) -> int:
            result = conn.execute(
                delete(t.applications).where(a.sid == sid, a.account_sid == account_sid)
            )
            if result.rowcount:
                for column in (n.sms_application_sid, n.voice_application_sid):
                    conn.execute(
                        update(t.incoming_phone_numbers)
                        .where(n.account_sid == account_sid, column == sid)
                        .values({column.name: None})
                    )
            return int(result.rowcount)

        (count,) = await self.writer.write(Exec(run))
        return bool(count)
