"""Handover to a person: /ask opens a ticket in the staff chat; replies are relayed both ways.

Either side closes the ticket. Only the ticket <-> message mapping is stored, never names.
What the web door leaves for Telegram is delivered by `ticket_posts.py`, the job beside this.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot import callbacks
from bot.channels.telegram.render import MAX_TEXT, escape, keyboard, say, utf16_len, with_retries
from bot.channels.telegram.staff_common import (
    Context,
    _door,
    acknowledge,
    lang_of,
    staff_config,
)
from bot.flows import AskQuestion
from bot.handover import tickets as rules
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.settings import Settings
from bot.staff.access import role_of
from storage import audit, tickets
from storage.database import Database

# --- handover to a person ----------------------------------------------------------------------

log = logging.getLogger("bot.staff")


def fit(header: str, body: str, note: str) -> str:
    """`header`, a blank line and `body`, shortened (ending in `note`) to fit one Telegram message."""
    whole = f"{header}\n\n{body}"
    if utf16_len(whole) <= MAX_TEXT:
        return whole
    room = MAX_TEXT - utf16_len(f"{header}\n\n…\n{note}")
    kept = body
    while utf16_len(kept) > room:  # UTF-16 units: emoji count twice, so trim by measure, not index
        kept = kept[: max(0, len(kept) - max(1, utf16_len(kept) - room))]
    return f"{header}\n\n{kept.rstrip()}…\n{note}"


async def to_staff_chat(
    bot: Bot, staff_chat: int, text: str, staff_lang: str, ticket_id: int
) -> Message | None:
    """Send to the staff chat (retried through outages); None when it cannot get there."""
    try:
        return await with_retries(
            lambda: bot.send_message(
                staff_chat,
                escape(text),
                reply_markup=keyboard(Reply("", close_button(staff_lang, ticket_id))),
            )
        )
    except TelegramError as exc:
        log.warning("ticket %s could not reach the staff chat (%s)", ticket_id, type(exc).__name__)
        return None


def close_button(lang: str, ticket_id: int) -> tuple[tuple[Button, ...], ...]:
    data = callbacks.encode(callbacks.CloseTicket(ticket_id))
    return ((Button(tr(lang)._("Close the ticket"), data),),)


async def post_ticket(
    bot: Bot, db: Database, settings: Settings, ticket_id: int, header: str, body: str
) -> bool:
    """A ticket's message in the staff chat (a web ticket's too), linked to the ticket so a reply
    to it is the answer; False when there is no staff chat or it cannot be reached."""
    staff_chat = settings.staff_chat_id
    if staff_chat is None:
        return False
    staff_lang = settings.default_lang or "pl"
    note = tr(staff_lang)._("(shortened: the message was too long)")
    sent = await to_staff_chat(bot, staff_chat, fit(header, body, note), staff_lang, ticket_id)
    if sent is None:
        return False
    await tickets.link(db, settings.telegram_channel, staff_chat, sent.message_id, ticket_id)
    return True


async def on_ask(update: Update, context: Context) -> None:
    """/ask [question]: hand the question to a person in the staff chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        return
    t = tr(await context.lang())
    if staff_config(context).settings.staff_chat_id is None:
        await _say(
            context,
            update,
            t._("Sorry, I cannot pass questions to the staff here. Please contact the centre."),
        )
        return
    question = " ".join(context.args or []).strip()
    if question:
        await open_ticket(update, context, question)
    else:
        await context.begin(AskQuestion())  # stored: the next message is the question, restart or not
        await _say(
            context, update, t._("Write your question in one message; a staff member will answer here.")
        )


async def on_ask_button(update: Update, context: Context) -> None:
    """The main menu's "Ask a person" button: the same as /ask without a question."""
    query = update.callback_query
    if query is None or not isinstance(callbacks.decode(query.data), callbacks.AskPerson):
        return
    with suppress(TelegramError):
        await query.answer()
    await on_ask(update, context)


async def open_ticket(update: Update, context: Context, question: str) -> None:
    """The question goes to the staff chat as a new ticket (a blank one is asked for again)."""
    user = update.effective_user
    assert user is not None
    config, db = staff_config(context), _door(context).db
    staff_chat = config.settings.staff_chat_id
    lang = await context.lang()
    if rules.blank(question):  # nothing to pass on: no empty ticket, the question is still awaited
        await context.begin(AskQuestion())
        await _say(context, update, tr(lang)._("Please write your question in words, in one message."))
        return
    if isinstance(await context.flow(), AskQuestion):
        await context.end(AskQuestion)
    if staff_chat is None:
        return
    stored, channel = await context.person(), config.settings.telegram_channel
    centre = stored.centre if stored else None
    ticket = await tickets.open_ticket(db, channel, user.id, centre, config.clock.now())
    staff_lang = config.settings.default_lang or "pl"
    centre = rules.centre_words(context.door.content, ticket.centre, staff_lang)
    header = (
        tr(staff_lang)
        ._("Ticket #{id} ({centre}, {lang}). Reply to this message to answer.")
        .format(id=ticket.id, centre=centre, lang=lang)
    )
    if not await post_ticket(context.bot, db, config.settings, ticket.id, header, question):
        # nobody will see it: say so, and do not leave the ticket open
        await tickets.close(db, ticket.id, config.clock.now())
        await _say(
            context,
            update,
            tr(lang)._(
                "Sorry, I could not pass your question to the staff."
                " Please try again later or contact the centre."
            ),
        )
        return
    t = tr(lang)
    await _say(
        context,
        update,
        t._("Your question went to the staff as ticket #{id}. The answer will come here.").format(
            id=ticket.id
        ),
        close_button(lang, ticket.id),
    )


async def staff_chat_reply(update: Update, context: Context, message: Message) -> bool:
    """A reply in the staff chat to a ticket message: relay it to the user (no names either way).
    False when the message is not about a ticket (it may be a question for the bot)."""
    replied, user = message.reply_to_message, update.effective_user
    if replied is None or user is None or message.text is None:
        return False
    config, db = staff_config(context), _door(context).db
    channel = config.settings.telegram_channel  # a message this bot posted: a ticket it handles
    ticket = await tickets.by_message(db, channel, message.chat.id, replied.message_id)
    if ticket is None:
        return False
    staff_lang = config.settings.default_lang or "pl"
    answered = await rules.answer_from_staff(config.settings, db, config.clock, user.id, ticket, message.text)
    if answered == "closed":
        await context.bot.send_message(
            message.chat.id, escape(tr(staff_lang)._("Ticket #{id} is closed.").format(id=ticket.id))
        )
        return True
    if answered == "no_access":
        await context.bot.send_message(
            message.chat.id, escape(tr(staff_lang)._("Sorry, you have no access to this command."))
        )
        return True
    if isinstance(answered, rules.ToWeb):  # stored: the visitor's chat shows it when it next looks
        said = tr(staff_lang)._("Ticket #{id}: the answer is saved; the person will see it in the web chat.")
        await context.bot.send_message(message.chat.id, escape(said.format(id=ticket.id)))
        return True
    lang = await lang_of(context, ticket.user_chat)
    t = tr(lang)
    header = t._("Answer from the staff (ticket #{id}):").format(id=ticket.id)
    text = fit(header, message.text, t._("(shortened: the message was too long)"))
    try:
        sent = await with_retries(
            lambda: context.bot.send_message(
                ticket.user_chat,
                escape(text),
                reply_markup=keyboard(Reply("", close_button(lang, ticket.id))),
            )
        )
    except Forbidden:
        await context.bot.send_message(
            message.chat.id,
            escape(
                tr(staff_lang)._("The user has blocked the bot; ticket #{id} is closed.").format(id=ticket.id)
            ),
        )
        await tickets.close(db, ticket.id, config.clock.now())
        return True
    except TelegramError as exc:  # the answer did not reach the user: the staff must know
        log.warning("ticket %s: the answer could not be delivered (%s)", ticket.id, type(exc).__name__)
        await context.bot.send_message(
            message.chat.id,
            escape(
                tr(staff_lang)
                ._("Ticket #{id}: the answer could not be delivered; please try again.")
                .format(id=ticket.id)
            ),
        )
        return True
    await tickets.link(db, channel, ticket.user_chat, sent.message_id, ticket.id)
    return True


async def user_ticket_reply(update: Update, context: Context, ticket: tickets.Ticket, text: str) -> None:
    config, db = staff_config(context), _door(context).db
    lang = await lang_of(context, ticket.user_chat)
    staff_chat = config.settings.staff_chat_id
    if ticket.status != "open" or staff_chat is None:
        await _say(context, update, tr(lang)._("This ticket is closed. Send /ask to ask again."))
        return
    staff_lang = config.settings.default_lang or "pl"
    header = tr(staff_lang)._("Ticket #{id}: the user writes:").format(id=ticket.id)
    if not await post_ticket(context.bot, db, config.settings, ticket.id, header, text):
        await _say(
            context,
            update,
            tr(lang)._("Sorry, I could not pass your message to the staff. Please try again later."),
        )


async def close_ticket(update: Update, context: Context, ticket: tickets.Ticket, by_staff: bool) -> None:
    config, db = staff_config(context), _door(context).db
    user = update.effective_user
    closed = await rules.close(db, config.clock, ticket.id)
    staff_lang = config.settings.default_lang or "pl"
    user_lang = await lang_of(context, ticket.user_chat)
    if by_staff and user is not None:
        await audit.record(
            db,
            config.clock.now(),
            user.id,
            await role_of(config.settings, db, user.id),
            "ticket_close",
            str(ticket.id),
        )
    if not closed.was_open:
        return
    staff_text = tr(staff_lang)._("Ticket #{id} is closed.").format(id=ticket.id)
    user_text = tr(user_lang)._("Ticket #{id} is closed. Send /ask to ask again.").format(id=ticket.id)
    with suppress(TelegramError):
        if config.settings.staff_chat_id is not None:
            await context.bot.send_message(config.settings.staff_chat_id, escape(staff_text))
        if not closed.web:  # a web visitor has no chat to tell; their page says so when they look
            await context.bot.send_message(ticket.user_chat, escape(user_text))


async def on_ticket_button(update: Update, context: Context) -> None:
    """Close the ticket: either side may."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    button = callbacks.decode(query.data)
    if not isinstance(button, callbacks.CloseTicket):  # forged or stale: said so
        with suppress(TelegramError):
            await query.answer(
                tr(await context.lang())._("That button is no longer active."), show_alert=True
            )
        return
    await acknowledge(update)
    ticket = await tickets.get(_door(context).db, button.ticket)
    settings = staff_config(context).settings
    in_staff_chat = isinstance(query.message, Message) and query.message.chat.id == settings.staff_chat_id
    if ticket is not None and rules.may_close(settings, ticket, user.id, in_staff_chat):
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        await close_ticket(update, context, ticket, in_staff_chat)


async def on_close(update: Update, context: Context) -> None:
    """/close: in the staff chat as a reply to a ticket message; in a private chat, the user's open ticket."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    db, settings = _door(context).db, staff_config(context).settings
    staff_chat, channel = settings.staff_chat_id, settings.telegram_channel
    if staff_chat is not None and message.chat.id == staff_chat and message.reply_to_message is not None:
        ticket = await tickets.by_message(db, channel, staff_chat, message.reply_to_message.message_id)
        if ticket is not None:
            await close_ticket(update, context, ticket, True)
    elif message.chat.type == ChatType.PRIVATE:
        ticket = await tickets.open_for(db, channel, user.id)
        if ticket is not None:
            await close_ticket(update, context, ticket, False)


async def _say(
    context: Context, update: Update, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> None:
    await say(update, context, Reply(text, buttons))
