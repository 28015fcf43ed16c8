"""👍/👎 counts per answer: which entries help and which need rewriting (shown in /stats).

Only aggregates are kept: (centre, answer key) -> two counters. No user, no text, no timestamp,
so there is nothing here that /forget would have to delete.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class Rating:
    key: str  # an answer key such as "entry:rules:pets" or "topic:fees"
    helpful: int
    unhelpful: int

    @property
    def share_unhelpful(self) -> float:
        return self.unhelpful / (self.helpful + self.unhelpful)


async def record_rating(db: Database, centre: str, key: str, helpful: bool) -> None:
    """Count one 👍 (helpful) or 👎 for an answer of a centre."""
    column = "helpful" if helpful else "unhelpful"  # one of two fixed names, never input
    await db.execute(
        f"INSERT INTO ratings (centre, key, {column}) VALUES (?, ?, 1)"
        # ratings.: PostgreSQL reads a bare name here as either the row or `excluded`, and refuses.
        f" ON CONFLICT (centre, key) DO UPDATE SET {column} = ratings.{column} + 1",
        (centre, key),
    )


async def worst_rated(db: Database, centre: str | None, limit: int = 10) -> list[Rating]:
    """The answers with the most 👎 first (then the largest share of 👎); None: every centre."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    where, args = ("", ()) if centre is None else (" WHERE centre = ?", (centre,))
    rows = await db.fetch_all(
        f"SELECT key, SUM(helpful), SUM(unhelpful) FROM ratings{where}"
        " GROUP BY key ORDER BY SUM(unhelpful) DESC,"
        " CAST(SUM(unhelpful) AS REAL) / (SUM(helpful) + SUM(unhelpful)) DESC, key LIMIT ?",
        (*args, limit),
    )
    return [Rating(str(row[0]), int(row[1]), int(row[2])) for row in rows]
