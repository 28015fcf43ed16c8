"""Duties, the per-resident schedule (next due moment) and the delivery record of every occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage._time import from_text, to_text


@dataclass(frozen=True)
class Duty:
    id: int
    centre: str
    flat: str
    text: str
    kind: str
    day: int
    at: str  # "HH:MM" local time


@dataclass(frozen=True)
class Due:
    """A schedule row whose moment has come."""

    resident_id: int
    reminder: str
    next_at: datetime
    day: str
    month: str


@dataclass(frozen=True)
class Delivery:
    resident_id: int
    reminder: str
    day: str
    month: str
    due_at: datetime
    status: str
    attempts: int


# --- duties --------------------------------------------------------------------------------------


async def add_duty(
    db: aiosqlite.Connection, centre: str, flat: str, text: str, kind: str, day: int, at: str, now: datetime
) -> int:
    """Store a duty; no commit (the caller schedules it for the flat's residents in the same transaction)."""
    cursor = await db.execute(
        "INSERT INTO duties (centre, flat, text, kind, day, at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (centre, flat, text, kind, day, at, to_text(now)),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


async def flat_duties(db: aiosqlite.Connection, centre: str, flat: str) -> list[Duty]:
    async with db.execute(
        "SELECT id, centre, flat, text, kind, day, at FROM duties WHERE centre = ? AND flat = ? ORDER BY id",
        (centre, flat),
    ) as cursor:
        rows = await cursor.fetchall()
    return [Duty(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6])) for r in rows]


async def get_duty(db: aiosqlite.Connection, duty_id: int) -> Duty | None:
    async with db.execute(
        "SELECT id, centre, flat, text, kind, day, at FROM duties WHERE id = ?", (duty_id,)
    ) as cursor:
        r = await cursor.fetchone()
    return (
        None
        if r is None
        else Duty(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6]))
    )


async def delete_duty(db: aiosqlite.Connection, duty_id: int) -> bool:
    """Remove a duty and its schedule rows; True if it existed. Commits."""
    cursor = await db.execute("DELETE FROM duties WHERE id = ?", (duty_id,))
    await db.execute("DELETE FROM schedule WHERE reminder = ?", (f"duty:{duty_id}",))
    await db.commit()
    return cursor.rowcount == 1


# --- schedule ------------------------------------------------------------------------------------


async def set_next(
    db: aiosqlite.Connection, resident_id: int, reminder: str, next_at: datetime, day: str, month: str
) -> None:
    """Insert or move the schedule row (no commit)."""
    await db.execute(
        "INSERT INTO schedule (resident_id, reminder, next_at, day, month) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (resident_id, reminder) DO UPDATE SET next_at = excluded.next_at, day = excluded.day,"
        " month = excluded.month",
        (resident_id, reminder, to_text(next_at), day, month),
    )


async def clear_schedule(db: aiosqlite.Connection, resident_id: int, reminder: str | None = None) -> None:
    """Drop one schedule row, or all of the resident's (no commit)."""
    if reminder is None:
        await db.execute("DELETE FROM schedule WHERE resident_id = ?", (resident_id,))
    else:
        await db.execute(
            "DELETE FROM schedule WHERE resident_id = ? AND reminder = ?", (resident_id, reminder)
        )


async def due_now(db: aiosqlite.Connection, now: datetime, limit: int) -> list[Due]:
    """Schedule rows due at `now` or earlier, oldest first (reads only those rows, via the index)."""
    async with db.execute(
        "SELECT resident_id, reminder, next_at, day, month FROM schedule WHERE next_at <= ?"
        " ORDER BY next_at LIMIT ?",
        (to_text(now), limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [Due(int(r[0]), str(r[1]), from_text(str(r[2])), str(r[3]), str(r[4])) for r in rows]


async def resident_schedule(db: aiosqlite.Connection, resident_id: int) -> list[Due]:
    async with db.execute(
        "SELECT resident_id, reminder, next_at, day, month FROM schedule"
        " WHERE resident_id = ? ORDER BY next_at",
        (resident_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [Due(int(r[0]), str(r[1]), from_text(str(r[2])), str(r[3]), str(r[4])) for r in rows]


# --- deliveries ----------------------------------------------------------------------------------


async def record_due(
    db: aiosqlite.Connection,
    resident_id: int,
    reminder: str,
    day: str,
    month: str,
    due_at: datetime,
    now: datetime,
    status: str = "due",
) -> bool:
    """Record an occurrence under its unique key (no commit); False if it was recorded before."""
    cursor = await db.execute(
        "INSERT INTO deliveries (resident_id, reminder, day, month, due_at, status, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (resident_id, reminder, day) DO NOTHING",
        (resident_id, reminder, day, month, to_text(due_at), status, to_text(now)),
    )
    return cursor.rowcount == 1


async def pending(db: aiosqlite.Connection, status: str = "due", limit: int = 10_000) -> list[Delivery]:
    """Deliveries with this status ('due' or 'sending'), oldest first."""
    async with db.execute(
        "SELECT resident_id, reminder, day, month, due_at, status, attempts FROM deliveries"
        " WHERE status = ? ORDER BY due_at LIMIT ?",
        (status, limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        Delivery(int(r[0]), str(r[1]), str(r[2]), str(r[3]), from_text(str(r[4])), str(r[5]), int(r[6]))
        for r in rows
    ]


async def claim(db: aiosqlite.Connection, delivery: Delivery, now: datetime) -> bool:
    """due -> sending, counting the attempt; True only for the one caller that wins. Commits."""
    cursor = await db.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?"
        " WHERE resident_id = ? AND reminder = ? AND day = ? AND status = 'due'",
        (to_text(now), delivery.resident_id, delivery.reminder, delivery.day),
    )
    await db.commit()
    return cursor.rowcount == 1


async def finish(db: aiosqlite.Connection, delivery: Delivery, status: str, now: datetime) -> None:
    """Set the final (or retry) status of a delivery. Commits."""
    await db.execute(
        "UPDATE deliveries SET status = ?, updated_at = ? WHERE resident_id = ? AND reminder = ? AND day = ?",
        (status, to_text(now), delivery.resident_id, delivery.reminder, delivery.day),
    )
    await db.commit()


async def delivery_status(db: aiosqlite.Connection, resident_id: int, reminder: str, day: str) -> str | None:
    async with db.execute(
        "SELECT status FROM deliveries WHERE resident_id = ? AND reminder = ? AND day = ?",
        (resident_id, reminder, day),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def count_deliveries(db: aiosqlite.Connection, status: str | None = None) -> int:
    query, args = "SELECT COUNT(*) FROM deliveries WHERE status = ?", [status]
    if status is None:
        query, args = "SELECT COUNT(*) FROM deliveries", []
    async with db.execute(query, args) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


# --- paid ----------------------------------------------------------------------------------------


async def mark_paid(db: aiosqlite.Connection, resident_id: int, month: str, now: datetime) -> bool:
    """Record "paid" for a month (no commit); False if it was already recorded."""
    cursor = await db.execute(
        "INSERT INTO payments_paid (resident_id, month, marked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (resident_id, month) DO NOTHING",
        (resident_id, month, to_text(now)),
    )
    return cursor.rowcount == 1


async def is_paid(db: aiosqlite.Connection, resident_id: int, month: str) -> bool:
    async with db.execute(
        "SELECT 1 FROM payments_paid WHERE resident_id = ? AND month = ?", (resident_id, month)
    ) as cursor:
        return await cursor.fetchone() is not None


async def paid_months(db: aiosqlite.Connection, resident_ids: list[int]) -> set[tuple[int, str]]:
    """(resident id, month) pairs marked paid, for many residents in few queries."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(resident_ids), 900):
        chunk = resident_ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        async with db.execute(
            f"SELECT resident_id, month FROM payments_paid WHERE resident_id IN ({marks})", chunk
        ) as cursor:
            found.update((int(r[0]), str(r[1])) for r in await cursor.fetchall())
    return found
