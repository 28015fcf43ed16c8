"""Web visitors nobody can reach any more: their cookie lasts SESSION_DAYS and is never renewed,
so a web user row older than that belongs to a browser that has already forgotten it."""

from __future__ import annotations

from datetime import datetime

from storage._time import to_text
from storage.database import Database


async def purge_web_users(db: Database, created_before: datetime) -> int:
    """Delete web users created before the moment, with their web tickets; the number deleted."""
    stamp = to_text(created_before)
    async with db.transaction():
        await db.execute(
            "DELETE FROM tickets WHERE id IN (SELECT w.ticket_id FROM web_tickets w"
            " JOIN users u ON u.channel = 'web' AND u.external_id = w.external_id WHERE u.created_at < ?)",
            (stamp,),
        )
        await db.execute(
            "DELETE FROM web_tickets WHERE external_id IN"
            " (SELECT external_id FROM users WHERE channel = 'web' AND created_at < ?)",
            (stamp,),
        )
        done = await db.execute("DELETE FROM users WHERE channel = 'web' AND created_at < ?", (stamp,))
    return done.rowcount
