"""Counts for staff `/stats`: users, residents and reminders, for one centre or (administrators) all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.database import Database


@dataclass(frozen=True)
class Stats:
    users: list[tuple[str | None, str | None, int]]  # (centre, lang, users)
    residents: list[tuple[str, int]]  # (centre, active residents)
    reminders_sent: int
    payments_paid: int


async def stats(db: Database, centre: str | None) -> Stats:
    """Counts of `centre` only, or of every centre when `centre` is None (administrators)."""
    where, args = ("WHERE centre = ?", (centre,)) if centre is not None else ("", ())
    users = await _rows(
        db,
        f"SELECT centre, lang, COUNT(*) FROM users {where} GROUP BY centre, lang ORDER BY centre, lang",
        args,
    )
    active = "status = 'active'" + (" AND centre = ?" if centre is not None else "")
    residents = await _rows(
        db, f"SELECT centre, COUNT(*) FROM residents WHERE {active} GROUP BY centre ORDER BY centre", args
    )
    # Deliveries and payments belong to a resident; the resident row says which centre.
    of_centre = " JOIN residents r ON r.id = x.resident_id WHERE r.centre = ?" if centre is not None else ""
    sent = await _rows(
        db,
        "SELECT COUNT(*) FROM deliveries x"
        + (of_centre + " AND" if of_centre else " WHERE")
        + " x.status = 'sent'",
        args,
    )
    paid = await _rows(db, "SELECT COUNT(*) FROM payments_paid x" + of_centre, args)
    return Stats(
        [(_text(r[0]), _text(r[1]), int(r[2])) for r in users],
        [(str(r[0]), int(r[1])) for r in residents],
        int(sent[0][0]),
        int(paid[0][0]),
    )


async def _rows(db: Database, sql: str, args: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [tuple(row[i] for i in range(len(row))) for row in await db.fetch_all(sql, args)]


def _text(value: object) -> str | None:
    return None if value is None else str(value)
