"""A look at a database without changing it, for `python -m bot doctor`.

Opening the database the normal way (`connect`, `open_database`) would create it and apply
migrations; an operator asking "is everything right?" must not have that done behind their back.
SQLite is read through a read-only URI; PostgreSQL through one connection whose transactions are
read-only (`default_transaction_read_only`), so not even a mistake here could write.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from storage.database import Database
from storage.db import load_migrations
from storage.postgres_errors import OPEN_ERRORS, describe_url, operator_line
from storage.postgres_migrate import postgres_migrations


@dataclass(frozen=True)
class DatabaseReport:
    where: str
    exists: bool
    schema: int = 0  # the version recorded in the database
    latest: int = 0  # the newest migration this code has
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    engine: str = "SQLite"  # and its version, for PostgreSQL ("PostgreSQL 16.4")

    @property
    def pending(self) -> int:
        return max(0, self.latest - self.schema)


def inspect_sqlite(path: Path) -> DatabaseReport:
    """What state the SQLite file at `path` is in, read-only; nothing is created or migrated."""
    latest = load_migrations()[-1][0]
    if not path.exists():
        parent = path.parent if path.parent.exists() else next((p for p in path.parents if p.exists()), None)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            problem = f"the folder {path.parent} cannot be created or written"
            return DatabaseReport(str(path), False, 0, latest, (problem,))
        note = "it does not exist yet: the first start makes it"
        return DatabaseReport(str(path), False, 0, latest, notes=(note,))
    problems: list[str] = []
    notes: list[str] = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        problems.append(f"other users can read it (mode {mode:o}); run chmod 600 on it")
    holder = _lock_holder(path)
    if holder:
        notes.append(f"a bot process is using it now (pid {holder})")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2) as conn:
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            check = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
        conn.close()
    except sqlite3.Error as exc:
        return DatabaseReport(str(path), True, 0, latest, (f"it cannot be read: {exc}",))
    if check != ["ok"]:
        problems.append("the file is damaged; restore it from a backup (" + "; ".join(check)[:200] + ")")
    if schema > latest:
        problems.append(f"a newer version of the bot made it (schema {schema}, this code knows {latest})")
    return DatabaseReport(str(path), True, schema, latest, tuple(problems), tuple(notes))


WAIT_SECONDS = 5.0  # for the connection and for each query: doctor must answer, not hang


async def inspect_postgres(url: str) -> DatabaseReport:
    """What state the PostgreSQL database at `url` is in, read-only: reachable, schema version,
    migrations pending, and whether the next start could apply them."""
    where, latest = describe_url(url), postgres_migrations()[-1][0]
    try:
        connection = await asyncpg.connect(
            url,
            timeout=WAIT_SECONDS,
            command_timeout=WAIT_SECONDS,
            server_settings={"default_transaction_read_only": "on"},
        )
    except OPEN_ERRORS as exc:
        return DatabaseReport(where, False, 0, latest, (f"cannot reach it: {operator_line(exc)}",))
    try:
        return await _postgres_state(connection, where, latest)
    except OPEN_ERRORS as exc:
        return DatabaseReport(where, True, 0, latest, (f"it cannot be read: {operator_line(exc)}",))
    finally:
        await connection.close()


async def _postgres_state(connection: Any, where: str, latest: int) -> DatabaseReport:
    problems: list[str] = []
    notes: list[str] = []
    server = str(await connection.fetchval("SHOW server_version")).split()[0]
    schema = 0
    if await connection.fetchval("SELECT to_regclass('schema_version')") is not None:
        schema = int(await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
    elif await connection.fetchval("SELECT to_regclass('users')") is not None:
        problems.append("it has a users table but no schema_version: is DATABASE_URL the right database?")
    if schema > latest:
        problems.append(f"a newer version of the bot made it (schema {schema}, this code knows {latest})")
    elif schema < latest and not await connection.fetchval(
        "SELECT has_schema_privilege(current_schema(), 'CREATE')"
    ):
        problems.append(
            f"{latest - schema} migrations are pending and this user may not create tables here"
            " (grant it CREATE on the schema, or let the owner start the bot once)"
        )
    if await connection.fetchval("SELECT pg_is_in_recovery()"):
        problems.append("the server is a read-only standby; point DATABASE_URL at the primary")
    if schema == 0 and not problems:
        notes.append("it is empty: the first start makes the tables")
    return DatabaseReport(
        where, True, schema, latest, tuple(problems), tuple(notes), engine=f"PostgreSQL {server}"
    )


def _lock_holder(path: Path) -> str | None:
    """The pid written in `<database>.lock` while a bot process holds it, else None."""
    lock = Path(f"{path}.lock")
    try:
        handle = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
    except BlockingIOError:
        return os.pread(handle, 32, 0).decode(errors="replace").strip() or "?"
    finally:
        os.close(handle)


async def ping(db: Database) -> bool:
    """The database answers a trivial query now (for /readyz); False instead of raising."""
    try:
        await db.fetch_value("SELECT 1")
    except Exception:  # any engine's error means "not ready", which is the answer asked for
        return False
    return True
