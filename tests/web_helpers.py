"""Shared pieces for the web door tests: an app on a temp database, a client, the page's CSRF token."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.channels.web.app import BroadcastScheduler, WebDoor, create_app
from bot.channels.web.config import WebSettings
from bot.clock import FixedClock
from bot.domain.content import Content
from bot.settings import Settings

with warnings.catch_warnings():
    # Starlette suggests another HTTP client package for its TestClient; httpx is what we have.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Ticks:
    """A monotonic clock for the rate limits that moves only when a test says so."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@contextmanager
def web_client(
    content: Content,
    clock: FixedClock,
    database: str | Path,
    web: WebSettings | None = None,
    settings: Settings | None = None,
    ticks: Ticks | None = None,
    scheduler: BroadcastScheduler | None = None,
) -> Iterator[TestClient]:
    """A client whose requests run the whole app (lifespan included) in this thread's portal;
    `database` is a `database_target` (an SQLite path or a PostgreSQL URL)."""
    app = create_app(
        settings or Settings(database_url=str(database)),
        web or WebSettings(),
        content,
        clock=clock,
        ticks=ticks or Ticks(),
        scheduler=scheduler,
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def door(client: TestClient) -> WebDoor:
    found = client.app.state.door  # type: ignore[attr-defined]
    assert isinstance(found, WebDoor)
    return found


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


Entries = list[dict[str, Any]]


def send(
    client: TestClient, csrf: str, *, text: str | None = None, button: str | None = None, lang: str = ""
) -> Entries:
    """Post one message as the script does (from a page shown in `lang`) and return the new entries."""
    data = {"csrf": csrf, "lang": lang}
    if text is not None:
        data["text"] = text
    if button is not None:
        data["button"] = button
    response = client.post("/chat/gliwice", data=data, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    entries: Entries = response.json()["entries"]
    return entries


def bot_text(entries: Entries) -> str:
    return "\n".join(e["text"] for e in entries if e["author"] != "user")
