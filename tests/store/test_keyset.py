"""A PageToken page is an index range scan from the cursor: its cost does not grow with
the page's depth. Checked on SQLite's query plan (no timing in tests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from callbox.core.ports import Cursor
from callbox.store.sql import schema as t
from callbox.store.sql.comms import operation_counts_query
from callbox.store.sql.engine import create_engine, create_writer, migrate, sqlite_url
from callbox.store.sql.store import _keyset


async def test_token_page_is_an_index_range_scan(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "plan.db")
    engine = create_engine(url)
    await migrate(engine)
    writer = create_writer(url, engine)
    await writer.start()
    await writer.stop()
    cursor = Cursor(datetime(2026, 1, 1, tzinfo=UTC), "SM" + "f" * 32)
    stmt = _keyset(
        select(t.messages).where(t.messages.c.account_sid == "AC" + "0" * 32),
        t.messages, cursor, 50,
    )
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        plan = " ".join(row[-1] for row in (await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql)).fetchall())
    await engine.dispose()
    assert "ix_messages_account_created" in plan, plan
    assert "SCAN messages" not in plan, plan
    assert "USE TEMP B-TREE" not in plan, plan  # already in index order: no sort
    assert re.search(r"OFFSET [1-9]", sql) is None, sql  # nothing skipped row by row


async def test_operation_pages_and_stats_use_the_partial_operation_indexes(
        tmp_path: Path) -> None:
    """GET /v1/Messages?operationId=… pages by (operation_id, date_created, sid) without a
    sort, and the operation's stats are counted from a covering index (no table rows)."""
    url = sqlite_url(tmp_path / "plan.db")
    engine = create_engine(url)
    await migrate(engine)
    c = t.messages.c
    op = "comms_operation_01m86act03fafax6bkj9dta2sa"
    cursor = Cursor(datetime(2026, 1, 1, tzinfo=UTC), "SM" + "f" * 32)
    page = _keyset(select(t.messages).where(c.account_sid == "AC" + "0" * 32,
                                            c.operation_id == op), t.messages, cursor, 50)
    stats = operation_counts_query([op, "comms_operation_01m86act03fafax6bkj9dta2sb"])
    plans = []
    async with engine.connect() as conn:
        for stmt in (page, stats):
            sql = str(stmt.compile(dialect=sqlite.dialect(),
                                   compile_kwargs={"literal_binds": True}))
            plans.append(" ".join(row[-1] for row in (await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql)).fetchall()))
    await engine.dispose()
    assert "ix_messages_operation " in plans[0] + " ", plans[0]
    assert "USE TEMP B-TREE" not in plans[0], plans[0]
    assert "COVERING INDEX ix_messages_operation_status" in plans[1], plans[1]
    assert "SCAN messages" not in plans[1], plans[1]


async def test_session_pages_use_the_session_index(tmp_path: Path) -> None:
    """GET /v1/Messages?sessionId=… pages by (account_sid, session_id, date_created, sid),
    not by the account's index (which would walk all its messages), and without a sort."""
    engine = create_engine(sqlite_url(tmp_path / "plan.db"))
    await migrate(engine)
    c = t.messages.c
    cursor = Cursor(datetime(2026, 1, 1, tzinfo=UTC), "SM" + "f" * 32)
    page = _keyset(select(t.messages).where(
        c.account_sid == "AC" + "0" * 32,
        c.session_id == "comms_session_01m86act03fafax6bkj9dta2sa"), t.messages, cursor, 50)
    sql = str(page.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        plan = " ".join(row[-1] for row in (await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql)).fetchall())
    await engine.dispose()
    assert "ix_messages_session" in plan, plan
    assert "USE TEMP B-TREE" not in plan, plan
