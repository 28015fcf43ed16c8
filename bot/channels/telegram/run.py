"""Running the Telegram door as a process: one per database, patient at start, quick at SIGTERM.

- **One process per SQLite file**: an exclusive lock (flock on `<database>.lock`) is taken before
  anything else; a second process on the same file refuses to start with a clear message.
- **Start-up through an outage**: the first Bot API call (getMe) is retried with backoff
  (1, 2, 4 ... 60 s, forever, each failure logged); only a refused token ends the process.
  Polling and setWebhook then use PTB's own endless bootstrap retries.
- **Webhook**: listens on WEBHOOK_LISTEN (127.0.0.1 unless told otherwise) and registers the secret
  (Settings makes sure there is a strong one); PTB answers 403 to any POST without it before parsing.
- **SIGTERM / SIGINT**: the shared `stopping` event is set first, so replies stop retrying, the
  broadcast worker claims no more rows and the reminder tick sends no more; the sends in flight
  finish and are marked; PTB then stops. What was left resumes at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, Final, TypeAlias
from urllib.parse import urlparse

from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot import logsafe
from bot.domain.content import Content
from bot.settings import Settings, SettingsError, unknown_centres
from storage import StorageError
from storage.open import lock_target

log = logging.getLogger("bot.telegram")

AnyApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
BOOT_FIRST: Final = 1.0  # seconds before the first retry of the start-up call
BOOT_MAX: Final = 60.0


async def bootstrap(application: AnyApp, first: float = BOOT_FIRST, cap: float = BOOT_MAX) -> None:
    """`application.initialize()` (getMe), retried with backoff until Telegram answers.

    InvalidToken is not an outage and is raised at once.
    """
    delay, attempt = first, 0
    while True:
        try:
            await application.initialize()
            if attempt:
                log.info("Telegram answers again after %d failed attempt(s): starting", attempt)
            return
        except InvalidToken:
            raise
        except (TelegramError, OSError) as exc:
            attempt += 1
            log.warning(
                "Telegram is not reachable at start (%s, attempt %d); trying again in %.1f s",
                type(exc).__name__,
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(cap, delay * 2)


def run_telegram(
    settings: Settings, content: Content, *, base_url: str | None = None, boot_first: float = BOOT_FIRST
) -> int:
    """Serve Telegram until SIGTERM/SIGINT: long polling, or a webhook when WEBHOOK_URL is set; 0 or 1.

    `base_url` points the bot at another Bot API server (the fault tests' fake one).
    """
    from bot.channels.telegram import ALLOWED_UPDATES, build_application, stopping_of
    from bot.channels.web.config import WebSettings

    logsafe.install(settings.secrets(), settings.log_level)
    try:  # the panel may run in another process on the same database: /panel links lead there
        panel_url = WebSettings.from_env().panel_url
    except SettingsError as exc:
        log.error("cannot start: %s", exc)
        return 1
    unknown = unknown_centres(settings, set(content.centres))
    if unknown:  # a bot that answers about nothing: say so, start nothing
        for problem in unknown:
            log.error("cannot start: %s", problem)
        return 1
    try:
        lock = lock_target(settings.database_url, settings.database)
    except StorageError as exc:
        log.error("cannot start: %s", exc)
        return 1
    if settings.telegram_bots:  # several bots in this process (bot.channels.telegram.fleet)
        try:
            return run_fleet(settings, content, panel_url, base_url=base_url, boot_first=boot_first)
        finally:
            lock.release()
    try:
        application = build_application(settings, content, base_url=base_url, panel_url=panel_url)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        stopping = stopping_of(application)

        def stop() -> None:  # first tell the workers, then let PTB stop (it waits for them)
            stopping.set()
            application.stop_running()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        boot = loop.create_task(bootstrap(application, boot_first))
        stopping_task = loop.create_task(stopping.wait())
        loop.run_until_complete(asyncio.wait({boot, stopping_task}, return_when=asyncio.FIRST_COMPLETED))
        if not boot.done():  # stopped while Telegram was still unreachable
            boot.cancel()
            log.info("stopped before Telegram answered")
            return 0
        stopping_task.cancel()
        boot.result()
        serve(application, settings, ALLOWED_UPDATES)
    except StorageError as exc:
        log.error("cannot start: %s", exc)
        return 1
    except InvalidToken:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather")
        return 1
    except RuntimeError as exc:  # e.g. webhook mode without the tornado-based webhooks extra
        log.error("cannot start: %s", exc)
        return 1
    finally:
        lock.release()
    return 0


def run_fleet(
    settings: Settings,
    content: Content,
    panel_url: str | None,
    *,
    base_url: str | None = None,
    boot_first: float = BOOT_FIRST,
) -> int:
    """Every bot of TELEGRAM_BOTS in this process until SIGTERM/SIGINT; 0 or 1. Polling, or (with
    WEBHOOK_URL) one webhook server on WEBHOOK_LISTEN:WEBHOOK_PORT with a path per bot."""
    from bot.channels.telegram.fleet import Fleet

    async def main() -> int:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        fleet = await Fleet.open(settings, content, base_url=base_url, panel_url=panel_url)

        def stop() -> None:
            fleet.stopping()
            done.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        try:
            boot = asyncio.create_task(fleet.start(boot_first=boot_first))
            waiter = asyncio.create_task(done.wait())
            await asyncio.wait({boot, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if not boot.done():  # stopped while Telegram was still unreachable
                boot.cancel()
                log.info("stopped before Telegram answered")
                return 0
            boot.result()
            if settings.webhook_url:
                await serve_webhooks(settings, fleet, done)
            else:
                await done.wait()
        finally:
            await fleet.stop()
        return 0

    try:
        return asyncio.run(main())
    except StorageError as exc:
        log.error("cannot start: %s", exc)
    except InvalidToken:
        log.error("Telegram refused one of the TELEGRAM_BOT_<NAME>_TOKEN tokens; check them with @BotFather")
    return 1


async def serve_webhooks(settings: Settings, fleet: Any, done: asyncio.Event) -> None:
    """The fleet's webhook routes on WEBHOOK_LISTEN:WEBHOOK_PORT until `done` or a signal."""
    import uvicorn
    from starlette.applications import Starlette

    from bot.channels.web.serve import webhook_route

    routes = [webhook_route(path, secret, put) for path, secret, put in fleet.webhook_routes()]
    config = uvicorn.Config(
        Starlette(routes=routes),
        host=settings.webhook_listen,
        port=settings.webhook_port,
        access_log=False,
        server_header=False,
        log_level=settings.log_level.lower(),
        lifespan="off",
    )
    server = uvicorn.Server(config)
    # uvicorn takes SIGTERM/SIGINT while it serves (and ends); either way the fleet then stops.
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(done.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    waiter.cancel()


def serve(app: AnyApp, settings: Settings, allowed_updates: list[str]) -> None:
    """PTB's run loop; our signal handlers stay (stop_signals=None), its bootstrap retries forever."""
    if settings.webhook_url:
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=allowed_updates,
            drop_pending_updates=False,
            bootstrap_retries=-1,
            stop_signals=None,
        )
    else:
        app.run_polling(
            allowed_updates=allowed_updates,
            drop_pending_updates=False,
            bootstrap_retries=-1,
            stop_signals=None,
        )
