"""The typed context every Telegram handler gets: the open door, and the person read once per update.

PTB builds one context per update (for every handler and group it passes through), so what is
cached here is read from the database at most once per update: the user row, their language and
their flow (bot.flows). Job callbacks get the same type (without a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from telegram import Update, User
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.clock import Clock
from bot.conversation.dialogue import Dialogue
from bot.domain.centres import Centres
from bot.domain.content import LANGS, Content
from bot.flows import Conversations, Expired, Flow
from bot.settings import Settings
from storage import users
from storage.database import Database

CHANNEL: Final = "telegram"  # the one bot's channel; a named bot's is "telegram:<name>" (Door.channel)
BOT_DATA_KEY: Final = "door"


@dataclass(frozen=True)
class Door:
    """What the handlers need, created in post_init and kept in application.bot_data."""

    db: Database
    dialogue: Dialogue
    content: Content
    default_lang: str | None
    channel: str = CHANNEL  # whose users this bot's are (bot.settings.TelegramBot.channel)

    @property
    def clock(self) -> Clock:
        return self.dialogue.engine.clock

    @property
    def conversations(self) -> Conversations:
        return Conversations(self.db, self.clock)

    def swap_content(self, content: Content) -> None:
        """Answer from newly loaded content from now on (staff /reload); the Engine holds it too."""
        object.__setattr__(self, "content", content)
        self.dialogue.engine.content = content


def bot_content(content: Content, settings: Settings) -> Content:
    """What one bot answers about: the content with only its centres (shared files and the centres'
    objects are shared, so their indexes are built once for every bot); all of it for the one bot."""
    bot = settings.bot
    if bot is None or bot.centres is None:
        return content
    # Only the bot's centres, reading none of them (Centres.only): a start reads no centre.
    return content.model_copy(update={"centres": Centres.of(content.centres).only(bot.centres)})


def bot_default_centre(content: Content, settings: Settings) -> str | None:
    """BOT_DEFAULT_CENTRE when this bot serves it; a named bot with one centre picks it for everyone
    (the one bot of TELEGRAM_BOT_TOKEN keeps asking, as it always has)."""
    if settings.default_centre in content.centres:
        return settings.default_centre
    named = settings.bot is not None and settings.bot.name is not None
    return next(iter(content.centres)) if named and len(content.centres) == 1 else None


_UNREAD: Final = object()


def lang_hint(user: User | None) -> str | None:
    """The two-letter language of the user's Telegram app, if they have one."""
    return user.language_code[:2] if user and user.language_code else None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext plus the door and the update's person, each read once."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.sender: User | None = None  # the Telegram user of the update (None for jobs)
        self._person: object = _UNREAD
        self._flow: object = _UNREAD

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BotContext:
        context = super().from_update(update, application)
        assert isinstance(context, BotContext)
        if isinstance(update, Update):
            context.sender = update.effective_user
        return context

    @property
    def door(self) -> Door:
        value = self.bot_data.get(BOT_DATA_KEY)
        if not isinstance(value, Door):
            raise RuntimeError("the Telegram door is not open: post_init has not run")
        return value

    async def person(self, *, create: bool = False) -> users.User | None:
        """The sender's user row (read once; created when `create` and missing)."""
        if self.sender is None:
            return None
        if self._person is _UNREAD:
            self._person = await users.get_user(self.door.db, self.door.channel, str(self.sender.id))
        if self._person is None and create:
            now = self.door.clock.now()
            found_db, channel = self.door.db, self.door.channel
            self._person = await users.get_or_create_user(found_db, channel, str(self.sender.id), now)
        found = self._person
        return found if isinstance(found, users.User) else None

    def forget_person(self) -> None:
        """The user row changed (centre, language, deleted): read it again when next asked."""
        self._person = _UNREAD
        self._flow = _UNREAD

    async def lang(self) -> str:
        """The language the sender chose, else their app's language, else the default."""
        found = await self.person()
        if found is not None and found.lang in LANGS:
            return found.lang
        hint = lang_hint(self.sender)
        return hint if hint in LANGS else self.door.default_lang or "pl"

    async def flow(self) -> Flow | Expired | None:
        """The sender's flow (bot.flows), read once; Expired is reported once, then it is gone."""
        if self._flow is _UNREAD:
            found = await self.person()
            self._flow = None if found is None else await self.door.conversations.current(found.id)
        return self._flow  # type: ignore[return-value]

    async def begin(self, flow: Flow) -> None:
        """Put the sender in `flow` (replacing any other)."""
        found = await self.person(create=True)
        assert found is not None
        await self.door.conversations.begin(found.id, flow)
        self._flow = flow

    async def end(self, kind: type[Flow] | None = None) -> None:
        """End the sender's flow (only one of `kind`, when given)."""
        found = await self.person()
        if found is not None:
            await self.door.conversations.end(found.id, kind)
        self._flow = _UNREAD


Context: TypeAlias = BotContext
CONTEXT_TYPES: Final = ContextTypes(context=BotContext)
TelegramApp: TypeAlias = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[BotContext]
]


def door(context: BotContext) -> Door:
    """The running door (kept for callers that take the context as an argument)."""
    return context.door
