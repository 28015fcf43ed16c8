"""The history of content published from the staff panel's editor: one row per publish or restore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage._time import from_text, to_text


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    actor: int
    path: str  # relative to the content folder, e.g. "gliwice/faq.yaml"
    entry: str | None
    action: str  # "publish" or "restore"
    diff: str
    before: str
    after: str


_COLUMNS = "id, at, actor, path, entry, action, diff, before, after"


def _change(row: aiosqlite.Row | tuple[object, ...]) -> Change:
    return Change(
        id=int(str(row[0])),
        at=from_text(str(row[1])),
        actor=int(str(row[2])),
        path=str(row[3]),
        entry=None if row[4] is None else str(row[4]),
        action=str(row[5]),
        diff=str(row[6]),
        before=str(row[7]),
        after=str(row[8]),
    )


async def add(
    db: aiosqlite.Connection,
    now: datetime,
    actor: int,
    path: str,
    entry: str | None,
    action: str,
    diff: str,
    before: str,
    after: str,
) -> int:
    cursor = await db.execute(
        "INSERT INTO content_history (at, actor, path, entry, action, diff, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (to_text(now), actor, path, entry, action, diff, before, after),
    )
    await db.commit()
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(db: aiosqlite.Connection, change_id: int) -> Change | None:
    async with db.execute(f"SELECT {_COLUMNS} FROM content_history WHERE id = ?", (change_id,)) as cur:
        row = await cur.fetchone()
    return _change(row) if row else None


async def of_folder(db: aiosqlite.Connection, folder: str, limit: int = 200) -> list[Change]:
    """The newest changes to files of one centre folder (or of the shared files with folder "")."""
    pattern = f"{folder}/%" if folder else "%"
    query = f"SELECT {_COLUMNS} FROM content_history WHERE path LIKE ? ORDER BY id DESC LIMIT ?"
    async with db.execute(query, (pattern, limit)) as cur:
        rows = await cur.fetchall()
    changes = [_change(row) for row in rows]
    return changes if folder else [c for c in changes if "/" not in c.path]
