"""Broadcast throughput against a fake Bot API that enforces Telegram's limit (30 messages/s).

N recipients (default 10,000) are written to the outbox of one broadcast in a temporary SQLite file;
the real worker (bot/broadcast.py) sends them through a real `telegram.Bot` over HTTP to the fake
Bot API on 127.0.0.1, which answers 429 with `retry_after` to any sendMessage beyond `--limit` in
the last second. Reported: achieved rate as a fraction of the limit (goal >= 0.95), lost recipients
(goal 0), duplicates (goal 0 without a crash), and how many 429s the worker caused.

Run: .venv/bin/python bench/broadcast.py [--recipients N] [--limit 30] [--rate R] [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.broadcast import Worker
from bot.channels.telegram_staff import telegram_send
from bot.clock import SystemClock
from storage import broadcasts, users
from storage.open import open_database
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer

FIRST_ID = 1_000_000


class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API with Telegram's flood limit: at most `limit` sendMessage per rolling second."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.accepted: deque[float] = deque()
        self.refused = 0

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method.lower() == "sendmessage":
            now = time.monotonic()
            while self.accepted and self.accepted[0] <= now - 1.0:
                self.accepted.popleft()
            if len(self.accepted) >= self.limit:
                self.refused += 1
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
                return self._record(method, params, 429, body)
            self.accepted.append(now)
        return super().call(method, params)


async def run(
    recipients: int, limit: int, rate: float, concurrency: int, database_url: str | None = None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        # A PostgreSQL URL must name an empty database of its own: the bench fills it with users.
        db = await open_database(database_url, Path(folder) / "bench.sqlite3")
        now = datetime.now(UTC)
        ids = [str(FIRST_ID + i) for i in range(recipients)]
        await users.add_users(db, "telegram", ids, "gliwice", "pl", now)
        started = time.perf_counter()
        bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", now)
        await broadcasts.set_text(db, bid, "Jutro brak wody w budynku przy Lompy 10 od 8:00 do 14:00.")
        assert await broadcasts.confirm(db, bid, now) == recipients
        outbox_s = time.perf_counter() - started
        api = LimitedBotAPI(limit)
        async with FakeBotAPIServer(api) as server:
            bot = Bot(
                TOKEN, base_url=server.base_url, request=HTTPXRequest(connection_pool_size=concurrency + 2)
            )
            async with bot:
                worker = Worker(db, telegram_send(bot), SystemClock(), rate=rate, concurrency=concurrency)
                started = time.perf_counter()
                final = await worker.run(bid, "Jutro brak wody w budynku przy Lompy 10 od 8:00 do 14:00.")
                elapsed = time.perf_counter() - started
        await db.close()
    delivered = Counter(c.chat_id for c in api.calls_to("sendMessage", ok=True))
    expected = set(range(FIRST_ID, FIRST_ID + recipients))
    return {
        "recipients": recipients,
        "outbox_s": outbox_s,
        "seconds": elapsed,
        "rate": sum(delivered.values()) / elapsed,
        "fraction": sum(delivered.values()) / elapsed / limit,
        "lost": len(expected - set(delivered)),
        "duplicates": sum(delivered.values()) - len(delivered),
        "refused": api.refused,
        "failed": final.failed,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=30, help="messages per second the fake allows")
    parser.add_argument("--rate", type=float, default=29.5, help="the worker's rate (BROADCAST_RATE)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database to run on (default: a temporary SQLite file)"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.recipients, args.limit, args.rate, args.concurrency, args.database_url))
    print(
        f"broadcast: {args.recipients} recipients, fake Bot API limit {args.limit}/s,"
        f" worker rate {args.rate}/s"
    )
    print(
        f"{'recipients':>10} {'outbox s':>9} {'send s':>8} {'msg/s':>7} {'of limit':>9} {'lost':>5} "
        f"{'dupl.':>6} {'429s':>5} {'failed':>7}"
    )
    print(
        f"{result['recipients']:>10.0f} {result['outbox_s']:>9.2f} {result['seconds']:>8.1f}"
        f" {result['rate']:>7.2f} {result['fraction']:>9.3f} {result['lost']:>5.0f}"
        f" {result['duplicates']:>6.0f} {result['refused']:>5.0f} "
        f"{result['failed']:>7.0f}"
    )
    ok = result["fraction"] >= 0.95 and result["lost"] == 0 and result["duplicates"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
