"""Handover tickets, channel-free: who may answer one, where the answer goes, and closing it.

A ticket is opened from Telegram (/ask) or from the web chat ("Ask a person"); staff answer it
from the Telegram staff chat or from the panel. The doors only translate: this module decides.
A Telegram user is online, so the door sends the answer at once; a web visitor is not, so the
answer is stored as a line of the ticket (storage/web_tickets.py) until their chat fetches it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock
from bot.domain.content import Content
from bot.i18n import tr
from bot.settings import Settings
from bot.staff.access import authorize, in_centre
from storage import tickets
from storage import web_tickets as web_store
from storage.database import Database
from storage.tickets import Ticket

Refusal = Literal["closed", "no_access"]


@dataclass(frozen=True)
class ToTelegram:
    """The answer is for a Telegram user, who is online: the door sends it to them now."""

    ticket: tickets.Ticket


@dataclass(frozen=True)
class ToWeb:
    """The answer is stored for the web visitor; their chat shows it on its next load or poll."""

    ticket: tickets.Ticket


Answered = ToTelegram | ToWeb | Refusal


async def answer_from_staff(
    settings: Settings, db: Database, clock: Clock, actor: int, ticket: tickets.Ticket, text: str
) -> Answered:
    """A staff member's answer to `ticket`, after the audited checks every staff action passes.

    Being in the staff chat is not enough: staff answer their own centre's tickets, administrators
    every centre (bot.staff.authorize and in_centre, both audited)."""
    if ticket.status != "open":
        return "closed"
    target = str(ticket.id)
    access = await authorize(settings, db, clock, actor, "ticket_reply", target=target)
    if access is None or not await in_centre(db, clock, access, "ticket_reply", ticket.centre, target):
        return "no_access"
    if await web_store.web_ticket_owner(db, ticket.id) is None:
        return ToTelegram(ticket)
    await web_store.add_line(db, ticket.id, "staff", text, clock.now())
    return ToWeb(ticket)


@dataclass(frozen=True)
class Closed:
    """What closing did: `was_open` False when it had been closed already; `web` for a web ticket
    (no Telegram chat to tell: its visitor sees "closed" when they press the ticket's button)."""

    was_open: bool
    web: bool


async def close(db: Database, clock: Clock, ticket_id: int) -> Closed:
    """Close a ticket from either side; a web ticket's lines go with it (kept only while open)."""
    web = await web_store.web_ticket_owner(db, ticket_id) is not None
    if web:
        return Closed(await web_store.close_ticket(db, ticket_id, clock.now()), True)
    return Closed(await tickets.close(db, ticket_id, clock.now()), False)


async def answers_for_web(db: Database, clock: Clock, external_id: str) -> list[web_store.Line]:
    """Staff answers the web visitor has not seen, by what they have not seen and not by the
    ticket's state: an answer stays until shown even when the ticket was closed first, and goes then."""
    async with db.transaction():
        found = await web_store.take_unseen_answers(db, external_id, clock.now())
        if found:
            await web_store.drop_seen_of_closed(db, external_id)
    return found


def centre_words(content: Content, centre: str | None, lang: str) -> str:
    """The ticket's centre as staff read it: its name, or "no centre chosen" (never a "?" or an id)."""
    found = content.centres.get(centre) if centre else None
    return found.centre.name.get(lang) if found is not None else tr(lang)._("no centre chosen")


def blank(text: str) -> bool:
    """Nothing a person could read: spaces, zero-width and other invisible characters only."""
    return all(unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cc", "Cf") for ch in text)


def served_by(settings: Settings, ticket: Ticket) -> bool:
    """Whether the Telegram bot of `settings` handles the ticket: one opened through it, or a web
    ticket of its centres (the one bot: its own and every web ticket). Another bot's ticket is
    another person's, even with the same Telegram id: its bot answers and closes it."""
    if ticket.channel == web_store.WEB_CHANNEL:
        return settings.bot is None or settings.bot.serves(ticket.centre)
    return ticket.channel == settings.telegram_channel


def may_close(settings: Settings, ticket: Ticket, user_id: int, in_staff_chat: bool) -> bool:
    """Either side closes a ticket of this bot: its staff chat, or the person who asked."""
    return served_by(settings, ticket) and (in_staff_chat or ticket.user_chat == user_id)
