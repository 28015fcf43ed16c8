"""Telegram door throughput: updates per second and p50/p99 handling time through `process_update`.

A mix of menu presses and free-text questions (pl, uk, en) from many users goes through the real
Application (handlers, dialogue, SQLite on disk in a temp folder) with an in-process fake Bot API
(tests/fakebotapi.py), so no network is involved. AIORateLimiter is built with its throttling
switched off (rates 0, retries kept): with Telegram's 30 messages/s it would measure the limiter,
not the bot.

Table 1 times each `Application.process_update` call one after another (pure handling cost).
Table 2 feeds the same mix through the update queue, as polling does, with a simulated Bot API
round trip, comparing one-at-a-time processing with the door's per-user-ordered concurrency.

Run: .venv/bin/python bench/updates.py [--updates N] [--users N] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramApp
    from tests.fakebotapi import FakeBotAPI, TgUser

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATE = 1_000.0  # updates/s
GOAL_P99_MS = 10.0

MENU_PRESSES = ["m:hours", "m:flats", "m:main", "m:rules", "m:apply", "m:law", "g:mental_disorders", "m:main"]
QUESTIONS = {
    "pl": [
        "Który adres ma mieszkanie dla osób z zaburzeniami psychicznymi?",
        "godziny otwarcia",
        "Jak złożyć wniosek o mieszkanie treningowe?",
        "Czy można mieć psa w mieszkaniu?",
    ],
    "uk": ["Години роботи", "Як подати заяву на житло?"],
    "en": [
        "What are the office hours?",
        "Where is the flat for people with mental disorders?",
        "How do I apply for a training flat?",
    ],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(api: FakeBotAPI, database: Path, latency: float = 0.0, concurrency: int = 64) -> TelegramApp:
    from telegram.ext import AIORateLimiter

    from bot.channels.telegram import build_application
    from bot.clock import WARSAW, FixedClock
    from bot.domain.loader import load_content
    from bot.settings import Settings
    from tests.fakebotapi import TOKEN, RecordingRequest

    limiter = AIORateLimiter(
        overall_max_rate=0, overall_time_period=0, group_max_rate=0, group_time_period=0, max_retries=3
    )
    return build_application(
        Settings(telegram_token=TOKEN, database=database),
        load_content(ROOT / "content"),
        clock=FixedClock(datetime(2026, 11, 23, 10, tzinfo=WARSAW)),
        request=RecordingRequest(api, latency=latency),
        rate_limiter=limiter,
        max_concurrent_updates=concurrency,
    )


def people(n_users: int) -> list[TgUser]:
    from tests.fakebotapi import TgUser

    langs = list(QUESTIONS)
    return [TgUser(10_000 + i, f"U{i}", langs[i % len(langs)]) for i in range(n_users)]


def traffic(
    api: FakeBotAPI, users: list[TgUser], count: int, last_message: dict[int, dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, update JSON): every other update a menu press on the user's latest menu, else a question."""
    presses = itertools.cycle(MENU_PRESSES)
    questions = {lang: itertools.cycle(texts) for lang, texts in QUESTIONS.items()}
    for i in range(count):
        person = users[i % len(users)]
        if i % 2 == 0:
            yield "menu press", api.callback_update(person, next(presses), last_message.get(person.id))
        else:
            lang = person.language_code or "pl"
            yield f"question ({lang})", api.message_update(person, next(questions[lang]))


async def timed(n_updates: int, n_users: int, warmup: int) -> dict[str, list[float]]:
    """Table 1: each update through process_update, one after another."""
    from telegram import Update

    from bot.channels.telegram import lifespan
    from tests.fakebotapi import FakeBotAPI

    api = FakeBotAPI()
    users = people(n_users)
    last_message: dict[int, dict[str, Any]] = {}
    timings: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        app = build(api, Path(folder) / "bench.sqlite3")
        async with lifespan(app):

            async def one(kind: str, update_json: dict[str, Any]) -> None:
                update = Update.de_json(update_json, app.bot)
                before = len(api.calls)
                start = time.perf_counter()
                await app.process_update(update)
                timings[kind].append(time.perf_counter() - start)
                for call in api.calls[before:]:
                    if call.ok and call.method == "sendMessage":
                        last_message[call.params["chat_id"]] = call.response["result"]
                if len(api.calls) > 10_000:  # keep the fake's memory flat; nothing reads old calls
                    api.calls.clear()
                    keep = {(m["chat"]["id"], m["message_id"]) for m in last_message.values()}
                    api.messages = {key: api.messages[key] for key in keep}

            for person in users:  # everyone has chosen a centre; their language comes from Telegram
                await one("setup", api.message_update(person, "/start gliwice"))
            for i, (kind, update) in enumerate(traffic(api, users, warmup + n_updates, last_message)):
                if i == warmup:
                    timings.clear()
                    gc.collect()
                await one(kind if i >= warmup else "warmup", update)
    assert not api.unexpected, api.unexpected
    return timings


async def queued(n_updates: int, n_users: int, latency: float, concurrency: int) -> float:
    """Table 2: updates/s through the update queue (as polling feeds it) with a Bot API round trip."""
    from telegram import Update
    from telegram.ext import TypeHandler

    from bot.channels.telegram import lifespan
    from tests.fakebotapi import FakeBotAPI

    api = FakeBotAPI()
    users = people(n_users)
    done = asyncio.Event()
    handled = 0

    async def count(update: object, context: object) -> None:
        nonlocal handled
        handled += 1
        if handled == len(users) + n_updates:
            done.set()

    with tempfile.TemporaryDirectory() as folder:
        app = build(api, Path(folder) / "bench.sqlite3", latency, concurrency)
        app.add_handler(TypeHandler(Update, count), group=99)  # runs after the door's handlers
        async with lifespan(app):
            await app.start()
            for person in users:
                start_update = api.message_update(person, "/start gliwice")
                await app.update_queue.put(Update.de_json(start_update, app.bot))
            await api.wait_for(lambda: handled == len(users), 120)
            start = time.perf_counter()
            for _, update in traffic(api, users, n_updates, {}):
                await app.update_queue.put(Update.de_json(update, app.bot))
            await asyncio.wait_for(done.wait(), 300)
            elapsed = time.perf_counter() - start
            await app.stop()
    return n_updates / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Telegram door: updates/s and handling time")
    parser.add_argument("--updates", type=int, default=4_000)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=30.0, help="simulated Bot API round trip")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    wall = time.perf_counter()
    timings = asyncio.run(timed(args.updates, args.users, args.warmup))
    wall = time.perf_counter() - wall
    timings.pop("setup", None)
    every = [t for values in timings.values() for t in values]
    print(
        f"1. Application.process_update, one at a time: {len(every)} updates, {args.users} users, "
        f"SQLite on disk (WAL), no network"
    )
    print(f"{'kind':<16} {'updates':>8} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in [*sorted(timings.items()), ("all", every)]:
        rate = len(values) / sum(values)
        print(
            f"{kind:<16} {len(values):>8} {rate:>10.0f} {statistics.median(values) * 1000:>8.2f} "
            f"{percentile(values, 0.99) * 1000:>8.2f} {max(values) * 1000:>8.2f}"
        )
    rate = len(every) / sum(every)
    p99 = percentile(every, 0.99) * 1000
    print(f"   wall {wall:.1f} s with setup and warm-up; updates/s = updates / time inside process_update")
    print(
        f"   goal ≥ {GOAL_RATE:.0f} updates/s: {'met' if rate >= GOAL_RATE else 'NOT met'} ({rate:.0f}); "
        f"goal p99 ≤ {GOAL_P99_MS:.0f} ms: {'met' if p99 <= GOAL_P99_MS else 'NOT met'} ({p99:.2f} ms)"
    )

    latency = args.latency_ms / 1000
    n_queued = min(args.updates, 1_200)
    print(
        f"\n2. Through the update queue with a {args.latency_ms:.0f} ms Bot API round trip: "
        f"{n_queued} updates, {args.users} users"
    )
    print(f"{'processing':<34} {'updates/s':>10}")
    for label, concurrency in [("one update at a time", 1), ("per-user order, 64 at once (door)", 64)]:
        updates = n_queued if concurrency > 1 else min(n_queued, 300)
        print(f"{label:<34} {asyncio.run(queued(updates, args.users, latency, concurrency)):>10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
