"""Staff commands about residents and duties: `/invite FLAT`, `/residents FLAT`, `/remove NUMBER`,
`/duty add|list|remove`, and their buttons. The steps of `/duty add` are bot.residents.duty_wizard; the step
a person is at is stored with them (bot.flows), so a restart continues it.

Every step goes through `staff_only` (bot.staff.access: role, then the object's centre): staff act only on
flats, residents and duties of their own centre, administrators everywhere (audited). The guided
`/duty add` checks both again at every step, so a member removed half-way cannot save the duty.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any, TypeAlias

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import callbacks
from bot.channels.telegram.render import say
from bot.channels.telegram.residents import (
    Context,
    duty_line,
    flat_label,
    residents_door,
    staff_only,
)
from bot.domain import reminders as rules
from bot.domain.content import Content
from bot.flows import DutyWizard
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.residents import duty_wizard
from bot.residents.flats import resolve_flat
from bot.residents.schedule import duty_rule
from bot.residents.service import Residents
from bot.staff.access import Access, record
from storage import reminders as store
from storage import residents as people


def unknown_flat(lang: str, content: Content) -> str:
    names = ", ".join(f"{cid}/{f.id}" for cid, c in sorted(content.centres.items()) for f in c.flats)
    return (
        tr(lang)
        ._("Please name a flat, for example: {example}. Flats: {flats}")
        .format(example="/invite wodzislaw/chronione", flats=names)
    )


async def staff_for_flat(
    update: Update, context: Context, lang: str, action: str, named: str | None
) -> tuple[Access, tuple[str, str] | None] | None:
    """The flat `named` in the command (None when it names none we know) and the actor's access to its
    centre; None, already answered, when the actor may not act there."""
    service = residents_door(context).service
    place = resolve_flat(service.content, named) if named is not None else None
    where = "/".join(place) if place else ""
    access = await staff_only(update, context, lang, action, place[0] if place else None, where)
    return None if access is None else (access, place)


Place: TypeAlias = tuple[str, str] | None  # (centre, flat), None when the command names no flat we know
FlatHandler: TypeAlias = Callable[[Update, Context, str, Access, Place], Awaitable[None]]
Handler: TypeAlias = Callable[[Update, Context], Coroutine[Any, Any, None]]


def flat_command(action: str) -> Callable[[FlatHandler], Handler]:
    """The prologue of a `/command FLAT`: the flat named first (None when it names none we know),
    then the actor's role and access to its centre (`staff_for_flat`, audited); the handler runs with
    the sender's language, the Access and the flat, or not at all (the actor was told)."""

    def wrap(handler: FlatHandler) -> Handler:
        @functools.wraps(handler)
        async def with_flat(update: Update, context: Context) -> None:
            lang = await context.lang()
            named = next(iter(context.args or []), None)
            found = await staff_for_flat(update, context, lang, action, named)
            if found is not None:
                await handler(update, context, lang, *found)

        return with_flat

    return wrap


@flat_command("invite")
async def on_invite(update: Update, context: Context, lang: str, access: Access, place: Place) -> None:
    """/invite FLAT: a single-use deep link that binds whoever opens it to the flat."""
    service = residents_door(context).service
    t = tr(lang)
    if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
        await say(update, context, Reply(t._("Please create invitations in a private chat with me.")))
        return
    if place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
        return
    code = await service.create_invite(*place, created_by=str(access.user_id))
    await record(service.db, service.clock, access, "invite_create", "/".join(place))
    expires = (service.clock.now() + service.invite_ttl).astimezone(service.zone(place[0]))
    link = f"https://t.me/{context.bot.username}?start={code}"
    text = t._(
        "Invitation for the flat {flat}. Give this link to one resident; it works once and until {date}:"
    ).format(flat=flat_label(service.content, *place), date=t.long_date(expires.date()))
    await say(update, context, Reply(f"{text}\n{link}"))


@flat_command("residents")
async def on_residents(update: Update, context: Context, lang: str, access: Access, place: Place) -> None:
    """/residents FLAT: the flat's residents (numbers only, no names) with remove buttons."""
    service = residents_door(context).service
    t = tr(lang)
    if place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
        return
    found = await people.flat_residents(service.db, *place)
    if not found:
        await say(update, context, Reply(t._("The flat has no registered residents.")))
        return
    label = t._("Remove #{number}")
    buttons = tuple(
        (Button(label.format(number=r.id), callbacks.encode(callbacks.RemoveResident(r.id))),) for r in found
    )
    text = "\n".join([t._("Residents of the flat:"), *(f"#{r.id}" for r in found)])
    await say(update, context, Reply(text, buttons))


async def on_remove(update: Update, context: Context) -> None:
    """/remove NUMBER: remove a resident (the number from /residents)."""
    await remove_resident(update, context, context.args[0] if context.args else "")


async def remove_resident(update: Update, context: Context, number: str) -> None:
    """Remove the resident with this number, if the actor may act in the resident's centre."""
    service = residents_door(context).service
    lang = await context.lang()
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


async def on_staff_button(update: Update, context: Context) -> None:
    """Remove a resident, or the Weekly/Monthly answer of /duty add (typed: bot.callbacks)."""
    query = update.callback_query
    if query is None:
        return
    with suppress(BadRequest):
        await query.answer()
    lang = await context.lang()
    button = callbacks.decode(query.data)
    flow = await context.flow()
    if isinstance(button, callbacks.RemoveResident):
        await remove_resident(update, context, str(button.resident))
    elif isinstance(button, callbacks.ChooseDutyKind) and isinstance(flow, DutyWizard):
        await duty_input(update, context, flow, button.kind)
    else:  # forged, or a Weekly/Monthly of a /duty add that is over
        await say(update, context, Reply(tr(lang)._("That button is no longer active.")))


async def on_duty(update: Update, context: Context) -> None:
    """/duty add FLAT (guided steps), /duty list FLAT, /duty remove NUMBER."""
    service = residents_door(context).service
    lang = await context.lang()
    t = tr(lang)
    args = context.args or []
    action = args[0].lower() if args else ""
    if isinstance(await context.flow(), DutyWizard):  # a new /duty command ends a half-entered one
        await context.end(DutyWizard)
    if action == "remove":
        await remove_duty(update, context, lang, args[1] if len(args) > 1 else "")
        return
    name = f"duty_{action}" if action in ("add", "list") else "duty"
    found = await staff_for_flat(update, context, lang, name, args[1] if len(args) > 1 else None)
    if found is None:
        return
    place = found[1]
    if action not in ("add", "list"):
        await say(update, context, Reply(t._("Use: /duty add FLAT, /duty list FLAT or /duty remove NUMBER.")))
    elif place is None:
        await say(update, context, Reply(unknown_flat(lang, service.content)))
    elif action == "list":
        duties = await store.flat_duties(service.db, *place)
        text = "\n".join(duty_line(lang, d) for d in duties) or t._("The flat has no duties.")
        await say(update, context, Reply(text))
    else:
        await context.begin(DutyWizard(place[0], place[1]))
        await say(update, context, duty_wizard.first_question(lang))


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


async def duty_input(update: Update, context: Context, flow: DutyWizard, text: str) -> None:
    """One step of /duty add (bot.residents.duty_wizard); the actor's role and centre are checked again
    first."""
    lang = await context.lang()
    where = f"{flow.centre}/{flow.flat}"
    if await staff_only(update, context, lang, "duty_add", flow.centre, where) is None:
        await context.end(DutyWizard)
        return
    step = duty_wizard.advance(lang, flow, text)
    if step.rule is not None:
        await save_duty(update, context, lang, flow, step.rule)
        return
    if step.next != flow:
        await context.begin(step.next)  # stored: a restart continues at this step
    await say(update, context, *step.replies)


async def save_duty(
    update: Update, context: Context, lang: str, flow: DutyWizard, rule: rules.DutyRule
) -> None:
    service: Residents = residents_door(context).service
    where = f"{flow.centre}/{flow.flat}"
    access = await staff_only(update, context, lang, "duty_add", flow.centre, where)
    if access is None or flow.text is None:
        await context.end(DutyWizard)
        return
    duty_id = await service.add_duty(flow.centre, flow.flat, flow.text, rule)
    await record(service.db, service.clock, access, "duty_add", f"{where}:{duty_id}")
    await context.end(DutyWizard)
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
