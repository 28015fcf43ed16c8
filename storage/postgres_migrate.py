"""Bringing a PostgreSQL schema up to date with storage/migrations/postgres/NNN_name.sql.

The numbers are SQLite's (storage/migrations/NNN_name.sql): migration N makes the same tables,
columns, indexes and constraints in both dialects. `schema_version` (one row per applied
migration) stands in for SQLite's `PRAGMA user_version`. Each migration runs in its own
transaction, after taking a transaction-level advisory lock, so processes starting together apply
each migration once, one after the other; the loser of the race finds it applied and moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import asyncpg

from storage.db import StorageError, load_migrations
from storage.postgres_errors import ERRORS, operator_line

if TYPE_CHECKING:
    from storage.postgres import PostgresDatabase

# The advisory lock taken while migrating ("hous" in ASCII). Other advisory locks of this project
# must use other keys.
MIGRATION_LOCK = 0x686F7573

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


def postgres_migrations() -> list[tuple[int, str]]:
    """(number, sql) for every packaged PostgreSQL migration, checked for gaps like SQLite's."""
    return load_migrations(files("storage").joinpath("migrations", "postgres"))


async def schema_version(db: PostgresDatabase) -> int:
    """The newest migration applied (0 for an empty database)."""
    async with db.pool.acquire() as connection:
        return await _version(connection)


async def migrate(db: PostgresDatabase, migrations: Sequence[tuple[int, str]] | None = None) -> int:
    """Apply every migration newer than the database, each in its own transaction; return the version."""
    ordered = sorted(postgres_migrations() if migrations is None else migrations)
    latest = ordered[-1][0] if ordered else 0
    try:
        async with db.pool.acquire() as connection:
            current = await _version(connection)
            if current > latest:
                raise StorageError(
                    "the database was created by a newer version of the bot"
                    f" (schema {current}, this code knows {latest})"
                )
            for number, sql in ordered:
                if number > current:
                    await _apply(connection, number, sql)
            return await _version(connection)
    except ERRORS as exc:
        raise StorageError(f"cannot migrate the database at {db.where}: {operator_line(exc)}") from exc


async def _apply(connection: Any, number: int, sql: str) -> None:
    async with connection.transaction():
        # Held until this transaction ends: a second process waits here, then sees the new version.
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(_VERSION_TABLE)
        if await _version(connection) >= number:
            return
        try:
            # No parameters: the simple protocol runs the whole script, statement after statement.
            await connection.execute(sql)
        except asyncpg.PostgresError as exc:
            raise StorageError(f"database migration {number:03d} failed: {operator_line(exc)}") from exc
        await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", number)


async def _version(connection: Any) -> int:
    if await connection.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    return int(await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
