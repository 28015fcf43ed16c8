"""A look at a database without changing it, for `python -m bot doctor`.

Opening the database the normal way (`connect`) would create it and apply migrations; an operator
asking "is everything right?" must not have that done behind their back.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.db import load_migrations


@dataclass(frozen=True)
class DatabaseReport:
    where: str
    exists: bool
    schema: int = 0  # the version recorded in the database
    latest: int = 0  # the newest migration this code has
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

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


async def ping(db: Any) -> bool:
    """The database answers a trivial query now (for /readyz); False instead of raising."""
    try:
        await db.execute("SELECT 1")
    except Exception:  # any engine's error means "not ready", which is the answer asked for
        return False
    return True
