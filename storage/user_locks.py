"""Per-user ordering across processes: one user's updates are never handled by two processes at once.

Within a process the Telegram door already queues each user's updates one after another
(bot/channels/telegram/order.py). `UserLocks` adds what several processes need:

- SQLite: nothing (`LocalOnly`): one process owns the database, so the in-process order is all.
- PostgreSQL (`AdvisoryUserLocks`): a session-level advisory lock per user, all on ONE connection
  held for the process's lifetime (a connection per waiting update would empty the pool). Taking
  it is `pg_try_advisory_lock`, retried after a short pause while another process holds it, so the
  shared connection never blocks; when a process dies, its session ends and its locks go with it.

If the lock connection fails, the update is handled anyway (logged): answering a person matters
more than the order of their two messages, and without a database the handler fails on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

from storage.database import Database
from storage.leader import LOCK_SPACE
from storage.postgres import PostgresDatabase
from storage.postgres_errors import ERRORS

log = logging.getLogger("storage.user_locks")

USER_SPACE = LOCK_SPACE + 1  # the second key is the low 32 bits of the user id (a clash only queues)
FIRST_PAUSE, MAX_PAUSE = 0.01, 0.2  # seconds between tries while another process holds the user


class UserLocks(Protocol):
    def hold(self, key: int) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def close(self) -> None: ...


class LocalOnly:
    """SQLite: the in-process order is the whole order."""

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        yield

    async def close(self) -> None:
        return None


def _second_key(key: int) -> int:
    """The user id's low 32 bits as PostgreSQL's signed int4."""
    low = key & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


class AdvisoryUserLocks:
    """PostgreSQL: `hold(user)` returns once no other process holds that user."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._connection: Any = None
        self._turn = asyncio.Lock()  # one statement at a time on the shared connection

    async def _run(self, sql: str, key: int) -> Any:
        async with self._turn:
            if self._connection is None:
                self._connection = await self.db.pool.acquire(timeout=10)
            try:
                return await self._connection.fetchval(sql, USER_SPACE, _second_key(key))
            except ERRORS:
                await self._drop()
                raise

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        held = False
        try:
            pause = FIRST_PAUSE
            while not await self._run("SELECT pg_try_advisory_lock($1, $2)", key):
                await asyncio.sleep(pause)
                pause = min(MAX_PAUSE, pause * 2)
            held = True
        except ERRORS as exc:
            log.warning(
                "per-user order across processes unavailable (%s); handling anyway", type(exc).__name__
            )
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(*ERRORS):  # a lost session released it already
                    await self._run("SELECT pg_advisory_unlock($1, $2)", key)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*ERRORS):
                await self.db.pool.release(connection)  # the pool's reset unlocks everything we held

    async def close(self) -> None:
        async with self._turn:
            await self._drop()


def open_user_locks(db: Database) -> UserLocks:
    if isinstance(db, PostgresDatabase):
        return AdvisoryUserLocks(db)
    return LocalOnly()
