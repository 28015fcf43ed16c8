"""One interface to the database, whichever engine is behind it: queries and units of work.

Storage functions take a `Database` and call one of its query methods once per query; they never
commit. A feature function that changes several rows together owns the unit of work:

    async with db.transaction():
        await tickets.close(db, ticket_id, now)
        await audit.record(db, ...)

Outside a transaction every statement is its own unit (autocommit). Inside, every statement of
the task that opened it joins it, and other tasks wait: one user's half-done work can never be
committed or rolled back by another user's request (the "bleed" of a shared connection).

SQL is written once, for SQLite, with `?` placeholders (named `:name` ones are accepted too); an
engine that spells them differently converts them in its own module.
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
        self._inside: contextvars.ContextVar[bool] = contextvars.ContextVar(f"tx{id(self)}", default=False)

    @property
    def in_transaction(self) -> bool:
        return self._inside.get()

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Run one statement: straight through inside our own unit of work, else after the others."""
        if self._inside.get():
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Params = ()) -> Done:
        async with self._turn():
            cursor = await self.connection.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
        return Done(count)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        if self._inside.get():
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
        if self._inside.get():
            # Nested blocks join the outer unit: it alone decides commit or rollback.
            yield
            return
        async with self._lock:
            token = self._inside.set(True)
            try:
                # IMMEDIATE takes the write lock now: another process waits (busy_timeout) at BEGIN
                # instead of failing halfway through when a read would have to become a write.
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    with contextlib.suppress(sqlite3.Error, ValueError):
                        await self.connection.rollback()
                    raise
                await self.connection.commit()
            finally:
                self._inside.reset(token)

    async def close(self) -> None:
        await self.connection.close()
