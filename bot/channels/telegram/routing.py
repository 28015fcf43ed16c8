"""The one routing table of the Telegram door, the text router over the stored flows, and the error reply.

Every handler is in ONE group, so exactly one answers an update and nothing falls through: each
`/start` payload kind has its own filter, each button prefix its own handler (which decodes the
typed id, bot.callbacks, and answers a forged one itself), and typed text goes to the flow the
person is in (bot.flows, read once per update) before it is a question for the dialogue.
The only other group is the observer before it that notices a blocked resident writing again.
An exception in any handler ends the update with `on_error`'s reply for the person's flow.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot import callbacks
from bot.channels.telegram import basics, texts
from bot.channels.telegram.broadcast_flow import (
    broadcast_text,
    broadcast_time,
    on_broadcast,
    on_broadcast_button,
)
from bot.channels.telegram.context import BOT_DATA_KEY, Context, Door, TelegramApp
from bot.channels.telegram.render import say, send_replies, target_of
from bot.channels.telegram.residents import (
    on_anything,
    on_leave,
    on_resident_button,
    on_resident_menu,
    on_start_invite,
)
from bot.channels.telegram.residents_staff import (
    duty_input,
    on_duty,
    on_invite,
    on_remove,
    on_residents,
    on_staff_button,
)
from bot.channels.telegram.staff import (
    on_panel,
    on_reload,
    on_staff,
    on_staff_invite,
    on_stats,
    on_unanswered,
)
from bot.channels.telegram.staff_common import staff_config
from bot.channels.telegram.tickets import (
    on_ask,
    on_ask_button,
    on_close,
    on_ticket_button,
    open_ticket,
    staff_chat_reply,
    user_ticket_reply,
)
from bot.domain.content import LANGS
from bot.flows import (
    AskQuestion,
    BroadcastText,
    BroadcastTime,
    DutyWizard,
    Expired,
    Flow,
    expired_text,
    failed_text,
)
from bot.replies import Reply
from storage import tickets, users
from storage.staff import is_staff_code

log = logging.getLogger("bot.telegram")

GROUP_OBSERVE: Final = -1  # first, never answering: a blocked resident who writes again
GROUP_MAIN: Final = 0  # then exactly one handler answers
MIN_CODE_LENGTH: Final = 20  # shorter /start payloads are not resident invite codes (centre ids, etc.)


class StartPayload(filters.MessageFilter):
    """`/start <payload>` of one kind: a staff invitation or a resident invitation."""

    def __init__(self, kind: str) -> None:
        super().__init__(name=f"StartPayload({kind})")
        self.kind = kind

    def filter(self, message: Message) -> bool:
        parts = (message.text or "").split()
        return len(parts) == 2 and payload_kind(parts[1]) == self.kind


def payload_kind(payload: str) -> str:
    """ "staff" (st_… codes), "invite" (long resident codes) or "other" (a centre id, anything else)."""
    if is_staff_code(payload):
        return "staff"
    return "invite" if len(payload) >= MIN_CODE_LENGTH else "other"


class PrefixButton(CallbackQueryHandler[Context, None]):
    """A button handler whose pattern decides for empty data too (PTB lets that past any pattern,
    which sent it to the first button handler registered instead of the engine's)."""

    def check_update(self, update: object) -> bool | object | None:
        if (
            isinstance(update, Update)
            and update.callback_query is not None
            and not update.callback_query.data
        ):
            return False
        return super().check_update(update)


def register_handlers(application: TelegramApp) -> None:
    """Every handler, in one place and one group; the first matching one wins."""
    message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    button = callbacks.owns
    application.add_handler(TypeHandler(Update, on_anything), group=GROUP_OBSERVE)
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, ignore),
            # /start: one handler per payload kind.
            CommandHandler("start", on_staff_invite, filters=message & private & StartPayload("staff")),
            CommandHandler("start", on_start_invite, filters=message & private & StartPayload("invite")),
            CommandHandler("start", basics.on_start, filters=message),
            # Everyone.
            CommandHandler(["menu", "help"], basics.on_menu, filters=message),
            CommandHandler("centre", basics.on_centre, filters=message),
            CommandHandler("language", basics.on_language, filters=message),
            CommandHandler("privacy", basics.on_privacy, filters=message),
            CommandHandler("forget", basics.on_forget, filters=message),
            CommandHandler("ask", on_ask, filters=message),
            CommandHandler("close", on_close, filters=message),
            # Residents.
            CommandHandler("leave", on_leave, filters=message & private),
            CommandHandler("resident", on_resident_menu, filters=message & private),
            # Staff (each gated by bot.staff.access.authorize inside).
            CommandHandler("staff", on_staff, filters=message),
            CommandHandler("broadcast", on_broadcast, filters=message),
            CommandHandler("unanswered", on_unanswered, filters=message),
            CommandHandler("stats", on_stats, filters=message),
            CommandHandler("reload", on_reload, filters=message),
            CommandHandler("panel", on_panel, filters=message),
            CommandHandler("invite", on_invite, filters=message),
            CommandHandler("residents", on_residents, filters=message),
            CommandHandler("remove", on_remove, filters=message),
            CommandHandler("duty", on_duty, filters=message),
            MessageHandler(message & private & filters.COMMAND, basics.on_unknown_command),
            MessageHandler(message & filters.TEXT & ~filters.COMMAND, on_any_text),
            MessageHandler(message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, basics.on_not_text),
            # Buttons: one handler per prefix; the engine's buttons last.
            PrefixButton(on_broadcast_button, pattern=button(callbacks.BROADCAST)),
            PrefixButton(on_ticket_button, pattern=button(callbacks.TICKET)),
            PrefixButton(basics.on_forget_answer, pattern=button(callbacks.FORGET)),
            PrefixButton(on_resident_button, pattern=button(callbacks.RESIDENT)),
            PrefixButton(on_staff_button, pattern=button(callbacks.STAFF)),
            PrefixButton(on_ask_button, pattern=lambda data: data == ASK_DATA),
            CallbackQueryHandler(basics.on_button),
        ],
        group=GROUP_MAIN,
    )
    application.add_error_handler(on_error)


ASK_DATA: Final = callbacks.encode(callbacks.AskPerson())


async def ignore(update: Update, context: Context) -> None:
    """Edited messages and channel posts: no answer."""


# --- typed text: the person's flow first ---------------------------------------------------------

TextStep = Callable[[Update, Context, Any, str], Awaitable[None]]


async def _ask_step(update: Update, context: Context, flow: AskQuestion, text: str) -> None:
    await open_ticket(update, context, text)


async def _broadcast_text(update: Update, context: Context, flow: BroadcastText, text: str) -> None:
    await broadcast_text(update, context, flow.broadcast, text)


async def _broadcast_time(update: Update, context: Context, flow: BroadcastTime, text: str) -> None:
    await broadcast_time(update, context, flow.broadcast, text)


async def _duty_step(update: Update, context: Context, flow: DutyWizard, text: str) -> None:
    await duty_input(update, context, flow, text)


TEXT_STEPS: Final[dict[type[Flow], TextStep]] = {
    AskQuestion: _ask_step,
    BroadcastText: _broadcast_text,
    BroadcastTime: _broadcast_time,
    DutyWizard: _duty_step,
}
TEXT_FLOWS: Final = frozenset(kind.NAME for kind in TEXT_STEPS)


async def on_any_text(update: Update, context: Context) -> None:
    """Typed text: a staff answer to a ticket, the next step of the person's flow, a reply to their
    ticket, or else (when it is meant for the bot) a question for the dialogue."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    staff_chat = staff_config(context).settings.staff_chat_id
    in_staff_chat = staff_chat is not None and message.chat.id == staff_chat
    replying = in_staff_chat and message.reply_to_message is not None
    if replying and await staff_chat_reply(update, context, message):
        return
    if message.chat.type == ChatType.PRIVATE:
        flow = await context.flow()
        if isinstance(flow, Expired):
            if flow.name in TEXT_FLOWS:  # e.g. "08:00" for a send-later that expired: not a question
                await say(update, context, Reply(expired_text(await context.lang(), flow.name)))
                return
        elif flow is not None and (step := TEXT_STEPS.get(type(flow))) is not None:
            await step(update, context, flow, message.text)
            return
        if message.reply_to_message is not None:
            ticket = await tickets.by_message(
                context.door.db, context.door.channel, message.chat.id, message.reply_to_message.message_id
            )
            if ticket is not None and ticket.user_chat == message.chat.id:
                await user_ticket_reply(update, context, ticket, message.text)
                return
    if basics.addressed_to_bot(message):
        await basics.on_text(update, context)


# --- errors ------------------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log the failure (no message text) and tell the person, in their language, that it went wrong;
    inside a flow, that the step is kept and can be tried again."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: the user blocked the bot", update_id)
        return
    log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    target = target_of(update)
    if target is None:
        return
    text = texts.something_went_wrong(_hint(update))
    try:
        text = await _error_text(context, update)
    except Exception:  # the database may be what failed: the plain apology still goes
        log.warning("update %s: could not read the person for the apology", update_id)
    try:
        await send_replies(context.bot, target, [Reply(text)])
    except TelegramError as exc:
        log.warning("update %s: could not send the apology either (%s)", update_id, type(exc).__name__)


def _hint(update: Update) -> str:
    user = update.effective_user
    hint = user.language_code[:2] if user is not None and user.language_code else None
    return hint if hint in LANGS else "pl"


async def _error_text(context: Context, update: Update) -> str:
    found = context.bot_data.get(BOT_DATA_KEY)
    if not isinstance(found, Door) or update.effective_user is None:
        return texts.something_went_wrong(_hint(update))
    person = await users.get_user(found.db, found.channel, str(update.effective_user.id))
    lang = person.lang if person is not None and person.lang in LANGS else _hint(update)
    flow = await found.conversations.current(person.id) if person is not None else None
    if flow is not None and not isinstance(flow, Expired):
        return failed_text(lang)
    return texts.something_went_wrong(lang)
