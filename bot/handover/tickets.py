"""The rules of a handover ticket, whatever door it came through: what may open one, who may answer
or close it, and closing it (with its audit row) as one unit of work. The doors carry the messages."""

from __future__ import annotations

import unicodedata

from bot.clock import Clock
from bot.domain.content import Content
from bot.i18n import tr
from bot.settings import Settings
from bot.staff.access import authorize, in_centre, role_of
from storage import audit
from storage import tickets as store
from storage.database import Database
from storage.tickets import Ticket


def blank(text: str) -> bool:
    """Nothing a person could read: spaces, zero-width and other invisible characters only."""
    return all(unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cc", "Cf") for ch in text)


def centre_words(content: Content, centre: str | None, lang: str) -> str:
    """The ticket's centre as staff read it: its name, or "no centre chosen" (never a "?" or an id)."""
    found = content.centres.get(centre) if centre else None
    return found.centre.name.get(lang) if found is not None else tr(lang)._("no centre chosen")


async def may_answer(settings: Settings, db: Database, clock: Clock, user_id: int, ticket: Ticket) -> bool:
    """Being in the staff chat is not enough: staff answer their own centre's tickets (issue 16);
    both checks are audited."""
    access = await authorize(settings, db, clock, user_id, "ticket_reply", target=str(ticket.id))
    return access is not None and await in_centre(
        db, clock, access, "ticket_reply", ticket.centre, str(ticket.id)
    )


def may_close(ticket: Ticket, user_id: int, in_staff_chat: bool) -> bool:
    """Either side closes a ticket: the staff chat, or the person who asked."""
    return in_staff_chat or ticket.user_chat == user_id


async def close(
    settings: Settings, db: Database, clock: Clock, ticket: Ticket, staff_user: int | None
) -> bool:
    """Close the ticket; a staff member's close is audited with it. False when it was closed already."""
    now = clock.now()
    async with db.transaction():
        closed = await store.close(db, ticket.id, now)
        if staff_user is not None:
            role = await role_of(settings, db, staff_user)
            await audit.record(db, now, staff_user, role, "ticket_close", str(ticket.id))
    return closed
