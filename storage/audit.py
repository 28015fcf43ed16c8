"""The audit trail of staff actions: who, what, when, on what, and whether it was allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from storage._time import from_text, to_text
from storage.database import Database

Outcome = Literal["ok", "denied", "failed"]


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: int
    role: str
    action: str
    target: str | None
    outcome: str


async def record(
    db: Database,
    now: datetime,
    actor: int,
    role: str,
    action: str,
    target: str | None = None,
    outcome: Outcome = "ok",
) -> None:
    await db.execute(
        "INSERT INTO audit (at, actor, role, action, target, outcome) VALUES (?, ?, ?, ?, ?, ?)",
        (to_text(now), actor, role, action, target, outcome),
    )


async def record_refusal(
    db: Database,
    now: datetime,
    actor: int,
    role: str,
    action: str,
    target: str | None,
    window: timedelta,
) -> bool:
    """A refused attempt, unless the same actor was refused the same action within `window`.

    Guessing codes or forging buttons cannot flood the table: one row per actor, action and window.
    """
    async with db.transaction():  # looked up and written in one unit: two refusals make one row
        recent = await db.fetch_one(
            "SELECT 1 FROM audit WHERE actor = ? AND action = ? AND outcome = 'denied' AND at > ? LIMIT 1",
            (actor, action, to_text(now - window)),
        )
        if recent is not None:
            return False
        await record(db, now, actor, role, action, target, "denied")
    return True


async def entries(db: Database, actor: int | None = None, limit: int = 1000) -> list[AuditEntry]:
    """Newest last."""
    sql, args = "SELECT at, actor, role, action, target, outcome FROM audit", tuple[int, ...]()
    if actor is not None:
        sql, args = sql + " WHERE actor = ?", (actor,)
    rows = await db.fetch_all(sql + " ORDER BY id LIMIT ?", (*args, limit))
    return [
        AuditEntry(
            from_text(str(r[0])),
            int(r[1]),
            str(r[2]),
            str(r[3]),
            None if r[4] is None else str(r[4]),
            str(r[5]),
        )
        for r in rows
    ]
