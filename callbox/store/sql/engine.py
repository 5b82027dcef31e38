"""Engines for SQLite (WAL, one writer) and PostgreSQL, and migrations at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from callbox.store.sql.writer import AsyncEngineWriter, GroupWriter, SqliteInlineWriter

__all__ = ["create_engine", "create_writer", "is_sqlite", "migrate", "sqlite_url"]

_MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()


def create_engine(url: str, *, synchronous: str = "FULL") -> AsyncEngine:
    """The engine for reads (and, on PostgreSQL, writes)."""
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            pool_size=8,
            max_overflow=8,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _sqlite_pragmas(engine.sync_engine, synchronous)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def create_writer(url: str, engine: AsyncEngine, *, synchronous: str = "FULL") -> GroupWriter:
    """SQLite: one write connection driven from the event loop. Others: the async engine."""
    if is_sqlite(url):
        sync_url = url.replace("sqlite+aiosqlite", "sqlite+pysqlite", 1)
        sync_engine = sa_create_engine(
            sync_url, pool_size=2, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _sqlite_pragmas(sync_engine, synchronous)
        return SqliteInlineWriter(sync_engine)
    return AsyncEngineWriter(engine)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (head). On PostgreSQL an advisory lock serialises
    processes."""

    def upgrade(sync_conn: Connection) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        await conn.run_sync(upgrade)
