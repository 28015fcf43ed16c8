"""Opening the SQLite database and bringing its schema up to date."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import aiosqlite

from storage.database import SqliteDatabase

_log = logging.getLogger("storage")
MEMORY = ":memory:"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[A-Za-z0-9_]+\.sql$")

# sqlite3's own wording is terse; these say what an operator should look at.
_SQLITE_REASONS = {
    "unable to open database file": "the file cannot be opened (check the path and its permissions)",
    "file is not a database": "the file is not an SQLite database",
    "attempt to write a readonly database": "the database is read-only",
    "database is locked": "the database is locked by another process",
}


class StorageError(Exception):
    """The database cannot be used; the message is one line meant for the operator."""


async def connect(path: str | Path) -> SqliteDatabase:
    """Open (creating if needed) the database at `path`, or ":memory:", and migrate it.

    The connection runs in autocommit (`isolation_level=None`): a statement outside a unit of work
    is its own transaction, and only `SqliteDatabase.transaction()` (or a migration) opens one.
    """
    if str(path) == "":
        raise StorageError("the database path is empty")
    memory = isinstance(path, str) and path == MEMORY
    where = MEMORY if memory else str(path)
    if not memory:
        _prepare_location(Path(path))
        _private_file(Path(path))

    try:
        db = await aiosqlite.connect(where, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the database at {where}: {_sqlite_reason(exc)}") from exc

    try:
        db.row_factory = aiosqlite.Row
        # Set before the first write so a second process waits for the lock instead of failing at once.
        await _pragma(db, "PRAGMA busy_timeout = 5000")
        await _pragma(db, "PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten, not left in free pages: /forget must leave nothing in the file.
        await _pragma(db, "PRAGMA secure_delete = ON")
        if not memory:
            # WAL lets readers and the single writer work side by side; it means nothing for :memory:.
            await _switch_to_wal(db)
            # In WAL mode NORMAL stays consistent through any process crash (SIGKILL included);
            # only an OS crash or power loss can drop the last commits. It saves an fsync per commit.
            await _pragma(db, "PRAGMA synchronous = NORMAL")
        if not memory:
            await _check_integrity(db)
        await _migrate(db)
    except StorageError as exc:
        await _close_quietly(db)
        raise StorageError(f"cannot open the database at {where}: {exc}") from exc
    except sqlite3.Error as exc:
        await _close_quietly(db)
        raise StorageError(f"cannot open the database at {where}: {_sqlite_reason(exc)}") from exc
    except BaseException:
        await _close_quietly(db)
        raise
    return SqliteDatabase(db)


def load_migrations(directory: Traversable | None = None) -> list[tuple[int, str]]:
    """(number, sql) for every NNN_name.sql file, in order; defaults to the packaged migrations."""
    # importlib.resources rather than __file__ so the files are found in an installed wheel too.
    source = directory if directory is not None else files("storage").joinpath("migrations")
    found: dict[int, tuple[str, str]] = {}
    for entry in source.iterdir():
        if not entry.is_file() or not entry.name.endswith(".sql"):
            continue
        match = _MIGRATION_NAME.match(entry.name)
        if match is None:
            raise StorageError(f"migration file {entry.name} must be named NNN_name.sql")
        number = int(match.group(1))
        if number in found:
            raise StorageError(f"migration files {found[number][0]} and {entry.name} share a number")
        found[number] = (entry.name, entry.read_text(encoding="utf-8"))
    return _checked([(number, sql) for number, (_, sql) in found.items()])


async def schema_version(db: SqliteDatabase | aiosqlite.Connection) -> int:
    """The schema version recorded in the database (0 for a new one)."""
    if isinstance(db, SqliteDatabase):
        return int(await db.fetch_value("PRAGMA user_version") or 0)
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def migrate(db: SqliteDatabase, migrations: Sequence[tuple[int, str]] | None = None) -> int:
    """Apply every migration newer than the database, each in its own transaction; return the version."""
    if db.in_transaction:
        # Our BEGIN would fail, and committing the caller's half-done work for them would be worse.
        raise StorageError("cannot migrate while a transaction is open on this connection")
    async with db.exclusive() as connection:  # no other task's statement runs in between
        return await _migrate(connection, migrations)


async def _migrate(db: aiosqlite.Connection, migrations: Sequence[tuple[int, str]] | None = None) -> int:
    ordered = _checked(load_migrations() if migrations is None else migrations)
    latest = ordered[-1][0] if ordered else 0
    current = await schema_version(db)
    if current > latest:
        raise StorageError(
            "the database was created by a newer version of the bot"
            f" (schema {current}, this code knows {latest})"
        )
    pending = [(number, sql) for number, sql in ordered if number > current]
    if pending and db.in_transaction:
        raise StorageError("cannot migrate while a transaction is open on this connection")
    for number, sql in pending:
        await _apply(db, number, sql)
    return await schema_version(db)


async def _apply(db: aiosqlite.Connection, number: int, sql: str) -> None:
    """Run one migration and bump user_version atomically."""
    # IMMEDIATE takes the write lock up front, so two processes starting together cannot both migrate.
    try:
        await db.execute("BEGIN IMMEDIATE")
        # Another process may have applied this migration while we waited for the lock.
        if await schema_version(db) >= number:
            await db.rollback()
            return
        # executescript() would COMMIT first and leave us outside the transaction, so go one by one.
        for statement in _split_statements(sql):
            await db.execute(statement)
        # PRAGMA takes no parameters; `number` is an int we checked, never outside text.
        await db.execute(f"PRAGMA user_version = {int(number)}")
        await db.commit()
    except BaseException as exc:
        with contextlib.suppress(sqlite3.Error, ValueError):
            await db.rollback()
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"database migration {number:03d} failed: {exc}") from exc
        raise


def _checked(migrations: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Migrations sorted, refusing duplicates and gaps (a gap means a file went missing)."""
    ordered = sorted(migrations, key=lambda migration: migration[0])
    numbers = [number for number, _ in ordered]
    if numbers != list(range(1, len(numbers) + 1)):
        shown = ", ".join(f"{number:03d}" for number in numbers)
        raise StorageError(f"migrations must run 001, 002, ... without gaps or repeats; found {shown}")
    return ordered


def _split_statements(script: str) -> list[str]:
    """Split an SQL script into single statements, respecting strings, comments and triggers."""
    statements: list[str] = []
    buffer = ""
    pieces = script.split(";")
    for piece in pieces[:-1]:
        buffer += piece + ";"
        # A ';' inside a string, comment or trigger body does not end the statement.
        if sqlite3.complete_statement(buffer):
            if buffer.strip() != ";":
                statements.append(buffer.strip())
            buffer = ""
    rest = buffer + pieces[-1]
    if rest.strip():
        # Either trailing comments (a harmless no-op) or a last statement without its ';'.
        statements.append(rest.strip())
    return statements


async def _check_integrity(db: aiosqlite.Connection) -> None:
    """PRAGMA quick_check: a damaged file is refused at start, not discovered by a failing write later."""
    async with db.execute("PRAGMA quick_check(5)") as cursor:
        rows = [str(row[0]) for row in await cursor.fetchall()]
    if rows != ["ok"]:
        raise StorageError(
            "the database file is damaged (PRAGMA quick_check: " + "; ".join(rows)[:300] + ")."
            " Stop the bot and restore the file from a backup, or move it away to start empty"
        )


def _private_file(path: Path) -> None:
    """The database (and so its -wal and -shm files, which SQLite creates with the same mode) 0600."""
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        for extra in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if extra.exists() and stat.S_IMODE(extra.stat().st_mode) & 0o077:
                extra.chmod(0o600)
    except OSError as exc:
        raise StorageError(f"cannot open the database at {path}: {_os_reason(exc)}") from exc


def _private_folder(folder: Path) -> None:
    """A folder we created, or own and do not share (no sticky bit, like /tmp has), becomes 0700."""
    with contextlib.suppress(OSError):
        info = folder.stat()
        if (
            info.st_uid == os.getuid()
            and not info.st_mode & stat.S_ISVTX
            and stat.S_IMODE(info.st_mode) & 0o077
        ):
            folder.chmod(0o700)


class DatabaseLock:
    """An exclusive lock on `<database>.lock`, held while the bot runs (released by the OS on exit)."""

    def __init__(self, path: Path, handle: int) -> None:
        self.path, self._handle = path, handle

    def release(self) -> None:
        if self._handle >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
                os.close(self._handle)
            self._handle = -1


def lock_database(path: str | Path) -> DatabaseLock:
    """One bot process per SQLite file: a second one gets StorageError naming the running one."""
    if str(path) == MEMORY:
        return DatabaseLock(Path(MEMORY), -1)
    database = Path(path)
    _prepare_location(database)
    lock_path = Path(f"{database}.lock")
    try:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(f"cannot lock the database at {database}: {_os_reason(exc)}") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "?"
        os.close(handle)
        raise StorageError(
            f"another bot process (pid {holder}) is already using the database {database};"
            " stop it first (one process per SQLite file)"
        ) from None
    os.ftruncate(handle, 0)
    os.pwrite(handle, str(os.getpid()).encode(), 0)
    return DatabaseLock(database, handle)


def _prepare_location(path: Path) -> None:
    """Create the parent folder and check access, so problems surface as StorageError, not OSError."""
    parent = path.parent
    try:
        created = not parent.exists()
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if created:
            _private_folder(parent)
        elif stat.S_IMODE(parent.stat().st_mode) & 0o007:
            # Not ours to change (it may be shared); the file itself is 0600 either way.
            _log.warning("the database folder %s is open to other users; consider chmod 700", parent)
    except OSError as exc:
        raise StorageError(
            f"cannot open the database at {path}: cannot create the folder {parent} ({_os_reason(exc)})"
        ) from exc
    try:
        if path.is_dir():
            raise StorageError(f"cannot open the database at {path}: it is a folder, not a file")
        if path.exists():
            if not os.access(path, os.R_OK):
                raise StorageError(f"cannot open the database at {path}: the file is not readable")
            if not os.access(path, os.W_OK):
                raise StorageError(f"cannot open the database at {path}: the file is not writable")
        # SQLite creates journal/WAL files beside the database, so the folder must be writable too.
        if not os.access(parent, os.W_OK | os.X_OK):
            raise StorageError(f"cannot open the database at {path}: folder is not writable")
    except OSError as exc:
        raise StorageError(f"cannot open the database at {path}: {_os_reason(exc)}") from exc


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "part of the path is a file, not a folder"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _sqlite_reason(exc: sqlite3.Error) -> str:
    message = str(exc)
    return _SQLITE_REASONS.get(message, message)


WAL_ATTEMPTS = 40  # about 4 s in all, within the busy timeout a writer would wait


async def _switch_to_wal(db: aiosqlite.Connection) -> None:
    """Switch a new file to WAL. The switch does not wait on the busy timeout: when two processes
    create the same file at once, one is told "database is locked" at once (about 1 start in 50
    of two together). The mode is kept in the file, so the loser only has to try again."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            await _pragma(db, "PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.1)


async def _pragma(db: aiosqlite.Connection, sql: str) -> None:
    # Fetching runs the statement to completion, so it holds no lock afterwards.
    async with db.execute(sql) as cursor:
        await cursor.fetchall()


async def _close_quietly(db: aiosqlite.Connection) -> None:
    # The caller is already reporting a better error than whatever close() might raise.
    with contextlib.suppress(sqlite3.Error, ValueError):
        await db.close()
