"""The stored step of each person's multi-step flow (migration 015); bot.flows gives it its type.

Storage never commits: the feature function that changes a flow owns the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import from_text, to_text
from storage.database import Database


@dataclass(frozen=True)
class Stored:
    """One row as stored: the flow's name, its JSON and its expiry."""

    flow: str
    data: str
    expires_at: datetime


async def get(db: Database, user_id: int) -> Stored | None:
    """The user's flow row, or None."""
    row = await db.fetch_one("SELECT flow, data, expires_at FROM conversations WHERE user_id = ?", (user_id,))
    return None if row is None else Stored(str(row[0]), str(row[1]), from_text(str(row[2])))


async def put(db: Database, user_id: int, flow: str, data: str, expires_at: datetime, now: datetime) -> None:
    """Start or advance the user's flow (replacing any other)."""
    await db.execute(
        "INSERT INTO conversations (user_id, flow, data, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, data = excluded.data,"
        " expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        (user_id, flow, data, to_text(expires_at), to_text(now)),
    )


async def delete(db: Database, user_id: int, flow: str | None = None) -> bool:
    """End the user's flow (only if it is `flow`, when given); True when a row went."""
    if flow is None:
        done = await db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,))
    else:
        done = await db.execute("DELETE FROM conversations WHERE user_id = ? AND flow = ?", (user_id, flow))
    return done.rowcount > 0
