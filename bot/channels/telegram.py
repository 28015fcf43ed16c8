"""The Telegram door: a python-telegram-bot Application around the channel-free dialogue.

`build_application` wires everything (nothing is created at import time); `run_telegram` runs it
with long polling, or as a webhook server when WEBHOOK_URL is set. Handlers are thin: they turn an
Update into `Incoming`, ask `Dialogue.handle`, and render the replies (bot.channels.telegram_render).
Telegram types never leave this package.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo

from telegram import BotCommand, CallbackQuery, Message, MessageEntity, Update, User
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callbacks
from bot.channels import telegram_texts as texts
from bot.channels.telegram_order import PerUserOrder
from bot.channels.telegram_outgoing import outgoing_limiter
from bot.channels.telegram_processes import join_processes, leave_processes
from bot.channels.telegram_render import (
    RetryPolicy,
    Target,
    deliver_after_button,
    edit_in_place,
    escape,
    send_replies,
    set_reply_retry,
)
from bot.channels.telegram_residents import (
    RESIDENTS_KEY,
    STOPPING_KEY,
    ResidentsDoor,
    register_resident_handlers,
    start_reminders,
)
from bot.channels.telegram_staff import STAFF_KEY, StaffConfig, register_staff_handlers, resume_broadcasts
from bot.clock import Clock, SystemClock
from bot.dialogue import Dialogue, Engine, Incoming
from bot.domain.content import LANGS, Content
from bot.editor.sync import ContentSync, Listener, PollingSignal
from bot.replies import Button, Reply
from bot.settings import Settings
from storage import connect, users
from storage.database import Database

log = logging.getLogger("bot.telegram")

CHANNEL: Final = "telegram"
TIMEZONE: Final = ZoneInfo("Europe/Warsaw")
FORGET_YES: Final = callbacks.make(callbacks.FORGET, "yes")  # the /forget confirmation
FORGET_NO: Final = callbacks.make(callbacks.FORGET, "no")
FORGET_PATTERN: Final = f"^({re.escape(FORGET_YES)}|{re.escape(FORGET_NO)})$"
ALLOWED_UPDATES: Final = [Update.MESSAGE, Update.CALLBACK_QUERY]  # the update types the handlers use
BOT_DATA_KEY: Final = "door"
SYNC_KEY: Final = "content_sync"
GROUP_IGNORE: Final = -1  # first: updates we never answer (edited messages, channel posts) stop here
GROUP_MAIN: Final = 0  # then exactly one handler answers
MAX_CONCURRENT_UPDATES: Final = 64  # different users in parallel; one user's updates stay in order

Context: TypeAlias = ContextTypes.DEFAULT_TYPE
TelegramApp: TypeAlias = Application[
    ExtBot[Any], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[Context]
]


@dataclass(frozen=True)
class Door:
    """What the handlers need, created in post_init and kept in application.bot_data."""

    db: Database
    dialogue: Dialogue
    content: Content
    default_lang: str | None

    def swap_content(self, content: Content) -> None:
        """Answer from newly loaded content from now on (staff /reload); the Engine holds it too."""
        object.__setattr__(self, "content", content)
        self.dialogue.engine.content = content


def door(context: Context) -> Door:
    """The running door (typed accessor for application.bot_data)."""
    value = context.bot_data.get(BOT_DATA_KEY)
    if not isinstance(value, Door):
        raise RuntimeError("the Telegram door is not open: post_init has not run")
    return value


# --- wiring ------------------------------------------------------------------------------------


def build_application(
    settings: Settings,
    content: Content,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    base_url: str | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    reply_retry: RetryPolicy | None = None,
    follow_content: bool = True,
) -> TelegramApp:
    """The configured Application; the database is opened in post_init and closed in post_shutdown.

    `request` (used for every call, getUpdates included) and `base_url` let tests talk to a fake
    Bot API; `rate_limiter` defaults to the token's one outgoing budget (bot.outgoing: TELEGRAM_RATE in
    all, broadcasts at most BROADCAST_RATE, replies first, 429s retried there); updates of different users
    are handled concurrently (at most `max_concurrent_updates`), each user's in arrival order;
    `reply_retry` is how long replies keep trying through an outage (tests make its waits short);
    `follow_content` reloads content published by any process (False where the web door beside
    this one in the same process already follows it for both).
    """
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    stopping = asyncio.Event()  # set at SIGTERM: replies stop retrying, jobs stop claiming work
    policy = reply_retry or RetryPolicy()
    policy.stopping = stopping
    set_reply_retry(policy)
    engine_clock = clock or SystemClock()

    async def post_init(application: TelegramApp) -> None:
        db = await connect(settings.database)
        engine = Engine(
            content,
            engine_clock,
            settings.default_centre,
            settings.default_lang,
            handover=settings.staff_chat_id is not None,
        )
        dialogue = Dialogue(engine, db)
        await dialogue.prepare()  # indexes and vectors, in the reader thread, before any update
        application.bot_data[BOT_DATA_KEY] = Door(db, dialogue, content, settings.default_lang)
        await join_processes(application, db, settings)  # the scheduler election, cross-process order
        await start_reminders(application, settings, content, engine_clock, db)
        await resume_broadcasts(application)
        await set_command_menus(application)
        if follow_content:  # a publish from the web panel in another process reaches this door
            sync = ContentSync(settings.content_dir, PollingSignal(db), [content_listener(application)])
            await sync.start()
            application.bot_data[SYNC_KEY] = sync

    async def post_shutdown(application: TelegramApp) -> None:
        sync = application.bot_data.pop(SYNC_KEY, None)
        if isinstance(sync, ContentSync):
            await sync.stop()
        await leave_processes(application)
        opened = application.bot_data.pop(BOT_DATA_KEY, None)
        if isinstance(opened, Door):
            await opened.db.close()

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=TIMEZONE))
        .rate_limiter(rate_limiter or outgoing_limiter(settings))
        .concurrent_updates(PerUserOrder(max_concurrent_updates))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if base_url is not None:
        builder = builder.base_url(base_url)
    application: TelegramApp = builder.build()
    application.bot_data[STOPPING_KEY] = stopping
    register_handlers(application)
    register_staff_handlers(application, settings, engine_clock)
    staff_config_of(application).stopping = stopping
    return application


def content_listener(application: TelegramApp) -> Listener:
    """The Telegram door's half of a reload (as /reload does): its engine and the residents' service."""

    def swap(content: Content) -> None:
        found = application.bot_data.get(BOT_DATA_KEY)
        if isinstance(found, Door):
            found.swap_content(content)
        residents = application.bot_data.get(RESIDENTS_KEY)
        if isinstance(residents, ResidentsDoor):
            residents.service.content = content

    return swap


def staff_config_of(application: TelegramApp) -> StaffConfig:
    config = application.bot_data[STAFF_KEY]
    assert isinstance(config, StaffConfig)
    return config


def stopping_of(application: TelegramApp) -> asyncio.Event:
    """The event that tells replies, broadcasts and reminders the process is stopping."""
    event = application.bot_data[STOPPING_KEY]
    assert isinstance(event, asyncio.Event)
    return event


def register_handlers(application: TelegramApp) -> None:
    """Every handler, in one place; within a group the first matching handler wins."""
    message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            MessageHandler(filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, ignore),
        ],
        group=GROUP_IGNORE,
    )
    register_resident_handlers(application)  # invites, residents, duties: same group, after "ignore"
    application.add_handlers(
        [
            CommandHandler("start", on_start, filters=message),
            CommandHandler(["menu", "help"], on_menu, filters=message),
            CommandHandler("centre", on_centre, filters=message),
            CommandHandler("language", on_language, filters=message),
            CommandHandler("privacy", on_privacy, filters=message),
            CommandHandler("forget", on_forget, filters=message),
            MessageHandler(message & private & filters.COMMAND, on_unknown_command),
            MessageHandler(message & filters.TEXT & ~filters.COMMAND & ADDRESSED, on_text),
            MessageHandler(message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_not_text),
            CallbackQueryHandler(on_forget_answer, pattern=FORGET_PATTERN),
            CallbackQueryHandler(on_button),
        ],
        group=GROUP_MAIN,
    )
    application.add_error_handler(on_error)


async def set_command_menus(application: TelegramApp) -> None:
    """The command menu in each language, Polish as the default for everyone else."""
    try:
        for lang in (None, *LANGS):
            commands = [BotCommand(name, about) for name, about in texts.command_descriptions(lang or "pl")]
            await application.bot.set_my_commands(commands, language_code=lang)
    except TelegramError as exc:  # a missing menu is no reason not to answer people
        log.warning("could not set the command menus: %s", exc.message)


@asynccontextmanager
async def lifespan(application: TelegramApp) -> AsyncIterator[TelegramApp]:
    """initialize + post_init ... post_shutdown + shutdown, as run_polling does (for tests and benches)."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        try:
            yield application
        finally:
            if application.post_shutdown is not None:
                await application.post_shutdown(application)


def run_telegram(settings: Settings, content: Content) -> int:
    """Serve Telegram until SIGTERM/SIGINT (bot.channels.telegram_run); 0 or 1."""
    from bot.channels.telegram_run import run_telegram as run

    return run(settings, content)


# --- who, where, in what language ------------------------------------------------------------


def lang_hint(user: User | None) -> str | None:
    """The two-letter language of the user's Telegram app, if they have one."""
    return user.language_code[:2] if user and user.language_code else None


def target_of(update: Update) -> Target | None:
    """The chat (and forum topic) replies go to."""
    message = update.effective_message
    if isinstance(message, Message):
        return Target(message.chat.id, message.message_thread_id if message.is_topic_message else None)
    if update.effective_chat is not None:
        return Target(update.effective_chat.id)
    return Target(update.effective_user.id) if update.effective_user else None


async def user_lang(found: Door, user: User | None) -> str:
    """The language the user chose, else their app's language, else the default."""
    if user is not None:
        stored = await users.get_user(found.db, CHANNEL, str(user.id))
        if stored is not None and stored.lang in LANGS:
            return stored.lang
    hint = lang_hint(user)
    return hint if hint in LANGS else found.default_lang or "pl"


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


# --- handlers ----------------------------------------------------------------------------------


async def converse(context: Context, user: User, incoming: Incoming) -> list[Reply]:
    """The dialogue's replies for this Telegram user."""
    return await door(context).dialogue.handle(CHANNEL, str(user.id), incoming, lang_hint(user))


async def answer(update: Update, context: Context, incoming: Incoming) -> None:
    """Ask the dialogue and send its replies to the chat the update came from."""
    user, target = update.effective_user, target_of(update)
    if user is None or target is None:
        return
    replies = await converse(context, user, incoming)
    await send_replies(context.bot, target, replies)


async def ignore(update: Update, context: Context) -> None:
    """Edited messages and channel posts: no answer, and no other handler sees them."""
    raise ApplicationHandlerStop


async def on_start(update: Update, context: Context) -> None:
    """/start, or /start <centre> from a deep link; other payloads pass through to the dialogue."""
    payload = context.args[0] if context.args else ""
    if payload in door(context).content.centres:
        await answer(update, context, Incoming(button=callbacks.make(callbacks.CENTRE, payload)))
    else:
        await answer(update, context, Incoming(text=f"/start {payload}".strip()))


async def on_menu(update: Update, context: Context) -> None:
    """/menu and /help: the main menu (with the list of commands for /help)."""
    message = update.effective_message
    if message is not None and message.text and message.text.lower().startswith("/help"):
        target = target_of(update)
        lang = await user_lang(door(context), update.effective_user)
        if target is not None and not await send_replies(context.bot, target, [Reply(texts.help_text(lang))]):
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
    target = target_of(update)
    if target is not None:
        lang = await user_lang(door(context), update.effective_user)
        await send_replies(context.bot, target, [Reply(texts.privacy_text(lang), (menu_row(lang),))])


async def on_forget(update: Update, context: Context) -> None:
    """/forget: ask for confirmation (private chats only, so nobody else can press the button)."""
    target, chat = target_of(update), update.effective_chat
    if target is None or chat is None:
        return
    lang = await user_lang(door(context), update.effective_user)
    if chat.type != ChatType.PRIVATE:
        await send_replies(context.bot, target, [Reply(texts.forget_in_private(lang))])
        return
    buttons = ((Button(texts.forget_yes(lang), FORGET_YES), Button(texts.forget_no(lang), FORGET_NO)),)
    await send_replies(context.bot, target, [Reply(texts.forget_question(lang), buttons)])


async def on_forget_answer(update: Update, context: Context) -> None:
    """The /forget confirmation: delete the user's row (Dialogue.reset) or leave everything as it was."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    if query.data not in (FORGET_YES, FORGET_NO):  # PTB lets empty data past any pattern
        await on_button(update, context)
        return
    await acknowledge(query)
    found = door(context)
    lang = await user_lang(found, user)
    if query.data == FORGET_YES:
        await forget_everywhere(context, found, user.id)
        text = texts.forgotten(lang)
    else:
        text = texts.not_forgotten(lang)
    edited = isinstance(query.message, Message) and await edit_in_place(query, escape(text), None)
    target = target_of(update)
    if not edited and target is not None:
        await send_replies(context.bot, target, [Reply(text)])


async def forget_everywhere(context: Context, found: Door, user_id: int) -> None:
    """/forget confirmed: every row about the user in every table, and every flow they had pending."""
    external_id = str(user_id)
    await found.dialogue.reset(CHANNEL, external_id)  # every table, in every door alike
    staff = context.bot_data.get(STAFF_KEY)
    if isinstance(staff, StaffConfig):  # a pending /ask, broadcast text or "send at" time
        staff.awaiting_question.discard(user_id)
        staff.awaiting_time.pop(user_id, None)
        staff.drafting.discard(user_id)
    if context.user_data is not None:  # the guided /duty add
        context.user_data.clear()
    residents = context.bot_data.get(RESIDENTS_KEY)
    if isinstance(residents, ResidentsDoor):
        residents.service.blocked.discard(external_id)


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
    target = target_of(update)
    if target is not None:
        lang = await user_lang(door(context), update.effective_user)
        await send_replies(context.bot, target, [Reply(texts.text_only(lang), (menu_row(lang),))])


async def on_button(update: Update, context: Context) -> None:
    """A pressed inline button: answer the query, then edit the menu in place or send new messages."""
    query, user, target = update.callback_query, update.effective_user, target_of(update)
    if query is None or user is None or target is None:
        return
    await acknowledge(query)
    data = query.data if isinstance(query.data, str) else ""
    incoming = Incoming(button=data)
    replies = await converse(context, user, incoming)
    await deliver_after_button(context.bot, target, query, replies)


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner; a query too old to answer is not an error worth reporting."""
    with suppress(BadRequest):
        await query.answer()


def menu_row(lang: str) -> tuple[Button, ...]:
    return (Button(texts.menu_label(lang), callbacks.make(callbacks.MENU, callbacks.MENU_MAIN)),)


async def on_error(update: object, context: Context) -> None:
    """Log the failure (no message text) and tell the user, in their language, that something went wrong."""
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
    hint = lang_hint(update.effective_user)
    lang = hint if hint in LANGS else "pl"
    with suppress(Exception):
        lang = await user_lang(door(context), update.effective_user)
    try:
        await send_replies(context.bot, target, [Reply(texts.something_went_wrong(lang))])
    except TelegramError as exc:
        log.warning("update %s: could not send the apology either (%s)", update_id, type(exc).__name__)
