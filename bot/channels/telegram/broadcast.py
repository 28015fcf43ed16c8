"""Broadcasts in Telegram: the sending job, its progress and report, and the audience names.

The wizard that prepares a broadcast is bot.channels.telegram.broadcast_flow. Rows are sent by
`bot.broadcasts.worker.Worker` in a JobQueue job on a database connection of its own, in the
scheduler process only (telegram/processes.py: always, with SQLite); its sweep resumes broadcasts
another process started or left unfinished.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import callbacks
from bot.broadcasts.audience import label as audience_label
from bot.broadcasts.wizard import parse_send_at
from bot.broadcasts.worker import Send, SendResult, Worker
from bot.channels.telegram.outgoing import budget_of, limit_args
from bot.channels.telegram.processes import leading
from bot.channels.telegram.render import escape
from bot.channels.telegram.staff_common import (
    STAFF_KEY,
    Context,
    StaffConfig,
    _door,
    staff_config,
)
from bot.clock import SystemClock
from bot.i18n import tr
from bot.outgoing import Priority
from storage import broadcasts
from storage.broadcasts import Broadcast, Counts
from storage.open import open_database, shared_by_tasks

# --- broadcasts --------------------------------------------------------------------------------

log = logging.getLogger("bot.staff")
__all__ = [
    "audience_label",
    "broadcast_job",
    "job_name",
    "parse_send_at",
    "resume_broadcasts",
    "telegram_send",
]


def progress_text(lang: str, done: int, total: int) -> str:
    return tr(lang)._("sent {done}/{total}").format(done=done, total=total)


def report_text(lang: str, counts: Counts) -> str:
    t = tr(lang)
    return "\n".join(
        [
            t._("The message has been sent."),
            t._("Delivered: {n}").format(n=counts.sent),
            t._("Blocked the bot: {n}").format(n=counts.blocked),
            t._("Failed: {n}").format(n=counts.failed),
        ]
    )


# --- the sending job ---------------------------------------------------------------------------


def job_name(bid: int) -> str:
    return f"{callbacks.JOB_BROADCAST}:{bid}"


def _jobs(context: Context, bid: int) -> tuple[Any, ...]:
    queue = context.job_queue
    return tuple(queue.get_jobs_by_name(job_name(bid))) if queue is not None else ()


def start_job(context: Context, bid: int, delay: float = 0.0) -> None:
    queue: Any = context.job_queue  # JobQueue[BotContext]; PTB's stubs leave its self-type open here
    if queue is None:
        raise RuntimeError("the JobQueue is not available")
    queue.run_once(broadcast_job, max(0.0, delay), data=bid, name=job_name(bid))


async def resume_broadcasts(application: Any) -> None:
    """post_init: the sweep that resumes and schedules broadcasts (its first run is at once)."""
    config: StaffConfig = application.bot_data[STAFF_KEY]
    queue = application.job_queue
    if queue is None:
        return
    interval = config.settings.leader_retry_seconds
    queue.run_repeating(broadcast_sweep, interval=interval, first=0, name=callbacks.JOB_BROADCAST_SWEEP)


async def broadcast_sweep(context: Context) -> None:
    """The scheduler's job (only while this process leads): every broadcast that is sending and not
    sent from here gets its worker; every scheduled one gets its job at its moment. A leader that
    takes over after a crash resumes the dead one's broadcasts this way."""
    if not leading(context.bot_data):
        return
    config, db = staff_config(context), _door(context).db
    now = config.clock.now()
    mine = own_centres(config)
    for item in await broadcasts.with_status(db, "sending", mine):
        if item.id not in config.running and not _jobs(context, item.id):
            log.info("broadcast %s is sending and no worker here sends it: resuming", item.id)
            start_job(context, item.id)
    for item in await broadcasts.with_status(db, "scheduled", mine):
        if not _jobs(context, item.id):
            start_job(context, item.id, ((item.send_at or now) - now).total_seconds())


def own_centres(config: StaffConfig) -> frozenset[str] | None:
    """The centres whose broadcasts this bot sends: a named bot's own (another bot's token could
    not reach their people); None, every centre, for the one bot of TELEGRAM_BOT_TOKEN."""
    bot = config.settings.bot
    return None if bot is None else bot.centres


def telegram_send(bot: Bot) -> Send:
    """The worker's `send`: one HTML message, the Bot API's answer as a SendResult.

    The worker took the message's BULK token before (`prepaid`); a 429 has already been retried by
    the budget, so a RetryAfter here only puts the row back for later.
    """
    bulk = limit_args(bot, Priority.BULK, prepaid=True)

    async def send(chat_id: int, text: str) -> SendResult:
        try:
            await bot.send_message(chat_id, escape(text), parse_mode=ParseMode.HTML, **bulk)
        except RetryAfter as exc:
            wait = exc.retry_after
            return SendResult(
                "retry_after", wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            )
        except Forbidden:
            return SendResult("blocked")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return SendResult("blocked")
            return SendResult("permanent")
        except (NetworkError, TelegramError):  # 5xx, timeouts, connection errors
            return SendResult("transient")
        return SendResult.sent()

    return send


async def broadcast_job(context: Context) -> None:
    """Send one broadcast to its end (JobQueue); edits the progress message, then shows the report."""
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    bid, config = job.data, staff_config(context)
    if bid in config.running or not leading(context.bot_data):  # the leader's sweep takes it up
        return
    config.running.add(bid)
    settings = config.settings
    shared = shared_by_tasks(settings.database_url, settings.database)
    db = _door(context).db if shared else await open_database(settings.database_url, settings.database)
    try:
        clock = SystemClock()  # the rate limit and backoff run on real time
        mine = own_centres(config)
        if mine is not None:  # another bot's broadcast (scheduled here by the panel): that bot sends it
            found = await broadcasts.get(db, bid)
            if found is None or found.centre not in mine:
                return
        await broadcasts.start_scheduled(db, bid, clock.now())
        item = await broadcasts.get(db, bid)
        if item is None or item.status != "sending" or item.text is None:
            return
        lang = item.lang or "pl"

        async def progress(counts: Counts) -> None:
            await show(context.bot, item, progress_text(lang, counts.done, counts.total))

        worker = Worker(
            db,
            telegram_send(context.bot),
            clock,
            rate=config.settings.broadcast_rate,
            concurrency=config.settings.broadcast_concurrency,
            progress=progress,
            progress_every=config.progress_every,
            backoff_base=config.backoff_base,
            stopping=config.stopping,
            budget=budget_of(context.bot),  # replies, reminders and this broadcast share the token
            lease=config.settings.claim_lease_seconds,
            channel=config.settings.channel_of(item.centre) or config.settings.telegram_channel,
        )
        final = await worker.run(bid, item.text)
        if worker.stopped:  # SIGTERM: the broadcast stays 'sending'; the next start resumes it
            return
        config.finished[bid] = final
        await show(context.bot, item, report_text(lang, final))
    finally:
        config.running.discard(bid)
        if not shared:
            await db.close()


async def show(bot: Bot, item: Broadcast, text: str) -> None:
    """Edit the broadcast's progress message (or send a new one to its author)."""
    with suppress(TelegramError):
        if item.progress_chat is not None and item.progress_message is not None:
            try:
                await bot.edit_message_text(
                    escape(text), chat_id=item.progress_chat, message_id=item.progress_message
                )
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return
        await bot.send_message(item.created_by, escape(text))
