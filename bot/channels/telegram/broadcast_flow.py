"""The /broadcast wizard in Telegram: audience, text, preview, send now or later, cancel.

Each step re-checks the role and the broadcast's centre (bot.staff.access); the step waiting for typed
text (the message, or the "send later" time) is stored with the person (bot.flows), so a restart
in the middle continues it. The sending job is bot.channels.telegram.broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from telegram import Update

from bot import callbacks
from bot.broadcasts import audience as audiences
from bot.broadcasts.audience import label as audience_label
from bot.broadcasts.wizard import parse_send_at
from bot.broadcasts.worker import confirm as confirm_broadcast
from bot.channels.telegram.broadcast import _jobs, progress_text, start_job
from bot.channels.telegram.render import MAX_TEXT, escape, keyboard, say, target_of, utf16_len
from bot.channels.telegram.staff_common import (
    Context,
    StaffConfig,
    _door,
    acknowledge,
    audience_channel,
    centre_command,
    edit_or_say,
    gate,
    staff_config,
)
from bot.clock import WARSAW
from bot.flows import BroadcastText, BroadcastTime
from bot.i18n import tr
from bot.replies import Button, Reply
from bot.staff.access import Access, in_centre, record
from storage import broadcasts
from storage.database import Database


def bdata(button: callbacks.BroadcastButton) -> str:
    return callbacks.encode(button)


def cancel_row(t: Any, bid: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t._("Cancel"), bdata(callbacks.CancelBroadcast(bid))),),)


@centre_command("broadcast")
async def on_broadcast(update: Update, context: Context, access: Access, lang: str, centre: str) -> None:
    """/broadcast: choose the audience."""
    t = tr(lang)
    db, channel = _door(context).db, audience_channel(staff_config(context), centre)
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                f"{audience_label(t, choice.key)} ({choice.recipients})",
                bdata(callbacks.ChooseAudience(choice.audience)),
            ),
        )
        for choice in await audiences.offered(db, centre, channel)
    ]
    rows.extend(cancel_row(t, 0))
    await say(update, context, Reply(t._("Who should receive the message?"), tuple(rows)))


# The audited action of each button (the step's typed value, never a word of any message).
ACTIONS: Final[dict[type[callbacks.BroadcastButton], str]] = {
    callbacks.ChooseAudience: "broadcast_a",
    callbacks.SendNow: "broadcast_ok",
    callbacks.SendLater: "broadcast_at",
    callbacks.CancelBroadcast: "broadcast_x",
}


def _target(button: callbacks.BroadcastButton) -> str:
    if isinstance(button, callbacks.ChooseAudience):
        return callbacks.encode_audience(button.audience)
    return str(button.broadcast)


async def on_broadcast_button(update: Update, context: Context) -> None:
    """Audience, send now, send later, cancel; each re-checks the role and the broadcast's centre."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode(query.data)
    if not isinstance(button, callbacks.BroadcastButton):  # forged or stale: said so, no audit row
        await acknowledge(update)
        await edit_or_say(
            update, context, tr(await context.lang())._("This message was already sent or cancelled.")
        )
        return
    action = ACTIONS[type(button)]
    found = await gate(update, context, action, target=_target(button)[:64])
    if found is None:  # the gate answered the button with "no access"
        return
    await acknowledge(update)
    access, lang = found
    if isinstance(button, callbacks.ChooseAudience):
        await choose_audience(update, context, access, lang, button.audience)
        return
    await broadcast_step(update, context, access, lang, button)


async def broadcast_step(
    update: Update,
    context: Context,
    access: Access,
    lang: str,
    button: callbacks.SendNow | callbacks.SendLater | callbacks.CancelBroadcast,
) -> None:
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    bid, action = button.broadcast, ACTIONS[type(button)]
    item = await broadcasts.get(db, bid) if bid else None
    if item is not None and not await in_centre(db, config.clock, access, action, item.centre, str(bid)):
        await edit_or_say(update, context, t._("Sorry, you have no access to this command."))
        return
    if isinstance(button, callbacks.CancelBroadcast):
        await end_broadcast_flow(context)
        if item is not None and await broadcasts.cancel(db, bid):
            await record(db, config.clock, access, "broadcast_cancel", str(bid))
            for job in _jobs(context, bid):
                job.schedule_removal()
        await edit_or_say(update, context, t._("Cancelled. Nothing was sent."))
        return
    if item is None or item.status != "draft" or item.text is None:
        await edit_or_say(update, context, t._("This message was already sent or cancelled."))
        return
    if isinstance(button, callbacks.SendLater):
        await context.begin(BroadcastTime(bid))  # stored: after a restart "08:00" is still the time
        ask = t._(
            "When should it go? Write a time like 08:00, or a date and time like 2026-12-01 08:00"
            " (Warsaw time)."
        )
        await edit_or_say(update, context, ask, cancel_row(t, bid))
        return
    await end_broadcast_flow(context)
    await send_now(update, context, access, lang, bid)


async def end_broadcast_flow(context: Context) -> None:
    """The sender's broadcast step (text or time) is over."""
    if isinstance(await context.flow(), BroadcastText | BroadcastTime):
        await context.end()


async def choose_audience(
    update: Update, context: Context, access: Access, lang: str, audience: callbacks.Audience
) -> None:
    """The audience: a draft for the actor's centre, then ask for the text."""
    t = tr(lang)
    config, db = staff_config(context), _door(context).db
    if access.centre is None or not await audiences.is_offered(
        db, access.centre, audience, audience_channel(config, access.centre)
    ):
        await edit_or_say(update, context, t._("This message was already sent or cancelled."))
        return
    stored = callbacks.encode_audience(audience)
    bid = await broadcasts.create_draft(db, access.centre, stored, access.user_id, lang, config.clock.now())
    await context.begin(BroadcastText(bid))
    text = t._("Audience: {audience}. Now write the text of the message.").format(
        audience=audience_label(t, stored)
    )
    await edit_or_say(update, context, text, cancel_row(t, bid))


async def send_now(update: Update, context: Context, access: Access, lang: str, bid: int) -> None:
    """Send now: write the outbox and start sending, with a progress message."""
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
    """The outbox, the status and the audit row in one unit of work (bot.broadcasts.worker.confirm)."""
    draft = await broadcasts.get(db, bid)
    if draft is None:
        return None
    channel = audience_channel(config, draft.centre)
    return await confirm_broadcast(db, config.clock, access, bid, send_at, channel)


TypedStep = type[BroadcastText] | type[BroadcastTime]


@dataclass(frozen=True)
class Waiting:
    """What a step waiting for typed text works with, once the role is checked again."""

    access: Access
    lang: str
    item: broadcasts.Broadcast | None  # None when the broadcast is gone
    config: StaffConfig
    db: Database


async def typed_step(
    update: Update, context: Context, step: TypedStep, action: str, bid: int
) -> Waiting | None:
    """The prologue of a step that waits for typed text: the role is checked again (a refused actor's
    step ends, the gate has answered), then the broadcast is read."""
    found = await gate(update, context, action, target=str(bid))
    if found is None:
        await context.end(step)
        return None
    db = _door(context).db
    return Waiting(*found, await broadcasts.get(db, bid), staff_config(context), db)


async def end_step(update: Update, context: Context, step: TypedStep, text: str) -> None:
    """The waiting step cannot go on: it ends, and the actor is told why."""
    await context.end(step)
    await say(update, context, Reply(text))


async def broadcast_text(update: Update, context: Context, bid: int, text: str) -> None:
    """The text of a draft: the preview exactly as recipients will see it, the count, confirm or cancel."""
    step = await typed_step(update, context, BroadcastText, "broadcast_text", bid)
    if step is None:
        return
    t, db, draft = tr(step.lang), step.db, step.item
    if draft is None or draft.status != "draft" or draft.text is not None:
        await end_step(update, context, BroadcastText, t._("This message was already sent or cancelled."))
        return
    if not await in_centre(db, step.config.clock, step.access, "broadcast_text", draft.centre, str(bid)):
        await end_step(update, context, BroadcastText, t._("Sorry, you have no access to this command."))
        return
    text = text.strip()
    if not text or utf16_len(text) > MAX_TEXT:
        await say(
            update,
            context,
            Reply(t._("The message must have between 1 and 4096 characters. Write it again.")),
        )
        return
    await broadcasts.set_text(db, draft.id, text)
    await context.end(BroadcastText)  # the next step is a button (send now / later / cancel)
    await show_preview(update, context, t, db, replace(draft, text=text))


async def show_preview(
    update: Update, context: Context, t: Any, db: Database, draft: broadcasts.Broadcast
) -> None:
    """The draft exactly as recipients will get it, then how many they are, with the buttons."""
    assert draft.text is not None
    text = draft.text
    count = await broadcasts.count_audience(
        db, draft.centre, draft.audience, audience_channel(staff_config(context), draft.centre)
    )
    target = target_of(update)
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
            Button(t._("Send now"), bdata(callbacks.SendNow(draft.id))),
            Button(t._("Send later"), bdata(callbacks.SendLater(draft.id))),
        ),
        *cancel_row(t, draft.id),
    )
    await say(update, context, Reply(question, buttons))


async def broadcast_time(update: Update, context: Context, bid: int, text: str) -> None:
    """The "send later" time of a previewed draft (the step is stored: a restart does not lose it)."""
    step = await typed_step(update, context, BroadcastTime, "broadcast_at", bid)
    if step is None:
        return
    t, db, config, access, item = tr(step.lang), step.db, step.config, step.access, step.item
    if item is None or not await in_centre(db, config.clock, access, "broadcast_at", item.centre, str(bid)):
        await end_step(update, context, BroadcastTime, t._("This message was already sent or cancelled."))
        return
    now = config.clock.now()
    when = parse_send_at(text, now)
    if when is None or when <= now:
        await say(
            update,
            context,
            Reply(t._("I could not read a future time. Write it like 08:00 or 2026-12-01 08:00.")),
        )
        return
    await context.end(BroadcastTime)
    total = await confirm(config, db, access, bid, when)
    if total is None:
        await say(update, context, Reply(t._("This message was already sent or cancelled.")))
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
        reply_markup=keyboard(Reply("", cancel_row(t, bid))),
    )
    await broadcasts.set_progress_message(db, bid, message.chat.id, message.message_id)
