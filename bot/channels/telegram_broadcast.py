"""The /broadcast flow in Telegram (audience, text, preview, send now or later, cancel) and its job.

Rows are sent by `bot.broadcast.Worker` in a JobQueue job on a database connection of its own, in
the scheduler process only (telegram_processes: always, with SQLite); its sweep resumes broadcasts
another process started or left unfinished.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from datetime import datetime, time, timedelta
from typing import Any, Final

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.broadcast import Send, SendResult, Worker
from bot.broadcast import confirm as confirm_broadcast
from bot.channels.telegram_outgoing import budget_of, limit_args
from bot.channels.telegram_processes import leading
from bot.channels.telegram_render import MAX_TEXT, escape, keyboard, utf16_len
from bot.channels.telegram_staff_common import (
    STAFF_KEY,
    Context,
    StaffConfig,
    _door,
    acknowledge,
    chat_of,
    edit_or_say,
    gate,
    say,
    staff_config,
)
from bot.clock import WARSAW, SystemClock
from bot.i18n import tr
from bot.outgoing import Priority
from bot.replies import Button, Reply
from bot.staff import Access, in_centre, record
from storage import broadcasts, connect
from storage.broadcasts import Broadcast, Counts
from storage.database import Database

# --- broadcasts --------------------------------------------------------------------------------

log = logging.getLogger("bot.staff")


def audience_label(t: Any, audience: str) -> str:
    if audience == "all":
        return str(t._("Everyone of the centre"))
    if audience == "flats":
        return str(t._("Residents of all flats"))
    if audience == "applicants":
        return str(t._("Applicants (not residents)"))
    return str(t._("Residents of the flat {flat}").format(flat=audience.removeprefix("flat:")))


def bdata(*parts: str) -> str:
    return callbacks.make(callbacks.BROADCAST, *parts)


async def on_broadcast(update: Update, context: Context) -> None:
    """/broadcast: choose the audience."""
    access, lang = await gate(update, context, "broadcast")
    t = tr(lang)
    if access.centre is None:
        await say(context, update, t._("Choose your centre first with /centre."))
        raise ApplicationHandlerStop
    db = _door(context).db
    rows: list[tuple[Button, ...]] = []
    audiences = ["all", "flats"]
    audiences += [f"flat:{flat}" for flat, _ in await broadcasts.flats_with_residents(db, access.centre)]
    audiences.append("applicants")
    for audience in audiences:
        count = await broadcasts.count_audience(db, access.centre, audience)
        rows.append((Button(f"{audience_label(t, audience)} ({count})", bdata("a", audience)),))
    rows.append((Button(t._("Cancel"), bdata("x", "0")),))
    await say(context, update, t._("Who should receive the message?"), tuple(rows))
    raise ApplicationHandlerStop


STEPS: Final = ("a", "ok", "at", "x")  # audience, send now, send later, cancel


async def valid_audience(db: Database, centre: str, audience: str) -> bool:
    """One of the audiences /broadcast offers for this centre (a forged id is refused, not raised on)."""
    if audience in ("all", "flats", "applicants"):
        return True
    flat = audience.removeprefix("flat:")
    return flat != audience and flat in {f for f, _ in await broadcasts.flats_with_residents(db, centre)}


async def on_broadcast_button(update: Update, context: Context) -> None:
    """b:a:<audience>, b:ok:<id>, b:at:<id>, b:x:<id>; each re-checks the role and the broadcast's centre."""
    query = update.callback_query
    if query is None or not isinstance(query.data, str):
        return
    prefix, parts = callbacks.split(query.data)
    if prefix != callbacks.BROADCAST:  # PTB lets empty data past any pattern
        return
    step, value = (parts[0], ":".join(parts[1:])) if parts else ("", "")
    if step not in STEPS:  # a forged step: no audit row named by the sender
        await acknowledge(update)
        raise ApplicationHandlerStop
    access, lang = await gate(update, context, f"broadcast_{step}", target=value[:64] or None)
    await acknowledge(update)
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    if step == "a":
        await choose_audience(update, context, access, lang, value)
        raise ApplicationHandlerStop
    bid = callbacks.number(value, 1) or 0
    item = await broadcasts.get(db, bid) if bid else None
    if item is not None and not await in_centre(
        db, config.clock, access, f"broadcast_{step}", item.centre, str(bid)
    ):
        await edit_or_say(update, context, t._("Sorry, you have no access to this command."))
        raise ApplicationHandlerStop
    if step == "x":
        config.awaiting_time.pop(access.user_id, None)
        if item is not None and await broadcasts.cancel(db, bid):
            await record(db, config.clock, access, "broadcast_cancel", str(bid))
            for job in _jobs(context, bid):
                job.schedule_removal()
        await edit_or_say(update, context, t._("Cancelled. Nothing was sent."))
        raise ApplicationHandlerStop
    if item is None or item.status != "draft" or item.text is None:
        await edit_or_say(update, context, t._("This message was already sent or cancelled."))
        raise ApplicationHandlerStop
    if step == "at":
        config.awaiting_time[access.user_id] = bid
        await edit_or_say(
            update,
            context,
            t._(
                "When should it go? Write a time like 08:00, or a date and time like 2026-12-01 08:00"
                " (Warsaw time)."
            ),
            ((Button(t._("Cancel"), bdata("x", str(bid))),),),
        )
        raise ApplicationHandlerStop
    await send_now(update, context, access, lang, bid)
    raise ApplicationHandlerStop


async def choose_audience(update: Update, context: Context, access: Access, lang: str, audience: str) -> None:
    """b:a:<audience>: a draft for the actor's centre, then ask for the text."""
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    if access.centre is None or not await valid_audience(db, access.centre, audience):
        await edit_or_say(update, context, t._("This message was already sent or cancelled."))
        return
    bid = await broadcasts.create_draft(db, access.centre, audience, access.user_id, lang, config.clock.now())
    config.drafting.add(access.user_id)
    text = t._("Audience: {audience}. Now write the text of the message.").format(
        audience=audience_label(t, audience)
    )
    await edit_or_say(update, context, text, ((Button(t._("Cancel"), bdata("x", str(bid))),),))


async def send_now(update: Update, context: Context, access: Access, lang: str, bid: int) -> None:
    """b:ok:<id>: write the outbox and start sending, with a progress message."""
    config, db = staff_config(context), _door(context).db
    total = await confirm(config, db, access, bid)
    if total is None:
        await edit_or_say(update, context, tr(lang)._("This message was already sent or cancelled."))
        return
    progress = await edit_or_say(update, context, progress_text(lang, 0, total))
    if progress is not None:
        await broadcasts.set_progress_message(db, bid, progress.chat.id, progress.message_id)
    start_job(context, bid)


async def confirm(
    config: StaffConfig, db: Database, access: Access, bid: int, send_at: datetime | None = None
) -> int | None:
    """The outbox, the status and the audit row in one unit of work (bot.broadcast.confirm)."""
    return await confirm_broadcast(db, config.clock, access, bid, send_at)


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


async def broadcast_text(update: Update, context: Context, draft: Broadcast, text: str) -> None:
    """The text of a draft: the preview exactly as recipients will see it, the count, confirm or cancel."""
    access, lang = await gate(update, context, "broadcast_text", target=str(draft.id))
    t = tr(lang)
    config = staff_config(context)
    db = _door(context).db
    if not await in_centre(db, config.clock, access, "broadcast_text", draft.centre, str(draft.id)):
        config.drafting.discard(access.user_id)
        await say(context, update, t._("Sorry, you have no access to this command."))
        return
    text = text.strip()
    if not text or utf16_len(text) > MAX_TEXT:
        await say(
            context, update, t._("The message must have between 1 and 4096 characters. Write it again.")
        )
        return
    await broadcasts.set_text(db, draft.id, text)
    count = await broadcasts.count_audience(db, draft.centre, draft.audience)
    target = chat_of(update)
    assert target is not None
    await context.bot.send_message(target.chat_id, escape(text))  # the preview: exactly what recipients get
    question = (
        t.ngettext(
            "Above is the preview. It will go to {n} recipient ({audience}).",
            "Above is the preview. It will go to {n} recipients ({audience}).",
            count,
        ).format(n=count, audience=audience_label(t, draft.audience))
        + "\n"
        + t._("Send it?")
    )
    buttons = (
        (
            Button(t._("Send now"), bdata("ok", str(draft.id))),
            Button(t._("Send later"), bdata("at", str(draft.id))),
        ),
        (Button(t._("Cancel"), bdata("x", str(draft.id))),),
    )
    await say(context, update, question, buttons)


def parse_send_at(text: str, now: datetime) -> datetime | None:
    """`08:00` (today, or tomorrow when past) or `2026-12-01 08:00`, Warsaw time; None if unreadable."""
    local_now = now.astimezone(WARSAW)
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text, re.ASCII)
    try:
        if match:
            at = datetime.combine(local_now.date(), time(int(match[1]), int(match[2])), WARSAW)
            return at if at > local_now else at + timedelta(days=1)
        parsed = datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - Warsaw is attached below
    except ValueError:
        return None
    return parsed.replace(tzinfo=WARSAW)


async def broadcast_time(update: Update, context: Context, bid: int, text: str) -> None:
    access, lang = await gate(update, context, "broadcast_at", target=str(bid))
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    item = await broadcasts.get(db, bid)
    if item is None or not await in_centre(db, config.clock, access, "broadcast_at", item.centre, str(bid)):
        config.awaiting_time.pop(access.user_id, None)
        await say(context, update, t._("This message was already sent or cancelled."))
        return
    now = config.clock.now()
    when = parse_send_at(text, now)
    if when is None or when <= now:
        await say(
            context, update, t._("I could not read a future time. Write it like 08:00 or 2026-12-01 08:00.")
        )
        return
    config.awaiting_time.pop(access.user_id, None)
    total = await confirm(config, db, access, bid, when)
    if total is None:
        await say(context, update, t._("This message was already sent or cancelled."))
        return
    start_job(context, bid, (when - now).total_seconds())  # it reads its progress message when it runs
    shown = when.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
    message = await context.bot.send_message(
        update.effective_chat.id if update.effective_chat else access.user_id,
        escape(
            t.ngettext(
                "Scheduled for {when} to {n} recipient.", "Scheduled for {when} to {n} recipients.", total
            ).format(when=shown, n=total)
        ),
        reply_markup=keyboard(Reply("", ((Button(t._("Cancel"), bdata("x", str(bid))),),))),
    )
    await broadcasts.set_progress_message(db, bid, message.chat.id, message.message_id)


# --- the sending job ---------------------------------------------------------------------------


def job_name(bid: int) -> str:
    return f"{callbacks.JOB_BROADCAST}:{bid}"


def _jobs(context: Context, bid: int) -> tuple[Any, ...]:
    queue = context.job_queue
    return tuple(queue.get_jobs_by_name(job_name(bid))) if queue is not None else ()


def start_job(context: Context, bid: int, delay: float = 0.0) -> None:
    queue = context.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is not available")
    queue.run_once(broadcast_job, max(0.0, delay), data=bid, name=job_name(bid))


async def resume_broadcasts(application: Any) -> None:
    """post_init: drafts in memory again, and the sweep that resumes and schedules broadcasts."""
    config: StaffConfig = application.bot_data[STAFF_KEY]
    db = application.bot_data["door"].db
    config.drafting.update(await broadcasts.drafters(db))
    queue = application.job_queue
    if queue is None:
        return
    # The first sweep runs at once: broadcasts that were sending go on, scheduled ones get their job.
    interval = config.settings.leader_retry_seconds
    queue.run_repeating(broadcast_sweep, interval=interval, first=0, name=callbacks.JOB_BROADCAST_SWEEP)


async def broadcast_sweep(context: Context) -> None:
    """The scheduler's job (only while this process leads): every broadcast that is sending and not
    sent from here gets its worker; every scheduled one gets its job at its moment. A leader that
    takes over after a crash resumes the dead one's broadcasts this way."""
    if not leading(context.bot_data):
        return
    config, db, queue = staff_config(context), _door(context).db, context.job_queue
    if queue is None:
        return
    now = config.clock.now()
    for item in await broadcasts.with_status(db, "sending"):
        if item.id not in config.running and not _jobs(context, item.id):
            log.info("broadcast %s is sending and no worker here sends it: resuming", item.id)
            queue.run_once(broadcast_job, 0, data=item.id, name=job_name(item.id))
    for item in await broadcasts.with_status(db, "scheduled"):
        if not _jobs(context, item.id):
            delay = max(0.0, ((item.send_at or now) - now).total_seconds())
            queue.run_once(broadcast_job, delay, data=item.id, name=job_name(item.id))


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
    shared = str(config.settings.database) == ":memory:"
    db = _door(context).db if shared else await connect(config.settings.database)
    try:
        clock = SystemClock()  # the rate limit and backoff run on real time
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
