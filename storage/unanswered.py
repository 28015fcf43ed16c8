"""Questions the bot could not answer, counted so staff know what content to add."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage._time import to_text


async def record_unanswered(
    db: aiosqlite.Connection, centre: str, lang: str, text: str, now: datetime
) -> None:
    """Count one more occurrence of `text` (already masked by the caller; no user id is kept)."""
    stamp = to_text(now)
    # min/max rather than plain overwrite: events recorded out of order must not move the window inwards.
    await db.execute(
        "INSERT INTO unanswered (centre, lang, text, count, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?)"
        " ON CONFLICT (centre, lang, text) DO UPDATE SET"
        " count = count + 1,"
        " first_seen = min(first_seen, excluded.first_seen),"
        " last_seen = max(last_seen, excluded.last_seen)",
        (centre, lang, text, stamp, stamp),
    )
    await db.commit()


async def top_unanswered(
    db: aiosqlite.Connection, centre: str, limit: int = 20
) -> list[tuple[str, str, int]]:
    """(text, lang, count) for a centre, most frequent first, then most recently seen."""
    if limit < 1:
        # SQLite reads a negative LIMIT as "no limit", which is never what a caller means.
        raise ValueError(f"limit must be at least 1, got {limit}")
    async with db.execute(
        "SELECT text, lang, count FROM unanswered WHERE centre = ?"
        " ORDER BY count DESC, last_seen DESC, text LIMIT ?",
        (centre, limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [(str(row[0]), str(row[1]), int(row[2])) for row in rows]
