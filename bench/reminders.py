"""The reminder tick's selection cost: 100,000 residents in 2,000 flats, with 1,000 due and with none.

    python bench/reminders.py

Measures `Residents.collect` (phase 1 of a tick: the indexed query on `schedule.next_at`, recording
each due occurrence under its unique key and moving its row on, committed); sending is excluded.
A tick with nothing due must cost the same at 1,000 and at 100,000 residents (it reads the index only).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FixedClock  # noqa: E402
from bot.domain.loader import load_content  # noqa: E402
from bot.residents.service import Residents  # noqa: E402
from storage import connect  # noqa: E402
from storage._time import to_text  # noqa: E402

NOW = datetime(2027, 2, 25, 9, 0, tzinfo=UTC)  # 10:00 Warsaw
FLATS = 2_000
RUNS = 20


async def build(path: Path, residents: int, due: int) -> Residents:
    db = await connect(path)
    stamp, later, past = to_text(NOW), to_text(NOW + timedelta(days=30)), to_text(NOW - timedelta(minutes=1))
    async with db.transaction():  # one unit, as a real import would be
        await db.execute_many(
            "INSERT INTO residents (id, channel, external_id, centre, flat, lang, joined_at, updated_at)"
            " VALUES (?, 'telegram', ?, 'wodzislaw', ?, 'pl', ?, ?)",
            ((i, str(i), f"flat{i % FLATS:04d}", stamp, stamp) for i in range(1, residents + 1)),
        )
        await db.execute_many(
            "INSERT INTO schedule (resident_id, reminder, next_at, day, month)"
            " VALUES (?, 'payment', ?, ?, '2027-02')",
            (
                (i, past if i <= due else later, "2027-02-25" if i <= due else "2027-03-27")
                for i in range(1, residents + 1)
            ),
        )
    return Residents(db, load_content(ROOT / "content"), FixedClock(NOW))


async def timed(service: Residents) -> tuple[float, int]:
    started = time.perf_counter()
    collected = await service.collect(NOW)
    return time.perf_counter() - started, collected


async def main() -> None:
    rows: list[tuple[str, int, int, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for residents in (1_000, 100_000):
            service = await build(Path(folder) / f"r{residents}.sqlite3", residents, due=1_000)
            try:
                seconds, collected = await timed(service)  # the 1,000 due, recorded once
                assert collected == 1_000, collected
                rows.append(("1,000 due", residents, collected, seconds))
                idle = [(await timed(service))[0] for _ in range(RUNS)]
                rows.append(("none due (median)", residents, 0, statistics.median(idle)))
            finally:
                await service.db.close()
    print(f"{'tick selection':<20} {'residents':>10} {'recorded':>9} {'time':>10}")
    for name, residents, collected, seconds in rows:
        print(f"{name:<20} {residents:>10,} {collected:>9,} {seconds * 1000:>8.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
