"""What the staff handlers share: their config in bot_data, the audited gate, and small senders."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    ContextTypes,
)

from bot.broadcast import BACKOFF_BASE, PROGRESS_EVERY
from bot.channels.telegram_render import Target, escape, keyboard, send_replies
from bot.clock import Clock
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.settings import Settings
from bot.staff import Access, Role, authorize
from storage import users
from storage.broadcasts import Counts

log = logging.getLogger("bot.staff")

Context = ContextTypes.DEFAULT_TYPE
STAFF_KEY: Final = "staff"
GROUP_STAFF: Final = -2  # before the residents' group (-1) and the main one (0)
CHANNEL: Final = "telegram"
STAFF_INVITE_TTL: Final = timedelta(days=7)
MAX_PROBLEMS_SHOWN: Final = 40


@dataclass
class StaffConfig:
    """Settings and the little in-memory state of the staff flows (kept in application.bot_data)."""

    settings: Settings
    clock: Clock
    progress_every: float = PROGRESS_EVERY
    backoff_base: float = BACKOFF_BASE  # seconds before the first retry of a transient error
    awaiting_question: set[int] = field(default_factory=set)  # users who pressed /ask without a text
    awaiting_time: dict[int, int] = field(default_factory=dict)  # staff -> broadcast waiting for "send at"
    # Staff who may have a draft waiting for its text: every other private message skips that query.
    drafting: set[int] = field(default_factory=set)
    running: set[int] = field(default_factory=set)  # broadcasts this process is sending now
    finished: dict[int, Counts] = field(default_factory=dict)  # final counts, for tests and logs
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set at SIGTERM (telegram_run)


def staff_config(context: Context) -> StaffConfig:
    value = context.bot_data.get(STAFF_KEY)
    if not isinstance(value, StaffConfig):
        raise RuntimeError("staff tools are not registered")
    return value


# --- helpers -----------------------------------------------------------------------------------


def _door(context: Context) -> Any:
    from bot.channels.telegram import door  # the door module registers us: import it late

    return door(context)


async def lang_of(context: Context, user_id: int, hint: str | None = None) -> str:
    found = _door(context)
    stored = await users.get_user(found.db, CHANNEL, str(user_id))
    if stored is not None and stored.lang in ("pl", "uk", "en"):
        return str(stored.lang)
    if hint in ("pl", "uk", "en"):
        return str(hint)
    return str(found.default_lang or "pl")


def chat_of(update: Update) -> Target | None:
    message = update.effective_message
    if isinstance(message, Message):
        return Target(message.chat.id, message.message_thread_id if message.is_topic_message else None)
    return Target(update.effective_chat.id) if update.effective_chat else None


async def say(
    context: Context, update: Update, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> None:
    target = chat_of(update)
    if target is not None:
        await send_replies(context.bot, target, [Reply(text, buttons)])


async def gate(
    update: Update, context: Context, action: str, need: Role = "staff", target: str | None = None
) -> tuple[Access, str]:
    """The actor's access and language; otherwise "no access" is answered and the update stops (audited).

    A message sent on behalf of a chat (an anonymous group admin, a channel) has no person to check,
    so it gets "no access" too.
    """
    user, message = update.effective_user, update.effective_message
    anonymous = user is None or (message is not None and message.sender_chat is not None)
    config = staff_config(context)
    access = (
        None
        if anonymous or user is None
        else await authorize(config.settings, _door(context).db, config.clock, user.id, action, need, target)
    )
    hint = user.language_code[:2] if user is not None and user.language_code else None
    lang = await lang_of(context, user.id, hint) if user is not None else "pl"
    if access is None:
        text = tr(lang)._("Sorry, you have no access to this command.")
        if update.callback_query is not None:
            with suppress(BadRequest):
                await update.callback_query.answer(text, show_alert=True)
        else:
            await say(context, update, text)
        raise ApplicationHandlerStop
    return access, lang


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
    target = chat_of(update)
    if target is None:
        return None
    return await context.bot.send_message(target.chat_id, escape(text), reply_markup=markup)
