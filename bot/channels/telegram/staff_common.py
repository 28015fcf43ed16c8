"""What the staff handlers share: their config in bot_data, the audited gate (and the decorator that
injects its result), and small senders."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.broadcasts.worker import BACKOFF_BASE, PROGRESS_EVERY
from bot.channels.telegram.context import BotContext, Door
from bot.channels.telegram.render import escape, keyboard, say, target_of, with_retries
from bot.clock import Clock
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.settings import Settings
from bot.staff.access import Access, Role, authorize
from storage import users
from storage.broadcasts import Counts

log = logging.getLogger("bot.staff")

Context = BotContext
STAFF_KEY: Final = "staff"
STAFF_INVITE_TTL: Final = timedelta(days=7)
MAX_PROBLEMS_SHOWN: Final = 40


@dataclass
class StaffConfig:
    """Settings and the sending jobs' bookkeeping (kept in application.bot_data); the steps of the
    staff flows are stored with the person (bot.flows), never here."""

    settings: Settings
    clock: Clock
    progress_every: float = PROGRESS_EVERY
    backoff_base: float = BACKOFF_BASE  # seconds before the first retry of a transient error
    running: set[int] = field(default_factory=set)  # broadcasts this process is sending now
    finished: dict[int, Counts] = field(default_factory=dict)  # final counts, for tests and logs
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set at SIGTERM (telegram/run.py)
    panel_url: str | None = None  # the staff panel's public address (WEB_PUBLIC_URL), for /panel


def audience_channel(config: StaffConfig, centre: str) -> str:
    """Whose people a broadcast of `centre` reaches: the channel of the bot serving the centre (the
    one bot's, or a named bot's); that bot's worker sends it (bot.channels.telegram.broadcast)."""
    return config.settings.channel_of(centre) or config.settings.telegram_channel


def staff_config(context: Context) -> StaffConfig:
    value = context.bot_data.get(STAFF_KEY)
    if not isinstance(value, StaffConfig):
        raise RuntimeError("staff tools are not registered")
    return value


# --- helpers -----------------------------------------------------------------------------------


def _door(context: Context) -> Door:
    return context.door


async def lang_of(context: Context, user_id: int) -> str:
    """Another person's language (the sender's is `context.lang()`, read once per update)."""
    found = context.door
    stored = await users.get_user(found.db, found.channel, str(user_id))
    if stored is not None and stored.lang in ("pl", "uk", "en"):
        return str(stored.lang)
    return str(found.default_lang or "pl")


def acting_person(update: Update) -> int | None:
    """The person an update is from, for the role check of every staff handler; None for a message
    sent on behalf of a chat (an anonymous group admin, a channel): there is no person to check."""
    user, message = update.effective_user, update.effective_message
    if user is None or (message is not None and message.sender_chat is not None):
        return None
    return user.id


async def gate(
    update: Update, context: Context, action: str, need: Role = "staff", target: str | None = None
) -> tuple[Access, str] | None:
    """The actor's access and language; otherwise "no access" is answered (audited) and None returned.

    A message sent on behalf of a chat (an anonymous group admin, a channel) has no person to check,
    so it gets "no access" too.
    """
    config = staff_config(context)
    access = await authorize(
        config.settings, _door(context).db, config.clock, acting_person(update), action, need, target
    )
    lang = await context.lang() if update.effective_user is not None else "pl"
    if access is None:
        text = tr(lang)._("Sorry, you have no access to this command.")
        if update.callback_query is not None:
            with suppress(BadRequest):
                await update.callback_query.answer(text, show_alert=True)
        else:
            await say(update, context, Reply(text))
        return None
    return access, lang


Gated = Callable[[Update, Context, Access, str], Awaitable[None]]
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def staff_command(
    action: str, need: Role = "staff", target: Callable[[Context], str | None] | None = None
) -> Callable[[Gated], Handler]:
    """The one role gate of a staff command: the handler runs with the actor's Access and language,
    everyone else gets "no access" (audited) and the handler never runs."""

    def wrap(handler: Gated) -> Handler:
        @functools.wraps(handler)
        async def gated(update: Update, context: Context) -> None:
            found = await gate(update, context, action, need, target(context) if target else None)
            if found is not None:
                await handler(update, context, *found)

        return gated

    return wrap


CentreGated = Callable[[Update, Context, Access, str, str], Awaitable[None]]


def centre_command(action: str, need: Role = "staff") -> Callable[[CentreGated], Handler]:
    """`staff_command` for a command about the actor's own centre: it runs with that centre as well;
    an actor without one (an administrator who chose none) is asked to choose it first."""

    def wrap(handler: CentreGated) -> Handler:
        @staff_command(action, need)
        @functools.wraps(handler)
        async def with_centre(update: Update, context: Context, access: Access, lang: str) -> None:
            if access.centre is None:
                await say(update, context, Reply(tr(lang)._("Choose your centre first with /centre.")))
                return
            await handler(update, context, access, lang, access.centre)

        return with_centre

    return wrap


async def acknowledge(update: Update) -> None:
    if update.callback_query is not None:
        with suppress(BadRequest):
            await update.callback_query.answer()


async def edit_or_say(
    update: Update, context: Context, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> Message | None:
    """Replace the pressed message with `text` (and buttons); send it as new when that is not possible."""
    query = update.callback_query
    markup = keyboard(Reply(text, buttons))
    if query is not None and isinstance(query.message, Message):
        try:
            edited = await query.edit_message_text(escape(text), reply_markup=markup)
            return edited if isinstance(edited, Message) else query.message
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
            log.info("could not edit the staff message (%s); sending a new one", exc.message)
        except Forbidden:
            return None
        except TelegramError as exc:  # a timeout or an outage: the new message is retried instead
            log.info("could not edit the staff message (%s); sending a new one", type(exc).__name__)
    target = target_of(update)
    if target is None:
        return None
    sent = await with_retries(
        lambda: context.bot.send_message(target.chat_id, escape(text), reply_markup=markup)
    )
    return sent if isinstance(sent, Message) else None
