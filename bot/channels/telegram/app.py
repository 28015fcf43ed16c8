"""The Telegram door's one wiring function: the Application, its lifespan and the command menus.

`build_application` wires everything (nothing is created at import time); `run_telegram` runs it
with long polling, or as a webhook server when WEBHOOK_URL is set (bot.channels.telegram.run).
With several bots (TELEGRAM_BOTS) each gets its own Application from `settings.for_bot(bot)`: its
token, its centres (`bot_content`), its outgoing budget, scheduler and menus; they share one
`database` (bot.channels.telegram.fleet runs them side by side).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.channels.telegram.context import (
    BOT_DATA_KEY,
    BotContext,
    Door,
    TelegramApp,
    bot_content,
    bot_default_centre,
)
from bot.channels.telegram.menus import set_public_menus, set_staff_menus
from bot.channels.telegram.order import PerUserOrder
from bot.channels.telegram.outgoing import outgoing_limiter
from bot.channels.telegram.processes import join_processes, leave_processes
from bot.channels.telegram.render import RetryPolicy, set_reply_retry
from bot.channels.telegram.residents import STOPPING_KEY, start_reminders
from bot.channels.telegram.routing import register_handlers
from bot.channels.telegram.staff import (
    STAFF_KEY,
    SYNC_KEY,
    StaffConfig,
    content_listener,
    resume_broadcasts,
)
from bot.channels.telegram.ticket_posts import start_ticket_posts
from bot.clock import Clock, SystemClock
from bot.conversation.dialogue import Dialogue, Engine
from bot.domain.content import Content
from bot.editor.sync import ContentSync, version_signal
from bot.settings import Settings
from storage.database import Database
from storage.open import open_database

log = logging.getLogger("bot.telegram")

TIMEZONE: Final = ZoneInfo("Europe/Warsaw")
ALLOWED_UPDATES: Final = [Update.MESSAGE, Update.CALLBACK_QUERY]  # the update types the handlers use
MAX_CONCURRENT_UPDATES: Final = 64  # different users in parallel; one user's updates stay in order


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
    panel_url: str | None = None,
    database: Database | None = None,
) -> TelegramApp:
    """The configured Application; the database is opened in post_init and closed in post_shutdown.

    `request` (used for every call, getUpdates included) and `base_url` let tests talk to a fake
    Bot API; `rate_limiter` defaults to the token's one outgoing budget (bot.outgoing: TELEGRAM_RATE
    in all, broadcasts at most BROADCAST_RATE, replies first, 429s retried there); updates of different users
    are handled concurrently (at most `max_concurrent_updates`), each user's in arrival order;
    `reply_retry` is how long replies keep trying through an outage (tests make its waits short);
    `follow_content` reloads content published by any process (False where the web door beside
    this one in the same process already follows it for both); `panel_url` is the staff panel's
    public address for /panel's login links (WEB_PUBLIC_URL; None: /panel says it is not set);
    `database`, when given, is used instead of opening one (several bots in one process share it)
    and is left open at shutdown for its owner to close.
    """
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    stopping = asyncio.Event()  # set at SIGTERM: replies stop retrying, jobs stop claiming work
    policy = reply_retry or RetryPolicy()
    policy.stopping = stopping
    set_reply_retry(policy)
    engine_clock = clock or SystemClock()

    async def post_init(application: TelegramApp) -> None:
        db = database or await open_database(settings.database_url, settings.database)
        own = bot_content(content, settings)
        engine = Engine(
            own,
            engine_clock,
            bot_default_centre(own, settings),
            settings.default_lang,
            handover=settings.staff_chat_id is not None,
        )
        dialogue = Dialogue(engine, db)
        await dialogue.prepare()  # indexes and vectors, in the reader thread, before any update
        door = Door(db, dialogue, own, settings.default_lang, settings.telegram_channel)
        application.bot_data[BOT_DATA_KEY] = door
        await join_processes(application, db, settings)  # the scheduler election, cross-process order
        await start_reminders(application, settings, own, engine_clock, db)
        await resume_broadcasts(application)
        await start_ticket_posts(application)  # what a web door (any process) left for Telegram
        await set_command_menus(application)
        await set_staff_menus(application, settings, db)
        if follow_content:  # a publish from the web panel in another process reaches this door
            sync = ContentSync(settings.content_dir, version_signal(db), [content_listener(application)])
            await sync.start()
            application.bot_data[SYNC_KEY] = sync  # and /reload goes through it (staff.on_reload)

    async def post_shutdown(application: TelegramApp) -> None:
        sync = application.bot_data.pop(SYNC_KEY, None)
        if follow_content and isinstance(sync, ContentSync):  # ours; a Fleet's or web door's is theirs
            await sync.stop()
        await leave_processes(application)
        opened = application.bot_data.pop(BOT_DATA_KEY, None)
        if isinstance(opened, Door) and database is None:  # a shared database is its owner's to close
            await opened.db.close()

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .context_types(ContextTypes(context=BotContext))
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
    application: TelegramApp = builder.build()  # type: ignore[assignment]
    application.bot_data[STOPPING_KEY] = stopping
    application.bot_data[STAFF_KEY] = StaffConfig(
        settings, engine_clock, stopping=stopping, panel_url=panel_url
    )
    register_handlers(application)
    return application


def staff_config_of(application: TelegramApp) -> StaffConfig:
    config = application.bot_data[STAFF_KEY]
    assert isinstance(config, StaffConfig)
    return config


def stopping_of(application: TelegramApp) -> asyncio.Event:
    """The event that tells replies, broadcasts and reminders the process is stopping."""
    event = application.bot_data[STOPPING_KEY]
    assert isinstance(event, asyncio.Event)
    return event


async def set_command_menus(application: TelegramApp) -> None:
    """The command menu in each language, Polish as the default for everyone else (telegram/menus.py)."""
    await set_public_menus(application)


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
    """Serve Telegram until SIGTERM/SIGINT (bot.channels.telegram.run); 0 or 1."""
    from bot.channels.telegram.run import run_telegram as run

    return run(settings, content)
