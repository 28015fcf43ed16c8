"""Residents and their one-time invites (codes are stored hashed, never in clear)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from storage._time import from_text, to_text

Status = Literal["active", "blocked", "left", "removed"]
RedeemError = Literal["unknown", "used", "expired"]


@dataclass(frozen=True)
class Invite:
    code_hash: str
    centre: str
    flat: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Resident:
    id: int
    channel: str
    external_id: str
    centre: str
    flat: str
    lang: str | None
    status: str
    payment_muted: bool


_RESIDENT = "SELECT id, channel, external_id, centre, flat, lang, status, payment_muted FROM residents"


def _resident(row: aiosqlite.Row | tuple[object, ...]) -> Resident:
    return Resident(
        id=int(str(row[0])),
        channel=str(row[1]),
        external_id=str(row[2]),
        centre=str(row[3]),
        flat=str(row[4]),
        lang=None if row[5] is None else str(row[5]),
        status=str(row[6]),
        payment_muted=bool(row[7]),
    )


async def add_invite(
    db: aiosqlite.Connection,
    code_hash: str,
    centre: str,
    flat: str,
    created_by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new invite (its code's hash only)."""
    await db.execute(
        "INSERT INTO invites (code_hash, centre, flat, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code_hash, centre, flat, created_by, to_text(now), to_text(expires_at)),
    )
    await db.commit()


async def get_invite(db: aiosqlite.Connection, code_hash: str) -> Invite | None:
    async with db.execute(
        "SELECT code_hash, centre, flat, expires_at, used_at FROM invites WHERE code_hash = ?", (code_hash,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return Invite(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        from_text(str(row[3])),
        None if row[4] is None else from_text(str(row[4])),
    )


async def use_invite(
    db: aiosqlite.Connection, code_hash: str, used_by: str, now: datetime
) -> RedeemError | None:
    """Mark the invite used (atomically: of two people with one code only one wins); None on success.

    Does not commit: the caller binds the resident in the same transaction.
    """
    cursor = await db.execute(
        "UPDATE invites SET used_at = ?, used_by = ?"
        " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
        (to_text(now), used_by, code_hash, to_text(now)),
    )
    if cursor.rowcount == 1:
        return None
    invite = await get_invite(db, code_hash)
    if invite is None:
        return "unknown"
    return "used" if invite.used_at is not None else "expired"


async def bind_resident(
    db: aiosqlite.Connection,
    channel: str,
    external_id: str,
    centre: str,
    flat: str,
    lang: str | None,
    now: datetime,
) -> Resident:
    """Make this chat an active resident of the flat (a former resident is re-bound); no commit."""
    stamp = to_text(now)
    await db.execute(
        "INSERT INTO residents (channel, external_id, centre, flat, lang, status, joined_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'active', ?, ?)"
        " ON CONFLICT (channel, external_id) DO UPDATE SET centre = excluded.centre, flat = excluded.flat,"
        " lang = COALESCE(excluded.lang, residents.lang), status = 'active', joined_at = excluded.joined_at,"
        " updated_at = excluded.updated_at",
        (channel, external_id, centre, flat, lang, stamp, stamp),
    )
    found = await get_resident(db, channel, external_id)
    assert found is not None
    return found


async def get_resident(db: aiosqlite.Connection, channel: str, external_id: str) -> Resident | None:
    async with db.execute(
        _RESIDENT + " WHERE channel = ? AND external_id = ?", (channel, external_id)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _resident(row)


async def get_resident_by_id(db: aiosqlite.Connection, resident_id: int) -> Resident | None:
    async with db.execute(_RESIDENT + " WHERE id = ?", (resident_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _resident(row)


async def flat_residents(
    db: aiosqlite.Connection, centre: str, flat: str, status: str = "active"
) -> list[Resident]:
    async with db.execute(
        _RESIDENT + " WHERE centre = ? AND flat = ? AND status = ? ORDER BY id", (centre, flat, status)
    ) as cursor:
        rows = await cursor.fetchall()
    return [_resident(row) for row in rows]


async def set_status(db: aiosqlite.Connection, resident_id: int, status: Status, now: datetime) -> None:
    """Change the status; no commit (the caller clears the schedule in the same transaction)."""
    await db.execute(
        "UPDATE residents SET status = ?, updated_at = ? WHERE id = ?", (status, to_text(now), resident_id)
    )


async def set_payment_muted(db: aiosqlite.Connection, resident_id: int, muted: bool, now: datetime) -> None:
    """No commit (the caller changes the schedule in the same transaction)."""
    await db.execute(
        "UPDATE residents SET payment_muted = ?, updated_at = ? WHERE id = ?",
        (int(muted), to_text(now), resident_id),
    )


async def residents_by_ids(db: aiosqlite.Connection, ids: list[int]) -> dict[int, Resident]:
    """Many residents in few queries (chunks stay under SQLite's parameter limit)."""
    found: dict[int, Resident] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        async with db.execute(_RESIDENT + f" WHERE id IN ({marks})", chunk) as cursor:
            for row in await cursor.fetchall():
                resident = _resident(row)
                found[resident.id] = resident
    return found


async def forget_resident(db: aiosqlite.Connection, channel: str, external_id: str) -> None:
    """Delete a person's resident record and its reminder history (/forget); keep used invites
    as used, without saying by whom."""
    await db.execute("DELETE FROM residents WHERE channel = ? AND external_id = ?", (channel, external_id))
    await db.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?", (external_id,))
    await db.commit()


async def blocked_ids(db: aiosqlite.Connection) -> set[str]:
    """External ids of residents whose chat refused our messages (so a new message can bring them back)."""
    async with db.execute("SELECT external_id FROM residents WHERE status = 'blocked'") as cursor:
        return {str(row[0]) for row in await cursor.fetchall()}
