"""A migrated SqlStore with its group writer running, on SQLite or a private PostgreSQL
database: for tests that drive the store (or a worker) without a server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from callbox.store.sql.engine import create_engine, create_writer, migrate, sqlite_url
from callbox.store.sql.store import SqlStore
from tests.support.pg import postgres_database

__all__ = ["backend_url", "open_store"]


@contextmanager
def backend_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """`sqlite`: a file under tmp_path; `postgres`: a fresh database (see tests.support.pg)."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "store.db")
        return
    with postgres_database() as url:
        yield url


@asynccontextmanager
async def open_store(url: str) -> AsyncIterator[SqlStore]:
    engine = create_engine(url)
    await migrate(engine)
    writer = create_writer(url, engine)
    await writer.start()
    try:
        yield SqlStore(engine, writer)
    finally:
        await writer.stop()
        await engine.dispose()
