"""Questions the bot could not answer, kept so staff know what content to add (bot/privacy.py).

Only scrubbed text, only with the asker's consent, at most RETENTION; each row carries a one-way
hash of its asker (never the id) so /forget can delete it. Staff see counts per question text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import aiosqlite

from storage._time import to_text

RETENTION: Final = timedelta(days=90)
ANONYMOUS: Final = "-"  # rows recorded without an asker (imports, tests)


async def record_unanswered(
    db: aiosqlite.Connection, centre: str, lang: str, text: str, now: datetime, asker: str = ANONYMOUS
) -> None:
    """Keep one occurrence of `text` (already scrubbed by the caller)."""
    await db.execute(
        "INSERT INTO unanswered (centre, lang, text, asker, asked_at) VALUES (?, ?, ?, ?, ?)",
        (centre, lang, text, asker, to_text(now)),
    )
    await db.commit()


async def top_unanswered(
    db: aiosqlite.Connection, centre: str, limit: int = 20, now: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(text, lang, count) for a centre within the retention window, most frequent first, then newest."""
    if limit < 1:
        # SQLite reads a negative LIMIT as "no limit", which is never what a caller means.
        raise ValueError(f"limit must be at least 1, got {limit}")
    since = to_text(now - RETENTION) if now is not None else ""
    async with db.execute(
        "SELECT text, lang, COUNT(*) AS n FROM unanswered WHERE centre = ? AND asked_at >= ?"
        " GROUP BY text, lang ORDER BY n DESC, MAX(asked_at) DESC, text LIMIT ?",
        (centre, since, limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [(str(row[0]), str(row[1]), int(row[2])) for row in rows]


async def purge(db: aiosqlite.Connection, now: datetime) -> int:
    """Delete what is older than RETENTION (and pending questions nobody answered within a day)."""
    cursor = await db.execute("DELETE FROM unanswered WHERE asked_at < ?", (to_text(now - RETENTION),))
    await db.execute("DELETE FROM unanswered_pending WHERE asked_at < ?", (to_text(now - timedelta(days=1)),))
    await db.commit()
    return cursor.rowcount


async def set_pending(
    db: aiosqlite.Connection, asker: str, centre: str, lang: str, text: str, now: datetime
) -> None:
    """The question waiting for this asker's consent (one per asker; a newer one replaces it)."""
    await db.execute(
        "INSERT OR REPLACE INTO unanswered_pending (asker, centre, lang, text, asked_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (asker, centre, lang, text, to_text(now)),
    )
    await db.commit()


async def keep_pending(db: aiosqlite.Connection, asker: str, now: datetime) -> bool:
    """Consent given: the pending question goes into the log; False if there was none."""
    async with db.execute(
        "SELECT centre, lang, text FROM unanswered_pending WHERE asker = ?", (asker,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return False
    await db.execute("DELETE FROM unanswered_pending WHERE asker = ?", (asker,))
    await record_unanswered(db, str(row[0]), str(row[1]), str(row[2]), now, asker)
    return True


async def drop_pending(db: aiosqlite.Connection, asker: str) -> None:
    await db.execute("DELETE FROM unanswered_pending WHERE asker = ?", (asker,))
    await db.commit()


async def forget_asker(db: aiosqlite.Connection, asker: str) -> None:
    """Every kept and pending question of this asker (/forget)."""
    await db.execute("DELETE FROM unanswered WHERE asker = ?", (asker,))
    await db.execute("DELETE FROM unanswered_pending WHERE asker = ?", (asker,))
    await db.commit()
