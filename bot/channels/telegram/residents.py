"""The Telegram side of residents and reminders: invites, the residents' menu, duties, the tick job.

Staff (bot.staff.access.authorize): `/invite FLAT`, `/residents FLAT`, `/remove NUMBER`,
`/duty add|list|remove`.
Residents: `/start <code>` from the invite link, `/resident` (the residents' menu), `/leave`, and the
buttons under each reminder. The handlers are registered in the door's one routing table
(bot.channels.telegram.routing). The reminder tick runs every minute on PTB's JobQueue; its logic
is in bot.residents (service, tick).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final, TypeAlias

from telegram import Bot, Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot import callbacks
from bot.channels.telegram.context import BotContext
from bot.channels.telegram.processes import leading
from bot.channels.telegram.render import Target, say, send_replies
from bot.channels.telegram.staff_common import acting_person
from bot.clock import Clock
from bot.domain import reminders as rules
from bot.domain.content import Content
from bot.i18n import tr
from bot.outgoing import Priority
from bot.replies import Button, Reply
from bot.residents.schedule import settings_grace, settings_invite_ttl
from bot.residents.service import Residents
from bot.residents.tick import Sender
from bot.settings import Settings
from bot.staff.access import REFUSAL_WINDOW, Access, authorize, in_centre
from storage import audit, unanswered, users
from storage import reminders as store
from storage.database import Database
from storage.residents import Resident

log = logging.getLogger("bot.telegram")

RESIDENTS_KEY: Final = "residents"
STOPPING_KEY: Final = "stopping"  # the asyncio.Event set at SIGTERM (bot/channels/telegram/run.py)
TICK_SECONDS: Final = 60
FIRST_TICK_SECONDS: Final = 5  # catch up soon after start
Context: TypeAlias = BotContext


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


async def start_reminders(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    content: Content,
    clock: Clock,
    db: Database,
) -> Residents:
    """Open the service, retry what a crash left in flight, and start the tick (post_init)."""
    service = Residents(db, content, clock, settings_grace(settings), settings_invite_ttl(settings))
    service.lease = timedelta(seconds=settings.claim_lease_seconds)
    # A named bot's tick sends only its own residents' reminders (each bot has its own token and its
    # scheduler); the one bot of TELEGRAM_BOT_TOKEN sends every one, as before.
    service.channel = settings.telegram_channel if settings.bot is not None and settings.bot.name else None
    stopping = application.bot_data.get(STOPPING_KEY)
    if isinstance(stopping, asyncio.Event):
        service.stopping = stopping
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
        target = Target(int(resident.external_id))
        return await send_replies(bot, target, [reply], retry=False, priority=Priority.REMINDER)

    return send


async def tick_job(context: Context) -> None:
    """The JobQueue callback: one tick at the injected clock's `now`."""
    if not leading(context.bot_data):  # another process is the scheduler (telegram/processes.py)
        return
    found = residents_door(context)
    report = await found.service.tick(sender(context.bot))
    # Unanswered questions are kept at most 90 days (bot/conversation/privacy.py); the tick is the
    # daily sweep too.
    await unanswered.purge(found.service.db, found.service.clock.now())
    if report.collected or report.skipped or report.failed or report.blocked:
        log.info(
            "reminder tick: %d due, %d sent, %d skipped, %d failed, %d blocked",
            report.collected,
            report.sent,
            report.skipped,
            report.failed,
            report.blocked,
        )


async def on_anything(update: Update, context: Context) -> None:
    """Any update from a resident marked blocked brings their reminders back (one set lookup otherwise)."""
    user = update.effective_user
    found = context.bot_data.get(RESIDENTS_KEY)
    if user is not None and isinstance(found, ResidentsDoor) and str(user.id) in found.service.blocked:
        await found.service.welcome_back(found.settings.telegram_channel, str(user.id))


# --- helpers -------------------------------------------------------------------------------------


async def staff_only(
    update: Update, context: Context, lang: str, action: str, centre: str | None = None, target: str = ""
) -> Access | None:
    """Staff and administrators only, through the audited checks of bot.staff.access; with `centre`, staff of
    that centre only (administrators everywhere). Everyone else is told so and gets None."""
    found = residents_door(context)
    service = found.service
    access = await authorize(
        found.settings, service.db, service.clock, acting_person(update), action, target=target or None
    )
    if access is not None and (
        centre is None or await in_centre(service.db, service.clock, access, action, centre, target)
    ):
        return access
    await say(update, context, Reply(tr(lang)._("This command is for the centre's staff.")))
    return None


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
    """/start <invite code> (routed here by its length): join the flat."""
    payload = context.args[0] if context.args else ""
    found = residents_door(context)
    service, user = found.service, update.effective_user
    if user is None:
        return
    if payload in service.content.centres:  # a (long) centre id is a deep link to that centre
        from bot.channels.telegram.basics import on_start

        await on_start(update, context)
        return
    lang = await context.lang()
    t = tr(lang)
    result = await service.join(context.door.channel, str(user.id), payload, lang)
    if isinstance(result, Resident):
        now = service.clock.now()
        stored = await users.get_or_create_user(service.db, context.door.channel, str(user.id), now)
        if stored.centre != result.centre:
            await users.set_centre(service.db, stored.id, result.centre, now)
        context.forget_person()
        welcome = t._(
            "Welcome! You are now registered as a resident of the flat {flat}. "
            "I will remind you about payments and duties. Send /leave to stop."
        ).format(flat=flat_label(service.content, result.centre, result.flat))
        await say(update, context, Reply(welcome), resident_menu(lang, result))
    else:
        # Refused codes are audited like refused staff codes, at most once a minute per person.
        await audit.record_refusal(
            service.db, service.clock.now(), user.id, "none", "resident_join", result, REFUSAL_WINDOW
        )
        messages = {
            "unknown": t._("This invitation code is not valid. Please ask the staff for a new link."),
            "used": t._("This invitation has already been used. Please ask the staff for a new link."),
            "expired": t._("This invitation has expired. Please ask the staff for a new link."),
            "flat_gone": t._("The flat of this invitation no longer exists. Please ask the staff."),
        }
        await say(update, context, Reply(messages[result]))


async def on_leave(update: Update, context: Context) -> None:
    service, user = residents_door(context).service, update.effective_user
    if user is None:
        return
    t = tr(await context.lang())
    if await service.leave(context.door.channel, str(user.id)):
        text = t._("You are no longer registered as a resident. I will not send you reminders any more.")
    else:
        text = t._("You are not registered as a resident.")
    await say(update, context, Reply(text))


async def on_resident_menu(update: Update, context: Context) -> None:
    service, user = residents_door(context).service, update.effective_user
    if user is None:
        return
    lang = await context.lang()
    resident = await service.resident(context.door.channel, str(user.id))
    if resident is None:
        await say(
            update,
            context,
            Reply(tr(lang)._("You are not registered as a resident. Ask the staff for an invitation link.")),
        )
    else:
        await say(update, context, resident_menu(lang, resident))


async def on_resident_button(update: Update, context: Context) -> None:
    """The residents' menu and the buttons under reminders (typed: bot.callbacks.ResidentButton)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    with suppress(BadRequest):
        await query.answer()
    service = residents_door(context).service
    lang = await context.lang()
    t = tr(lang)
    button = callbacks.decode(query.data)
    if not isinstance(button, callbacks.ResidentButton):  # forged or stale (a month that is not one)
        await say(update, context, Reply(t._("That button is no longer active.")))
        return
    resident = await service.resident(context.door.channel, str(user.id))
    if resident is None:
        await say(update, context, Reply(t._("You are not registered as a resident.")))
        return
    await say(update, context, await resident_action(service, lang, resident, button))


async def resident_action(
    service: Residents, lang: str, resident: Resident, button: callbacks.ResidentButton
) -> Reply:
    t = tr(lang)
    action, value = button.action, button.month or ""
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
            what = t._("payment") if row.reminder in (rules.PAYMENT, rules.LATER) else t._("duty")
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
