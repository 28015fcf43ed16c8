"""The ASGI application: web chat, widget, staff panel (and the Telegram webhook when configured).

`create_app` wires everything; nothing is created at import time. The database is opened in the
lifespan (or handed in by a caller that already has one, like `python -m bot run` with Telegram).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.web.config import WebSettings
from bot.channels.web.limits import RateLimiter
from bot.channels.web.security import SecureHeaders
from bot.channels.web.session import Transcripts
from bot.clock import Clock, SystemClock
from bot.conversation.dialogue import Dialogue, Engine
from bot.domain.content import Content
from bot.editor.service import Editor, Listener
from bot.editor.sync import ContentSync
from bot.handover.posts import Wake
from bot.settings import Settings
from storage.database import Database
from storage.open import open_database
from storage.web_sessions import purge_web_users

HERE = Path(__file__).resolve().parent
SWEEP_SECONDS = 3600.0
log = logging.getLogger("bot.web")
# Starts the Telegram bot's sending job for a confirmed broadcast (id, delay in seconds).
BroadcastScheduler = Callable[[int, float], None]


@dataclass
class WebDoor:
    """Everything a request handler needs, kept in app.state.door."""

    settings: Settings
    web: WebSettings
    content: Content
    clock: Clock
    db: Database
    dialogue: Dialogue
    templates: jinja2.Environment
    transcripts: Transcripts
    session_limit: RateLimiter
    address_limit: RateLimiter
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    scheduler: BroadcastScheduler | None = None
    # What this door has for Telegram is left in the database (bot.handover.posts); a Telegram door
    # in this same process is woken to send it at once, one elsewhere finds it at its next poll.
    wake: Wake | None = None
    editor: Editor | None = None  # the content editor (issue 14); publishing reloads this door

    def wake_telegram(self) -> None:
        if self.wake is not None:
            self.wake()

    def swap_content(self, content: Content) -> None:
        """Answer from newly published content from now on, as Telegram's /reload does."""
        self.content = content
        self.dialogue.engine.content = content


def door_of(request: Request) -> WebDoor:
    found = request.app.state.door
    assert isinstance(found, WebDoor)
    return found


def templates() -> jinja2.Environment:
    """Autoescaping everywhere: every text a user or the content brings is escaped on output."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = door_of(request).templates.get_template(name).render(**values)
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})


def create_app(
    settings: Settings,
    web: WebSettings,
    content: Content,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    scheduler: BroadcastScheduler | None = None,
    wake: Wake | None = None,
    ticks: Callable[[], float] = time.monotonic,
    extra_routes: list[BaseRoute] | None = None,
    roomy_paths: tuple[str, ...] = (),
    listeners: list[Listener] | None = None,
    share_sync: Callable[[ContentSync | None], None] | None = None,
) -> Starlette:
    """The app; `db` given means the caller owns (and closes) the connection.

    `listeners` also get the content the editor publishes (the Telegram door beside this one);
    `share_sync` is given this process's ContentSync once it follows (None when it stops), so the
    bots beside this door send their /reload through it."""
    from bot.channels.web.chat import routes as chat_routes
    from bot.channels.web.editor import routes as editor_routes
    from bot.channels.web.panel import routes as panel_routes

    the_clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        conn = db or await open_database(settings.database_url, settings.database)
        engine = Engine(content, the_clock, settings.default_centre, settings.default_lang, handover=True)
        app.state.door = WebDoor(
            settings=settings,
            web=web,
            content=content,
            clock=the_clock,
            db=conn,
            dialogue=Dialogue(engine, conn),
            templates=templates(),
            transcripts=Transcripts(ticks),
            session_limit=RateLimiter(web.chat_per_minute, ticks),
            address_limit=RateLimiter(web.address_per_minute, ticks),
            scheduler=scheduler,
            wake=wake,
        )
        door: WebDoor = app.state.door
        await door.dialogue.prepare()  # indexes, vectors and the model, off the loop, before serving
        door.editor = Editor(settings.content_dir, conn, the_clock, [door.swap_content, *(listeners or [])])
        # This process follows publishes made by any other one (and its own reach every door here).
        await door.editor.sync.start()
        if share_sync is not None:
            share_sync(door.editor.sync)
        sweeper = asyncio.create_task(sweep(conn, the_clock))
        try:
            yield
        finally:
            if share_sync is not None:
                share_sync(None)
            await door.editor.sync.stop()
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            if db is None:
                await conn.close()

    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/widget.js", widget),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *chat_routes(),
        *panel_routes(),
        *editor_routes(),
        *(extra_routes or []),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(
            SecureHeaders,
            frame_ancestors=web.frame_ancestors,
            hsts=web.cookie_secure,
            roomy_paths=roomy_paths,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


async def sweep(db: Database, clock: Clock) -> None:
    """Hourly: drop web users whose cookie has expired (they can never come back to that row)."""
    from bot.channels.web.chat import SESSION_DAYS

    while True:
        try:
            gone = await purge_web_users(db, clock.now() - timedelta(days=SESSION_DAYS + 1))
            if gone:
                log.info("removed %d expired web sessions", gone)
        except Exception:  # a locked database now is no reason to stop sweeping later
            log.exception("sweeping expired web sessions failed")
        await asyncio.sleep(SWEEP_SECONDS)


async def home(request: Request) -> Response:
    """The root leads to the first centre's chat (a centre's site links or embeds its own)."""
    door = door_of(request)
    centre = door.settings.default_centre or sorted(door.content.centres)[0]
    return RedirectResponse(f"/chat/{centre}", status_code=303)


async def widget(request: Request) -> Response:
    body = (HERE / "static" / "widget.js").read_bytes()
    return Response(
        body,
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=3600", "access-control-allow-origin": "*"},
    )


async def healthz(request: Request) -> Response:
    """Alive: the process answers (a load balancer restarts it when this fails)."""
    return Response("ok", media_type="text/plain")


async def readyz(request: Request) -> Response:
    """Ready: content indexed and the database answering (a load balancer sends users here only
    then; a process still building indexes, or cut off from PostgreSQL, gets none)."""
    from bot.domain.knowledge import is_prepared
    from storage.inspect import ping

    door = door_of(request)
    waiting = [] if is_prepared(door.content) else ["content is still being prepared"]
    if not await ping(door.db):
        waiting.append("the database does not answer")
    if waiting:
        return Response("not ready: " + "; ".join(waiting), status_code=503, media_type="text/plain")
    return Response("ready", media_type="text/plain")
