"""The Telegram side of residents and reminders: invites, the residents' menu, duties, the tick job.

Staff (bot.staff.authorize): `/invite FLAT`, `/residents FLAT`, `/remove NUMBER`, `/duty add|list|remove`.
Residents: `/start <code>` from the invite link, `/resident` (the residents' menu), `/leave`, and the
buttons under each reminder. The handlers sit in a group before the main one and stop the update
when they answer it; anything else (a plain /start, a centre deep link, a question) goes on to the
dialogue. The reminder tick runs every minute on PTB's JobQueue; its logic is in bot.residents.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import time
from typing import Any, Final, TypeAlias

import aiosqlite
from telegram import Bot, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.channels.telegram_render import Target, send_replies
from bot.clock import Clock
from bot.domain import reminders as rules
from bot.domain.content import LANGS, Content
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.residents import (
    Residents,
    Sender,
    duty_rule,
    resolve_flat,
    settings_grace,
    settings_invite_ttl,
)
from bot.settings import Settings
from bot.staff import authorize
from storage import reminders as store
from storage import residents as people
from storage import users
from storage.residents import Resident

log = logging.getLogger("bot.telegram")

CHANNEL: Final = "telegram"
RESIDENTS_KEY: Final = "residents"
GROUP_RESIDENTS: Final = -1  # before the main group; registered after the "ignore" handler there
TICK_SECONDS: Final = 60
FIRST_TICK_SECONDS: Final = 5  # catch up soon after start
DUTY_STATE: Final = "duty"  # context.user_data key for the guided /duty add steps
MIN_CODE_LENGTH: Final = 20  # shorter /start payloads are not invite codes (centre ids, etc.)

Context: TypeAlias = ContextTypes.DEFAULT_TYPE


@dataclass(frozen=True)
class ResidentsDoor:
    service: Residents
    settings: Settings


def residents_door(context: Context) -> ResidentsDoor:
    value = context.bot_data.get(RESIDENTS_KEY)
    if not isinstance(value, ResidentsDoor):
        raise RuntimeError("the residents' door is not open: post_init has not run")
    return value


# --- wiring --------------------------------------------------------------------------------------


def register_resident_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The residents' and staff handlers, in a group that runs before the main one."""
    message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("start", on_start_invite, filters=message & private),
            CommandHandler("invite", on_invite, filters=message),
            CommandHandler("residents", on_residents, filters=message),
            CommandHandler("remove", on_remove, filters=message),
            CommandHandler("duty", on_duty, filters=message),
            CommandHandler("leave", on_leave, filters=message & private),
            CommandHandler("resident", on_resident_menu, filters=message & private),
            CallbackQueryHandler(on_button, pattern=rf"^({callbacks.RESIDENT}|{callbacks.STAFF}):"),
            MessageHandler(message & private & filters.TEXT & ~filters.COMMAND, on_duty_step),
        ],
        group=GROUP_RESIDENTS,
    )


async def start_reminders(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    content: Content,
    clock: Clock,
    db: aiosqlite.Connection,
) -> Residents:
    """Open the service, retry what a crash left in flight, and start the tick (post_init)."""
    service = Residents(db, content, clock, settings_grace(settings), settings_invite_ttl(settings))
    await service.recover()
    application.bot_data[RESIDENTS_KEY] = ResidentsDoor(service, settings)
    if application.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    application.job_queue.run_repeating(
        tick_job,
        interval=TICK_SECONDS,
        first=FIRST_TICK_SECONDS,
        name=callbacks.JOB_REMINDER_TICK,
        # A late tick runs once (coalesced) and never beside another; SQLite keeps the rest exact.
        job_kwargs={"misfire_grace_time": TICK_SECONDS, "coalesce": True, "max_instances": 1},
    )
    return service


def sender(bot: Bot) -> Sender:
    """Send a reminder to the resident's chat; False when the chat refuses us (blocked)."""

    async def send(resident: Resident, reply: Reply) -> bool:
        return await send_replies(bot, Target(int(resident.external_id)), [reply])

    return send


async def tick_job(context: Context) -> None:
    """The JobQueue callback: one tick at the injected clock's `now`."""
    found = residents_door(context)
    report = await found.service.tick(sender(context.bot))
    if report.collected or report.skipped or report.failed or report.blocked:
        log.info(
            "reminder tick: %d due, %d sent, %d skipped, %d failed, %d blocked",
            report.collected,
            report.sent,
            report.skipped,
            report.failed,
            report.blocked,
        )


# --- helpers -------------------------------------------------------------------------------------


async def lang_of(db: aiosqlite.Connection, user: User | None) -> str:
    if user is None:
        return "pl"
    stored = await users.get_user(db, CHANNEL, str(user.id))
    if stored is not None and stored.lang in LANGS:
        return stored.lang
    hint = user.language_code[:2] if user.language_code else None
    return hint if hint in LANGS else "pl"


async def say(update: Update, context: Context, *replies: Reply) -> None:
    chat = update.effective_chat
    if chat is not None:
        message = update.effective_message
        thread = message.message_thread_id if message is not None and message.is_topic_message else None
        await send_replies(context.bot, Target(chat.id, thread), list(replies))


async def staff_only(update: Update, context: Context, lang: str) -> bool:
    """Staff and administrators only, through the one audited check of bot.staff."""
    user, message = update.effective_user, update.effective_message
    found = residents_door(context)
    action = (
        (message.text or "").split()[0].lstrip("/").split("@")[0] if message and message.text else "button"
    )
    if (
        user is not None
        and await authorize(found.settings, found.service.db, found.service.clock, user.id, action)
        is not None
    ):
        return True
    await say(update, context, Reply(tr(lang)._("This command is for the centre's staff.")))
    return False


def flat_label(content: Content, centre: str, flat: str) -> str:
    found = content.centres.get(centre)
    address = next((f.address for f in found.flats if f.id == flat), None) if found else None
    return f"{centre}/{flat}" + (f" ({address})" if address else "")


def resident_menu(lang: str, resident: Resident) -> Reply:
    t = tr(lang)

    def button(label: str, action: str) -> Button:
        return Button(label, callbacks.make(callbacks.RESIDENT, action))

    mute = (
        button(t._("Turn payment reminders on"), callbacks.RESIDENT_UNMUTE)
        if resident.payment_muted
        else button(t._("Turn payment reminders off"), callbacks.RESIDENT_MUTE)
    )
    return Reply(
        t._("Residents' menu:"),
        (
            (
                button(t._("My reminders"), callbacks.RESIDENT_REMINDERS),
                button(t._("My duties"), callbacks.RESIDENT_DUTIES),
            ),
            (
                Button(t._("House rules"), callbacks.make(callbacks.MENU, callbacks.MENU_RULES)),
                button(t._("Contact"), callbacks.RESIDENT_CONTACT),
            ),
            (mute,),
        ),
    )


def duty_line(lang: str, duty: store.Duty) -> str:
    t = tr(lang)
    if duty.kind == "weekly":
        when = t._("every {weekday} at {time}").format(weekday=t.weekday(duty.day), time=duty.at)
    else:
        when = t._("every month on day {day} at {time}").format(day=duty.day, time=duty.at)
    return f"#{duty.id} {duty.text} – {when}"


# --- residents -----------------------------------------------------------------------------------


async def on_start_invite(update: Update, context: Context) -> None:
    """/start <invite code>: join the flat. Any other /start goes on to the dialogue."""
    payload = context.args[0] if context.args else ""
    found = residents_door(context)
    service, user = found.service, update.effective_user
    if len(payload) < MIN_CODE_LENGTH or payload in service.content.centres or user is None:
        return
    lang = await lang_of(service.db, user)
    t = tr(lang)
    result = await service.join(CHANNEL, str(user.id), payload, lang)
    if isinstance(result, Resident):
        now = service.clock.now()
        stored = await users.get_or_create_user(service.db, CHANNEL, str(user.id), now)
        if stored.centre != result.centre:
            await users.set_centre(service.db, stored.id, result.centre, now)
        welcome = t._(
            "Welcome! You are now registered as a resident of the flat {flat}. "
            "I will remind you about payments and duties. Send /leave to stop."
        ).format(flat=flat_label(service.content, result.centre, result.flat))
        await say(update, context, Reply(welcome), resident_menu(lang, result))
    else:
        messages = {
            "unknown": t._("This invitation code is not valid. Please ask the staff for a new link."),
            "used": t._("This invitation has already been used. Please ask the staff for a new link."),
            "expired": t._("This invitation has expired. Please ask the staff for a new link."),
            "flat_gone": t._("The flat of this invitation no longer exists. Please ask the staff."),
        }
        await say(update, context, Reply(messages[result]))
    raise ApplicationHandlerStop


async def on_leave(update: Update, context: Context) -> None:
    service, user = residents_door(context).service, update.effective_user
    if user is None:
        return
    t = tr(await lang_of(service.db, user))
    if await service.leave(CHANNEL, str(user.id)):
        text = t._("You are no longer registered as a resident. I will not send you reminders any more.")
    else:
        text = t._("You are not registered as a resident.")
    await say(update, context, Reply(text))
    raise ApplicationHandlerStop


async def on_resident_menu(update: Update, context: Context) -> None:
    service, user = residents_door(context).service, update.effective_user
    if user is None:
        return
    lang = await lang_of(service.db, user)
    resident = await service.resident(CHANNEL, str(user.id))
    if resident is None:
        await say(
            update,
            context,
            Reply(tr(lang)._("You are not registered as a resident. Ask the staff for an invitation link.")),
        )
    else:
        await say(update, context, resident_menu(lang, resident))
    raise ApplicationHandlerStop


async def on_button(update: Update, context: Context) -> None:
    """r:... (residents) and s:... (staff) buttons."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    prefix, parts = callbacks.split(query.data if isinstance(query.data, str) else "")
    if prefix not in (callbacks.RESIDENT, callbacks.STAFF):  # PTB lets empty data past any pattern
        return
    with suppress(BadRequest):
        await query.answer()
    service = residents_door(context).service
    lang = await lang_of(service.db, user)
    if prefix == callbacks.STAFF:
        await staff_button(update, context, lang, parts)
        raise ApplicationHandlerStop
    resident = await service.resident(CHANNEL, str(user.id))
    t = tr(lang)
    if resident is None:
        await say(update, context, Reply(t._("You are not registered as a resident.")))
        raise ApplicationHandlerStop
    action, value = ([*parts, "", ""])[:2]
    await say(update, context, await resident_action(service, lang, resident, action, value))
    raise ApplicationHandlerStop


async def resident_action(
    service: Residents, lang: str, resident: Resident, action: str, value: str
) -> Reply:
    t = tr(lang)
    if action == callbacks.RESIDENT_PAID and value:
        if await service.mark_paid(resident, value):
            return Reply(t._("Thank you! No more payment reminders this month."))
        return Reply(t._("Already marked as paid. No more payment reminders this month."))
    if action == callbacks.RESIDENT_LATER and value:
        moment = await service.remind_tomorrow(resident, value)
        if moment is None:
            return Reply(t._("This month is already marked as paid."))
        local = moment.astimezone(service.zone(resident.centre))
        return Reply(
            t._("All right, I will remind you tomorrow at {time}.").format(time=t.clock(local.time()))
        )
    if action in (callbacks.RESIDENT_MUTE, callbacks.RESIDENT_UNMUTE):
        muted = action == callbacks.RESIDENT_MUTE
        await service.set_muted(resident, muted)
        text = t._("Payment reminders are off.") if muted else t._("Payment reminders are on.")
        return Reply(text, resident_menu(lang, replace(resident, payment_muted=muted)).buttons)
    if action == callbacks.RESIDENT_REMINDERS:
        zone = service.zone(resident.centre)
        lines = []
        for row in await store.resident_schedule(service.db, resident.id):
            local = row.next_at.astimezone(zone)
            what = t._("payment") if row.reminder in (rules.PAYMENT, "later") else t._("duty")
            lines.append(f"• {t.weekday_date(local.date())} {t.clock(local.time())} – {what}")
        return Reply(
            "\n".join([t._("Your next reminders:"), *lines]) if lines else t._("You have no reminders.")
        )
    if action == callbacks.RESIDENT_DUTIES:
        duties = await store.flat_duties(service.db, resident.centre, resident.flat)
        if not duties:
            return Reply(t._("Your flat has no duties with reminders."))
        return Reply("\n".join([t._("Duties of your flat:"), *(duty_line(lang, d) for d in duties)]))
    if action == callbacks.RESIDENT_CONTACT:
        found = service.content.centres.get(resident.centre)
        if found is None:
            return Reply(t._("Please contact the centre."))
        guardian = next((e for e in found.rules if e.id == "guardian"), None)
        lines = [found.centre.name.get(lang), found.centre.address]
        if found.centre.phone:
            lines.append(t._("Phone: {phone}").format(phone=found.centre.phone))
        if guardian is not None:
            lines.append(guardian.text.get(lang))
        return Reply("\n".join(lines))
    return resident_menu(lang, resident)


# --- staff ---------------------------------------------------------------------------------------


async def on_invite(update: Update, context: Context) -> None:
    """/invite FLAT: a single-use deep link that binds whoever opens it to the flat."""
    found = residents_door(context)
    service, user = found.service, update.effective_user
    lang = await lang_of(service.db, user)
    t = tr(lang)
    if user is None or not await staff_only(update, context, lang):
        raise ApplicationHandlerStop
    if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
        await say(update, context, Reply(t._("Please create invitations in a private chat with me.")))
        raise ApplicationHandlerStop
    place = resolve_flat(service.content, context.args[0]) if context.args else None
    if place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
        raise ApplicationHandlerStop
    code = await service.create_invite(*place, created_by=str(user.id))
    expires = (service.clock.now() + service.invite_ttl).astimezone(service.zone(place[0]))
    link = f"https://t.me/{context.bot.username}?start={code}"
    text = t._(
        "Invitation for the flat {flat}. Give this link to one resident; it works once and until {date}:"
    ).format(flat=flat_label(service.content, *place), date=t.long_date(expires.date()))
    await say(update, context, Reply(f"{text}\n{link}"))
    raise ApplicationHandlerStop


def unknown_flat(lang: str, content: Content) -> str:
    names = ", ".join(f"{cid}/{f.id}" for cid, c in sorted(content.centres.items()) for f in c.flats)
    return (
        tr(lang)
        ._("Please name a flat, for example: {example}. Flats: {flats}")
        .format(example="/invite wodzislaw/chronione", flats=names)
    )


async def on_residents(update: Update, context: Context) -> None:
    """/residents FLAT: the flat's residents (numbers only, no names) with remove buttons."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    if not await staff_only(update, context, lang):
        raise ApplicationHandlerStop
    place = resolve_flat(service.content, context.args[0]) if context.args else None
    if place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
        raise ApplicationHandlerStop
    found = await people.flat_residents(service.db, *place)
    if not found:
        await say(update, context, Reply(t._("The flat has no registered residents.")))
        raise ApplicationHandlerStop
    label = t._("Remove #{number}")
    buttons = tuple(
        (
            Button(
                label.format(number=r.id), callbacks.make(callbacks.STAFF, callbacks.STAFF_REMOVE, str(r.id))
            ),
        )
        for r in found
    )
    text = "\n".join([t._("Residents of the flat:"), *(f"#{r.id}" for r in found)])
    await say(update, context, Reply(text, buttons))
    raise ApplicationHandlerStop


async def on_remove(update: Update, context: Context) -> None:
    """/remove NUMBER: remove a resident (the number from /residents)."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    if not await staff_only(update, context, lang):
        raise ApplicationHandlerStop
    await say(
        update, context, Reply(await remove_text(service, lang, context.args[0] if context.args else ""))
    )
    raise ApplicationHandlerStop


async def remove_text(service: Residents, lang: str, number: str) -> str:
    t = tr(lang)
    digits = number.strip().lstrip("#")
    removed = await service.remove(int(digits)) if digits.isdigit() else None
    if removed is None:
        return t._("There is no active resident with this number. See /residents FLAT.")
    return t._("Resident #{number} was removed from the flat; their reminders stopped.").format(
        number=removed.id
    )


async def staff_button(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    if not await staff_only(update, context, lang):
        return
    if parts[:1] == [callbacks.STAFF_REMOVE] and len(parts) == 2:
        await say(update, context, Reply(await remove_text(residents_door(context).service, lang, parts[1])))
    elif parts[:1] == [callbacks.STAFF_DUTY_KIND] and len(parts) == 2:
        await duty_input(update, context, lang, parts[1])


async def on_duty(update: Update, context: Context) -> None:
    """/duty add FLAT (guided steps), /duty list FLAT, /duty remove NUMBER."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    if not await staff_only(update, context, lang):
        raise ApplicationHandlerStop
    args = context.args or []
    action = args[0].lower() if args else ""
    user_data = context.user_data if context.user_data is not None else {}
    user_data.pop(DUTY_STATE, None)
    if action == "remove":
        number = args[1].lstrip("#") if len(args) > 1 else ""
        ok = number.isdigit() and await service.remove_duty(int(number))
        await say(
            update, context, Reply(t._("Duty removed.") if ok else t._("There is no duty with this number."))
        )
        raise ApplicationHandlerStop
    place = resolve_flat(service.content, args[1]) if len(args) > 1 else None
    if action not in ("add", "list"):
        await say(update, context, Reply(t._("Use: /duty add FLAT, /duty list FLAT or /duty remove NUMBER.")))
    elif place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
    elif action == "list":
        duties = await store.flat_duties(service.db, *place)
        text = "\n".join(duty_line(lang, d) for d in duties) or t._("The flat has no duties.")
        await say(update, context, Reply(text))
    else:
        user_data[DUTY_STATE] = {"step": "text", "centre": place[0], "flat": place[1]}
        await say(update, context, Reply(t._("Write the duty in Polish, e.g. “Sprzątanie kuchni”.")))
    raise ApplicationHandlerStop


async def on_duty_step(update: Update, context: Context) -> None:
    """A typed answer in the /duty add steps; other text goes on to the dialogue."""
    message = update.effective_message
    state = context.user_data.get(DUTY_STATE) if context.user_data is not None else None
    if message is None or message.text is None or not isinstance(state, dict):
        return
    lang = await lang_of(residents_door(context).service.db, update.effective_user)
    await duty_input(update, context, lang, message.text)
    raise ApplicationHandlerStop


async def duty_input(update: Update, context: Context, lang: str, text: str) -> None:
    t = tr(lang)
    state = context.user_data.get(DUTY_STATE) if context.user_data is not None else None
    if not isinstance(state, dict):
        return
    step = state.get("step")
    if step == "text":
        if not text.strip():
            return
        state.update(step="kind", text=text.strip()[:200])
        kinds = (
            (
                Button(t._("Weekly"), callbacks.make(callbacks.STAFF, callbacks.STAFF_DUTY_KIND, "weekly")),
                Button(t._("Monthly"), callbacks.make(callbacks.STAFF, callbacks.STAFF_DUTY_KIND, "monthly")),
            ),
        )
        await say(update, context, Reply(t._("How often?"), kinds))
    elif step == "kind":
        word = text.strip().casefold()
        kind = "weekly" if word in ("weekly", "tydzień", "co tydzień", "tygodniowo") else None
        kind = "monthly" if word in ("monthly", "miesiąc", "co miesiąc", "miesięcznie") else kind
        if kind is None:
            await say(update, context, Reply(t._("Please choose Weekly or Monthly.")))
            return
        state.update(step="day", kind=kind)
        if kind == "weekly":
            await say(update, context, Reply(t._("On which weekday? (e.g. poniedziałek, wt, 3)")))
        else:
            await say(update, context, Reply(t._("On which day of the month? (1-31; 31 means the last day)")))
    elif step == "day":
        day = rules.parse_weekday(text) if state.get("kind") == "weekly" else rules.parse_month_day(text)
        if day is None:
            problem = (
                t._("That is not a weekday. Write e.g. poniedziałek, wtorek or a number 1-7.")
                if state.get("kind") == "weekly"
                else t._("That is not a day of the month. Write a number from 1 to 31.")
            )
            await say(update, context, Reply(problem))
            return
        state.update(step="time", day=day)
        await say(update, context, Reply(t._("At what time? (HH:MM, between 8:00 and 21:00)")))
    elif step == "time":
        at = rules.parse_time(text)
        if at is None or rules.in_quiet_hours(at):
            await say(update, context, Reply(t._("Please write a time between 8:00 and 21:00, e.g. 18:00.")))
            return
        await save_duty(update, context, lang, state, at)


async def save_duty(update: Update, context: Context, lang: str, state: dict[str, Any], at: time) -> None:
    service = residents_door(context).service
    rule = rules.DutyRule("weekly" if state["kind"] == "weekly" else "monthly", int(state["day"]), at)
    duty_id = await service.add_duty(str(state["centre"]), str(state["flat"]), str(state["text"]), rule)
    if context.user_data is not None:
        context.user_data.pop(DUTY_STATE, None)
    duty = await store.get_duty(service.db, duty_id)
    assert duty is not None
    nxt = rules.next_duty(duty_rule(duty), service.clock.now(), service.zone(duty.centre))
    t = tr(lang)
    local = nxt.at.astimezone(service.zone(duty.centre))
    text = t._("Saved: {duty}. First reminder: {date}.").format(
        duty=duty_line(lang, duty), date=f"{t.weekday_date(local.date())} {t.clock(local.time())}"
    )
    await say(update, context, Reply(text))
