"""The whole bot as a process against a fake Bot API, for the fault tests (start-up outage, SIGTERM).

python -m tests.bot_process_main BASE_URL   (settings from the environment, like `python -m bot run`)
"""

from __future__ import annotations

import logging
import sys

from bot.channels.telegram.run import run_telegram
from bot.domain.loader import load_content
from bot.settings import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    sys.exit(
        run_telegram(settings, load_content(settings.content_dir), base_url=sys.argv[1], boot_first=0.05)
    )
