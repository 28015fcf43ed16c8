"""Staff panel logins: one-time links (10 minutes, used once) and browser sessions (at most 8 hours).

Only SHA-256 hashes of the link codes and of the session tokens are stored, so a copy of the
database lets nobody log in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import codes
from storage._time import from_text, to_text
from storage.database import Database

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)


@dataclass(frozen=True)
class PanelSession:
    user_id: int
    csrf: str
    expires_at: datetime


async def add_link(db: Database, user_id: int, now: datetime) -> str:
    """A fresh login code for `user_id` (192 random bits); only its hash is kept."""
    code = codes.new_code()
    await db.execute(
        "INSERT INTO panel_links (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (codes.hash_code(code), user_id, to_text(now), to_text(now + LINK_TTL)),
    )
    return code


async def use_link(db: Database, code: str, now: datetime) -> int | None:
    """The user id of a valid, unused code, marking it used in the same statement (one winner)."""
    stamp = to_text(now)
    user_id = await db.fetch_value(
        "UPDATE panel_links SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?"
        " RETURNING user_id",
        (stamp, codes.hash_code(code), stamp),
    )
    return None if user_id is None else int(user_id)


async def start_session(db: Database, user_id: int, now: datetime) -> str:
    """A new session token for the cookie; the row keeps its hash and a CSRF token for forms."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    async with db.transaction():
        await db.execute(
            "INSERT INTO panel_sessions (token_hash, user_id, csrf, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (codes.hash_code(token), user_id, csrf, to_text(now), to_text(now + SESSION_TTL)),
        )
        # Expired sessions are of no use to anyone: drop them whenever somebody logs in.
        await db.execute("DELETE FROM panel_sessions WHERE expires_at <= ?", (to_text(now),))
    return token


async def get_session(db: Database, token: str, now: datetime) -> PanelSession | None:
    row = await db.fetch_one(
        "SELECT user_id, csrf, expires_at FROM panel_sessions WHERE token_hash = ? AND expires_at > ?",
        (codes.hash_code(token), to_text(now)),
    )
    return None if row is None else PanelSession(int(row[0]), str(row[1]), from_text(str(row[2])))


async def end_session(db: Database, token: str) -> None:
    await db.execute("DELETE FROM panel_sessions WHERE token_hash = ?", (codes.hash_code(token),))
