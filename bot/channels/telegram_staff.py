"""Staff tools in Telegram: roles and invites, broadcasts, handover to a person, insights, content reload.

Every staff command goes through `bot.staff.authorize` (audited, "no access" for everyone else).
The handlers sit in their own group before the residents' and the main ones and stop the update
when they answer it. Broadcasts are sent by `bot.broadcast.Worker` in a JobQueue job with its own
database connection; running and scheduled broadcasts are picked up again in post_init.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Final

import aiosqlite
from telegram import Bot, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.broadcast import BACKOFF_BASE, PROGRESS_EVERY, Send, SendResult, Worker
from bot.channels.telegram_render import MAX_TEXT, Target, escape, keyboard, send_replies, utf16_len
from bot.channels.telegram_residents import RESIDENTS_KEY, ResidentsDoor
from bot.clock import WARSAW, Clock, SystemClock
from bot.domain.loader import ContentError, load_content
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.settings import Settings
from bot.staff import Access, Role, authorize, record, role_of
from storage import audit, broadcasts, connect, tickets, top_unanswered, users
from storage import staff as staff_store
from storage.broadcasts import Broadcast, Counts

log = logging.getLogger("bot.staff")

Context = ContextTypes.DEFAULT_TYPE
STAFF_KEY: Final = "staff"
GROUP_STAFF: Final = -2  # before the residents' group (-1) and the main one (0)
CHANNEL: Final = "telegram"
STAFF_INVITE_TTL: Final = timedelta(days=7)
MAX_PROBLEMS_SHOWN: Final = 40


@dataclass
class StaffConfig:
    """Settings and the little in-memory state of the staff flows (kept in application.bot_data)."""

    settings: Settings
    clock: Clock
    progress_every: float = PROGRESS_EVERY
    backoff_base: float = BACKOFF_BASE  # seconds before the first retry of a transient error
    awaiting_question: set[int] = field(default_factory=set)  # users who pressed /ask without a text
    awaiting_time: dict[int, int] = field(default_factory=dict)  # staff -> broadcast waiting for "send at"
    # Staff who may have a draft waiting for its text: every other private message skips that query.
    drafting: set[int] = field(default_factory=set)
    running: set[int] = field(default_factory=set)  # broadcasts this process is sending now
    finished: dict[int, Counts] = field(default_factory=dict)  # final counts, for tests and logs


def staff_config(context: Context) -> StaffConfig:
    value = context.bot_data.get(STAFF_KEY)
    if not isinstance(value, StaffConfig):
        raise RuntimeError("staff tools are not registered")
    return value


def register_staff_handlers(application: Any, settings: Settings, clock: Clock) -> None:
    """The staff handlers, in a group before the residents' and the main ones."""
    application.bot_data[STAFF_KEY] = StaffConfig(settings, clock)
    message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler(
                "start", on_staff_invite, filters=message & private & filters.Regex(r"^/start st_")
            ),
            CommandHandler("staff", on_staff, filters=message),
            CommandHandler("broadcast", on_broadcast, filters=message),
            CommandHandler("unanswered", on_unanswered, filters=message),
            CommandHandler("stats", on_stats, filters=message),
            CommandHandler("reload", on_reload, filters=message),
            CommandHandler("ask", on_ask, filters=message),
            CallbackQueryHandler(on_ask_button, pattern=rf"^{callbacks.MENU}:{callbacks.MENU_ASK}$"),
            CommandHandler("close", on_close, filters=message),
            CallbackQueryHandler(on_broadcast_button, pattern=rf"^{callbacks.BROADCAST}:"),
            CallbackQueryHandler(on_ticket_button, pattern=rf"^{callbacks.TICKET}:"),
            MessageHandler(message & filters.TEXT & ~filters.COMMAND, on_text),
        ],
        group=GROUP_STAFF,
    )


# --- helpers -----------------------------------------------------------------------------------


def _door(context: Context) -> Any:
    from bot.channels.telegram import door  # the door module registers us: import it late

    return door(context)


async def lang_of(context: Context, user_id: int, hint: str | None = None) -> str:
    found = _door(context)
    stored = await users.get_user(found.db, CHANNEL, str(user_id))
    if stored is not None and stored.lang in ("pl", "uk", "en"):
        return str(stored.lang)
    if hint in ("pl", "uk", "en"):
        return str(hint)
    return str(found.default_lang or "pl")


def chat_of(update: Update) -> Target | None:
    message = update.effective_message
    if isinstance(message, Message):
        return Target(message.chat.id, message.message_thread_id if message.is_topic_message else None)
    return Target(update.effective_chat.id) if update.effective_chat else None


async def say(
    context: Context, update: Update, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> None:
    target = chat_of(update)
    if target is not None:
        await send_replies(context.bot, target, [Reply(text, buttons)])


async def gate(
    update: Update, context: Context, action: str, need: Role = "staff", target: str | None = None
) -> tuple[Access, str] | None:
    """The actor's access and language, or None after answering "no access" (both audited)."""
    user = update.effective_user
    if user is None:
        return None
    config = staff_config(context)
    access = await authorize(config.settings, _door(context).db, config.clock, user.id, action, need, target)
    lang = await lang_of(context, user.id, user.language_code[:2] if user.language_code else None)
    if access is None:
        text = tr(lang)._("Sorry, you have no access to this command.")
        if update.callback_query is not None:
            with suppress(BadRequest):
                await update.callback_query.answer(text, show_alert=True)
        else:
            await say(context, update, text)
        raise ApplicationHandlerStop
    return access, lang


async def acknowledge(update: Update) -> None:
    if update.callback_query is not None:
        with suppress(BadRequest):
            await update.callback_query.answer()


async def edit_or_say(
    update: Update, context: Context, text: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> Message | None:
    """Replace the pressed message with `text` (and buttons); send it as new when that is not possible."""
    query = update.callback_query
    markup = keyboard(Reply(text, buttons))
    if query is not None and isinstance(query.message, Message):
        try:
            edited = await query.edit_message_text(escape(text), reply_markup=markup)
            return edited if isinstance(edited, Message) else query.message
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
    target = chat_of(update)
    if target is None:
        return None
    return await context.bot.send_message(target.chat_id, escape(text), reply_markup=markup)


# --- roles: /staff and staff invites -----------------------------------------------------------


async def on_staff(update: Update, context: Context) -> None:
    """/staff (list), /staff invite <centre>, /staff remove <id>: administrators only."""
    args = context.args or []
    found = await gate(update, context, "staff", "admin", " ".join(args[:2]) or None)
    assert found is not None
    access, lang = found
    t = tr(lang)
    db, config = _door(context).db, staff_config(context)
    centres = _door(context).content.centres
    if args[:1] == ["invite"] and len(args) >= 2 and args[1] in centres:
        code = staff_store.new_code()
        now = config.clock.now()
        await staff_store.add_invite(db, code, args[1], access.user_id, now, now + STAFF_INVITE_TTL)
        await record(db, config.clock, access, "staff_invite", args[1])
        link = f"https://t.me/{context.bot.username}?start={code}"
        await say(
            context,
            update,
            t._(
                "A one-time staff invitation for {centre}, valid for 7 days. Send this link to the person:"
            ).format(centre=args[1])
            + f"\n{link}",
        )
    elif args[:1] == ["remove"] and len(args) >= 2 and args[1].isdigit():
        removed = await staff_store.remove_staff(db, int(args[1]))
        await record(db, config.clock, access, "staff_remove", args[1])
        text = t._("Removed from the staff.") if removed else t._("There is no staff member with this id.")
        await say(context, update, text)
    else:
        members = await staff_store.list_staff(db)
        lines = [t._("Staff members:")] + [f"{m.user_id} – {m.centre}" for m in members]
        if not members:
            lines.append(t._("(none yet)"))
        lines += [
            "",
            t._("Invite: /staff invite CENTRE ({centres}). Remove: /staff remove ID.").format(
                centres=", ".join(sorted(centres))
            ),
        ]
        await say(context, update, "\n".join(lines))
    raise ApplicationHandlerStop


async def on_staff_invite(update: Update, context: Context) -> None:
    """/start st_<code>: the deep link of a staff invitation."""
    user = update.effective_user
    code = context.args[0] if context.args else ""
    if user is None or not staff_store.is_staff_code(code):
        return
    config, db = staff_config(context), _door(context).db
    lang = await lang_of(context, user.id, user.language_code[:2] if user.language_code else None)
    t = tr(lang)
    result = await staff_store.redeem_invite(db, code, user.id, config.clock.now())
    if isinstance(result, staff_store.StaffMember):
        await audit.record(db, config.clock.now(), user.id, "staff", "staff_join", result.centre)
        stored = await users.get_or_create_user(db, CHANNEL, str(user.id), config.clock.now())
        if stored.centre != result.centre:
            await users.set_centre(db, stored.id, result.centre, config.clock.now())
        text = t._(
            "Welcome to the staff of {centre}. Commands: /broadcast, /unanswered, /stats, /reload."
        ).format(centre=result.centre)
    else:
        await audit.record(db, config.clock.now(), user.id, "none", "staff_join", None, "denied")
        text = {
            "unknown": t._("This staff invitation is not valid."),
            "used": t._("This staff invitation has already been used."),
            "expired": t._("This staff invitation has expired."),
        }[result]
    await say(context, update, text)
    raise ApplicationHandlerStop


# --- broadcasts --------------------------------------------------------------------------------


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
    found = await gate(update, context, "broadcast")
    assert found is not None
    access, lang = found
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


async def on_broadcast_button(update: Update, context: Context) -> None:
    """b:a:<audience>, b:ok:<id>, b:at:<id>, b:x:<id>."""
    query = update.callback_query
    if query is None or not isinstance(query.data, str):
        return
    prefix, parts = callbacks.split(query.data)
    if prefix != callbacks.BROADCAST:  # PTB lets empty data past any pattern
        return
    step, value = (parts[0], ":".join(parts[1:])) if parts else ("", "")
    found = await gate(update, context, f"broadcast_{step}", target=value or None)
    assert found is not None
    access, lang = found
    await acknowledge(update)
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    if step == "a" and access.centre is not None:
        bid = await broadcasts.create_draft(
            db, access.centre, value, access.user_id, lang, config.clock.now()
        )
        config.drafting.add(access.user_id)
        text = t._("Audience: {audience}. Now write the text of the message.").format(
            audience=audience_label(t, value)
        )
        await edit_or_say(update, context, text, ((Button(t._("Cancel"), bdata("x", str(bid))),),))
        raise ApplicationHandlerStop
    bid = int(value) if value.isdigit() else 0
    found_broadcast = await broadcasts.get(db, bid) if bid else None
    if step == "x":
        config.awaiting_time.pop(access.user_id, None)
        if found_broadcast is not None:
            await broadcasts.cancel(db, bid)
            for job in _jobs(context, bid):
                job.schedule_removal()
        await edit_or_say(update, context, t._("Cancelled. Nothing was sent."))
        raise ApplicationHandlerStop
    if found_broadcast is None or found_broadcast.status != "draft" or found_broadcast.text is None:
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
    if step == "ok":
        total = await confirm(config, db, bid)
        if total is None:
            await edit_or_say(update, context, t._("This message was already sent or cancelled."))
            raise ApplicationHandlerStop
        await record(db, config.clock, access, "broadcast_send", f"{bid}:{total}")
        progress = await edit_or_say(update, context, progress_text(lang, 0, total))
        if progress is not None:
            await broadcasts.set_progress_message(db, bid, progress.chat.id, progress.message_id)
        start_job(context, bid)
    raise ApplicationHandlerStop


async def confirm(
    config: StaffConfig, db: aiosqlite.Connection, bid: int, send_at: datetime | None = None
) -> int | None:
    """Write the outbox in one transaction, on a connection of its own (nothing else commits half of it)."""
    now = config.clock.now()
    if str(config.settings.database) == ":memory:":
        return await broadcasts.confirm(db, bid, now, send_at)
    own = await connect(config.settings.database)
    try:
        return await broadcasts.confirm(own, bid, now, send_at)
    finally:
        await own.close()


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


async def on_text(update: Update, context: Context) -> None:
    """Text that belongs to a staff flow (broadcast text or time), a question for /ask, or a ticket reply."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    config = staff_config(context)
    if config.settings.staff_chat_id is not None and message.chat.id == config.settings.staff_chat_id:
        await staff_chat_reply(update, context, message)
        return
    if message.chat.type != ChatType.PRIVATE:
        return
    if user.id in config.awaiting_question:
        config.awaiting_question.discard(user.id)
        await open_ticket(update, context, message.text)
        raise ApplicationHandlerStop
    if message.reply_to_message is not None:
        ticket = await tickets.by_message(
            _door(context).db, message.chat.id, message.reply_to_message.message_id
        )
        if ticket is not None and ticket.user_chat == message.chat.id:
            await user_ticket_reply(update, context, ticket, message.text)
            raise ApplicationHandlerStop
    if user.id in config.awaiting_time:
        await broadcast_time(update, context, config.awaiting_time[user.id], message.text)
        raise ApplicationHandlerStop
    if user.id not in config.drafting:
        return
    draft = await broadcasts.open_draft(_door(context).db, user.id)
    if draft is None:
        config.drafting.discard(user.id)
    else:
        await broadcast_text(update, context, draft, message.text)
        raise ApplicationHandlerStop


async def broadcast_text(update: Update, context: Context, draft: Broadcast, text: str) -> None:
    """The text of a draft: the preview exactly as recipients will see it, the count, confirm or cancel."""
    found = await gate(update, context, "broadcast_text", target=str(draft.id))
    assert found is not None
    _, lang = found
    t = tr(lang)
    text = text.strip()
    if not text or utf16_len(text) > MAX_TEXT:
        await say(
            context, update, t._("The message must have between 1 and 4096 characters. Write it again.")
        )
        return
    db = _door(context).db
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
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
    try:
        if match:
            at = datetime.combine(local_now.date(), time(int(match[1]), int(match[2])), WARSAW)
            return at if at > local_now else at + timedelta(days=1)
        parsed = datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - Warsaw is attached below
    except ValueError:
        return None
    return parsed.replace(tzinfo=WARSAW)


async def broadcast_time(update: Update, context: Context, bid: int, text: str) -> None:
    found = await gate(update, context, "broadcast_at", target=str(bid))
    assert found is not None
    access, lang = found
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    now = config.clock.now()
    when = parse_send_at(text, now)
    if when is None or when <= now:
        await say(
            context, update, t._("I could not read a future time. Write it like 08:00 or 2026-12-01 08:00.")
        )
        return
    config.awaiting_time.pop(access.user_id, None)
    total = await confirm(config, db, bid, when)
    if total is None:
        await say(context, update, t._("This message was already sent or cancelled."))
        return
    await record(db, config.clock, access, "broadcast_schedule", f"{bid}:{total}:{when.isoformat()}")
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
    """post_init: broadcasts that were sending go on; scheduled ones are scheduled again."""
    config: StaffConfig = application.bot_data[STAFF_KEY]
    db = application.bot_data["door"].db
    config.drafting.update(await broadcasts.drafters(db))
    queue = application.job_queue
    if queue is None:
        return
    now = config.clock.now()
    for item in await broadcasts.with_status(db, "sending"):
        log.info("broadcast %s was sending at the last stop: resuming", item.id)
        queue.run_once(broadcast_job, 0, data=item.id, name=job_name(item.id))
    for item in await broadcasts.with_status(db, "scheduled"):
        delay = max(0.0, ((item.send_at or now) - now).total_seconds())
        queue.run_once(broadcast_job, delay, data=item.id, name=job_name(item.id))


def telegram_send(bot: Bot) -> Send:
    """The worker's `send`: one HTML message, the Bot API's answer as a SendResult."""

    async def send(chat_id: int, text: str) -> SendResult:
        try:
            await bot.send_message(chat_id, escape(text), parse_mode=ParseMode.HTML)
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
    if bid in config.running:
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
        )
        final = await worker.run(bid, item.text)
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


# --- handover to a person ----------------------------------------------------------------------


def close_button(lang: str, ticket_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (Button(tr(lang)._("Close the ticket"), callbacks.make(callbacks.TICKET, "close", str(ticket_id))),),
    )


async def on_ask(update: Update, context: Context) -> None:
    """/ask [question]: hand the question to a person in the staff chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop
    lang = await lang_of(context, user.id, user.language_code[:2] if user.language_code else None)
    t = tr(lang)
    if staff_config(context).settings.staff_chat_id is None:
        await say(
            context,
            update,
            t._("Sorry, I cannot pass questions to the staff here. Please contact the centre."),
        )
        raise ApplicationHandlerStop
    question = " ".join(context.args or []).strip()
    if question:
        await open_ticket(update, context, question)
    else:
        staff_config(context).awaiting_question.add(user.id)
        await say(
            context, update, t._("Write your question in one message; a staff member will answer here.")
        )
    raise ApplicationHandlerStop


async def on_ask_button(update: Update, context: Context) -> None:
    """The main menu's "Ask a person" button: the same as /ask without a question."""
    query = update.callback_query
    # PTB skips the pattern for empty callback data; anything but our button goes on to the dialogue.
    if query is None or query.data != callbacks.make(callbacks.MENU, callbacks.MENU_ASK):
        return
    with suppress(TelegramError):
        await query.answer()
    await on_ask(update, context)


async def open_ticket(update: Update, context: Context, question: str) -> None:
    user = update.effective_user
    assert user is not None
    config, db = staff_config(context), _door(context).db
    staff_chat = config.settings.staff_chat_id
    lang = await lang_of(context, user.id, user.language_code[:2] if user.language_code else None)
    if staff_chat is None:
        return
    stored = await users.get_user(db, CHANNEL, str(user.id))
    ticket = await tickets.open_ticket(db, user.id, stored.centre if stored else None, config.clock.now())
    staff_lang = config.settings.default_lang or "pl"
    header = (
        tr(staff_lang)
        ._("Ticket #{id} ({centre}, {lang}). Reply to this message to answer.")
        .format(id=ticket.id, centre=ticket.centre or "?", lang=lang)
    )
    sent = await context.bot.send_message(
        staff_chat,
        escape(f"{header}\n\n{question}"),
        reply_markup=keyboard(Reply("", close_button(staff_lang, ticket.id))),
    )
    await tickets.link(db, staff_chat, sent.message_id, ticket.id)
    t = tr(lang)
    await say(
        context,
        update,
        t._("Your question went to the staff as ticket #{id}. The answer will come here.").format(
            id=ticket.id
        ),
        close_button(lang, ticket.id),
    )


async def staff_chat_reply(update: Update, context: Context, message: Message) -> None:
    """A reply in the staff chat to a ticket message: relay it to the user (no names either way)."""
    replied, user = message.reply_to_message, update.effective_user
    if replied is None or user is None or message.text is None:
        return
    config, db = staff_config(context), _door(context).db
    ticket = await tickets.by_message(db, message.chat.id, replied.message_id)
    if ticket is None:
        return
    role = await role_of(config.settings, db, user.id)
    staff_lang = config.settings.default_lang or "pl"
    if ticket.status != "open":
        await context.bot.send_message(
            message.chat.id, escape(tr(staff_lang)._("Ticket #{id} is closed.").format(id=ticket.id))
        )
        raise ApplicationHandlerStop
    await audit.record(db, config.clock.now(), user.id, role, "ticket_reply", str(ticket.id))
    lang = await lang_of(context, ticket.user_chat)
    t = tr(lang)
    text = t._("Answer from the staff (ticket #{id}):").format(id=ticket.id) + "\n\n" + message.text
    try:
        sent = await context.bot.send_message(
            ticket.user_chat, escape(text), reply_markup=keyboard(Reply("", close_button(lang, ticket.id)))
        )
    except Forbidden:
        await context.bot.send_message(
            message.chat.id,
            escape(
                tr(staff_lang)._("The user has blocked the bot; ticket #{id} is closed.").format(id=ticket.id)
            ),
        )
        await tickets.close(db, ticket.id, config.clock.now())
        raise ApplicationHandlerStop from None
    await tickets.link(db, ticket.user_chat, sent.message_id, ticket.id)
    raise ApplicationHandlerStop


async def user_ticket_reply(update: Update, context: Context, ticket: tickets.Ticket, text: str) -> None:
    config, db = staff_config(context), _door(context).db
    lang = await lang_of(context, ticket.user_chat)
    staff_chat = config.settings.staff_chat_id
    if ticket.status != "open" or staff_chat is None:
        await say(context, update, tr(lang)._("This ticket is closed. Send /ask to ask again."))
        return
    staff_lang = config.settings.default_lang or "pl"
    header = tr(staff_lang)._("Ticket #{id}: the user writes:").format(id=ticket.id)
    sent = await context.bot.send_message(
        staff_chat,
        escape(f"{header}\n\n{text}"),
        reply_markup=keyboard(Reply("", close_button(staff_lang, ticket.id))),
    )
    await tickets.link(db, staff_chat, sent.message_id, ticket.id)


async def close_ticket(update: Update, context: Context, ticket: tickets.Ticket, by_staff: bool) -> None:
    config, db = staff_config(context), _door(context).db
    user = update.effective_user
    closed = await tickets.close(db, ticket.id, config.clock.now())
    staff_lang = config.settings.default_lang or "pl"
    user_lang = await lang_of(context, ticket.user_chat)
    if by_staff and user is not None:
        await audit.record(
            db,
            config.clock.now(),
            user.id,
            await role_of(config.settings, db, user.id),
            "ticket_close",
            str(ticket.id),
        )
    if not closed:
        return
    staff_text = tr(staff_lang)._("Ticket #{id} is closed.").format(id=ticket.id)
    user_text = tr(user_lang)._("Ticket #{id} is closed. Send /ask to ask again.").format(id=ticket.id)
    with suppress(TelegramError):
        if config.settings.staff_chat_id is not None:
            await context.bot.send_message(config.settings.staff_chat_id, escape(staff_text))
        await context.bot.send_message(ticket.user_chat, escape(user_text))


async def on_ticket_button(update: Update, context: Context) -> None:
    """k:close:<id>: either side closes the ticket."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.data, str):
        return
    prefix, parts = callbacks.split(query.data)
    if prefix != callbacks.TICKET:
        return
    await acknowledge(update)
    ticket = (
        await tickets.get(_door(context).db, int(parts[1]))
        if len(parts) == 2 and parts[1].isdigit()
        else None
    )
    staff_chat = staff_config(context).settings.staff_chat_id
    in_staff_chat = isinstance(query.message, Message) and query.message.chat.id == staff_chat
    if ticket is not None and (in_staff_chat or ticket.user_chat == user.id):
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        await close_ticket(update, context, ticket, in_staff_chat)
    raise ApplicationHandlerStop


async def on_close(update: Update, context: Context) -> None:
    """/close: in the staff chat as a reply to a ticket message; in a private chat, the user's open ticket."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    db, staff_chat = _door(context).db, staff_config(context).settings.staff_chat_id
    if staff_chat is not None and message.chat.id == staff_chat and message.reply_to_message is not None:
        ticket = await tickets.by_message(db, staff_chat, message.reply_to_message.message_id)
        if ticket is not None:
            await close_ticket(update, context, ticket, True)
    elif message.chat.type == ChatType.PRIVATE:
        ticket = await tickets.open_for(db, user.id)
        if ticket is not None:
            await close_ticket(update, context, ticket, False)
    raise ApplicationHandlerStop


# --- insights and reload -----------------------------------------------------------------------


async def on_unanswered(update: Update, context: Context) -> None:
    """/unanswered: the most frequent questions of the staff member's centre that fell to the fallback."""
    found = await gate(update, context, "unanswered")
    assert found is not None
    access, lang = found
    t = tr(lang)
    if access.centre is None:
        await say(context, update, t._("Choose your centre first with /centre."))
        raise ApplicationHandlerStop
    top = await top_unanswered(_door(context).db, access.centre, 20)
    if not top:
        await say(context, update, t._("No unanswered questions yet."))
    else:
        lines = [
            t._("Questions I could not answer ({centre}), most frequent first:").format(centre=access.centre)
        ]
        lines += [f"{count}× [{qlang}] {text}" for text, qlang, count in top]
        await say(context, update, "\n".join(lines))
    raise ApplicationHandlerStop


async def _table_exists(db: aiosqlite.Connection, name: str) -> bool:
    async with db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) as cursor:
        return await cursor.fetchone() is not None


async def _rows(db: aiosqlite.Connection, sql: str) -> list[tuple[Any, ...]]:
    async with db.execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def on_stats(update: Update, context: Context) -> None:
    """/stats: users per centre and language, residents, reminders, broadcasts and their reports."""
    found = await gate(update, context, "stats")
    assert found is not None
    access, lang = found
    t = tr(lang)
    db = _door(context).db
    lines = [t._("Users by centre and language:")]
    for centre, ulang, count in await users.count_users(db):
        lines.append(f"  {centre or '–'} / {ulang or '–'}: {count}")
    if await _table_exists(db, "residents"):
        lines.append(t._("Active residents:"))
        for centre, count in await _rows(
            db,
            "SELECT centre, COUNT(*) FROM residents WHERE status = 'active' GROUP BY centre ORDER BY centre",
        ):
            lines.append(f"  {centre}: {count}")
    if await _table_exists(db, "deliveries"):
        sent = await _rows(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
        paid = (
            await _rows(db, "SELECT COUNT(*) FROM payments_paid")
            if await _table_exists(db, "payments_paid")
            else [(0,)]
        )
        lines.append(
            t._("Reminders sent: {sent}, payments marked paid: {paid}").format(
                sent=sent[0][0], paid=paid[0][0]
            )
        )
    recent = await broadcasts.recent(db, access.centre if access.role == "staff" else None)
    if recent:
        lines.append(t._("Recent broadcasts:"))
        for item in recent:
            counts = await broadcasts.counts(db, item.id)
            lines.append(
                f"  #{item.id} {audience_label(t, item.audience)}: {item.status}, "
                + t._("delivered {sent}, blocked {blocked}, failed {failed}, waiting {pending}").format(
                    sent=counts.sent, blocked=counts.blocked, failed=counts.failed, pending=counts.pending
                )
            )
    await say(context, update, "\n".join(lines))
    raise ApplicationHandlerStop


async def on_reload(update: Update, context: Context) -> None:
    """/reload: read content/ again; on any error keep the running content and show file:line lines."""
    found = await gate(update, context, "reload")
    assert found is not None
    access, lang = found
    t = tr(lang)
    config = staff_config(context)
    try:
        content = await asyncio.to_thread(load_content, config.settings.content_dir)
    except ContentError as exc:
        await audit.record(
            _door(context).db, config.clock.now(), access.user_id, access.role, "reload", "errors", "failed"
        )
        shown = exc.problems[:MAX_PROBLEMS_SHOWN]
        text = "\n".join([t._("The content has errors; I keep the running content."), *shown])
        await say(context, update, text)
        raise ApplicationHandlerStop from None
    _door(context).swap_content(content)
    residents = context.bot_data.get(RESIDENTS_KEY)
    if isinstance(residents, ResidentsDoor):  # reminders and invites read the same content
        residents.service.content = content
    await record(_door(context).db, config.clock, access, "reload", "ok")
    await say(context, update, t._("Content reloaded."))
    raise ApplicationHandlerStop
