"""Broadcast throughput against a fake Bot API that enforces Telegram's limit (30 messages/s).

N recipients (default 10,000) are written to the outbox of one broadcast in a temporary SQLite file;
the real worker (bot/broadcasts/worker.py) sends them through a real `telegram.Bot` over HTTP to the fake
Bot API on 127.0.0.1, which answers 429 with `retry_after` to any sendMessage beyond `--limit` in
the last second. Reported: achieved rate as a fraction of the limit (goal >= 0.95), lost recipients
(goal 0), duplicates (goal 0 without a crash), and how many 429s the worker caused.

With `--questions Q` (issue 12): the whole Telegram door (`build_application`, long polling over
HTTP) answers questions from new users arriving at Q per second while the same process sends a
2,000-recipient broadcast through the token's one outgoing budget (bot/outgoing.py), the fake adding
`--latency-ms` of round trip to every call. Reported: reply latency p50/p95 from the question being
queued at the fake to the first answer arriving there (goal p95 <= 1 s), and the broadcast's rate
against what the replies leave of the limit (goal >= 0.9 x (limit - replies' messages/s), with the
fake's limit 30; the bot's budget runs at TELEGRAM_RATE 29, so 'left' is 29 - replies' messages/s and
the goal asks for 0.9 x 20 / 19 = 95% of it at 10 replies/s).

Run: .venv/bin/python bench/broadcast.py [--recipients N] [--limit 30] [--rate R] [--concurrency N]
     .venv/bin/python bench/broadcast.py --questions 10 [--recipients 2000] [--latency-ms 30]
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

from bot.broadcasts.worker import Worker
from bot.channels.telegram.staff import telegram_send
from bot.clock import SystemClock
from bot.domain.content import Content
from bot.outgoing import Budget, Priority
from storage import broadcasts, connect, users
from storage.open import open_database
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer

FIRST_ID = 1_000_000


class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API with Telegram's flood limit: at most `limit` sendMessage per rolling second;
    each request takes `latency` seconds of round trip (half before it is handled, half after)."""

    def __init__(self, limit: int, latency: float = 0.0) -> None:
        super().__init__()
        self.limit, self.latency = limit, latency
        self.accepted: deque[float] = deque()
        self.refused = 0
        self.delivered: list[tuple[float, int]] = []  # (perf_counter, chat) of every accepted sendMessage

    async def dispatch(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        answer = await super().dispatch(path, params)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        return answer

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
            status, body = super().call(method, params)
            if status == 200:
                self.delivered.append((time.perf_counter(), int(params["chat_id"])))
            return status, body
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


QUESTIONS = [
    "godziny otwarcia",
    "Jak złożyć wniosek o mieszkanie treningowe?",
    "Czy można mieć psa w mieszkaniu?",
    "Gdzie jest ośrodek?",
]
QUESTIONER = 5_000_000  # Telegram ids of the people asking
ASKERS = 200
TEXT = "Jutro brak wody w budynku przy Lompy 10 od 8:00 do 14:00."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def run_with_questions(
    content: Content, recipients: int, limit: int, per_second: float, latency: float, concurrency: int
) -> dict[str, float]:
    """The door answering `per_second` questions during one broadcast, both on one outgoing budget."""
    from bot.channels.telegram import ALLOWED_UPDATES, build_application, lifespan, staff_config_of
    from bot.channels.telegram.outgoing import outgoing_limiter
    from bot.settings import Settings
    from tests.fakebotapi import TgUser

    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        db = await connect(database)
        now = datetime.now(UTC)
        await users.add_users(
            db, "telegram", [str(FIRST_ID + i) for i in range(recipients)], "gliwice", "pl", now
        )
        bid = await broadcasts.create_draft(db, "gliwice", "all", 1, "pl", now)
        await broadcasts.set_text(db, bid, TEXT)
        assert await broadcasts.confirm(db, bid, now) == recipients
        # People who chose their centre before (so not recipients: the outbox is already written);
        # each asks every `ASKERS / per_second` seconds. Known users keep the question path read-mostly:
        # many new users at once trip the door's shared connection (issue 12, point 3), not the budget.
        askers = [QUESTIONER + i for i in range(ASKERS)]
        await users.add_users(db, "telegram", [str(who) for who in askers], "gliwice", "pl", now)
        await db.close()
        api = LimitedBotAPI(limit, latency)
        settings = Settings(
            telegram_token=TOKEN,
            database=database,
            default_centre="gliwice",
            broadcast_concurrency=concurrency,
        )
        limiter = outgoing_limiter(settings)  # the door's own, timed
        timed = TimedBudget(limiter.budget)
        limiter.budget = timed
        asked: list[tuple[int, float]] = []  # (chat, when the question was queued)
        async with FakeBotAPIServer(api) as server:
            app = build_application(settings, content, base_url=server.base_url, rate_limiter=limiter)
            # post_init resumes the 'sending' broadcast in the JobQueue: the production path
            async with lifespan(app):
                assert app.updater is not None
                await app.start()
                await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
                config = staff_config_of(app)
                started, n = time.perf_counter(), 0
                while bid not in config.finished:  # a question every 1/per_second s, the askers in turn
                    person = TgUser(askers[n % ASKERS], f"Q{n}", "pl")
                    asked.append((person.id, time.perf_counter()))
                    api.says(person, QUESTIONS[n % len(QUESTIONS)])
                    n += 1
                    await asyncio.sleep(max(0.0, started + n / per_second - time.perf_counter()))
                final = config.finished[bid]
                await api.wait_for(lambda: len(answers(api, asked)) >= len(asked), within=30)
                await app.updater.stop()
                await app.stop()
    recipient_ids = range(FIRST_ID, FIRST_ID + recipients)
    bulk = [at for at, chat in api.delivered if chat in recipient_ids]
    first, last = min(bulk), max(bulk)
    window = last - first
    replies = [(at, chat) for at, chat in api.delivered if chat >= QUESTIONER]
    share = sum(1 for at, _ in replies if first <= at <= last) / window
    latency_s = answers(api, asked)
    delivered = Counter(chat for _, chat in api.delivered if chat in recipient_ids)
    waits = timed.waits[Priority.REPLY]
    return {
        "recipients": recipients,
        "questions": len(asked),
        "p50": percentile(latency_s, 0.5),
        "p95": percentile(latency_s, 0.95),
        "max": max(latency_s),
        "budget_p50": percentile(waits, 0.5),
        "budget_p95": percentile(waits, 0.95),
        "bulk_wait_p50": percentile(timed.waits[Priority.BULK], 0.5),
        "share": share,
        "bulk_rate": len(bulk) / window,
        "target": 0.9 * (limit - share),
        # What the token's budget leaves: it runs at TELEGRAM_RATE (29), not the fake's limit (30).
        "left": settings.telegram_rate - share,
        "lost": recipients - len(delivered),
        "duplicates": sum(delivered.values()) - len(delivered),
        "refused": api.refused,
        "failed": final.failed,
    }


class TimedBudget:
    """A Budget that notes how long each acquisition waited, by class (the outgoing share of latency)."""

    def __init__(self, inner: Budget) -> None:
        self.inner = inner
        self.waits: dict[Priority, list[float]] = {p: [] for p in Priority}

    async def acquire(self, chat: int | None, priority: Priority, stop: asyncio.Event | None = None) -> None:
        started = time.perf_counter()
        await self.inner.acquire(chat, priority, stop)
        self.waits[priority].append(time.perf_counter() - started)

    def pause(self, seconds: float) -> None:
        self.inner.pause(seconds)


def answers(api: LimitedBotAPI, asked: list[tuple[int, float]]) -> list[float]:
    """Seconds from each question to the first message to its chat after it (one asker asks again
    only long after the answer came)."""
    after: dict[int, list[float]] = {}
    for at, chat in api.delivered:
        after.setdefault(chat, []).append(at)
    found = []
    for chat, when in asked:
        later = [at for at in after.get(chat, []) if at >= when]
        if later:
            found.append(min(later) - when)
    return found


def main_questions(args: argparse.Namespace) -> int:
    recipients = 2_000 if args.recipients is None else args.recipients
    latency = 0.030 if args.latency_ms is None else args.latency_ms / 1000
    from bot.domain.loader import load_content

    content = load_content(Path(__file__).resolve().parent.parent / "content")
    r = asyncio.run(
        run_with_questions(content, recipients, args.limit, args.questions, latency, args.concurrency)
    )
    print(
        f"broadcast to {recipients} with {args.questions:g} questions/s, fake Bot API limit {args.limit}/s,"
        f" round trip {latency * 1000:.0f} ms"
    )
    print(
        f"{'questions':>9} {'reply p50':>9} {'p95':>6} {'max':>6} {'in budget p50':>13} {'p95':>6}"
        f" {'replies/s':>9} {'bulk/s':>7} {'bulk wait':>9}"
        f" {'goal':>6} {'left':>6} {'lost':>5} {'dupl.':>6} {'429s':>5}"
    )
    print(
        f"{r['questions']:>9.0f} {r['p50']:>8.3f}s {r['p95']:>5.3f}s {r['max']:>5.2f}s"
        f" {r['budget_p50']:>12.3f}s {r['budget_p95']:>5.3f}s {r['share']:>9.2f}"
        f" {r['bulk_rate']:>7.2f} {r['bulk_wait_p50']:>8.3f}s"
        f" {r['target']:>6.2f} {r['left']:>6.2f} {r['lost']:>5.0f} {r['duplicates']:>6.0f}"
        f" {r['refused']:>5.0f}"
    )
    print(
        f"goal = 0.9 x ({args.limit} - {r['share']:.2f}) = {r['target']:.2f} msg/s; the budget (TELEGRAM_RATE"
        f" {r['left'] + r['share']:g}) leaves {r['left']:.2f}: the broadcast used"
        f" {r['bulk_rate'] / r['left']:.1%} of it, {r['bulk_rate'] / r['target']:.1%} of the goal"
    )
    ok = r["p95"] <= 1.0 and r["bulk_rate"] >= r["target"] and r["lost"] == 0 and r["duplicates"] == 0
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=None, help="default 10,000; 2,000 with --questions")
    parser.add_argument("--limit", type=int, default=30, help="messages per second the fake allows")
    parser.add_argument("--rate", type=float, default=29.5, help="the worker's rate (BROADCAST_RATE)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--questions", type=float, default=0.0, help="questions/s during the broadcast")
    parser.add_argument("--latency-ms", type=float, default=None, help="with --questions; default 30")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (not with --questions; default: temp SQLite)"
    )
    args = parser.parse_args(argv)
    if args.questions > 0:
        return main_questions(args)
    args.recipients = 10_000 if args.recipients is None else args.recipients
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
