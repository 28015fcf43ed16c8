"""Several bot processes on one database: who is the scheduler, and per-user order across processes.

`join_processes` (post_init, once the database is open) starts the scheduler election
(storage/leader.py) and gives the per-user order its cross-process locks (storage/user_locks.py);
`leave_processes` (post_shutdown, before the database closes) gives both up. With SQLite the
process is always the leader and the in-process order is the whole order, so nothing changes.
The reminder tick and the broadcast sweep ask `leading` at every run: a follower's jobs keep
running and do nothing until the leader dies and this process takes over.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from telegram.ext import Application

from bot import callbacks
from bot.channels.telegram.order import PerUserOrder
from bot.settings import Settings
from storage.database import Database
from storage.leader import Leader, open_leader, scheduler_key
from storage.user_locks import open_user_locks

LEADER_KEY: Final = "leader"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


async def join_processes(application: AnyApp, db: Database, settings: Settings) -> Leader:
    def run_jobs_now() -> None:  # a new leader does not wait up to a minute for its first tick
        queue = application.job_queue
        if queue is None:
            return
        for name in (callbacks.JOB_REMINDER_TICK, callbacks.JOB_BROADCAST_SWEEP):
            for job in queue.get_jobs_by_name(name):
                job.job.modify(next_run_time=datetime.now(UTC))

    # One election per bot: each bot's jobs send with its own token (issue 15).
    key = scheduler_key(settings.bot.name if settings.bot is not None else None)
    leader = open_leader(db, retry=settings.leader_retry_seconds, on_lead=run_jobs_now, key=key)
    await leader.start()
    application.bot_data[LEADER_KEY] = leader
    order = application.update_processor
    if isinstance(order, PerUserOrder):
        order.across = open_user_locks(db)
    return leader


async def leave_processes(application: AnyApp) -> None:
    leader = application.bot_data.pop(LEADER_KEY, None)
    if leader is not None:
        await leader.close()
    order = application.update_processor
    if isinstance(order, PerUserOrder):
        await order.across.close()


def leading(bot_data: Mapping[str, Any]) -> bool:
    """Whether this process runs the scheduler's jobs now (True where no election was started)."""
    leader = bot_data.get(LEADER_KEY)
    return True if leader is None else bool(leader.leading)
