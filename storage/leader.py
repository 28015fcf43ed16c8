"""Which process is the scheduler: exactly one runs the reminder tick and starts scheduled broadcasts.

- SQLite: one process holds the database file's lock (storage/db.py), so it is always the leader.
- PostgreSQL: the leader holds a session-level advisory lock on a connection of its own for as long
  as it leads. The others try again every `retry` seconds; when the leader dies its session ends,
  PostgreSQL releases the lock and the next try of another process takes it over. A leader whose
  connection breaks stops leading at once (the termination listener) or at its next check.

Two leaders for a moment (a leader that has not yet noticed its connection is gone) cost nothing:
every row is claimed with a conditional statement and a lease, so no work is done twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from storage.database import Database
from storage.postgres import PostgresDatabase
from storage.postgres_errors import ERRORS

log = logging.getLogger("storage.leader")

# Advisory lock keys of this project (two-int form, a key space apart from the migrations' bigint).
LOCK_SPACE = 0x686F7573  # "hous"
SCHEDULER = 1
RETRY_SECONDS = 15.0


def scheduler_key(bot: str | None = None) -> int:
    """The lock key of one bot's scheduler: SCHEDULER for the one bot of TELEGRAM_BOT_TOKEN, a key of
    its own for each named bot (each sends its own reminders and broadcasts with its own token, so
    each has its leader). A positive 32-bit int apart from SCHEDULER."""
    if bot is None:
        return SCHEDULER
    return 2 + zlib.crc32(bot.encode()) % (2**31 - 3)


def holder_name() -> str:
    """A name for one claimer (host, process, a random part): what `claimed_by` columns hold."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leader(Protocol):
    @property
    def leading(self) -> bool: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class SoleLeader:
    """SQLite: the process that opened the database is the only one, so it leads."""

    leading = True

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class AdvisoryLeader:
    """PostgreSQL: leads while it holds `pg_try_advisory_lock(LOCK_SPACE, key)` on a held connection."""

    def __init__(
        self,
        db: PostgresDatabase,
        key: int = SCHEDULER,
        retry: float = RETRY_SECONDS,
        on_lead: Callable[[], None] | None = None,
    ) -> None:
        self.db, self.key, self.retry = db, key, retry
        self.on_lead = on_lead  # called when this process takes the lead (e.g. run the jobs now)
        self._connection: Any = None  # the pooled connection holding the lock, while leading
        self._task: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self._connection is not None

    async def start(self) -> None:
        """One try now (so a lone process leads from its first tick), then one every `retry` seconds."""
        await self._step()
        self._task = asyncio.create_task(self._loop(), name="leader")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.retry)
            await self._step()

    async def _step(self) -> None:
        try:
            if self._connection is None:
                await self._try_to_lead()
            else:
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"), timeout=self.retry)
        except ERRORS as exc:
            if self._connection is not None:
                log.warning("scheduler: the connection holding the lead failed (%s)", type(exc).__name__)
            await self._drop()

    async def _try_to_lead(self) -> None:
        connection = await self.db.pool.acquire(timeout=self.retry)
        try:
            won = await connection.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCK_SPACE, self.key)
        except BaseException:
            await self.db.pool.release(connection)
            raise
        if not won:
            await self.db.pool.release(connection)  # the pool's reset unlocks nothing we hold
            return
        self._connection = connection
        connection.add_termination_listener(self._lost)
        log.info("scheduler: this process leads (reminder tick, scheduled broadcasts; lock %d)", self.key)
        if self.on_lead is not None:
            self.on_lead()

    def _lost(self, _connection: object) -> None:
        log.warning("scheduler: the connection holding the lead was closed; no longer leading")
        self._connection = None

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*ERRORS):
                await self.db.pool.release(connection)

    async def close(self) -> None:
        """Stop trying and give the lead up (the pool's reset unlocks it) before the pool closes."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None:
            with contextlib.suppress(*ERRORS):
                await self._connection.fetchval("SELECT pg_advisory_unlock($1, $2)", LOCK_SPACE, self.key)
        await self._drop()


def open_leader(
    db: Database,
    retry: float = RETRY_SECONDS,
    on_lead: Callable[[], None] | None = None,
    key: int = SCHEDULER,
) -> Leader:
    """The scheduler election (of lock `key`) for this database's engine (not started: call `start`)."""
    if isinstance(db, PostgresDatabase):
        return AdvisoryLeader(db, key=key, retry=retry, on_lead=on_lead)
    return SoleLeader()
