"""Numbers for the staff panel's charts: counts only, never a person."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage._time import to_text
from storage.database import Database

Rows = list[tuple[object, ...]]


async def _rows(db: Database, sql: str, args: tuple[object, ...] = ()) -> Rows:
    return [tuple(row[i] for i in range(len(row))) for row in await db.fetch_all(sql, args)]


def _centre_filter(centre: str | None, column: str = "centre") -> tuple[str, tuple[object, ...]]:
    return ("", ()) if centre is None else (f" AND {column} = ?", (centre,))


async def new_users_by_week(
    db: Database, centre: str | None, now: datetime, weeks: int = 12
) -> list[tuple[str, str, str, int]]:
    """(ISO week "2026-W48", centre, language, new users) for the last `weeks` weeks."""
    where, args = _centre_filter(centre)
    since = to_text(now - timedelta(weeks=weeks))
    # Counted per UTC day in SQL (stored moments start with the date), per ISO week here: the
    # week arithmetic would be strftime in SQLite and to_char in PostgreSQL.
    rows = await _rows(
        db,
        "SELECT substr(created_at, 1, 10), COALESCE(centre, '–'), COALESCE(lang, '–'), COUNT(*)"
        f" FROM users WHERE created_at >= ?{where} GROUP BY 1, 2, 3",
        (since, *args),
    )
    counts: dict[tuple[str, str, str], int] = {}
    for day, where_from, lang, amount in rows:
        year, week, _ = date.fromisoformat(str(day)).isocalendar()
        key = (f"{year}-W{week:02d}", str(where_from), str(lang))
        counts[key] = counts.get(key, 0) + int(str(amount))
    return [(*key, amount) for key, amount in sorted(counts.items())]


async def users_by_channel(db: Database, centre: str | None) -> list[tuple[str, int]]:
    where, args = _centre_filter(centre)
    rows = await _rows(
        db, f"SELECT channel, COUNT(*) FROM users WHERE 1 = 1{where} GROUP BY channel ORDER BY channel", args
    )
    return [(str(r[0]), int(str(r[1]))) for r in rows]


async def unanswered_by_lang(db: Database, centre: str | None) -> list[tuple[str, int]]:
    where, args = _centre_filter(centre)
    # Older schemas keep one row per text with a count; newer ones one row per question.
    # (Only an SQLite file can be that old: every other engine starts at the newest schema.)
    columns: set[str] = set()
    if db.dialect == "sqlite":
        columns = {str(row[1]) for row in await _rows(db, "PRAGMA table_info(unanswered)")}
    amount = "SUM(count)" if "count" in columns else "COUNT(*)"
    rows = await _rows(
        db, f"SELECT lang, {amount} FROM unanswered WHERE 1 = 1{where} GROUP BY lang ORDER BY lang", args
    )
    return [(str(r[0]), int(str(r[1]))) for r in rows]


async def reminders_by_status(db: Database, centre: str | None) -> list[tuple[str, int]]:
    """Reminder occurrences by status (sent, skipped, failed…), and payments marked paid."""
    where, args = _centre_filter(centre, "r.centre")
    rows = await _rows(
        db,
        "SELECT d.status, COUNT(*) FROM deliveries d JOIN residents r ON r.id = d.resident_id"
        f" WHERE 1 = 1{where} GROUP BY d.status ORDER BY d.status",
        args,
    )
    paid = await _rows(
        db,
        f"SELECT COUNT(*) FROM payments_paid p JOIN residents r ON r.id = p.resident_id WHERE 1 = 1{where}",
        args,
    )
    return [(str(r[0]), int(str(r[1]))) for r in rows] + [("paid", int(str(paid[0][0])))]


async def broadcast_outcomes(
    db: Database, centre: str | None, limit: int = 10
) -> list[tuple[int, str, str, dict[str, int]]]:
    """(id, audience, status, {outbox status: count}) of the most recent broadcasts."""
    where, args = _centre_filter(centre)
    found = await _rows(
        db,
        f"SELECT id, audience, status FROM broadcasts WHERE status != 'draft'{where}"
        " ORDER BY id DESC LIMIT ?",
        (*args, limit),
    )
    result = []
    for row in found:
        counts = await _rows(
            db, "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status", (row[0],)
        )
        by_status = {str(c[0]): int(str(c[1])) for c in counts}
        result.append((int(str(row[0])), str(row[1]), str(row[2]), by_status))
    return result
