"""Staff commands about residents and duties: `/invite FLAT`, `/residents FLAT`, `/remove NUMBER`,
`/duty add|list|remove`, and their buttons.

Every step goes through `staff_only` (bot.staff: role, then the object's centre): staff act only on
flats, residents and duties of their own centre, administrators everywhere (audited). The guided
`/duty add` checks both again at every step, so a member removed half-way cannot save the duty.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.channels.telegram_residents import (
    DUTY_STATE,
    Context,
    duty_line,
    flat_label,
    lang_of,
    residents_door,
    say,
    staff_only,
)
from bot.domain import reminders as rules
from bot.domain.content import Content
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.residents import Residents, duty_rule, resolve_flat
from bot.staff import record
from storage import reminders as store
from storage import residents as people

WEEKLY_WORDS = ("weekly", "tydzień", "co tydzień", "tygodniowo")
MONTHLY_WORDS = ("monthly", "miesiąc", "co miesiąc", "miesięcznie")
MAX_DUTY_TEXT = 200


def unknown_flat(lang: str, content: Content) -> str:
    names = ", ".join(f"{cid}/{f.id}" for cid, c in sorted(content.centres.items()) for f in c.flats)
    return (
        tr(lang)
        ._("Please name a flat, for example: {example}. Flats: {flats}")
        .format(example="/invite wodzislaw/chronione", flats=names)
    )


async def on_invite(update: Update, context: Context) -> None:
    """/invite FLAT: a single-use deep link that binds whoever opens it to the flat."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    place = resolve_flat(service.content, context.args[0]) if context.args else None
    where = "/".join(place) if place else ""
    access = await staff_only(update, context, lang, "invite", place[0] if place else None, where)
    if access is None:
        raise ApplicationHandlerStop
    if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
        await say(update, context, Reply(t._("Please create invitations in a private chat with me.")))
        raise ApplicationHandlerStop
    if place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
        raise ApplicationHandlerStop
    code = await service.create_invite(*place, created_by=str(access.user_id))
    await record(service.db, service.clock, access, "invite_create", where)
    expires = (service.clock.now() + service.invite_ttl).astimezone(service.zone(place[0]))
    link = f"https://t.me/{context.bot.username}?start={code}"
    text = t._(
        "Invitation for the flat {flat}. Give this link to one resident; it works once and until {date}:"
    ).format(flat=flat_label(service.content, *place), date=t.long_date(expires.date()))
    await say(update, context, Reply(f"{text}\n{link}"))
    raise ApplicationHandlerStop


async def on_residents(update: Update, context: Context) -> None:
    """/residents FLAT: the flat's residents (numbers only, no names) with remove buttons."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    place = resolve_flat(service.content, context.args[0]) if context.args else None
    where = "/".join(place) if place else ""
    if await staff_only(update, context, lang, "residents", place[0] if place else None, where) is None:
        raise ApplicationHandlerStop
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
    await remove_resident(update, context, context.args[0] if context.args else "")
    raise ApplicationHandlerStop


async def remove_resident(update: Update, context: Context, number: str) -> None:
    """Remove the resident with this number, if the actor may act in the resident's centre."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    resident_id = callbacks.number(number, 1)
    resident = await people.get_resident_by_id(service.db, resident_id) if resident_id else None
    centre = resident.centre if resident is not None else None
    access = await staff_only(update, context, lang, "remove", centre, str(resident_id or ""))
    if access is None:
        return
    removed = await service.remove(resident_id) if resident is not None and resident_id else None
    if removed is None:
        await say(
            update, context, Reply(t._("There is no active resident with this number. See /residents FLAT."))
        )
        return
    await record(service.db, service.clock, access, "resident_remove", str(removed.id))
    text = t._("Resident #{number} was removed from the flat; their reminders stopped.").format(
        number=removed.id
    )
    await say(update, context, Reply(text))


async def staff_button(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """s:rm:<resident> and s:dk:<weekly|monthly>; anything else is ignored."""
    if parts[:1] == [callbacks.STAFF_REMOVE] and len(parts) == 2:
        await remove_resident(update, context, parts[1])
    elif parts[:1] == [callbacks.STAFF_DUTY_KIND] and len(parts) == 2:
        await duty_input(update, context, lang, parts[1])


async def on_duty(update: Update, context: Context) -> None:
    """/duty add FLAT (guided steps), /duty list FLAT, /duty remove NUMBER."""
    service = residents_door(context).service
    lang = await lang_of(service.db, update.effective_user)
    t = tr(lang)
    args = context.args or []
    action = args[0].lower() if args else ""
    user_data = context.user_data if context.user_data is not None else {}
    user_data.pop(DUTY_STATE, None)
    if action == "remove":
        await remove_duty(update, context, lang, args[1] if len(args) > 1 else "")
        raise ApplicationHandlerStop
    place = resolve_flat(service.content, args[1]) if len(args) > 1 else None
    where = "/".join(place) if place else ""
    name = f"duty_{action}" if action in ("add", "list") else "duty"
    if await staff_only(update, context, lang, name, place[0] if place else None, where) is None:
        raise ApplicationHandlerStop
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


async def remove_duty(update: Update, context: Context, lang: str, number: str) -> None:
    service = residents_door(context).service
    t = tr(lang)
    duty_id = callbacks.number(number, 1)
    duty = await store.get_duty(service.db, duty_id) if duty_id else None
    access = await staff_only(
        update, context, lang, "duty_remove", duty.centre if duty else None, str(duty_id or "")
    )
    if access is None:
        return
    ok = duty is not None and await service.remove_duty(duty.id)
    if ok and duty is not None:
        await record(service.db, service.clock, access, "duty_remove", str(duty.id))
    await say(
        update, context, Reply(t._("Duty removed.") if ok else t._("There is no duty with this number."))
    )


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
    """One step of /duty add; the actor's role and centre are checked again first."""
    state = context.user_data.get(DUTY_STATE) if context.user_data is not None else None
    if not isinstance(state, dict):
        return
    where = f"{state.get('centre')}/{state.get('flat')}"
    if await staff_only(update, context, lang, "duty_add", str(state.get("centre")), where) is None:
        if context.user_data is not None:
            context.user_data.pop(DUTY_STATE, None)
        return
    step = state.get("step")
    if step == "text":
        await duty_text_step(update, context, lang, state, text)
    elif step == "kind":
        await duty_kind_step(update, context, lang, state, text)
    elif step == "day":
        await duty_day_step(update, context, lang, state, text)
    elif step == "time":
        at = rules.parse_time(text)
        if at is None or rules.in_quiet_hours(at):
            await say(
                update, context, Reply(tr(lang)._("Please write a time between 8:00 and 21:00, e.g. 18:00."))
            )
            return
        await save_duty(update, context, lang, state, at)


async def duty_text_step(
    update: Update, context: Context, lang: str, state: dict[str, Any], text: str
) -> None:
    t = tr(lang)
    if not text.strip():
        return
    state.update(step="kind", text=text.strip()[:MAX_DUTY_TEXT])
    kinds = (
        (
            Button(t._("Weekly"), callbacks.make(callbacks.STAFF, callbacks.STAFF_DUTY_KIND, "weekly")),
            Button(t._("Monthly"), callbacks.make(callbacks.STAFF, callbacks.STAFF_DUTY_KIND, "monthly")),
        ),
    )
    await say(update, context, Reply(t._("How often?"), kinds))


async def duty_kind_step(
    update: Update, context: Context, lang: str, state: dict[str, Any], text: str
) -> None:
    t = tr(lang)
    word = text.strip().casefold()
    kind = "weekly" if word in WEEKLY_WORDS else "monthly" if word in MONTHLY_WORDS else None
    if kind is None:
        await say(update, context, Reply(t._("Please choose Weekly or Monthly.")))
        return
    state.update(step="day", kind=kind)
    if kind == "weekly":
        await say(update, context, Reply(t._("On which weekday? (e.g. poniedziałek, wt, 3)")))
    else:
        await say(update, context, Reply(t._("On which day of the month? (1-31; 31 means the last day)")))


async def duty_day_step(
    update: Update, context: Context, lang: str, state: dict[str, Any], text: str
) -> None:
    t = tr(lang)
    weekly = state.get("kind") == "weekly"
    day = rules.parse_weekday(text) if weekly else rules.parse_month_day(text)
    if day is None:
        problem = (
            t._("That is not a weekday. Write e.g. poniedziałek, wtorek or a number 1-7.")
            if weekly
            else t._("That is not a day of the month. Write a number from 1 to 31.")
        )
        await say(update, context, Reply(problem))
        return
    state.update(step="time", day=day)
    await say(update, context, Reply(t._("At what time? (HH:MM, between 8:00 and 21:00)")))


async def save_duty(update: Update, context: Context, lang: str, state: dict[str, Any], at: time) -> None:
    service: Residents = residents_door(context).service
    where = f"{state['centre']}/{state['flat']}"
    access = await staff_only(update, context, lang, "duty_add", str(state["centre"]), where)
    if access is None:
        return
    rule = rules.DutyRule("weekly" if state["kind"] == "weekly" else "monthly", int(state["day"]), at)
    duty_id = await service.add_duty(str(state["centre"]), str(state["flat"]), str(state["text"]), rule)
    await record(service.db, service.clock, access, "duty_add", f"{where}:{duty_id}")
    if context.user_data is not None:
        context.user_data.pop(DUTY_STATE, None)
    duty = await store.get_duty(service.db, duty_id)
    if duty is None:
        return
    nxt = rules.next_duty(duty_rule(duty), service.clock.now(), service.zone(duty.centre))
    t = tr(lang)
    local = nxt.at.astimezone(service.zone(duty.centre))
    text = t._("Saved: {duty}. First reminder: {date}.").format(
        duty=duty_line(lang, duty), date=f"{t.weekday_date(local.date())} {t.clock(local.time())}"
    )
    await say(update, context, Reply(text))
