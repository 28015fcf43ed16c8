"""What a web door left for Telegram in the database (bot/handover/posts.py), sent by this door.

The web door may be another process: a web ticket for the staff chat, a panel answer for a
Telegram user and the notices around them wait in `ticket_posts`. The `ticket-posts` job, in every
Telegram process, claims due posts with a lease and sends them; a web door in this same process
wakes it (`wake_ticket_posts`) so its posts go at once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot import callbacks
from bot.channels.telegram.render import escape, keyboard, transient
from bot.channels.telegram.staff_common import Context, _door, staff_config
from bot.channels.telegram.tickets import close_button, fit
from bot.handover import posts
from bot.i18n import tr
from bot.replies import Reply
from bot.settings import Settings
from storage.leader import holder_name
from storage.ticket_posts import Post

log = logging.getLogger("bot.staff")

POLL_SECONDS = 2.0  # how soon a post from a web door in another process is sent


def post_sender(bot: Bot, settings: Settings) -> posts.Send:
    """One post as a Telegram message: a ticket or an answer with its Close button (shortened to
    fit), a notice as plain text; the Bot API's answer as an outcome the handover rules act on."""

    async def send(post: Post) -> posts.Outcome:
        chat = settings.staff_chat_id if post.chat_id is None else post.chat_id
        if chat is None:
            return "failed"
        markup = None
        text = post.header
        if post.kind != "notice":
            text = fit(post.header, post.body, tr(post.lang)._("(shortened: the message was too long)"))
            markup = keyboard(Reply("", close_button(post.lang, post.ticket_id)))
        try:
            sent = await bot.send_message(chat, escape(text), reply_markup=markup)
        except Forbidden:
            return "blocked"
        except TelegramError as exc:
            log.warning("ticket %s: a post was not sent (%s)", post.ticket_id, type(exc).__name__)
            return "retry" if transient(exc) else "failed"
        return posts.Delivered(chat, sent.message_id)

    return send


@dataclass(frozen=True)
class PostJob:
    claimer: str  # this process's name in claimed_by
    busy: asyncio.Lock  # one delivery loop at a time here; a run that finds it busy has nothing to do


async def ticket_posts_job(context: Context) -> None:
    """Every process runs it (claims keep two from sending one post); none after SIGTERM."""
    config = staff_config(context)
    job = context.job.data if context.job is not None else None
    if config.stopping.is_set() or not isinstance(job, PostJob) or job.busy.locked():
        return  # a loop running here goes on until nothing is due, a post added meanwhile too
    async with job.busy:
        send = post_sender(context.bot, config.settings)
        await posts.deliver_due(config.settings, _door(context).db, config.clock, job.claimer, send)


async def start_ticket_posts(application: Any) -> None:
    """post_init: the job that sends what a web door left (its first run is at once). Two runs may
    overlap (a wake during a slow send) without APScheduler's "skipped" warning every interval."""
    queue = application.job_queue
    if queue is not None:
        queue.run_repeating(
            ticket_posts_job,
            interval=POLL_SECONDS,
            first=0,
            data=PostJob(holder_name(), asyncio.Lock()),
            name=callbacks.JOB_TICKET_POSTS,
            job_kwargs={"max_instances": 2},
        )


def wake_ticket_posts(application: Any) -> posts.Wake:
    """For a web door in this process: run the job now instead of at its next interval."""

    def wake() -> None:
        queue = application.job_queue
        for job in queue.get_jobs_by_name(callbacks.JOB_TICKET_POSTS) if queue is not None else ():
            job.job.modify(next_run_time=datetime.now(UTC))

    return wake
