"""Typed questions counted per centre, week and topic (an answer key, or "fallback" when not answered).

Only aggregates: (centre, week, topic) -> a count. The week is its Monday ("2026-11-23"), worked
out by the caller in the centre's time zone, so no SQL date functions are needed on any engine.
None commits: the caller's unit of work does.
"""

from __future__ import annotations

from datetime import date

from storage.database import Database

FALLBACK = "fallback"  # the topic of the questions the engine could not answer (bot.outcome)


async def count_question(db: Database, centre: str, week: date, topic: str) -> None:
    await db.execute(
        "INSERT INTO question_counts (centre, week, topic, count) VALUES (?, ?, ?, 1)"
        " ON CONFLICT (centre, week, topic) DO UPDATE SET count = question_counts.count + 1",
        (centre, week.isoformat(), topic),
    )


async def by_topic(db: Database, centre: str | None, since: date) -> list[tuple[str, str, int]]:
    """(centre, topic, questions) since the week of `since`, most asked first."""
    where, args = ("", ()) if centre is None else (" AND centre = ?", (centre,))
    rows = await db.fetch_all(
        "SELECT centre, topic, SUM(count) FROM question_counts WHERE week >= ?" + where
        + " GROUP BY centre, topic ORDER BY 3 DESC, 1, 2",
        (since.isoformat(), *args),
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def answered_by_week(db: Database, centre: str | None, since: date) -> list[tuple[str, int, int]]:
    """(week, answered, fell to the fallback) per week since `since`, oldest first."""
    where, args = ("", ()) if centre is None else (" AND centre = ?", (centre,))
    rows = await db.fetch_all(
        "SELECT week, SUM(CASE WHEN topic = ? THEN 0 ELSE count END),"
        " SUM(CASE WHEN topic = ? THEN count ELSE 0 END)"
        " FROM question_counts WHERE week >= ?" + where + " GROUP BY week ORDER BY week",
        (FALLBACK, FALLBACK, since.isoformat(), *args),
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]
