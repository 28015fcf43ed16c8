"""The database at scale (issue 15): millions of users, one big audience, both engines side by side.

    python bench/scale_db.py [--users 2000000] [--audience 100000] [--engines sqlite,postgres]

Fills each engine with `--users` users spread over 2,500 centres, one of which (`big`) has
`--audience` of them, then measures what a broadcast and a message cost at that size: counting the
big audience, writing its outbox (one unit of work), finding a known user (the start of every
update) and a small centre's audience. PostgreSQL runs in a throwaway cluster from the installed
binaries (the same one the tests use); it is skipped with one line when there are none.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import broadcasts, users  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.open import open_database  # noqa: E402

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
CENTRES = 2500
BATCH = 50_000


async def fill(db: Database, total: int, audience: int) -> float:
    started = time.perf_counter()
    for first in range(0, audience, BATCH):
        ids = [str(10_000_000 + n) for n in range(first, min(audience, first + BATCH))]
        await users.add_users(db, "telegram", ids, "big", "pl", NOW)
    # The rest spread evenly over the other centres, so each of them is a small audience.
    rest, per_centre = total - audience, max(1, (total - audience) // CENTRES)
    for number in range(CENTRES):
        first = number * per_centre
        count = per_centre if number < CENTRES - 1 else rest - first
        ids = [str(100_000_000 + first + n) for n in range(max(0, count))]
        await users.add_users(db, "telegram", ids, f"c{number:04d}", "pl", NOW)
    return time.perf_counter() - started


async def timed(step: Callable[[], Awaitable[Any]], runs: int = 5) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


async def measure(target: str, total: int, audience: int) -> dict[str, float]:
    db = await open_database(target, target)
    try:
        filled = await fill(db, total, audience)
        count = await timed(lambda: broadcasts.count_audience(db, "big", "all"))
        small = await timed(lambda: broadcasts.count_audience(db, "c0007", "all"))
        known = await timed(lambda: users.get_user(db, "telegram", "10000042"), runs=200)
        bid = await broadcasts.create_draft(db, "big", "all", 1, "pl", NOW)
        await broadcasts.set_text(db, bid, "Jutro biuro jest zamknięte.")
        started = time.perf_counter()
        written = await broadcasts.confirm(db, bid, NOW)
        outbox = time.perf_counter() - started
        assert written == audience, (written, audience)
    finally:
        await db.close()
    return {"fill": filled, "count": count, "small": small, "known": known, "outbox": outbox}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2_000_000)
    parser.add_argument("--audience", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.engines:
            results["SQLite"] = await measure(str(Path(tmp) / "bot.sqlite3"), args.users, args.audience)
        if "postgres" in args.engines:
            from tests.pg import Unavailable, start_cluster

            try:
                cluster = start_cluster()
            except Unavailable as exc:
                print(exc)
            else:
                try:
                    results["PostgreSQL"] = await measure(cluster.url(), args.users, args.audience)
                finally:
                    cluster.stop()
    print(f"\n{args.users:,} users in {CENTRES} centres; one audience of {args.audience:,}\n")
    names = list(results)
    print("| step | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    small = (args.users - args.audience) // CENTRES
    rows = [
        ("fill (add_users: 50,000 a batch, then one per centre)", "fill", 1, "s"),
        (f"count the audience of {args.audience:,}", "count", 1000, "ms"),
        (f"write its outbox ({args.audience:,} rows, one unit)", "outbox", 1, "s"),
        (f"count a small centre's audience ({small:,})", "small", 1000, "ms"),
        ("find a known user (every update)", "known", 1000, "ms"),
    ]
    for label, key, scale, unit in rows:
        cells = " | ".join(f"{results[name][key] * scale:.2f} {unit}" for name in names)
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    asyncio.run(main())
