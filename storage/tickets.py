"""Handover tickets: only the mapping between a user's chat and the messages in the staff chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage._time import to_text


@dataclass(frozen=True)
class Ticket:
    id: int
    user_chat: int
    centre: str | None
    status: str


async def open_ticket(db: aiosqlite.Connection, user_chat: int, centre: str | None, now: datetime) -> Ticket:
    """The user's open ticket, or a new one."""
    found = await open_for(db, user_chat)
    if found is not None:
        return found
    cursor = await db.execute(
        "INSERT INTO tickets (user_chat, centre, status, opened_at) VALUES (?, ?, 'open', ?)",
        (user_chat, centre, to_text(now)),
    )
    await db.commit()
    assert cursor.lastrowid is not None
    return Ticket(int(cursor.lastrowid), user_chat, centre, "open")


async def open_for(db: aiosqlite.Connection, user_chat: int) -> Ticket | None:
    async with db.execute(
        "SELECT id, user_chat, centre, status FROM tickets WHERE user_chat = ? AND status = 'open'"
        " ORDER BY id DESC LIMIT 1",
        (user_chat,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _ticket(row)


async def get(db: aiosqlite.Connection, ticket_id: int) -> Ticket | None:
    async with db.execute(
        "SELECT id, user_chat, centre, status FROM tickets WHERE id = ?", (ticket_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _ticket(row)


async def link(db: aiosqlite.Connection, chat_id: int, message_id: int, ticket_id: int) -> None:
    """Remember that this message (in the staff chat or the user's chat) belongs to the ticket."""
    await db.execute(
        "INSERT OR REPLACE INTO ticket_messages (chat_id, message_id, ticket_id) VALUES (?, ?, ?)",
        (chat_id, message_id, ticket_id),
    )
    await db.commit()


async def by_message(db: aiosqlite.Connection, chat_id: int, message_id: int) -> Ticket | None:
    async with db.execute(
        "SELECT t.id, t.user_chat, t.centre, t.status FROM ticket_messages m"
        " JOIN tickets t ON t.id = m.ticket_id WHERE m.chat_id = ? AND m.message_id = ?",
        (chat_id, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _ticket(row)


async def close(db: aiosqlite.Connection, ticket_id: int, now: datetime) -> bool:
    """Close the ticket (the mapping stays, so late replies hear it is closed); False if already closed."""
    cursor = await db.execute(
        "UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
        (to_text(now), ticket_id),
    )
    await db.commit()
    return cursor.rowcount == 1


def _ticket(row: aiosqlite.Row | tuple[object, ...]) -> Ticket:
    return Ticket(int(str(row[0])), int(str(row[1])), None if row[2] is None else str(row[2]), str(row[3]))
