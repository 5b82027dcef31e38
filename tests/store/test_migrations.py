"""Migrations that carry data: 0006 gives the messages stored before it their session, the
same id the write path computes for new ones. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from callbox.core.comms_ids import session_id
from callbox.store.sql.engine import create_engine, migrate
from tests.support.stores import backend_url

ACCOUNT = "AC" + "1" * 32


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


async def test_0006_backfills_the_sessions_of_existing_messages(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine, "0005")
    rows = [("SM" + f"{i:032x}", "+15005550006", "+14155550100", "outbound-api")
            for i in range(3)]
    rows.append(("SM" + "f" * 32, "+14155550100", "+15005550006", "inbound"))
    async with engine.begin() as conn:
        for sid, frm, to, direction in rows:
            await conn.execute(sa.text(
                "INSERT INTO messages (sid, account_sid, to_addr, from_addr, body, status, "
                "direction, num_segments, num_media, options, price_unit, date_created, "
                "date_updated) "
                "VALUES (:sid, :account, :to, :frm, 'x', 'delivered', :direction, 1, 0, '{}', 'USD', "
                "1, 1)"), {"sid": sid, "account": ACCOUNT, "to": to, "frm": frm,
                           "direction": direction})
    await migrate(engine)
    async with engine.connect() as conn:
        found = dict((await conn.execute(sa.text(
            "SELECT sid, session_id FROM messages"))).fetchall())
    await engine.dispose()
    expected = session_id(ACCOUNT, "+15005550006", "+14155550100")
    assert found == {sid: expected for sid, *_ in rows}  # both directions: one session
