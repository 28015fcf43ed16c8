"""Staff members, their centre, and one-time staff invites (codes stored only as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage import codes
from storage._time import to_text
from storage.database import Database

RedeemError = Literal["unknown", "used", "expired"]
CODE_PREFIX = "st_"  # tells a staff invite apart from other /start payloads


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    centre: str


def new_code() -> str:
    """A fresh staff invite code (the prefix tells /start it is a staff invite)."""
    return codes.new_code(CODE_PREFIX)


def is_staff_code(payload: str) -> bool:
    return payload.startswith(CODE_PREFIX) and len(payload) > len(CODE_PREFIX) + 16


async def get_staff(db: Database, user_id: int) -> StaffMember | None:
    row = await db.fetch_one("SELECT user_id, centre FROM staff WHERE user_id = ?", (user_id,))
    return None if row is None else StaffMember(int(row[0]), str(row[1]))


async def list_staff(db: Database, centre: str | None = None) -> list[StaffMember]:
    sql, args = "SELECT user_id, centre FROM staff", tuple[str, ...]()
    if centre is not None:
        sql, args = sql + " WHERE centre = ?", (centre,)
    rows = await db.fetch_all(sql + " ORDER BY centre, user_id", args)
    return [StaffMember(int(row[0]), str(row[1])) for row in rows]


async def remove_staff(db: Database, user_id: int) -> bool:
    done = await db.execute("DELETE FROM staff WHERE user_id = ?", (user_id,))
    return done.rowcount == 1


async def add_invite(
    db: Database, code: str, centre: str, created_by: int, now: datetime, expires_at: datetime
) -> None:
    """Store a new staff invite (the hash of its code only)."""
    await db.execute(
        "INSERT INTO staff_invites (code_hash, centre, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (codes.hash_code(code), centre, created_by, to_text(now), to_text(expires_at)),
    )


async def redeem_invite(
    db: Database, code: str, user_id: int, now: datetime
) -> StaffMember | RedeemError:
    """Use the invite (atomically: of two people with one code only one wins) and make the user staff."""
    stamp, code_hash = to_text(now), codes.hash_code(code)
    async with db.transaction():
        row = await db.fetch_one(
            "UPDATE staff_invites SET used_at = ?, used_by = ?"
            " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING centre, created_by",
            (stamp, user_id, code_hash, stamp),
        )
        if row is not None:
            centre, created_by = str(row[0]), int(row[1])
            await db.execute(
                "INSERT INTO staff (user_id, centre, added_by, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET centre = excluded.centre, added_by = excluded.added_by,"
                " added_at = excluded.added_at",
                (user_id, centre, created_by, stamp),
            )
            return StaffMember(user_id, centre)
    # Nothing was changed: say why the code cannot be used.
    used_at = await db.fetch_one("SELECT used_at FROM staff_invites WHERE code_hash = ?", (code_hash,))
    if used_at is None:
        return "unknown"
    return "used" if used_at[0] is not None else "expired"
