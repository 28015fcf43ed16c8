"""One door to the database: a URL or a path in, a migrated `Database` out.

- `postgresql://user:password@host:5432/bot` (or `postgres://`): PostgreSQL; any libpq-style URL,
  including a Unix socket, whose folder is named by `host=`:
  `postgresql://postgres@/bot?host=/run/postgresql&port=5433`.
- `sqlite:///srv/bot/bot.sqlite3` (absolute), `sqlite:data/bot.sqlite3` or a plain path (relative
  to the working folder), `sqlite::memory:` or `:memory:` (tests): SQLite.
- empty: SQLite at `default_path` (DATABASE_PATH).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import aiosqlite

from storage.database import Database, SqliteDatabase
from storage.db import MEMORY, DatabaseLock, StorageError, connect, lock_database
from storage.postgres import PostgresDatabase

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url_or_path: str | Path | None) -> bool:
    """Whether this target names a PostgreSQL server (so, for example, no SQLite file lock is needed)."""
    return isinstance(url_or_path, str) and url_or_path.strip().lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(url_or_path: str | Path | None, default_path: str | Path | None = None) -> str | Path:
    """The SQLite file (or ":memory:") a non-PostgreSQL target names."""
    if isinstance(url_or_path, Path):
        return url_or_path
    text = (url_or_path or "").strip()
    if text.lower().startswith("sqlite:"):
        text = text[len("sqlite:") :]
        # sqlite:///abs/path: an empty authority before the absolute path.
        if text.startswith("//"):
            text = text[2:]
    if text == "":
        if default_path is None or str(default_path) == "":
            raise StorageError("no database given: set DATABASE_URL or DATABASE_PATH")
        return default_path
    return MEMORY if text == MEMORY else Path(text)


def lock_target(url_or_path: str | Path | None, default_path: str | Path | None = None) -> DatabaseLock:
    """One bot process per SQLite file (`storage.db.lock_database`); nothing to lock on PostgreSQL,
    where several processes share the database and its row locks keep them apart."""
    if is_postgres(url_or_path):
        return DatabaseLock(Path(MEMORY), -1)
    return lock_database(sqlite_path(url_or_path, default_path))


def shared_by_tasks(url_or_path: str | Path | None, default_path: str | Path | None = None) -> bool:
    """Whether work that wants its own connection should reuse the process's database instead:
    a PostgreSQL pool already serves tasks side by side, and ":memory:" cannot be opened twice."""
    return is_postgres(url_or_path) or str(sqlite_path(url_or_path, default_path)) == MEMORY


async def open_database(
    url_or_path: str | Path | None, default_path: str | Path | None = None, *, pool_size: int | None = None
) -> Database:
    """Open and migrate the database `url_or_path` names (see the module docstring); `pool_size`
    is PostgreSQL's most connections (several bots in one process each hold two of their own).

    Raises StorageError with one line for the operator when it cannot be used.
    """
    if is_postgres(url_or_path):
        if pool_size is not None:
            return await PostgresDatabase.open(str(url_or_path).strip(), max_size=pool_size)
        return await PostgresDatabase.open(str(url_or_path).strip())
    return await open_sqlite(sqlite_path(url_or_path, default_path))


async def open_sqlite(path: str | Path) -> SqliteDatabase:
    """`storage.db.connect` behind the `Database` interface (autocommit: units of work open one)."""
    opened: object = await connect(path)
    if isinstance(opened, SqliteDatabase):
        return opened
    if not isinstance(opened, aiosqlite.Connection):  # pragma: no cover - connect's contract
        raise TypeError(f"storage.db.connect returned {type(opened).__name__}")
    # Autocommit: sqlite3 must not open transactions of its own. Set on aiosqlite's thread (its
    # setter runs on ours, which sqlite3 refuses); once storage.db.connect returns a SqliteDatabase
    # (or opens in autocommit) this branch goes.
    await cast(Any, opened)._execute(setattr, opened._conn, "isolation_level", None)
    return SqliteDatabase(opened)
