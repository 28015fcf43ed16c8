"""`python -m bot web`, `python -m bot staff-link USER_ID`, and `run` with WEB_PORT set."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.channels.web.config import WebSettings
from bot.clock import SystemClock
from bot.domain.content import Content
from bot.settings import Settings, SettingsError, unknown_centres
from bot.staff.panel_links import login_link
from storage import StorageError
from storage.open import open_database


def run_web_command(command: str, args: argparse.Namespace, settings: Settings, content: Content) -> int:
    from bot.channels.web.serve import serve_web, serve_with_telegram

    try:
        web = WebSettings.from_env()
        if command == "staff-link":
            print(asyncio.run(staff_link(settings, web, args.user_id)))
            return 0
        if command == "run" and settings.bots():
            unknown = unknown_centres(settings, set(content.centres))
            if unknown:  # a bot that would answer about nothing: start nothing
                raise SettingsError("; ".join(unknown))
            return asyncio.run(serve_with_telegram(settings, web, content))
        return asyncio.run(serve_web(settings, web, content))
    except (SettingsError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


async def staff_link(settings: Settings, web: WebSettings, user_id: int) -> str:
    """A login link for the panel, valid 10 minutes, usable once (for deployments without Telegram)."""
    db = await open_database(settings.database_url, settings.database)
    try:
        return await login_link(db, SystemClock(), user_id, web.public_url)
    finally:
        await db.close()
