"""The history of content published from the staff panel's editor: one row per publish or restore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import from_text, to_text
from storage.database import Database, Row


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


def _change(row: Row) -> Change:
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
    db: Database,
    now: datetime,
    actor: int,
    path: str,
    entry: str | None,
    action: str,
    diff: str,
    before: str,
    after: str,
) -> int:
    new_id = await db.fetch_value(
        "INSERT INTO content_history (at, actor, path, entry, action, diff, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (to_text(now), actor, path, entry, action, diff, before, after),
    )
    return int(new_id)


async def get(db: Database, change_id: int) -> Change | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM content_history WHERE id = ?", (change_id,))
    return _change(row) if row else None


async def of_folder(db: Database, folder: str, limit: int = 200) -> list[Change]:
    """The newest changes to files of one centre folder (or of the shared files with folder "")."""
    # A plain prefix comparison, not LIKE: "_" in a folder name is no wildcard, and the two engines
    # agree on case (SQLite's LIKE ignores it, PostgreSQL's does not).
    where, args = ("WHERE substr(path, 1, ?) = ? ", (len(folder) + 1, f"{folder}/")) if folder else ("", ())
    query = f"SELECT {_COLUMNS} FROM content_history {where}ORDER BY id DESC LIMIT ?"
    rows = await db.fetch_all(query, (*args, limit))
    changes = [_change(row) for row in rows]
    return changes if folder else [c for c in changes if "/" not in c.path]
