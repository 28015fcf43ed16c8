"""The Telegram webhook served by the web door's app: the secret header or 403, updates queued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.channels.web.app import create_app
from bot.channels.web.config import WebSettings
from bot.channels.web.serve import webhook_route
from bot.clock import FixedClock
from bot.domain.content import Content
from bot.settings import Settings
from tests.web_helpers import TestClient

SECRET = "s" * 40
PATH = "/telegram/hook"


def test_the_webhook_needs_the_secret_and_queues_the_update(
    content: Content, clock: FixedClock, db_path: Path
) -> None:
    queued: list[Any] = []

    async def put(data: Any) -> None:
        queued.append(data)

    app = create_app(
        Settings(database=db_path),
        WebSettings(),
        content,
        clock=clock,
        extra_routes=[webhook_route(PATH, SECRET, put)],
        roomy_paths=(PATH,),
    )
    with TestClient(app) as client:
        assert client.post(PATH, json={"update_id": 1}).status_code == 403
        wrong = {"x-telegram-bot-api-secret-token": "x" * 40}
        assert client.post(PATH, json={"update_id": 1}, headers=wrong).status_code == 403
        right = {"x-telegram-bot-api-secret-token": SECRET}
        assert client.post(PATH, content=b"not json", headers=right).status_code == 400
        long_text = {"update_id": 2, "message": {"text": "ż" * 10_000}}  # larger than any chat form
        assert client.post(PATH, json=long_text, headers=right).status_code == 200
        assert client.post("/chat/gliwice", json=long_text).status_code == 413  # elsewhere: 16 KB
    assert queued == [long_text]
