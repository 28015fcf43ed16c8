"""One of several bot processes on one PostgreSQL, for the fleet test (tests/test_processes.py).

python -m tests.fleet_process_main BASE_URL   (settings from the environment: DATABASE_URL, ...)

FLEET_CLOCK_OFFSET_SECONDS shifts the engine's clock (the reminders' "now"), so the test's reminders
are due outside the quiet hours whatever the real time; the rate limits and leases of the broadcast
worker run on the real clock, like in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime, timedelta

from bot.channels.telegram import ALLOWED_UPDATES, build_application
from bot.domain.loader import load_content
from bot.settings import Settings


class OffsetClock:
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    settings = Settings.from_env()
    offset = timedelta(seconds=float(os.environ.get("FLEET_CLOCK_OFFSET_SECONDS", "0")))
    application = build_application(
        settings, load_content(settings.content_dir), clock=OffsetClock(offset), base_url=sys.argv[1]
    )
    asyncio.set_event_loop(asyncio.new_event_loop())
    application.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0, timeout=1)
