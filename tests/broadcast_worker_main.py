"""Send one broadcast's outbox to its end against a Bot API: the process the SIGKILL test kills and restarts.

python -m tests.broadcast_worker_main --db PATH --base-url URL --broadcast ID
    [--rate R] [--concurrency N] [--lease S]
Prints the final counts as JSON on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.broadcasts.worker import Worker
from bot.channels.telegram.staff import telegram_send
from bot.clock import SystemClock
from storage import broadcasts, connect
from tests.fakebotapi import TOKEN


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--broadcast", type=int, required=True)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--lease", type=float, default=120.0)
    args = parser.parse_args(argv)
    db = await connect(args.db)
    request = HTTPXRequest(connection_pool_size=args.concurrency + 2)
    bot = Bot(args.token, base_url=args.base_url, request=request)
    try:
        item = await broadcasts.get(db, args.broadcast)
        if item is None or item.text is None:
            return 1
        async with bot:
            worker = Worker(
                db,
                telegram_send(bot),
                SystemClock(),
                rate=args.rate,
                concurrency=args.concurrency,
                lease=args.lease,
            )
            final = await worker.run(item.id, item.text)
        print(json.dumps({"sent": final.sent, "blocked": final.blocked, "failed": final.failed}))
    finally:
        await db.close()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(sys.argv[1:])))
