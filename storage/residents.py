"""Residents and their one-time invites (codes are stored hashed, never in clear)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage._time import from_text, to_text
from storage.database import Database, Row

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


def _resident(row: Row) -> Resident:
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
    db: Database,
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


async def get_invite(db: Database, code_hash: str) -> Invite | None:
    row = await db.fetch_one(
        "SELECT code_hash, centre, flat, expires_at, used_at FROM invites WHERE code_hash = ?", (code_hash,)
    )
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
    db: Database, code_hash: str, used_by: str, now: datetime
) -> RedeemError | None:
    """Mark the invite used (atomically: of two people with one code only one wins); None on success.

    The caller binds the resident in the same unit of work.
    """
    done = await db.execute(
        "UPDATE invites SET used_at = ?, used_by = ?"
        " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
        (to_text(now), used_by, code_hash, to_text(now)),
    )
    if done.rowcount == 1:
        return None
    invite = await get_invite(db, code_hash)
    if invite is None:
        return "unknown"
    return "used" if invite.used_at is not None else "expired"


async def bind_resident(
    db: Database,
    channel: str,
    external_id: str,
    centre: str,
    flat: str,
    lang: str | None,
    now: datetime,
) -> Resident:
    """Make this chat an active resident of the flat (a former resident is re-bound)."""
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


async def get_resident(db: Database, channel: str, external_id: str) -> Resident | None:
    row = await db.fetch_one(_RESIDENT + " WHERE channel = ? AND external_id = ?", (channel, external_id))
    return None if row is None else _resident(row)


async def get_resident_by_id(db: Database, resident_id: int) -> Resident | None:
    row = await db.fetch_one(_RESIDENT + " WHERE id = ?", (resident_id,))
    return None if row is None else _resident(row)


async def flat_residents(
    db: Database, centre: str, flat: str, status: str = "active"
) -> list[Resident]:
    rows = await db.fetch_all(
        _RESIDENT + " WHERE centre = ? AND flat = ? AND status = ? ORDER BY id", (centre, flat, status)
    )
    return [_resident(row) for row in rows]


async def set_status(db: Database, resident_id: int, status: Status, now: datetime) -> None:
    """Change the status (the caller clears the schedule in the same unit of work)."""
    await db.execute(
        "UPDATE residents SET status = ?, updated_at = ? WHERE id = ?", (status, to_text(now), resident_id)
    )


async def set_payment_muted(db: Database, resident_id: int, muted: bool, now: datetime) -> None:
    """The caller changes the schedule in the same unit of work."""
    await db.execute(
        "UPDATE residents SET payment_muted = ?, updated_at = ? WHERE id = ?",
        (int(muted), to_text(now), resident_id),
    )


async def residents_by_ids(db: Database, ids: list[int]) -> dict[int, Resident]:
    """Many residents in few queries (chunks stay under SQLite's parameter limit)."""
    found: dict[int, Resident] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for row in await db.fetch_all(_RESIDENT + f" WHERE id IN ({marks})", chunk):
            resident = _resident(row)
            found[resident.id] = resident
    return found


async def forget_resident(db: Database, channel: str, external_id: str) -> None:
    """Delete a person's resident record and its reminder history (/forget); keep used invites
    as used, without saying by whom."""
    async with db.transaction():
        await db.execute(
            "DELETE FROM residents WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        await db.execute("UPDATE invites SET used_by = NULL WHERE used_by = ?", (external_id,))


async def blocked_ids(db: Database) -> set[str]:
    """External ids of residents whose chat refused our messages (so a new message can bring them back)."""
    rows = await db.fetch_all("SELECT external_id FROM residents WHERE status = 'blocked'")
    return {str(row[0]) for row in rows}
