"""Handover tickets: only the mapping between a user's chat and the messages in the staff chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import to_text
from storage.database import Database, Row


@dataclass(frozen=True)
class Ticket:
    id: int
    user_chat: int
    centre: str | None
    status: str


async def open_ticket(db: Database, user_chat: int, centre: str | None, now: datetime) -> Ticket:
    """The user's open ticket, or a new one (looked up and opened in one unit: never two open)."""
    async with db.transaction():
        if db.dialect == "postgres":
            # SQLite's BEGIN IMMEDIATE already lets one unit at a time in; at READ COMMITTED two
            # could both find no open ticket, so this user's units take a lock of their own.
            await db.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"ticket:{user_chat}",))
        found = await open_for(db, user_chat)
        if found is not None:
            return found
        new_id = await db.fetch_value(
            "INSERT INTO tickets (user_chat, centre, status, opened_at) VALUES (?, ?, 'open', ?)"
            " RETURNING id",
            (user_chat, centre, to_text(now)),
        )
    return Ticket(int(new_id), user_chat, centre, "open")


async def open_for(db: Database, user_chat: int) -> Ticket | None:
    row = await db.fetch_one(
        "SELECT id, user_chat, centre, status FROM tickets WHERE user_chat = ? AND status = 'open'"
        " ORDER BY id DESC LIMIT 1",
        (user_chat,),
    )
    return None if row is None else _ticket(row)


async def get(db: Database, ticket_id: int) -> Ticket | None:
    row = await db.fetch_one("SELECT id, user_chat, centre, status FROM tickets WHERE id = ?", (ticket_id,))
    return None if row is None else _ticket(row)


async def link(db: Database, chat_id: int, message_id: int, ticket_id: int) -> None:
    """Remember that this message (in the staff chat or the user's chat) belongs to the ticket."""
    await db.execute(
        "INSERT INTO ticket_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, message_id) DO UPDATE SET ticket_id = excluded.ticket_id",
        (chat_id, message_id, ticket_id),
    )


async def by_message(db: Database, chat_id: int, message_id: int) -> Ticket | None:
    row = await db.fetch_one(
        "SELECT t.id, t.user_chat, t.centre, t.status FROM ticket_messages m"
        " JOIN tickets t ON t.id = m.ticket_id WHERE m.chat_id = ? AND m.message_id = ?",
        (chat_id, message_id),
    )
    return None if row is None else _ticket(row)


async def close(db: Database, ticket_id: int, now: datetime) -> bool:
    """Close the ticket (the mapping stays, so late replies hear it is closed); False if already closed."""
    done = await db.execute(
        "UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
        (to_text(now), ticket_id),
    )
    return done.rowcount == 1


def _ticket(row: Row) -> Ticket:
    return Ticket(int(str(row[0])), int(str(row[1])), None if row[2] is None else str(row[2]), str(row[3]))
