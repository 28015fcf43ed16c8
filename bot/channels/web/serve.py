"""Running the ASGI app with uvicorn: alone (`python -m bot web`), or beside the Telegram bot in
one process (`python -m bot run` with WEB_PORT set), so staff answers from the panel reach Telegram."""

from __future__ import annotations

import logging

import uvicorn

from bot.channels.web.app import TelegramRelay, create_app
from bot.channels.web.config import WebSettings
from bot.domain.content import Content
from bot.settings import Settings

log = logging.getLogger("bot.web")


def server(
    settings: Settings, web: WebSettings, content: Content, relay: TelegramRelay | None
) -> uvicorn.Server:
    app = create_app(settings, web, content, relay=relay)
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
    await server(settings, web, content, None).serve()
    return 0


async def serve_with_telegram(settings: Settings, web: WebSettings, content: Content) -> int:
    """Telegram (long polling) and the web door on one event loop."""
    from telegram.error import Forbidden, TelegramError

    from bot.channels.telegram import build_application
    from bot.channels.telegram_render import escape

    application = build_application(settings, content)

    async def relay(chat_id: int, text: str) -> bool:
        try:
            await application.bot.send_message(chat_id, escape(text))
        except (Forbidden, TelegramError):
            return False
        return True

    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling()
        try:
            await serve_web_relayed(settings, web, content, relay)
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
    return 0


async def serve_web_relayed(
    settings: Settings, web: WebSettings, content: Content, relay: TelegramRelay
) -> None:
    log.info("web door on http://%s:%d beside Telegram", web.host, web.port or 8080)
    await server(settings, web, content, relay).serve()
