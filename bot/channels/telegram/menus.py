"""The command menus: the public one in each language, and the staff one for staff chats.

Staff members (and administrators) see the staff commands in their private chat with the bot, in
their language; the staff chat sees them too, with /close. Everyone else sees the public menu. The
staff chat's and the administrators' menus are set at start, a member's when they join or leave;
a menu that cannot be set is logged, never fatal (the commands are checked by the audited gate
either way).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram import texts
from bot.domain.content import LANGS
from bot.settings import Settings
from storage import staff as staff_store
from storage import users
from storage.database import Database

log = logging.getLogger("bot.telegram")

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, about) for name, about in pairs]


async def set_public_menus(application: AnyApp) -> None:
    """The command menu in each language, Polish as the default for everyone else."""
    try:
        for lang in (None, *LANGS):
            commands = _commands(texts.command_descriptions(lang or "pl"))
            await application.bot.set_my_commands(commands, language_code=lang)
    except TelegramError as exc:  # a missing menu is no reason not to answer people
        log.warning("could not set the command menus: %s", exc.message)


async def set_staff_menu(application: AnyApp, settings: Settings, db: Database, user_id: int) -> None:
    """One person's private menu: the staff one while they are staff (or an administrator), else the
    public one again (their chat scope is deleted)."""
    scope = BotCommandScopeChat(user_id)
    admin = user_id in settings.staff_admin_ids
    member = await staff_store.get_staff(db, user_id)
    try:
        serves = member is not None and (settings.bot is None or settings.bot.serves(member.centre))
        if not admin and not serves:
            await application.bot.delete_my_commands(scope=scope)
            return
        stored = await users.get_user(db, settings.telegram_channel, str(user_id))
        lang = stored.lang if stored is not None and stored.lang in LANGS else settings.default_lang or "pl"
        commands = _commands(texts.staff_command_descriptions(lang, admin=admin))
        await application.bot.set_my_commands(commands, scope=scope)
    except TelegramError as exc:  # e.g. the person never opened a chat with this bot
        log.warning("could not set the staff menu of %s: %s", user_id, exc.message)


async def set_staff_menus(application: AnyApp, settings: Settings, db: Database) -> None:
    """At start: the staff chat's menu (each language) and the administrators' (STAFF_ADMIN_IDS may
    have changed). A staff member's menu is set when they join or leave and Telegram keeps it, so a
    start does not spend one Bot API call per staff member of every centre before it answers."""
    chat = settings.staff_chat_id
    if chat is not None:
        try:
            for lang in (None, *LANGS):
                commands = _commands(texts.staff_command_descriptions(lang or "pl", staff_chat=True))
                await application.bot.set_my_commands(
                    commands, scope=BotCommandScopeChat(chat), language_code=lang
                )
        except TelegramError as exc:
            log.warning("could not set the staff chat's menu: %s", exc.message)
    for user_id in sorted(settings.staff_admin_ids):
        await set_staff_menu(application, settings, db, user_id)
