"""One interface to the database, whichever engine is behind it: queries and units of work.

Storage functions take a `Database` and call one of its query methods once per query; they never
commit. A feature function that changes several rows together owns the unit of work:

    async with db.transaction():
        await tickets.close(db, ticket_id, now)
        await audit.record(db, ...)

Outside a transaction every statement is its own unit (autocommit). Inside, every statement of
the task that opened it joins it, and other tasks wait: one user's half-done work can never be
committed or rolled back by another user's request (the "bleed" of a shared connection).

SQL is written once, with `?` positional placeholders and in the part of SQL that SQLite and
PostgreSQL share (`ON CONFLICT ... DO`, `RETURNING`, no `strftime`); an engine that spells
placeholders differently converts them in its own module. New ids come from `INSERT ... RETURNING
id` read with `fetch_value`. The rare query that must differ branches on `db.dialect`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: by position (`row[0]`) and, for named columns, by name (`row["id"]`)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Done:
    """What a write did. Use `RETURNING id` with `fetch_value` for new ids: not every engine has rowids."""

    rowcount: int


class Database(Protocol):
    """What storage functions may use. Implemented by `SqliteDatabase` (and the PostgreSQL engine)."""

    dialect: str  # "sqlite" or "postgres": only for the rare query that must differ

    async def execute(self, sql: str, params: Params = ()) -> Done: ...

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]: ...

    @property
    def in_transaction(self) -> bool: ...

    async def close(self) -> None: ...


class SqliteDatabase:
    """One aiosqlite connection in autocommit mode, shared by every task of a process.

    An asyncio lock serialises units of work; a context variable remembers which task holds it,
    so the holder's statements (and nested `transaction()` blocks) run straight through.
    """

    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._lock = asyncio.Lock()
        # The open unit of work (a fresh object per transaction) and, per task context, the one it
        # joined. A task started inside a unit copies the context, so it joins that unit while it is
        # open; comparing with the open unit (not a plain flag) means such a task that outlives the
        # unit waits like everyone else instead of writing into the next task's transaction.
        self._open: object | None = None
        self._joined: contextvars.ContextVar[object | None] = contextvars.ContextVar(
            f"tx{id(self)}", default=None
        )

    @property
    def in_transaction(self) -> bool:
        return self._open is not None and self._joined.get() is self._open

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Run one statement: straight through inside our own unit of work, else after the others."""
        if self.in_transaction:
            yield
            return
        async with self._lock:
            yield

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[aiosqlite.Connection]:
        """The raw connection, with no other task's statement in between (migrations, checkpoints)."""
        if self.in_transaction:
            raise RuntimeError("the raw connection is not for use inside a unit of work")
        async with self._lock:
            yield self.connection

    async def execute(self, sql: str, params: Params = ()) -> Done:
        async with self._turn():
            cursor = await self.connection.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
        return Done(count)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        if self.in_transaction:
            await self.connection.executemany(sql, rows)
            return
        # Many rows outside a unit of work are still written all or nothing.
        async with self.transaction():
            await self.connection.executemany(sql, rows)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._turn():
            return list(await self.connection.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._turn(), self.connection.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            # Reading to the end finishes the statement, so it holds no read lock afterwards.
            await cursor.fetchall()
        return row

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A unit of work: all its statements are committed together, or none if it raises."""
        if self.in_transaction:
            # Nested blocks join the outer unit: it alone decides commit or rollback.
            yield
            return
        async with self._lock:
            unit = object()
            token = self._joined.set(unit)
            self._open = unit
            try:
                try:
                    # IMMEDIATE takes the write lock now: another process waits (busy_timeout) at BEGIN
                    # instead of failing halfway through when a read would have to become a write.
                    # Inside the try: a task cancelled while BEGIN runs on aiosqlite's thread must
                    # still roll it back (queued after it), or the connection stays in a transaction.
                    await self.connection.execute("BEGIN IMMEDIATE")
                    yield
                    await self.connection.commit()
                except BaseException:
                    # Also when COMMIT itself failed (disk full, busy): the connection must leave
                    # here outside any transaction, or the next task's statements would join it.
                    with contextlib.suppress(sqlite3.Error, ValueError):
                        await self.connection.rollback()
                    raise
            finally:
                self._open = None
                self._joined.reset(token)

    async def close(self) -> None:
        await self.connection.close()
