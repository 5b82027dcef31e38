"""Group commit: many requests' writes, one transaction, each caller answered after COMMIT.

    caller ──write(Unit)──► queue ──► writer task: drain up to max_batch units
                                        BEGIN
                                          rows of each table → one executemany INSERT
                                          statements in order → execute
                                        COMMIT ──► every caller's future resolves
                                        (on failure: ROLLBACK, then each unit alone,
                                         so only the unit at fault sees the error)

SQLite allows one writer at a time and a commit costs an fsync; grouping turns N commits
into one. A unit's steps always commit together or not at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["Exec", "GroupWriter", "Insert", "Step"]

log = logging.getLogger("callbox.store.writer")


@dataclass(slots=True, frozen=True)
class Insert:
    table: Table
    row: dict[str, Any]


@dataclass(slots=True, frozen=True)
class Exec:
    """A statement (or any work) run on the transaction's connection; its result is returned."""

    fn: Callable[[AsyncConnection], Awaitable[Any]]


Step = Insert | Exec


@dataclass(slots=True)
class _Unit:
    steps: Sequence[Step]
    future: asyncio.Future[list[Any]] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupWriter:
    def __init__(self, engine: AsyncEngine, *, max_batch: int = 1024) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Unit | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.units = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="callbox-group-writer")

    async def stop(self) -> None:
        """Finish everything queued so far, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def write(self, *steps: Step) -> list[Any]:
        """Commit the steps together; return the results of the Exec steps, in order."""
        if self._task is None:
            raise RuntimeError("GroupWriter is not running")
        unit = _Unit(steps)
        self._queue.put_nowait(unit)
        return await asyncio.shield(unit.future)

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._commit(batch)

    async def _commit(self, batch: list[_Unit]) -> None:
        try:
            results = await self._transaction(batch)
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch[0], exc)
                return
            log.debug("group commit of %d units failed; retrying one by one", len(batch))
            for unit in batch:
                try:
                    (result,) = await self._transaction([unit])
                except Exception as exc:
                    self._fail(unit, exc)
                else:
                    self._resolve(unit, result)
            return
        for unit, result in zip(batch, results, strict=True):
            self._resolve(unit, result)

    async def _transaction(self, batch: list[_Unit]) -> list[list[Any]]:
        results: list[list[Any]] = []
        async with self._engine.begin() as conn:
            pending: dict[Table, list[dict[str, Any]]] = {}
            for unit in batch:
                out: list[Any] = []
                for step in unit.steps:
                    if isinstance(step, Insert):
                        pending.setdefault(step.table, []).append(step.row)
                    else:
                        await _flush(conn, pending)
                        out.append(await step.fn(conn))
                results.append(out)
            await _flush(conn, pending)
        self.batches += 1
        self.units += len(batch)
        return results

    @staticmethod
    def _resolve(unit: _Unit, result: list[Any]) -> None:
        if not unit.future.done():
            unit.future.set_result(result)

    @staticmethod
    def _fail(unit: _Unit, exc: BaseException) -> None:
        if not unit.future.done():
            unit.future.set_exception(exc)


async def _flush(conn: AsyncConnection, pending: dict[Table, list[dict[str, Any]]]) -> None:
    for table, rows in pending.items():
        await conn.execute(table.insert(), rows)
    pending.clear()
