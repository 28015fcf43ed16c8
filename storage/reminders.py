"""Duties, the per-resident schedule (next due moment) and the delivery record of every occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import from_text, to_text
from storage.database import Database, Row


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
    db: Database, centre: str, flat: str, text: str, kind: str, day: int, at: str, now: datetime
) -> int:
    """Store a duty (the caller schedules it for the flat's residents in the same unit of work)."""
    return int(
        await db.fetch_value(
            "INSERT INTO duties (centre, flat, text, kind, day, at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (centre, flat, text, kind, day, at, to_text(now)),
        )
    )


async def flat_duties(db: Database, centre: str, flat: str) -> list[Duty]:
    rows = await db.fetch_all(
        "SELECT id, centre, flat, text, kind, day, at FROM duties WHERE centre = ? AND flat = ? ORDER BY id",
        (centre, flat),
    )
    return [Duty(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6])) for r in rows]


async def get_duty(db: Database, duty_id: int) -> Duty | None:
    r = await db.fetch_one(
        "SELECT id, centre, flat, text, kind, day, at FROM duties WHERE id = ?", (duty_id,)
    )
    return (
        None
        if r is None
        else Duty(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6]))
    )


async def delete_duty(db: Database, duty_id: int) -> bool:
    """Remove a duty and its schedule rows, together; True if it existed."""
    async with db.transaction():
        done = await db.execute("DELETE FROM duties WHERE id = ?", (duty_id,))
        await db.execute("DELETE FROM schedule WHERE reminder = ?", (f"duty:{duty_id}",))
    return done.rowcount == 1


# --- schedule ------------------------------------------------------------------------------------


async def set_next(
    db: Database, resident_id: int, reminder: str, next_at: datetime, day: str, month: str
) -> None:
    """Insert or move the schedule row."""
    await db.execute(
        "INSERT INTO schedule (resident_id, reminder, next_at, day, month) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (resident_id, reminder) DO UPDATE SET next_at = excluded.next_at, day = excluded.day,"
        " month = excluded.month",
        (resident_id, reminder, to_text(next_at), day, month),
    )


async def clear_schedule(db: Database, resident_id: int, reminder: str | None = None) -> None:
    """Drop one schedule row, or all of the resident's."""
    if reminder is None:
        await db.execute("DELETE FROM schedule WHERE resident_id = ?", (resident_id,))
    else:
        await db.execute(
            "DELETE FROM schedule WHERE resident_id = ? AND reminder = ?", (resident_id, reminder)
        )


# A named bot's tick takes only its own residents' rows (issue 15: one token per bot); a primary-key
# lookup per due row, so the next_at / due_at indexes still pick the rows.
_OF_CHANNEL = " AND EXISTS (SELECT 1 FROM residents r WHERE r.id = {table}.resident_id AND r.channel = ?)"


def _of_channel(table: str, channel: str | None) -> tuple[str, tuple[str, ...]]:
    return ("", ()) if channel is None else (_OF_CHANNEL.format(table=table), (channel,))


async def due_now(db: Database, now: datetime, limit: int, channel: str | None = None) -> list[Due]:
    """Schedule rows due at `now` or earlier, oldest first (reads only those rows, via the index);
    only those of residents on `channel` when given."""
    only, args = _of_channel("schedule", channel)
    rows = await db.fetch_all(
        f"SELECT resident_id, reminder, next_at, day, month FROM schedule WHERE next_at <= ?{only}"
        " ORDER BY next_at LIMIT ?",
        (to_text(now), *args, limit),
    )
    return [Due(int(r[0]), str(r[1]), from_text(str(r[2])), str(r[3]), str(r[4])) for r in rows]


async def resident_schedule(db: Database, resident_id: int) -> list[Due]:
    rows = await db.fetch_all(
        "SELECT resident_id, reminder, next_at, day, month FROM schedule"
        " WHERE resident_id = ? ORDER BY next_at",
        (resident_id,),
    )
    return [Due(int(r[0]), str(r[1]), from_text(str(r[2])), str(r[3]), str(r[4])) for r in rows]


# --- deliveries ----------------------------------------------------------------------------------


async def record_due(
    db: Database,
    resident_id: int,
    reminder: str,
    day: str,
    month: str,
    due_at: datetime,
    now: datetime,
    status: str = "due",
) -> bool:
    """Record an occurrence under its unique key; False if it was recorded before."""
    done = await db.execute(
        "INSERT INTO deliveries (resident_id, reminder, day, month, due_at, status, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (resident_id, reminder, day) DO NOTHING",
        (resident_id, reminder, day, month, to_text(due_at), status, to_text(now)),
    )
    return done.rowcount == 1


_DELIVERY = "resident_id, reminder, day, month, due_at, status, attempts"
# Claimable: due, or claimed by a process whose lease ran out (it died between the claim and the mark).
_CLAIMABLE = "status = 'due' OR (status = 'sending' AND lease_until <= ?)"
_CLAIM_SET = "status = 'sending', attempts = attempts + 1, claimed_by = ?, lease_until = ?, updated_at = ?"


def _delivery(r: Row) -> Delivery:
    return Delivery(int(r[0]), str(r[1]), str(r[2]), str(r[3]), from_text(str(r[4])), str(r[5]), int(r[6]))


async def claim(
    db: Database, now: datetime, limit: int, claimer: str, lease_until: datetime, channel: str | None = None
) -> list[Delivery]:
    """Claim up to `limit` claimable deliveries, oldest first, for `claimer` until `lease_until` (one
    attempt counted each), in ONE statement committed BEFORE they are sent: no two processes get one.
    Only deliveries to residents on `channel` when given (each bot sends its own)."""
    stamp, until = to_text(now), to_text(lease_until)
    only, args = _of_channel("deliveries", channel)
    if db.dialect == "postgres":
        # SKIP LOCKED: rows another process is claiming at this moment are passed over, not waited for.
        rows = await db.fetch_all(
            f"WITH picked AS (SELECT resident_id, reminder, day FROM deliveries WHERE ({_CLAIMABLE}){only}"
            " ORDER BY due_at LIMIT ? FOR UPDATE OF deliveries SKIP LOCKED)"
            f" UPDATE deliveries d SET {_CLAIM_SET} FROM picked WHERE d.resident_id = picked.resident_id"
            " AND d.reminder = picked.reminder AND d.day = picked.day"
            " RETURNING d.resident_id, d.reminder, d.day, d.month, d.due_at, d.status, d.attempts",
            (stamp, *args, limit, claimer, until, stamp),
        )
    else:
        # SQLite has one writer at a time (the database lock): the subquery and the update are one step.
        rows = await db.fetch_all(
            f"UPDATE deliveries SET {_CLAIM_SET} WHERE (resident_id, reminder, day) IN"
            f" (SELECT resident_id, reminder, day FROM deliveries WHERE ({_CLAIMABLE}){only}"
            " ORDER BY due_at LIMIT ?)"
            f" RETURNING {_DELIVERY}",
            (claimer, until, stamp, stamp, *args, limit),
        )
    return sorted((_delivery(r) for r in rows), key=lambda d: (d.due_at, d.resident_id, d.reminder))


async def finish(db: Database, delivery: Delivery, status: str, now: datetime, claimer: str) -> bool:
    """Set the final (or retry: 'due') status of a delivery `claimer` still holds; False when its lease
    ran out and another process claimed it (that one marks it)."""
    done = await db.execute(
        "UPDATE deliveries SET status = ?, updated_at = ?, claimed_by = NULL, lease_until = NULL"
        " WHERE resident_id = ? AND reminder = ? AND day = ? AND status = 'sending' AND claimed_by = ?",
        (status, to_text(now), delivery.resident_id, delivery.reminder, delivery.day, claimer),
    )
    return done.rowcount == 1


async def release(db: Database, deliveries: list[Delivery], now: datetime, claimer: str) -> None:
    """Give back claimed deliveries that were never tried (an outage, a stop): 'due' again, the
    attempt not counted."""
    await db.execute_many(
        "UPDATE deliveries SET status = 'due', attempts = attempts - 1, updated_at = ?, claimed_by = NULL,"
        " lease_until = NULL WHERE resident_id = ? AND reminder = ? AND day = ? AND status = 'sending'"
        " AND claimed_by = ?",
        [(to_text(now), d.resident_id, d.reminder, d.day, claimer) for d in deliveries],
    )


async def delivery_status(db: Database, resident_id: int, reminder: str, day: str) -> str | None:
    status = await db.fetch_value(
        "SELECT status FROM deliveries WHERE resident_id = ? AND reminder = ? AND day = ?",
        (resident_id, reminder, day),
    )
    return None if status is None else str(status)


async def count_deliveries(db: Database, status: str | None = None) -> int:
    query, args = "SELECT COUNT(*) FROM deliveries WHERE status = ?", [status]
    if status is None:
        query, args = "SELECT COUNT(*) FROM deliveries", []
    return int(await db.fetch_value(query, args) or 0)


# --- paid ----------------------------------------------------------------------------------------


async def mark_paid(db: Database, resident_id: int, month: str, now: datetime) -> bool:
    """Record "paid" for a month; False if it was already recorded."""
    done = await db.execute(
        "INSERT INTO payments_paid (resident_id, month, marked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (resident_id, month) DO NOTHING",
        (resident_id, month, to_text(now)),
    )
    return done.rowcount == 1


async def is_paid(db: Database, resident_id: int, month: str) -> bool:
    found = await db.fetch_one(
        "SELECT 1 FROM payments_paid WHERE resident_id = ? AND month = ?", (resident_id, month)
    )
    return found is not None


async def paid_months(db: Database, resident_ids: list[int]) -> set[tuple[int, str]]:
    """(resident id, month) pairs marked paid, for many residents in few queries."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(resident_ids), 900):
        chunk = resident_ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetch_all(
            f"SELECT resident_id, month FROM payments_paid WHERE resident_id IN ({marks})", chunk
        )
        found.update((int(r[0]), str(r[1])) for r in rows)
    return found
