"""Handover tickets: only the mapping between a user's chat and the messages in the staff chat.

A ticket is a person's on one channel (migration 019): `telegram` (the one bot), `telegram:<name>`
(a bot of TELEGRAM_BOTS) or `web`. The same Telegram id on two bots is two people here, each with
their own open ticket; and a message is known by the channel of the bot that sent it, since two
bots' chats with one person number their messages alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage._time import to_text
from storage.database import Database, Row

_COLUMNS = "t.id, t.channel, t.user_chat, t.centre, t.status"


@dataclass(frozen=True)
class Ticket:
    id: int
    channel: str  # the channel it was opened on (users.channel): whose bot, or the web's
    user_chat: int
    centre: str | None
    status: str


async def open_ticket(
    db: Database, channel: str, user_chat: int, centre: str | None, now: datetime
) -> Ticket:
    """The user's open ticket on `channel`, or a new one (looked up and opened in one unit: never
    two open)."""
    async with db.transaction():
        if db.dialect == "postgres":
            # SQLite's BEGIN IMMEDIATE already lets one unit at a time in; at READ COMMITTED two
            # could both find no open ticket, so this user's units take a lock of their own.
            key = f"ticket:{channel}:{user_chat}"
            await db.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))
        found = await open_for(db, channel, user_chat)
        if found is not None:
            return found
        new_id = await db.fetch_value(
            "INSERT INTO tickets (channel, user_chat, centre, status, opened_at) VALUES (?, ?, ?, 'open', ?)"
            " RETURNING id",
            (channel, user_chat, centre, to_text(now)),
        )
    return Ticket(int(new_id), channel, user_chat, centre, "open")


async def open_for(db: Database, channel: str, user_chat: int) -> Ticket | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM tickets t WHERE t.channel = ? AND t.user_chat = ? AND t.status = 'open'"
        " ORDER BY t.id DESC LIMIT 1",
        (channel, user_chat),
    )
    return None if row is None else _ticket(row)


async def get(db: Database, ticket_id: int) -> Ticket | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM tickets t WHERE t.id = ?", (ticket_id,))
    return None if row is None else _ticket(row)


async def link(db: Database, channel: str, chat_id: int, message_id: int, ticket_id: int) -> None:
    """Remember that this message, sent by the bot of `channel` (in the staff chat or the user's
    chat), belongs to the ticket."""
    await db.execute(
        "INSERT INTO ticket_messages (channel, chat_id, message_id, ticket_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, chat_id, message_id) DO UPDATE SET ticket_id = excluded.ticket_id",
        (channel, chat_id, message_id, ticket_id),
    )


async def by_message(db: Database, channel: str, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket of a message the bot of `channel` sent (None for another bot's message)."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id"
        " WHERE m.channel = ? AND m.chat_id = ? AND m.message_id = ?",
        (channel, chat_id, message_id),
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
    centre = None if row[3] is None else str(row[3])
    return Ticket(int(str(row[0])), str(row[1]), int(str(row[2])), centre, str(row[4]))
