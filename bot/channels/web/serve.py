"""Running the ASGI app with uvicorn: alone (`python -m bot web`), or beside the Telegram bot in
one process and on one port (`python -m bot run` with WEB_PORT set): the web chat, the staff panel
and, with WEBHOOK_URL, Telegram's webhook. Apart or together, what the web door has for Telegram
(a web ticket, a panel answer) goes through the database (bot.handover.posts); together, the bot
is only woken to send it at once."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.app import BroadcastScheduler, create_app
from bot.channels.web.config import WebSettings
from bot.domain.content import Content
from bot.editor.service import Listener
from bot.editor.sync import ContentSync
from bot.handover.posts import Wake
from bot.settings import Settings

log = logging.getLogger("bot.web")


def server(
    settings: Settings,
    web: WebSettings,
    content: Content,
    extra_routes: list[BaseRoute] | None = None,
    scheduler: BroadcastScheduler | None = None,
    listeners: list[Listener] | None = None,
    wake: Wake | None = None,
    share_sync: Callable[[ContentSync | None], None] | None = None,
) -> uvicorn.Server:
    # Telegram's updates may be larger than any chat form (long texts with entities).
    roomy = tuple(route.path for route in extra_routes or [] if isinstance(route, Route))
    app = create_app(
        settings,
        web,
        content,
        scheduler=scheduler,
        wake=wake,
        extra_routes=extra_routes,
        roomy_paths=roomy,
        listeners=listeners,
        share_sync=share_sync,
    )
    config = uvicorn.Config(
        app,
        host=web.host,
        port=web.port or 8080,
        # No access log: it would write every visitor's address and path, and we keep neither.
        access_log=False,
        server_header=False,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    return uvicorn.Server(config)


async def serve_web(settings: Settings, web: WebSettings, content: Content) -> int:
    log.info("web door on http://%s:%d", web.host, web.port or 8080)
    await server(settings, web, content).serve()
    return 0


def telegram_swap(application: Any) -> Listener:
    """The Telegram door's half of a reload (as /reload does): its engine and the residents' service."""
    from bot.channels.telegram import content_listener

    return content_listener(application)


@dataclass(frozen=True)
class TelegramHooks:
    """What the web door may ask of the Telegram bot running in the same process."""

    wake: Wake
    scheduler: BroadcastScheduler


def telegram_hooks(application: Any) -> TelegramHooks:
    """The web door's ways into the running bot: send what it left in the database now (a ticket
    for the staff chat, an answer: the same path as from another process) and a broadcast's job."""
    from bot.channels.telegram.broadcast import broadcast_job, job_name
    from bot.channels.telegram.ticket_posts import wake_ticket_posts

    def schedule(bid: int, delay: float) -> None:
        assert application.job_queue is not None
        application.job_queue.run_once(broadcast_job, max(0.0, delay), data=bid, name=job_name(bid))

    return TelegramHooks(wake_ticket_posts(application), schedule)


def webhook_route(path: str, secret: str | None, put: Callable[[Any], Awaitable[None]]) -> Route:
    """Telegram's webhook: a POST carrying the secret header is queued for the bot; others get 403."""

    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict):
            return Response(status_code=400)
        await put(data)
        return Response()

    return Route(path, receive, methods=["POST"])


def fleet_hooks(fleet: Any) -> TelegramHooks:
    """The web door's ways into the bots of this process: what it left in the database is sent
    by the bots' ticket-post jobs (each is woken), a broadcast's job goes to every bot (only the one
    serving its centre sends it: bot.channels.telegram.broadcast)."""
    each = [telegram_hooks(member.application) for member in fleet.members]

    def wake() -> None:
        for hooks in each:
            hooks.wake()

    def schedule(bid: int, delay: float) -> None:
        for hooks in each:
            hooks.scheduler(bid, delay)

    return TelegramHooks(wake, schedule)


async def serve_with_telegram(settings: Settings, web: WebSettings, content: Content) -> int:
    """Every bot of the deployment (the one of TELEGRAM_BOT_TOKEN, or those of TELEGRAM_BOTS) and the
    web door on one event loop, on one port; with WEBHOOK_URL each bot's webhook is a route of ours
    (`<path>`, or `<path>/<name>` for a named bot) with its own secret.

    uvicorn owns SIGINT/SIGTERM here; when it stops, every bot's `stopping` event is set (Fleet.stop)
    so the broadcast worker and the reminder tick claim no more work, and then PTB stops.
    """
    from bot.channels.telegram.fleet import Fleet
    from storage.open import lock_target

    # One Telegram process per SQLite file, as `run` alone; PostgreSQL takes several.
    lock = lock_target(settings.database_url, settings.database)
    try:
        # The web door's follower reloads every door of this process: the fleet needs none of its own.
        fleet = await Fleet.open(settings, content, panel_url=web.panel_url, follow_content=False)
        try:
            hooks = fleet_hooks(fleet)
            routes: list[BaseRoute] = []
            if settings.webhook_url:
                routes += [webhook_route(path, secret, put) for path, secret, put in fleet.webhook_routes()]
            await fleet.start()
            where = (web.host, web.port or 8080, len(fleet.members))
            log.info("web door on http://%s:%d beside %d bot(s)", *where)
            # What the editor publishes reaches every bot too, and a /reload in any bot goes through
            # the web door's ContentSync (the process's one): every bot, the web door, every process.
            swaps = [telegram_swap(member.application) for member in fleet.members]
            web_server = server(
                settings, web, content, routes, hooks.scheduler, swaps, hooks.wake, fleet.share
            )
            await web_server.serve()
        finally:
            await fleet.stop()
    finally:
        lock.release()
    return 0
