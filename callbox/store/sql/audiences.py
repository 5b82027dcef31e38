"""SqlStore's part for Communications API audiences and their members. Reads on the pool,
writes through the group-commit writer; every query is scoped by account (members through
their audience: `audience_members` has no account column).

Members are keyed by (audience, address); `audiences.member_count` is kept exact by the
transaction that changes them. Large `IN` lists go in chunks (SQLite's and asyncpg's bind
parameter limits)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from callbox.core.audiences import Audience, AudienceMember, MemberInput
from callbox.core.clock import from_micros, to_micros
from callbox.core.entities import Page
from callbox.core.errors import InvalidParameter
from callbox.core.ports import Cursor
from callbox.store.sql import schema as t
from callbox.store.sql.writer import Exec, Insert

if TYPE_CHECKING:
    from sqlalchemy import Select

    from callbox.store.sql.writer import GroupWriter

__all__ = ["AudiencesStoreMixin"]

_CHUNK = 500


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _json(value: dict[str, str]) -> str:
    return orjson.dumps(value).decode()


def _audience(row: Any) -> Audience:
    return Audience(
        sid=row.sid,
        account_sid=row.account_sid,
        name=row.name,
        description=row.description,
        tags=orjson.loads(row.tags),
        member_count=row.member_count,
        date_created=from_micros(row.date_created),
        date_updated=from_micros(row.date_updated),
    )


def _member(row: Any) -> AudienceMember:
    return AudienceMember(
        audience_sid=row.audience_sid,
        address=row.address,
        channel=row.channel,
        variables=orjson.loads(row.variables),
        date_created=from_micros(row.date_created),
    )


def _member_row(audience_sid: str, member: MemberInput, created: int) -> dict[str, Any]:
    address, channel, variables = member
    return {"audience_sid": audience_sid, "address": address, "channel": channel,
            "variables": _json(variables), "date_created": created}


def _owned(account_sid: str, audience_sid: str) -> Any:
    """`audience_members.audience_sid` is this audience of this account."""
    a = t.audiences.c
    return t.audience_members.c.audience_sid.in_(
        select(a.sid).where(a.sid == audience_sid, a.account_sid == account_sid)
    )


def _members_keyset(stmt: Select[Any], after: Cursor | None, limit: int) -> Select[Any]:
    """Newest first on (date_created, address); the cursor's `sid` carries the address."""
    m = t.audience_members.c
    created, address = m.date_created, m.address
    if after is not None and after.sid:
        at = to_micros(after.created)
        if after.backward:
            stmt = stmt.where(or_(created > at, and_(created == at, address > after.sid)))
            return stmt.order_by(created.asc(), address.asc()).limit(limit + 1)
        stmt = stmt.where(or_(created < at, and_(created == at, address < after.sid)))
    return stmt.order_by(created.desc(), address.desc()).limit(limit + 1)


class AudiencesStoreMixin:
    if TYPE_CHECKING:
        writer: GroupWriter

        async def _rows(self, stmt: Any) -> list[Any]: ...

        async def _one(self, stmt: Any) -> Any: ...

        async def _list(self, stmt: Select[Any], table: Any, after: Cursor | None,
                        limit: int, convert: Any) -> Page[Any]: ...

    async def create_audience(self, audience: Audience, members: Sequence[MemberInput]
                              ) -> None:
        """The audience and its first members (one per address), in one transaction."""
        created = to_micros(audience.date_created)
        row = {
            "sid": audience.sid,
            "account_sid": audience.account_sid,
            "name": audience.name,
            "description": audience.description,
            "tags": _json(audience.tags),
            "member_count": len({m[0] for m in members}),
            "date_created": created,
            "date_updated": to_micros(audience.date_updated),
        }
        unique = {m[0]: m for m in members}
        await self.writer.write(
            Insert(t.audiences, row),
            *(Insert(t.audience_members, _member_row(audience.sid, m, created))
              for m in unique.values()),
        )

    async def get_audience(self, account_sid: str, sid: str) -> Audience | None:
        a = t.audiences.c
        row = await self._one(select(t.audiences).where(a.sid == sid,
                                                        a.account_sid == account_sid))
        return _audience(row) if row else None

    async def list_audiences(self, account_sid: str, after: Cursor | None, limit: int
                             ) -> Page[Audience]:
        stmt = select(t.audiences).where(t.audiences.c.account_sid == account_sid)
        page: Page[Audience] = await self._list(stmt, t.audiences, after, limit, _audience)
        return page

    async def update_audience(self, account_sid: str, sid: str, changes: dict[str, Any]
                              ) -> bool:
        """`changes`: any of name, description, tags (a dict), date_updated (a datetime)."""
        values = {k: (to_micros(v) if isinstance(v, datetime)
                      else _json(v) if k == "tags" else v) for k, v in changes.items()}
        a = t.audiences.c
        stmt = update(t.audiences).where(a.sid == sid, a.account_sid == account_sid
                                         ).values(values)
        (count,) = await self.writer.write(Exec(lambda conn: conn.execute(stmt).rowcount))
        return bool(count)

    async def delete_audience(self, account_sid: str, sid: str) -> bool:
        a = t.audiences.c

        def run(conn: Connection) -> int:
            result = conn.execute(
                delete(t.audiences).where(a.sid == sid, a.account_sid == account_sid))
            if result.rowcount:
                conn.execute(delete(t.audience_members).where(
                    t.audience_members.c.audience_sid == sid))
            return int(result.rowcount)

        (count,) = await self.writer.write(Exec(run))
        return bool(count)

    async def change_members(
        self, account_sid: str, sid: str, add: Sequence[MemberInput], remove: Sequence[str],
        now: datetime, max_members: int,
    ) -> tuple[int, int, int] | None:
        """Remove, then add (an address already there gets the new channel and variables and
        is not counted as added), in one transaction: (added, removed, member count), or None
        when the account has no such audience. Over `max_members`: a 400 and nothing
        written."""
        a, m = t.audiences.c, t.audience_members.c
        at = to_micros(now)
        adds = {member[0]: member for member in add}
        removals = list(dict.fromkeys(remove))

        def run(conn: Connection) -> tuple[int, int, int] | None:
            # FOR UPDATE (PostgreSQL; SQLite has one writer): processes sharing the database
            # change an audience's members one at a time, each reading the count and the
            # members the previous one committed.
            count = conn.execute(select(a.member_count).where(
                a.sid == sid, a.account_sid == account_sid).with_for_update()).scalar()
            if count is None:
                return None
            wanted = list(dict.fromkeys([*removals, *adds]))
            present: set[str] = set()
            for chunk in _chunks(wanted):
                present.update(conn.execute(select(m.address).where(
                    m.audience_sid == sid, m.address.in_(chunk))).scalars())
            gone = [address for address in removals if address in present]
            kept = present.difference(gone)
            new = [member for address, member in adds.items() if address not in kept]
            changed = [member for address, member in adds.items() if address in kept]
            total = int(count) - len(gone) + len(new)
            if total > max_members:
                raise InvalidParameter(
                    f"An audience holds at most {max_members} members: this change would "
                    f"make it {total}", field="add")
            for chunk in _chunks(gone):
                conn.execute(delete(t.audience_members).where(
                    m.audience_sid == sid, m.address.in_(chunk)))
            if changed:
                conn.execute(
                    update(t.audience_members)
                    .where(m.audience_sid == sid, m.address == bindparam("b_address"))
                    .values(channel=bindparam("b_channel"), variables=bindparam("b_variables")),
                    [{"b_address": address, "b_channel": channel,
                      "b_variables": _json(variables)}
                     for address, channel, variables in changed],
                )
            if new:
                conn.execute(insert(t.audience_members),
                             [_member_row(sid, member, at) for member in new])
            if new or gone or changed:  # a change that changes nothing keeps updatedAt
                conn.execute(update(t.audiences).where(a.sid == sid).values(
                    member_count=total, date_updated=at))
            return len(new), len(gone), total

        (result,) = await self.writer.write(Exec(run))
        return result  # type: ignore[no-any-return]

    async def list_members(self, account_sid: str, audience_sid: str, after: Cursor | None,
                           limit: int) -> Page[AudienceMember]:
        """Newest first on (date_created, address); empty when the account has no such
        audience."""
        stmt = select(t.audience_members).where(
            t.audience_members.c.audience_sid == audience_sid,
            _owned(account_sid, audience_sid))
        rows = await self._rows(_members_keyset(stmt, after, limit))
        records = [_member(r) for r in rows[:limit]]
        if after is not None and after.backward:
            records.reverse()
        return Page(records, len(rows) > limit)

    async def audience_targets(self, account_sid: str, audience_sid: str
                               ) -> list[tuple[str, str, dict[str, str]]] | None:
        """Every member as (address, channel, variables), oldest first; None when the
        account has no such audience."""
        if await self.get_audience(account_sid, audience_sid) is None:
            return None
        m = t.audience_members.c
        rows = await self._rows(
            select(m.address, m.channel, m.variables)
            .where(m.audience_sid == audience_sid, _owned(account_sid, audience_sid))
            .order_by(m.date_created.asc(), m.address.asc()))
        return [(r.address, r.channel, orjson.loads(r.variables)) for r in rows]
