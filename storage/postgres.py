"""The `Database` interface over PostgreSQL: an asyncpg pool shared by every task of a process.

Outside a unit of work each statement takes any pooled connection and commits on its own. A unit
of work (`async with db.transaction():`) takes one connection for itself and keeps it in a
context variable, so every statement of that task, and of nested blocks, runs on it; other tasks
keep using the rest of the pool and never see or end another's half-done work. Unlike SQLite,
units of work run side by side: PostgreSQL's row locks, not one process-wide lock, keep them apart.

SQL arrives in SQLite's spelling (`?`, `:name`) and is respelled once (storage/placeholders.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from storage import postgres_migrate
from storage.database import Done, Params, Row
from storage.db import StorageError
from storage.placeholders import numbered
from storage.postgres_errors import ERRORS, OPEN_ERRORS, describe_url, operator_line

# Commands whose status string ends in a row count ("INSERT 0 3", "UPDATE 2", "DELETE 1").
# sqlite3 reports -1 for every other statement, and so do we.
_COUNTED = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})


@dataclass
class _Held:
    """The connection of one task's unit of work; the lock keeps that task's children in turn.

    A task started inside the unit copies the context and so sees this object; once the unit has
    ended (`open` False) such a task must not touch the connection, which went back to the pool:
    its statements run on their own, like any other task's.
    """

    connection: asyncpg.Connection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True


class PostgresDatabase:
    """What `storage.database.Database` promises, for PostgreSQL."""

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self.pool = pool
        self.where = where  # the URL without its password, for messages
        self._held: contextvars.ContextVar[_Held | None] = contextvars.ContextVar(
            f"pg-tx{id(self)}", default=None
        )

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, migrate: bool = True
    ) -> PostgresDatabase:
        """Connect a pool to `url` (any libpq-style URL) and bring the schema up to date."""
        where = describe_url(url)
        try:
            pool = await asyncpg.create_pool(
                url, min_size=min_size, max_size=max_size, init=_prepare_connection, timeout=10
            )
        except OPEN_ERRORS as exc:
            raise StorageError(f"cannot open the database at {where}: {operator_line(exc)}") from exc
        db = cls(pool, where)
        if migrate:
            try:
                await postgres_migrate.migrate(db)
            except BaseException:
                await db.close()
                raise
        return db

    @property
    def in_transaction(self) -> bool:
        return self._unit() is not None

    def _unit(self) -> _Held | None:
        """This task's open unit of work, if any (not one that ended while the task lived on)."""
        held = self._held.get()
        return held if held is not None and held.open else None

    async def execute(self, sql: str, params: Params = ()) -> Done:
        query = numbered(sql)
        async with self._connection() as connection:
            status: str = await connection.execute(query.sql, *query.arguments(params))
        return Done(_rowcount(status))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        query = numbered(sql)
        batch = [query.arguments(row) for row in rows]
        if not batch:
            return
        # asyncpg runs the whole batch in one implicit transaction: all rows or none, as on SQLite.
        async with self._connection() as connection:
            await connection.executemany(query.sql, batch)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        query = numbered(sql)
        async with self._connection() as connection:
            rows: list[Row] = await connection.fetch(query.sql, *query.arguments(params))
        return rows

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        query = numbered(sql)
        async with self._connection() as connection:
            row: Row | None = await connection.fetchrow(query.sql, *query.arguments(params))
        return row

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        query = numbered(sql)
        async with self._connection() as connection:
            return await connection.fetchval(query.sql, *query.arguments(params))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A unit of work: all its statements are committed together, or none if it raises."""
        if self._unit() is not None:
            # Nested blocks join the outer unit: it alone decides commit or rollback.
            yield
            return
        with _mapped(self.where):
            connection = await self.pool.acquire()
        try:
            unit = _Held(connection)
            token = self._held.set(unit)
            try:
                with _mapped(self.where):
                    transaction = connection.transaction()
                    await transaction.start()
                try:
                    yield
                except BaseException:
                    with contextlib.suppress(*ERRORS):
                        await transaction.rollback()
                    raise
                with _mapped(self.where):
                    await transaction.commit()
            finally:
                unit.open = False
                self._held.reset(token)
        finally:
            with contextlib.suppress(*ERRORS):
                await self.pool.release(connection)

    async def close(self) -> None:
        try:
            # Waits for borrowed connections to come back; one that never does is cut off.
            await asyncio.wait_for(self.pool.close(), timeout=10)
        except ERRORS:
            self.pool.terminate()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """The task's unit-of-work connection (one statement at a time), else the pool itself."""
        held = self._unit()
        if held is None:
            with _mapped(self.where):
                # Pool.execute/fetch/... take a connection for the one statement and give it back.
                yield self.pool
            return
        async with held.lock:
            with _mapped(self.where, held.connection):
                yield held.connection


@contextlib.contextmanager
def _mapped(where: str, connection: Any = None) -> Iterator[None]:
    """asyncpg's and the socket's errors as StorageError: one line an operator can act on."""
    try:
        yield
    except ERRORS as exc:
        # A unit of work's connection that the server ended fails in several ways (asyncpg may even
        # hand it back to the pool first); whichever, the cause is the same.
        lost = connection is not None and _is_lost(connection)
        reason = "the connection to the server was lost" if lost else operator_line(exc)
        raise StorageError(f"the database at {where} failed: {reason}") from exc


def _is_lost(connection: Any) -> bool:
    try:
        return bool(connection.is_closed())
    except asyncpg.InterfaceError:
        return True  # the pool took it back when it closed: asyncpg's proxy no longer answers


def _rowcount(status: str) -> int:
    command, _, rest = status.partition(" ")
    if command in _COUNTED:
        last = rest.rsplit(" ", 1)[-1]
        if last.isdigit():
            return int(last)
    return -1


def _as_text(value: object) -> str:
    """A parameter bound to a TEXT column or a bare `?`: a number becomes its digits, as SQLite's
    TEXT affinity does; anything else that is not text is refused rather than guessed at."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(f"expected text, got {type(value).__name__}")


async def _prepare_connection(connection: asyncpg.Connection) -> None:
    # Text is sent and read as text; only the encoder is lenient (see _as_text).
    await connection.set_type_codec("text", schema="pg_catalog", encoder=_as_text, decoder=str, format="text")
