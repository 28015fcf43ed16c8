"""The Telegram door: a python-telegram-bot Application around the channel-free dialogue and flows.

`app` wires it (one function), `routing` is the one routing table, `context` the typed context that
reads the person once per update, `basics` the everyday handlers; one handler module per feature
(`staff`, `broadcast_flow`, `tickets` with `ticket_posts`, `residents`, ...), `render` and
`outgoing` for what goes out, `run`, `processes` and `order` for the process around it. Telegram
types never leave the door.

The names below are loaded on first use, so a feature module can import `.context` without
pulling in the wiring that imports it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.telegram.app import (
        ALLOWED_UPDATES,
        build_application,
        lifespan,
        run_telegram,
        staff_config_of,
        stopping_of,
    )
    from bot.channels.telegram.basics import FORGET_NO, FORGET_YES, without_mention
    from bot.channels.telegram.context import (
        BOT_DATA_KEY,
        CHANNEL,
        BotContext,
        Context,
        Door,
        TelegramApp,
        door,
    )
    from bot.channels.telegram.staff import content_listener

_WHERE = {
    **dict.fromkeys(
        (
            "ALLOWED_UPDATES",
            "build_application",
            "lifespan",
            "run_telegram",
            "staff_config_of",
            "stopping_of",
        ),
        "app",
    ),
    **dict.fromkeys(("FORGET_NO", "FORGET_YES", "without_mention"), "basics"),
    "content_listener": "staff",
    **dict.fromkeys(
        ("BOT_DATA_KEY", "CHANNEL", "BotContext", "Context", "Door", "TelegramApp", "door"), "context"
    ),
}

__all__ = [
    "ALLOWED_UPDATES",
    "BOT_DATA_KEY",
    "CHANNEL",
    "FORGET_NO",
    "FORGET_YES",
    "BotContext",
    "Context",
    "Door",
    "TelegramApp",
    "build_application",
    "content_listener",
    "door",
    "lifespan",
    "run_telegram",
    "staff_config_of",
    "stopping_of",
    "without_mention",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
