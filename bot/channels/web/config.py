"""Settings of the web door, read like bot.settings (the environment over an optional `.env`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.settings import SettingsError, read_dotenv


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int | None = None  # None: `python -m bot run` serves no web door
    public_url: str = "http://127.0.0.1:8080"  # how browsers reach us (login links, widget)
    cookie_secure: bool = False  # True behind HTTPS: cookies are then sent over HTTPS only
    frame_ancestors: str = "*"  # sites allowed to show the chat in an iframe (the widget)
    chat_per_minute: int = 30  # messages one browser session may send in a minute
    address_per_minute: int = 300  # requests one address may make in a minute (it is never stored)
    public_url_set: bool = False  # WEB_PUBLIC_URL was given (else public_url is only our own address)

    @property
    def panel_url(self) -> str | None:
        """Where a login link sent to a phone can lead: only an address the operator configured."""
        return self.public_url if self.public_url_set else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        values = dict(read_dotenv(Path(".env"))) if env is None else {}
        values.update(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        port_text = get("WEB_PORT")
        port = _int(port_text, "WEB_PORT") if port_text else None
        host = get("WEB_HOST") or "127.0.0.1"
        given = get("WEB_PUBLIC_URL")
        url = given or f"http://{host}:{port or 8080}"
        return cls(
            host=host,
            port=port,
            public_url=url.rstrip("/"),
            cookie_secure=url.startswith("https://"),
            frame_ancestors=get("WEB_FRAME_ANCESTORS") or "*",
            chat_per_minute=_int(get("WEB_CHAT_PER_MINUTE") or "30", "WEB_CHAT_PER_MINUTE"),
            address_per_minute=_int(get("WEB_ADDRESS_PER_MINUTE") or "300", "WEB_ADDRESS_PER_MINUTE"),
            public_url_set=given is not None,
        )


def _int(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {text!r}")
    return value
