"""Tickets seen from the web door and the staff panel: web tickets' lines, and the panel's lists.

A web visitor is not connected when staff answer, so the lines of a web ticket wait in
`ticket_lines` until the visitor's chat fetches them (`seen_at`, migration 017); they are deleted
when the ticket is closed, except a staff answer not yet seen, which goes once it is; and all of
them when the visitor asks to be forgotten. Telegram tickets keep only the message mapping (tickets.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import tickets
from storage._time import from_text, to_text
from storage.database import Database

WEB_CHANNEL = "web"  # users.channel of the web chat (bot.channels.web.conversation.CHANNEL is this)


@dataclass(frozen=True)
class Line:
    id: int
    ticket_id: int
    author: str  # "user" or "staff"
    text: str
    at: datetime


@dataclass(frozen=True)
class TicketRow:
    """One ticket as the panel lists it; `door` is "web" or "telegram"."""

    id: int
    centre: str | None
    lang: str | None
    door: str
    status: str  # "open", "answered" (open, the last word is the staff's) or "closed"
    opened_at: datetime
    assignee: int | None = None  # the staff member it was handed to in the panel


async def open_web_ticket(
    db: Database, user_row: int, external_id: str, centre: str | None, lang: str, now: datetime
) -> tickets.Ticket:
    """The visitor's open web ticket, or a new one (channel "web"; tickets.user_chat is minus the
    users row id)."""
    async with db.transaction():
        found = await open_web_ticket_of(db, external_id)
        if found is not None:
            return found
        ticket = await tickets.open_ticket(db, WEB_CHANNEL, -user_row, centre, now)
        await db.execute(
            "INSERT INTO web_tickets (ticket_id, external_id, lang) VALUES (?, ?, ?)"
            " ON CONFLICT (ticket_id) DO UPDATE SET external_id = excluded.external_id, lang = excluded.lang",
            (ticket.id, external_id, lang),
        )
    return ticket


async def open_web_ticket_of(db: Database, external_id: str) -> tickets.Ticket | None:
    ticket_id = await db.fetch_value(
        "SELECT t.id FROM web_tickets w JOIN tickets t ON t.id = w.ticket_id"
        " WHERE w.external_id = ? AND t.status = 'open' ORDER BY t.id DESC LIMIT 1",
        (external_id,),
    )
    return None if ticket_id is None else await tickets.get(db, int(ticket_id))


async def web_ticket_owner(db: Database, ticket_id: int) -> tuple[str, str] | None:
    """(external_id, lang) of a web ticket; None for a Telegram ticket or an unknown id."""
    row = await db.fetch_one("SELECT external_id, lang FROM web_tickets WHERE ticket_id = ?", (ticket_id,))
    return None if row is None else (str(row[0]), str(row[1]))


async def add_line(db: Database, ticket_id: int, author: str, text: str, now: datetime) -> int:
    new_id = await db.fetch_value(
        "INSERT INTO ticket_lines (ticket_id, author, text, at) VALUES (?, ?, ?, ?) RETURNING id",
        (ticket_id, author, text, to_text(now)),
    )
    return int(new_id)


async def lines(db: Database, ticket_id: int, after: int = 0) -> list[Line]:
    rows = await db.fetch_all(
        "SELECT id, ticket_id, author, text, at FROM ticket_lines WHERE ticket_id = ? AND id > ? ORDER BY id",
        (ticket_id, after),
    )
    return [Line(int(r[0]), int(r[1]), str(r[2]), str(r[3]), from_text(str(r[4]))) for r in rows]


async def take_unseen_answers(db: Database, external_id: str, now: datetime) -> list[Line]:
    """Staff answers to this visitor's web tickets, open or closed, that their chat has not shown
    yet, marked seen by the same statement (two polls at once never both get one)."""
    rows = await db.fetch_all(
        "UPDATE ticket_lines SET seen_at = ? WHERE author = 'staff' AND seen_at IS NULL"
        " AND ticket_id IN (SELECT ticket_id FROM web_tickets WHERE external_id = ?)"
        " RETURNING id, ticket_id, author, text, at",
        (to_text(now), external_id),
    )
    found = [Line(int(r[0]), int(r[1]), str(r[2]), str(r[3]), from_text(str(r[4]))) for r in rows]
    return sorted(found, key=lambda line: line.id)


async def drop_seen_of_closed(db: Database, external_id: str) -> None:
    """The lines a closed ticket kept until its visitor saw them: seen now, so they go."""
    await db.execute(
        "DELETE FROM ticket_lines WHERE seen_at IS NOT NULL AND ticket_id IN (SELECT w.ticket_id"
        " FROM web_tickets w JOIN tickets t ON t.id = w.ticket_id"
        " WHERE w.external_id = ? AND t.status = 'closed')",
        (external_id,),
    )


async def close_ticket(db: Database, ticket_id: int, now: datetime) -> bool:
    """Close the ticket and drop its lines (the conversation is kept only while it is open), but
    not a staff answer the visitor has not seen yet: closing first must not lose it."""
    async with db.transaction():
        closed = await tickets.close(db, ticket_id, now)
        await db.execute(
            "DELETE FROM ticket_lines WHERE ticket_id = ? AND NOT (author = 'staff' AND seen_at IS NULL)",
            (ticket_id,),
        )
    return closed


async def forget_web_user(db: Database, external_id: str) -> None:
    """Delete the visitor's web tickets with their lines (called before Dialogue.reset)."""
    async with db.transaction():
        await db.execute(
            "DELETE FROM tickets WHERE id IN (SELECT ticket_id FROM web_tickets WHERE external_id = ?)",
            (external_id,),
        )
        await db.execute("DELETE FROM web_tickets WHERE external_id = ?", (external_id,))


_LIST_SQL = (
    "SELECT t.id, t.centre, COALESCE(w.lang, u.lang), w.ticket_id IS NOT NULL, t.status, t.opened_at,"
    " (SELECT author FROM ticket_lines l WHERE l.ticket_id = t.id ORDER BY l.id DESC LIMIT 1),"
    " EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.chat_id = t.user_chat),"
    " (SELECT user_id FROM ticket_assignees a WHERE a.ticket_id = t.id)"
    " FROM tickets t LEFT JOIN web_tickets w ON w.ticket_id = t.id"
    " LEFT JOIN users u ON w.ticket_id IS NULL AND u.channel = t.channel"
    " AND u.external_id = CAST(t.user_chat AS TEXT)"
)


async def list_tickets(db: Database, centre: str | None, limit: int = 200) -> list[TicketRow]:
    """Tickets of a centre (every centre for None), newest first."""
    sql, args = _LIST_SQL, tuple[object, ...]()
    if centre is not None:
        sql, args = sql + " WHERE t.centre = ?", (centre,)
    rows = await db.fetch_all(sql + " ORDER BY t.id DESC LIMIT ?", (*args, limit))
    found = []
    for r in rows:
        status = str(r[4])
        if status == "open" and (r[6] == "staff" or (not r[3] and bool(r[7]))):
            status = "answered"
        door = "web" if r[3] else "telegram"
        owner = None if r[8] is None else int(str(r[8]))
        found.append(TicketRow(int(r[0]), _opt(r[1]), _opt(r[2]), door, status, from_text(str(r[5])), owner))
    return found


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


async def assign(db: Database, ticket_id: int, user_id: int, by: int, now: datetime) -> None:
    """Hand the ticket to a staff member (the last hand-over wins)."""
    await db.execute(
        "INSERT INTO ticket_assignees (ticket_id, user_id, assigned_by, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (ticket_id) DO UPDATE SET user_id = excluded.user_id,"
        " assigned_by = excluded.assigned_by, at = excluded.at",
        (ticket_id, user_id, by, to_text(now)),
    )


async def assignee(db: Database, ticket_id: int) -> int | None:
    user_id = await db.fetch_value("SELECT user_id FROM ticket_assignees WHERE ticket_id = ?", (ticket_id,))
    return None if user_id is None else int(user_id)
