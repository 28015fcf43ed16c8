"""People the bot talks to and where each one is in the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import from_text, to_text
from storage.database import Database
from storage.db import StorageError


@dataclass(frozen=True)
class User:
    """One person on one channel."""

    id: int
    channel: str
    external_id: str
    centre: str | None
    lang: str | None
    step: str | None
    created_at: datetime
    active: bool = True  # False after the user blocked the bot (migration 005)


async def get_user(db: Database, channel: str, external_id: str) -> User | None:
    """The user with this channel id, or None."""
    row = await db.fetch_one(
        "SELECT id, channel, external_id, centre, lang, step, created_at, active"
        " FROM users WHERE channel = ? AND external_id = ?",
        (channel, external_id),
    )
    if row is None:
        return None
    return User(
        id=int(row[0]),
        channel=str(row[1]),
        external_id=str(row[2]),
        centre=_optional(row[3]),
        lang=_optional(row[4]),
        step=_optional(row[5]),
        created_at=from_text(str(row[6])),
        active=bool(row[7]),
    )


async def get_or_create_user(db: Database, channel: str, external_id: str, now: datetime) -> User:
    """The user with this channel id, created at `now` if new."""
    # Almost every message comes from a known user: one read, no write.
    known = await get_user(db, channel, external_id)
    if known is not None:
        return known
    stamp = to_text(now)
    # DO NOTHING instead of check-then-insert: two messages arriving together cannot create two rows.
    await db.execute(
        "INSERT INTO users (channel, external_id, created_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, external_id) DO NOTHING",
        (channel, external_id, stamp, stamp),
    )
    user = await get_user(db, channel, external_id)
    if user is None:
        # Only possible if someone deleted the row between our insert and select.
        raise StorageError(f"user {channel}:{external_id} was deleted while being created")
    return user


async def set_centre(db: Database, user_id: int, centre: str | None, now: datetime) -> None:
    """Remember the user's centre (None forgets it); an unknown id changes nothing."""
    await db.execute(
        "UPDATE users SET centre = ?, updated_at = ? WHERE id = ?",
        (centre, to_text(now), user_id),
    )


async def set_lang(db: Database, user_id: int, lang: str | None, now: datetime) -> None:
    """Remember the user's language (None forgets it); an unknown id changes nothing."""
    await db.execute(
        "UPDATE users SET lang = ?, updated_at = ? WHERE id = ?",
        (lang, to_text(now), user_id),
    )


async def set_step(db: Database, user_id: int, step: str | None, now: datetime) -> None:
    """Remember where the user is in a flow (None means no flow); an unknown id changes nothing."""
    await db.execute(
        "UPDATE users SET step = ?, updated_at = ? WHERE id = ?",
        (step, to_text(now), user_id),
    )


async def delete_user(db: Database, user_id: int) -> None:
    """Forget the user entirely; an unknown id changes nothing."""
    await db.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def count_users(db: Database) -> list[tuple[str | None, str | None, int]]:
    """(centre, lang, number of users) for every combination in use; None where not chosen yet."""
    rows = await db.fetch_all(
        "SELECT centre, lang, COUNT(*) FROM users GROUP BY centre, lang ORDER BY centre, lang"
    )
    return [(_optional(row[0]), _optional(row[1]), int(row[2])) for row in rows]


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


async def set_active(db: Database, user_id: int, now: datetime) -> None:
    """The user can be reached again (they wrote to us after blocking the bot)."""
    await db.execute("UPDATE users SET active = 1, updated_at = ? WHERE id = ?", (to_text(now), user_id))


async def add_users(
    db: Database, channel: str, external_ids: list[str], centre: str, lang: str, now: datetime
) -> None:
    """Many users of one centre and language at once (benches, tests, imports); existing ones stay."""
    stamp = to_text(now)
    await db.execute_many(
        "INSERT INTO users (channel, external_id, centre, lang, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING",
        [(channel, external_id, centre, lang, stamp, stamp) for external_id in external_ids],
    )
