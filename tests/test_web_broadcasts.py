"""Broadcasts from the staff panel: audiences with counts, a preview, send now or later (the
outbox is written and the bot's job started), progress, and the same audit as in Telegram."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.domain.content import Content
from bot.settings import Settings
from storage import audit, broadcasts, users
from tests.test_web_panel import MEMBER, add_member, log_in, run
from tests.web_helpers import TestClient, csrf_of, door, web_client


@pytest.fixture
def started() -> list[tuple[int, float]]:
    return []


@pytest.fixture
def client(
    content: Content, clock: FixedClock, database_target: str, started: list[tuple[int, float]]
) -> Iterator[TestClient]:
    def schedule(bid: int, delay: float) -> None:
        started.append((bid, delay))

    settings = Settings(database_url=database_target)
    with web_client(content, clock, database_target, settings=settings, scheduler=schedule) as found:
        run(found, add_member, MEMBER, "gliwice")
        ids = [str(1000 + n) for n in range(7)]
        run(found, users.add_users, "telegram", ids, "gliwice", "pl", clock.now())
        run(found, users.add_users, "telegram", ["2000"], "wodzislaw", "pl", clock.now())
        log_in(found, MEMBER)
        yield found


def draft(client: TestClient, text: str) -> int:
    page = client.get("/staff/broadcasts").text
    assert "(Odbiorcy: 7)" in page  # the centre's seven Telegram users, not the other centre's one
    made = client.post("/staff/broadcasts", data={"csrf": csrf_of(page), "audience": "all", "text": text})
    assert made.status_code == 200
    return int(str(made.url).rsplit("/", 1)[1])


def test_preview_then_send_now(client: TestClient, started: list[tuple[int, float]]) -> None:
    bid = draft(client, "Jutro <b>zebranie</b> o 10:00.")
    page = client.get(f"/staff/broadcasts/{bid}").text
    assert "Jutro &lt;b&gt;zebranie&lt;/b&gt; o 10:00." in page and "Odbiorcy: 7" in page
    sent = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": csrf_of(page), "action": "now"})
    assert sent.status_code == 200 and 'id="broadcast-progress"' in sent.text
    assert started == [(bid, 0.0)]
    counts = run(client, broadcasts.counts, bid)
    assert counts.total == 7 and counts.pending == 7
    assert client.get(f"/staff/broadcasts/{bid}/progress").json() == {
        "status": "sending", "total": 7, "done": 0, "sent": 0, "blocked": 0, "failed": 0
    }
    actions = [(e.action, e.target) for e in run(client, audit.entries, MEMBER)]
    assert ("broadcast_send", f"{bid}:7") in actions
    again = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": csrf_of(page), "action": "now"})
    assert again.status_code == 200 and started == [(bid, 0.0)]  # pressed twice: sent once


def test_send_later_at_a_warsaw_time(client: TestClient, started: list[tuple[int, float]]) -> None:
    bid = draft(client, "Przypomnienie")
    page = client.get(f"/staff/broadcasts/{bid}").text
    # PINNED is Tuesday 10:15 in Warsaw; 12:15 the same day is two hours later.
    form = {"csrf": csrf_of(page), "action": "later", "send_at": "2026-11-24T12:15"}
    client.post(f"/staff/broadcasts/{bid}/send", data=form)
    item = run(client, broadcasts.get, bid)
    assert item.status == "scheduled" and started == [(bid, timedelta(hours=2).total_seconds())]


def test_cancel_and_bad_input(client: TestClient) -> None:
    page = client.get("/staff/broadcasts").text
    form = {"csrf": csrf_of(page), "audience": "flat:nowhere", "text": "x"}
    refused = client.post("/staff/broadcasts", data=form)
    assert refused.status_code == 400
    bid = draft(client, "Do anulowania")
    page = client.get(f"/staff/broadcasts/{bid}").text
    client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": csrf_of(page), "action": "cancel"})
    assert run(client, broadcasts.get, bid).status == "cancelled"
    forged = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": "forged", "action": "now"})
    assert forged.status_code == 403
    assert door(client).scheduler is not None
