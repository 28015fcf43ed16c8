"""The content version every process should run: bumped by a publish, read by every process.

No function commits: the bump (and on PostgreSQL its NOTIFY) belongs to the publish's unit of
work (bot.editor.service); a process LISTENs on a connection of its own (`listen`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from storage.database import Database
from storage.postgres import PostgresDatabase
from storage.postgres_errors import ERRORS


async def current(db: Database) -> int:
    version = await db.fetch_value("SELECT version FROM content_version WHERE id = 1")
    return int(version) if version is not None else 0


async def bump(db: Database) -> int:
    """One more published version (inside the caller's unit of work); the new number."""
    version = await db.fetch_value(
        "UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version"
    )
    return int(version)


# --- PostgreSQL: a publish is told to every process at once (NOTIFY), not found by polling ---------

CHANNEL = "content_version"


async def notify(db: Database, version: int) -> None:
    """Tell every listening process of `version` (PostgreSQL; delivered when the caller's unit of
    work commits, never for one rolled back). Nothing on SQLite: one process per file."""
    if db.dialect == "postgres":
        await db.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(version)))


class Listening:
    """A pooled connection of its own that LISTENs on the channel while the process follows
    publishes; `alive` turns False when the connection is lost (the follower then listens again)."""

    def __init__(self, db: PostgresDatabase, connection: Any, wake: Callable[[], None]) -> None:
        self.db, self.connection, self._wake = db, connection, wake

    def _notified(self, *_: object) -> None:
        self._wake()

    @property
    def alive(self) -> bool:
        return not self.connection.is_closed()

    async def stop(self) -> None:
        with contextlib.suppress(*ERRORS, OSError, RuntimeError):
            await self.connection.remove_listener(CHANNEL, self._notified)
        with contextlib.suppress(*ERRORS, OSError, RuntimeError):
            await self.db.pool.release(self.connection)  # the pool's reset ends any LISTEN too


async def listen(db: Database, wake: Callable[[], None]) -> Listening | None:
    """LISTEN for published versions on PostgreSQL (`wake` is called on each); None on SQLite, or
    when no connection can be had now (the caller reads the version on its own meanwhile)."""
    if not isinstance(db, PostgresDatabase):
        return None
    failures: tuple[type[BaseException], ...] = (*ERRORS, OSError, TimeoutError)
    try:
        connection = await db.pool.acquire(timeout=10)
    except failures:
        return None
    listening = Listening(db, connection, wake)
    try:
        await connection.add_listener(CHANNEL, listening._notified)
    except failures:
        await db.pool.release(connection)
        return None
    return listening
