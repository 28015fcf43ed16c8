"""Questions the bot could not answer, kept so staff know what content to add (bot/privacy.py).

Only scrubbed text, only with the asker's consent, at most RETENTION; each row carries a one-way
hash of its asker (never the id) so /forget can delete it. Staff see counts per question text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from storage._time import to_text
from storage.database import Database

RETENTION: Final = timedelta(days=90)
ANONYMOUS: Final = "-"  # rows recorded without an asker (imports, tests)


async def record_unanswered(
    db: Database, centre: str, lang: str, text: str, now: datetime, asker: str = ANONYMOUS
) -> None:
    """Keep one occurrence of `text` (already scrubbed by the caller)."""
    await db.execute(
        "INSERT INTO unanswered (centre, lang, text, asker, asked_at) VALUES (?, ?, ?, ?, ?)",
        (centre, lang, text, asker, to_text(now)),
    )


async def top_unanswered(
    db: Database, centre: str, limit: int = 20, now: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(text, lang, count) for a centre within the retention window, most frequent first, then newest."""
    if limit < 1:
        # SQLite reads a negative LIMIT as "no limit", which is never what a caller means.
        raise ValueError(f"limit must be at least 1, got {limit}")
    since = to_text(now - RETENTION) if now is not None else ""
    rows = await db.fetch_all(
        "SELECT text, lang, COUNT(*) AS n FROM unanswered WHERE centre = ? AND asked_at >= ?"
        " GROUP BY text, lang ORDER BY n DESC, MAX(asked_at) DESC, text LIMIT ?",
        (centre, since, limit),
    )
    return [(str(row[0]), str(row[1]), int(row[2])) for row in rows]


async def purge(db: Database, now: datetime) -> int:
    """Delete what is older than RETENTION (and pending questions nobody answered within a day)."""
    async with db.transaction():
        done = await db.execute("DELETE FROM unanswered WHERE asked_at < ?", (to_text(now - RETENTION),))
        await db.execute(
            "DELETE FROM unanswered_pending WHERE asked_at < ?", (to_text(now - timedelta(days=1)),)
        )
    return done.rowcount


async def set_pending(
    db: Database, asker: str, centre: str, lang: str, text: str, now: datetime
) -> None:
    """The question waiting for this asker's consent (one per asker; a newer one replaces it)."""
    await db.execute(
        "INSERT INTO unanswered_pending (asker, centre, lang, text, asked_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (asker) DO UPDATE SET centre = excluded.centre, lang = excluded.lang,"
        " text = excluded.text, asked_at = excluded.asked_at",
        (asker, centre, lang, text, to_text(now)),
    )


async def keep_pending(db: Database, asker: str, now: datetime) -> bool:
    """Consent given: the pending question goes into the log; False if there was none."""
    async with db.transaction():  # moved, never copied twice nor lost
        row = await db.fetch_one(
            "DELETE FROM unanswered_pending WHERE asker = ? RETURNING centre, lang, text", (asker,)
        )
        if row is None:
            return False
        await record_unanswered(db, str(row[0]), str(row[1]), str(row[2]), now, asker)
    return True


async def drop_pending(db: Database, asker: str) -> None:
    await db.execute("DELETE FROM unanswered_pending WHERE asker = ?", (asker,))


async def forget_asker(db: Database, asker: str) -> None:
    """Every kept and pending question of this asker (/forget)."""
    async with db.transaction():
        await db.execute("DELETE FROM unanswered WHERE asker = ?", (asker,))
        await db.execute("DELETE FROM unanswered_pending WHERE asker = ?", (asker,))
