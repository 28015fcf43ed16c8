"""Two bot processes sending on one bot token through the budget they share on PostgreSQL (issue 15).

The parent runs the fake Bot API of bench/broadcast.py (429 beyond `--limit` sendMessage in any
rolling second, `--latency-ms` of round trip) and starts `--processes` child processes; each sends
`--messages` broadcast messages to chats of its own through PTB's ExtBot and the door's rate
limiter (`outgoing_limiter`: a SharedBudget on the database, TELEGRAM_RATE 29 for the token in
all). Reported: the combined rate at the fake against the budget's limit, the most accepted in any
rolling second, 429s, and what the leases left unused. `--local` gives each process a budget of
its own instead (what happened before: each process sends at the full rate, so together double).

PostgreSQL: `--database-url` (an empty database of its own), else a throwaway cluster (tests/pg.py).

Run: .venv/bin/python bench/budget.py [--processes 2] [--messages 450] [--local]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from broadcast import LimitedBotAPI  # the fake with Telegram's flood limit
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.channels.telegram.outgoing import limit_args, outgoing_limiter
from bot.outgoing import Priority
from bot.outgoing_shared import SharedBudget
from bot.settings import Settings
from storage.postgres import PostgresDatabase
from tests.fakebotapi import TOKEN, FakeBotAPIServer

TEXT = "Jutro brak wody w budynku przy Lompy 10 od 8:00 do 14:00."
IN_FLIGHT = 16  # sends waiting in each process's budget at once (the broadcast worker's places)


async def child(
    index: int, url: str, base_url: str, messages: int, rate: float, local: bool
) -> dict[str, Any]:
    """One process: `messages` bulk sends to chats of its own, IN_FLIGHT at a time."""
    settings = Settings(telegram_token=TOKEN, database_url=None if local else url, telegram_rate=rate)
    limiter = outgoing_limiter(settings)
    request = HTTPXRequest(connection_pool_size=IN_FLIGHT + 2)
    bot: ExtBot[Any] = ExtBot(TOKEN, base_url=base_url, rate_limiter=limiter, request=request)
    chats = iter(range(10_000_000 * (index + 1), 10_000_000 * (index + 1) + messages))
    async with bot:
        started = time.perf_counter()

        gave_up = 0

        async def sender() -> None:
            nonlocal gave_up
            for chat in chats:
                try:
                    await bot.send_message(chat, TEXT, **limit_args(bot, Priority.BULK))
                except RetryAfter:  # still refused after the budget's retries (no shared budget)
                    gave_up += 1

        await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
        elapsed = time.perf_counter() - started
        budget = limiter.budget
        leased = budget.leased if isinstance(budget, SharedBudget) else 0
        unused = budget.unused if isinstance(budget, SharedBudget) else 0
    return {
        "sent": messages - gave_up,
        "seconds": elapsed,
        "leased": leased,
        "unused": unused,
        "gave_up": gave_up,
    }


async def parent(args: argparse.Namespace, url: str) -> dict[str, Any]:
    db = await PostgresDatabase.open(url, max_size=1)  # migrated once before the children start
    await db.close()
    api = LimitedBotAPI(args.limit, args.latency_ms / 1000)
    async with FakeBotAPIServer(api) as server:
        command = [sys.executable, __file__, "--child", url, server.base_url]
        options = [str(args.messages), str(args.rate), "1" if args.local else "0"]
        procs = [
            await asyncio.create_subprocess_exec(*command, str(i), *options, stdout=asyncio.subprocess.PIPE)
            for i in range(args.processes)
        ]
        outputs = await asyncio.gather(*(p.communicate() for p in procs))
    children = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    stamps = sorted(at for at, _ in api.delivered)
    window = stamps[-1] - stamps[0]
    busiest = max(sum(1 for s in stamps[i:] if s < at + 1.0) for i, at in enumerate(stamps))
    return {
        "accepted": len(stamps),
        "rate": len(stamps) / window,
        "busiest": busiest,
        "refused": api.refused,
        "leased": sum(c["leased"] for c in children),
        "unused": sum(c["unused"] for c in children),
        "gave_up": sum(c["gave_up"] for c in children),
        "per_process": [round(c["sent"] / c["seconds"], 2) for c in children],
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        url, base_url, index, messages, rate, local = argv[1:7]
        result = asyncio.run(child(int(index), url, base_url, int(messages), float(rate), local == "1"))
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--messages", type=int, default=450, help="per process")
    parser.add_argument("--limit", type=int, default=30, help="sendMessage per rolling second at the fake")
    parser.add_argument("--rate", type=float, default=29.0, help="TELEGRAM_RATE: the token's budget")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--local", action="store_true", help="a budget per process (no sharing)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    args = parser.parse_args(argv)
    cluster = None
    url = args.database_url
    if url is None:
        from tests.pg import start_cluster

        cluster = start_cluster()
        asyncio.run(_create(cluster.url("postgres"), "budget_bench"))
        url = cluster.url("budget_bench")
    try:
        r = asyncio.run(parent(args, url))
    finally:
        if cluster is not None:
            cluster.stop()
    kind = "a budget per process" if args.local else "one budget shared on PostgreSQL"
    print(
        f"{args.processes} processes x {args.messages} messages on one token, {kind};"
        f" TELEGRAM_RATE {args.rate:g}, fake limit {args.limit}/s, round trip {args.latency_ms:g} ms"
    )
    print(
        f"{'accepted':>8} {'msg/s':>6} {'of rate':>7} {'busiest s':>9} {'429s':>5}"
        f" {'leased':>6} {'unused':>6} {'gave up':>7}  per process msg/s"
    )
    print(
        f"{r['accepted']:>8} {r['rate']:>6.2f} {r['rate'] / args.rate:>7.1%} {r['busiest']:>9}"
        f" {r['refused']:>5} {r['leased']:>6} {r['unused']:>6} {r['gave_up']:>7}  {r['per_process']}"
    )
    return 0 if r["rate"] <= args.rate * 1.02 and r["refused"] == 0 else 1


async def _create(admin_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
