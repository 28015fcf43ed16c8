"""Several bots in one process (TELEGRAM_BOTS, issue 15): one Application per bot, one database.

Each bot is its own Application (`build_application(settings.for_bot(bot), ...)`): its token, its
centres, its outgoing budget (its own rate limiter: Telegram limits each token apart), its
scheduler election and its command menus. They share the one database connection (or pool) and
the process's one ContentSync: it follows publishes for every bot, and a /reload sent to any bot
goes through it, so every bot (and every other process) reloads. `run_polling` / `run_webhook`
run one Application and own the event loop, so here each is driven by hand, as PTB's "running
alongside other asyncio frameworks" describes: initialize (retried through an outage), post_init,
start, then polling or the webhook, and at the end the same in reverse.

Webhook mode: WEBHOOK_URL names the base, each bot is at `<WEBHOOK_URL>/<name>` with its own
secret (TELEGRAM_BOT_<NAME>_WEBHOOK_SECRET, or a random one at each start); the routes are served
by the web door's server (bot.channels.web.serve), alone on WEBHOOK_LISTEN:WEBHOOK_PORT or beside
the web door on WEB_PORT.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from telegram import Update

from bot.channels.telegram.app import ALLOWED_UPDATES, build_application, stopping_of
from bot.channels.telegram.context import TelegramApp
from bot.channels.telegram.run import BOOT_FIRST, bootstrap
from bot.channels.telegram.staff import SYNC_KEY, content_listener
from bot.domain.content import Content
from bot.editor.sync import ContentSync, version_signal
from bot.settings import Settings, TelegramBot
from storage.database import Database
from storage.open import open_database

log = logging.getLogger("bot.telegram")

Put = Callable[[Any], Awaitable[None]]
QUERY_CONNECTIONS = 10  # PostgreSQL connections left for queries, as one bot's pool has


def webhook_path(settings: Settings, bot: TelegramBot) -> str:
    """The path Telegram posts a bot's updates to: WEBHOOK_URL's, plus `/<name>` for a named bot."""
    base = urlparse(settings.webhook_url or "").path.rstrip("/")
    return f"{base}/{bot.name}" if bot.name else base or "/"


def webhook_url(settings: Settings, bot: TelegramBot) -> str:
    base = (settings.webhook_url or "").rstrip("/")
    return f"{base}/{bot.name}" if bot.name else settings.webhook_url or ""


@dataclass
class Member:
    """One bot of the fleet and its Application."""

    bot: TelegramBot
    settings: Settings  # the deployment's settings as this bot reads them (Settings.for_bot)
    application: TelegramApp

    async def put(self, data: Any) -> None:
        """A webhook update for this bot (its secret already checked by the route)."""
        await self.application.update_queue.put(Update.de_json(data, self.application.bot))


@dataclass
class Fleet:
    """Every bot of the deployment, started and stopped together."""

    settings: Settings
    content: Content
    members: list[Member] = field(default_factory=list)
    db: Database | None = None
    sync: ContentSync | None = None
    follow_content: bool = True  # False where the web door beside it follows content for all
    _started: list[Member] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        content: Content,
        *,
        base_url: str | None = None,
        panel_url: str | None = None,
        follow_content: bool = True,
        requests: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Fleet:
        """The database (opened once, for every bot) and one Application per bot; `start` starts
        them. `kwargs` go to every `build_application`; `requests` (token -> BaseRequest) lets
        tests give each token its own fake Bot API."""
        # PostgreSQL: each bot holds two connections for as long as it runs (its scheduler lock and
        # its users' locks, storage/leader.py and storage/user_locks.py), and the content follower
        # one (its LISTEN, bot.editor.sync), beside the queries' share.
        pool = QUERY_CONNECTIONS + 2 * len(settings.bots()) + 1
        db = await open_database(settings.database_url, settings.database, pool_size=pool)
        fleet = cls(settings, content, db=db, follow_content=follow_content)
        for bot in settings.bots():
            own = settings.for_bot(bot)
            application = build_application(
                own,
                content,
                base_url=base_url,
                panel_url=panel_url,
                follow_content=False,  # one follower for the fleet (start)
                database=db,
                request=(requests or {}).get(bot.token),
                **kwargs,
            )
            fleet.members.append(Member(bot, own, application))
        return fleet

    def stopping(self) -> None:
        """SIGTERM: every bot's replies stop retrying, its jobs claim nothing more."""
        for member in self.members:
            stopping_of(member.application).set()

    async def start(self, *, boot_first: float = BOOT_FIRST, webhook: bool | None = None) -> None:
        """Every bot: getMe (retried through an outage), post_init, start, and polling or setWebhook
        (`webhook` defaults to whether WEBHOOK_URL is set)."""
        assert self.db is not None, "Fleet.open opens the database"
        await asyncio.gather(*(bootstrap(m.application, boot_first) for m in self.members))
        use_webhook = bool(self.settings.webhook_url) if webhook is None else webhook
        for member in self.members:
            app = member.application
            if app.post_init is not None:
                await app.post_init(app)
            self._started.append(member)
            await app.start()
            if use_webhook:
                await app.bot.set_webhook(
                    webhook_url(self.settings, member.bot),
                    secret_token=member.bot.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, bootstrap_retries=-1
                )
            log.info("%s (@%s) is running: %s", member.bot.label, app.bot.username, _centres(member.bot))
        if self.follow_content:  # a publish from the web panel in another process reaches every bot
            listeners = [content_listener(m.application) for m in self.members]
            self.sync = ContentSync(self.settings.content_dir, version_signal(self.db), listeners)
            await self.sync.start()
            self.share(self.sync)

    def share(self, sync: ContentSync | None) -> None:
        """The process's one ContentSync (ours, or the web door's beside us) for every bot's /reload,
        which then reaches every bot and process; None: it is stopping, each bot reloads alone."""
        for member in self.members:
            if sync is None:
                member.application.bot_data.pop(SYNC_KEY, None)
            else:
                member.application.bot_data[SYNC_KEY] = sync

    async def stop(self) -> None:
        """Every started bot in reverse: stop polling, stop, post_shutdown, shutdown; then the
        follower and the one database."""
        self.stopping()
        if self.sync is not None:
            self.share(None)
            await self.sync.stop()
        for member in reversed(self._started):
            app = member.application
            try:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
                if app.post_shutdown is not None:
                    await app.post_shutdown(app)
            finally:
                await app.shutdown()
        self._started.clear()
        for member in self.members:  # initialized but never started (another bot failed): a no-op else
            await member.application.shutdown()
        if self.db is not None:
            await self.db.close()
            self.db = None

    def webhook_routes(self) -> list[tuple[str, str | None, Put]]:
        """(path, secret, put) of every bot's webhook (bot.channels.web.serve.webhook_route)."""
        return [(webhook_path(self.settings, m.bot), m.bot.webhook_secret, m.put) for m in self.members]


def _centres(bot: TelegramBot) -> str:
    return "every centre" if bot.centres is None else ", ".join(sorted(bot.centres))
