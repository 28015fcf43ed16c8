"""What the web door has for Telegram goes through the database, never through memory.

`python -m bot web` and `python -m bot run` may be separate processes on one database (or one
process: the same path, only woken at once). The web door leaves a post (storage/ticket_posts.py):
a web ticket for the staff chat, a panel answer for a Telegram user, a notice ("closed", "handed to
you"). Any Telegram process delivers due posts (`deliver_due`, with a `Send` the door gives):
claimed with a lease, so two processes never send one twice, and deleted once sent.

What happens when a post cannot be delivered is decided here: a user who blocked the bot closes
their ticket and the staff chat hears so; after MAX_ATTEMPTS the post is given up, and for an
answer the staff chat hears that too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.clock import Clock
from bot.i18n import tr
from bot.settings import Settings
from storage import ticket_posts as store
from storage import tickets
from storage.database import Database
from storage.ticket_posts import Post

log = logging.getLogger("bot.handover")

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)  # a claimer that dies mid-send: the post is sent again after this
BATCH = 20


@dataclass(frozen=True)
class Delivered:
    """Sent: where to (the staff chat resolved) and the message's id, so a reply to it is linked."""

    chat_id: int
    message_id: int


Outcome = Delivered | Literal["blocked", "retry", "failed"]
# The door's sending of one post: Delivered, "blocked" (the user blocked the bot), "retry" (a
# transient error) or "failed" (it will never go: no staff chat, a chat that does not exist).
Send = Callable[[Post], Awaitable[Outcome]]
# Asks a Telegram door in this same process to deliver now (no-op where there is none).
Wake = Callable[[], None]


def staff_lang(settings: Settings) -> str:
    return settings.default_lang or "pl"


async def to_staff_chat(
    settings: Settings, db: Database, clock: Clock, ticket_id: int, header: str, body: str
) -> bool:
    """A ticket's message for the staff chat (with its Close button; a reply there answers it).
    False where there is no staff chat: the panel still lists the ticket."""
    if settings.staff_chat_id is None:
        return False
    await store.add(db, ticket_id, "ticket", None, staff_lang(settings), header, body, clock.now())
    return True


async def to_user(
    db: Database, clock: Clock, ticket_id: int, chat_id: int, lang: str, header: str, body: str
) -> None:
    """A staff answer for a Telegram user, with the ticket's Close button in their language."""
    await store.add(db, ticket_id, "answer", chat_id, lang, header, body, clock.now())


async def notice(
    settings: Settings, db: Database, clock: Clock, ticket_id: int, chat_id: int | None, text: str
) -> None:
    """A plain message about a ticket: to a chat, or to the staff chat (None; nothing without one)."""
    if chat_id is None and settings.staff_chat_id is None:
        return
    await store.add(db, ticket_id, "notice", chat_id, staff_lang(settings), text, "", clock.now())


async def deliver_due(settings: Settings, db: Database, clock: Clock, claimer: str, send: Send) -> int:
    """Deliver every due post, oldest first, until none is left; how many were sent."""
    sent = 0
    while True:
        now = clock.now()
        claimed = await store.claim(db, now, BATCH, claimer, now + LEASE, share_of(settings))
        if not claimed:
            return sent
        for post in claimed:
            outcome = await send(post)
            if isinstance(outcome, Delivered):
                sent += 1
                await _delivered(db, settings.telegram_channel, post, outcome, claimer)
            elif outcome == "blocked":
                await _blocked(settings, db, clock, post, claimer)
            elif outcome == "retry" and post.attempts < MAX_ATTEMPTS:
                # 10 s, 20 s, 40 s, 80 s: an outage of a few minutes is waited out.
                later = clock.now() + timedelta(seconds=10 * 2 ** (post.attempts - 1))
                await store.retry_at(db, post.id, claimer, later)
            else:
                await _given_up(settings, db, clock, post, claimer)


def share_of(settings: Settings) -> store.Share | None:
    """Several bots: each sends the posts of tickets opened through it (their users are its users,
    and a ticket without a centre has no other bot), and of web tickets of its centres; the one
    bot sends every post."""
    bot = settings.bot
    if bot is None or bot.centres is None:
        return None
    return store.Share(bot.channel, bot.centres)


async def _delivered(db: Database, channel: str, post: Post, sent: Delivered, claimer: str) -> None:
    async with db.transaction():  # the link and the row's end together: a reply always finds it
        if post.kind != "notice":
            await tickets.link(db, channel, sent.chat_id, sent.message_id, post.ticket_id)
        await store.finish(db, post.id, claimer)


async def _blocked(settings: Settings, db: Database, clock: Clock, post: Post, claimer: str) -> None:
    """The user blocked the bot: an answer cannot reach them, so the ticket is closed and the staff
    chat hears it (a notice to them is simply dropped)."""
    async with db.transaction():
        await store.finish(db, post.id, claimer)
        if post.kind == "answer" and await tickets.close(db, post.ticket_id, clock.now()):
            said = tr(staff_lang(settings))._("The user has blocked the bot; ticket #{id} is closed.")
            await notice(settings, db, clock, post.ticket_id, None, said.format(id=post.ticket_id))


async def _given_up(settings: Settings, db: Database, clock: Clock, post: Post, claimer: str) -> None:
    log.warning("ticket %s: a %s post could not be delivered; given up", post.ticket_id, post.kind)
    async with db.transaction():
        await store.finish(db, post.id, claimer)
        if post.kind == "answer":
            t = tr(staff_lang(settings))
            said = t._("Ticket #{id}: the answer could not be delivered; please try again.")
            await notice(settings, db, clock, post.ticket_id, None, said.format(id=post.ticket_id))
