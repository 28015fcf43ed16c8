"""The everyday handlers: /start, the menus, /privacy, /forget, typed questions and the engine's buttons.

Handlers are thin: they turn an Update into `Incoming`, ask `Dialogue.handle` with the person the
context read once, and render the replies (bot.channels.telegram.render).
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from typing import Final

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import filters

from bot import callbacks
from bot.channels.telegram import texts
from bot.channels.telegram.context import Context
from bot.channels.telegram.render import (
    deliver_after_button,
    edit_in_place,
    escape,
    say,
    send_replies,
    target_of,
)
from bot.channels.telegram.residents import RESIDENTS_KEY, ResidentsDoor
from bot.conversation import privacy
from bot.conversation.dialogue import Incoming
from bot.flows import ForgetConfirm
from bot.replies import Button, Reply

log = logging.getLogger("bot.telegram")

FORGET_YES: Final = callbacks.encode(callbacks.ForgetAnswer(True))  # the /forget confirmation
FORGET_NO: Final = callbacks.encode(callbacks.ForgetAnswer(False))


def addressed_to_bot(message: Message) -> bool:
    """True in a private chat; in a group only when the message mentions the bot or replies to it."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return False
    bot = message.get_bot()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    mention = f"@{bot.username}".casefold()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if text.casefold() == mention or (entity.user is not None and entity.user.id == bot.id):
            return True
    return False


class _Addressed(filters.MessageFilter):
    """Messages meant for the bot (see addressed_to_bot)."""

    def filter(self, message: Message) -> bool:
        return addressed_to_bot(message)


ADDRESSED: Final = _Addressed(name="ADDRESSED")


def without_mention(text: str, username: str) -> str:
    """The question without the @botname that addressed it."""
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


# --- the dialogue ----------------------------------------------------------------------------------


async def answer(update: Update, context: Context, incoming: Incoming) -> None:
    """Ask the dialogue (with the person read once) and send its replies to the update's chat."""
    user, target = update.effective_user, target_of(update)
    if user is None or target is None:
        return
    replies = await converse(context, incoming)
    await send_replies(context.bot, target, replies)


async def converse(context: Context, incoming: Incoming) -> list[Reply]:
    """The dialogue's replies for the update's sender; the row it changed is read again if needed."""
    assert context.sender is not None
    person = await context.person()
    replies = await context.door.dialogue.handle(
        context.door.channel, str(context.sender.id), incoming, _hint(context), user=person
    )
    context.forget_person()
    return replies


def _hint(context: Context) -> str | None:
    sender = context.sender
    return sender.language_code[:2] if sender is not None and sender.language_code else None


async def on_start(update: Update, context: Context) -> None:
    """/start, or /start <centre> from a deep link; other payloads pass through to the dialogue."""
    payload = context.args[0] if context.args else ""
    if payload in context.door.content.centres:
        await answer(update, context, Incoming(button=callbacks.make(callbacks.CENTRE, payload)))
    else:
        await answer(update, context, Incoming(text=f"/start {payload}".strip()))


async def on_menu(update: Update, context: Context) -> None:
    """/menu and /help: the main menu (with the list of commands for /help)."""
    message = update.effective_message
    helping = message is not None and bool(message.text) and str(message.text).lower().startswith("/help")
    if helping and not await say(update, context, Reply(texts.help_text(await context.lang()))):
        return
    await answer(update, context, Incoming(text="/menu"))


async def on_centre(update: Update, context: Context) -> None:
    """/centre: choose the centre."""
    await answer(update, context, Incoming(button=callbacks.make(callbacks.MENU, callbacks.MENU_CENTRE)))


async def on_language(update: Update, context: Context) -> None:
    """/language: choose the language."""
    await answer(update, context, Incoming(button=callbacks.make(callbacks.MENU, callbacks.MENU_LANG)))


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: the main menu."""
    await answer(update, context, Incoming(text="/menu"))


async def on_privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored, for how long, and how to delete it."""
    lang = await context.lang()
    await say(update, context, Reply(texts.privacy_text(lang), (menu_row(lang),)))


async def on_text(update: Update, context: Context) -> None:
    """A typed question (in a group: one that mentions the bot or replies to it)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    if message.chat.type != ChatType.PRIVATE:
        text = without_mention(text, context.bot.username)
    await answer(update, context, Incoming(text=text))


async def on_not_text(update: Update, context: Context) -> None:
    """A sticker, photo, voice, location, document... in a private chat: say we read text only."""
    lang = await context.lang()
    await say(update, context, Reply(texts.text_only(lang), (menu_row(lang),)))


async def on_button(update: Update, context: Context) -> None:
    """A pressed inline button of the engine: answer the query, then edit the menu in place or send new."""
    query, user, target = update.callback_query, update.effective_user, target_of(update)
    if query is None or user is None or target is None:
        return
    await acknowledge(query)
    data = query.data if isinstance(query.data, str) else ""
    replies = await converse(context, Incoming(button=data))
    await deliver_after_button(context.bot, target, query, replies)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner; a query too old to answer is not an error worth reporting."""
    with suppress(BadRequest):
        await query.answer()


def menu_row(lang: str) -> tuple[Button, ...]:
    return (Button(texts.menu_label(lang), callbacks.make(callbacks.MENU, callbacks.MENU_MAIN)),)


# --- /forget ---------------------------------------------------------------------------------------


async def on_forget(update: Update, context: Context) -> None:
    """/forget: ask for confirmation (private chats only, so nobody else can press the button)."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = await context.lang()
    if chat.type != ChatType.PRIVATE:
        await say(update, context, Reply(texts.forget_in_private(lang)))
        return
    await context.begin(ForgetConfirm())  # privacy.ask_to_forget's rule: a Yes in the hour
    buttons = ((Button(texts.forget_yes(lang), FORGET_YES), Button(texts.forget_no(lang), FORGET_NO)),)
    await say(update, context, Reply(texts.forget_question(lang), buttons))


async def on_forget_answer(update: Update, context: Context) -> None:
    """The /forget confirmation: delete everything about the user, or leave everything as it was."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    await acknowledge(query)
    found = callbacks.decode(query.data)
    lang = await context.lang()
    decision = privacy.ForgetDecision.EXPIRED  # an unreadable button deletes nothing
    if isinstance(found, callbacks.ForgetAnswer):
        decision = privacy.forget_decision(await context.flow(), found.yes)  # every door's rule
    if decision is privacy.ForgetDecision.DELETE:
        await forget_everywhere(context, user.id)
        text = texts.forgotten(lang)
    elif decision is privacy.ForgetDecision.KEEP:
        await context.end(ForgetConfirm)
        text = texts.not_forgotten(lang)
    else:
        text = texts.forget_expired(lang)  # a stale or forged Yes deletes nothing
    edited = isinstance(query.message, Message) and await edit_in_place(query, escape(text), None)
    if not edited:
        await say(update, context, Reply(text))


async def forget_everywhere(context: Context, user_id: int) -> None:
    """/forget confirmed: every row about the user in every table, their flow with the user row."""
    external_id = str(user_id)
    await context.door.dialogue.reset(context.door.channel, external_id)  # every table, in every door alike
    context.forget_person()
    residents = context.bot_data.get(RESIDENTS_KEY)
    if isinstance(residents, ResidentsDoor):
        residents.service.blocked.discard(external_id)
