"""Staff tools in Telegram: roles and invites, broadcasts, handover to a person, insights, content reload.

Every staff command goes through `bot.staff.authorize` (audited, "no access" for everyone else).
The handlers sit in their own group before the residents' and the main ones and stop the update
when they answer it. Broadcasts are sent by `bot.broadcast.Worker` in a JobQueue job with its own
database connection; running and scheduled broadcasts are picked up again in post_init.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, ratings
from bot.channels.telegram_broadcast import (
    audience_label,
    broadcast_text,
    broadcast_time,
    job_name,
    on_broadcast,
    on_broadcast_button,
    parse_send_at,
    resume_broadcasts,
    telegram_send,
)
from bot.channels.telegram_residents import RESIDENTS_KEY, ResidentsDoor
from bot.channels.telegram_staff_common import (
    GROUP_STAFF,
    MAX_PROBLEMS_SHOWN,
    STAFF_INVITE_TTL,
    STAFF_KEY,
    Context,
    StaffConfig,
    _door,
    gate,
    lang_of,
    say,
    staff_config,
)
from bot.channels.telegram_tickets import (
    on_ask,
    on_ask_button,
    on_close,
    on_ticket_button,
    open_ticket,
    staff_chat_reply,
    user_ticket_reply,
)
from bot.clock import Clock
from bot.domain import knowledge
from bot.domain.loader import ContentError, load_content
from bot.i18n import tr
from bot.settings import Settings
from bot.staff import join as join_staff
from bot.staff import record
from storage import audit, broadcasts, tickets, top_unanswered
from storage import staff as staff_store
from storage.stats import stats

# Re-exported for the door, tests and benches that import them from here.
__all__ = ["STAFF_KEY", "StaffConfig", "job_name", "parse_send_at", "register_staff_handlers",
           "resume_broadcasts", "telegram_send"]

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


# --- roles: /staff and staff invites -----------------------------------------------------------


async def on_staff(update: Update, context: Context) -> None:
    """/staff (list), /staff invite <centre>, /staff remove <id>: administrators only."""
    args = context.args or []
    access, lang = await gate(update, context, "staff", "admin", " ".join(args[:2])[:64] or None)
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
    elif args[:1] == ["remove"] and len(args) >= 2 and (member := callbacks.number(args[1], 1)) is not None:
        removed = await staff_store.remove_staff(db, member)
        await record(db, config.clock, access, "staff_remove", str(member))
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
    result = await join_staff(db, config.clock, code, user.id)  # one unit of work, refusals audited
    if isinstance(result, staff_store.StaffMember):
        text = t._(
            "Welcome to the staff of {centre}. Commands: /broadcast, /unanswered, /stats, /reload."
        ).format(centre=result.centre)
    else:
        text = {
            "unknown": t._("This staff invitation is not valid."),
            "used": t._("This staff invitation has already been used."),
            "expired": t._("This staff invitation has expired."),
        }[result]
    await say(context, update, text)
    raise ApplicationHandlerStop


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


# --- insights and reload -----------------------------------------------------------------------


async def on_unanswered(update: Update, context: Context) -> None:
    """/unanswered: the most frequent questions of the staff member's centre that fell to the fallback."""
    access, lang = await gate(update, context, "unanswered")
    t = tr(lang)
    if access.centre is None:
        await say(context, update, t._("Choose your centre first with /centre."))
        raise ApplicationHandlerStop
    top = await top_unanswered(_door(context).db, access.centre, 20, staff_config(context).clock.now())
    if not top:
        await say(context, update, t._("No unanswered questions yet."))
    else:
        lines = [
            t._("Questions I could not answer ({centre}), most frequent first:").format(centre=access.centre)
        ]
        lines += [f"{count}× [{qlang}] {text}" for text, qlang, count in top]
        await say(context, update, "\n".join(lines))
    raise ApplicationHandlerStop


async def on_stats(update: Update, context: Context) -> None:
    """/stats: staff see their centre only, administrators every centre (users, residents, reminders)."""
    access, lang = await gate(update, context, "stats")
    t = tr(lang)
    db = _door(context).db
    scope = None if access.role == "admin" else access.centre
    if scope is None and access.role != "admin":
        await say(context, update, t._("Choose your centre first with /centre."))
        raise ApplicationHandlerStop
    found = await stats(db, scope)
    lines = [t._("Users by centre and language:")]
    lines += [f"  {centre or '–'} / {ulang or '–'}: {count}" for centre, ulang, count in found.users]
    lines.append(t._("Active residents:"))
    lines += [f"  {centre}: {count}" for centre, count in found.residents]
    lines.append(
        t._("Reminders sent: {sent}, payments marked paid: {paid}").format(
            sent=found.reminders_sent, paid=found.payments_paid
        )
    )
    recent = await broadcasts.recent(db, scope)
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
    lines += await ratings.stats_lines(t, db, _door(context).content, scope)  # issue 11: 👍/👎
    await say(context, update, "\n".join(lines))
    raise ApplicationHandlerStop


async def on_reload(update: Update, context: Context) -> None:
    """/reload: read content/ again; on any error keep the running content and show file:line lines."""
    access, lang = await gate(update, context, "reload")
    t = tr(lang)
    config = staff_config(context)
    try:
        content = await asyncio.to_thread(load_content, config.settings.content_dir)
        # Indexes and vectors of the new content are built off the event loop; the running
        # content answers meanwhile, and the swap below is one reference.
        await asyncio.to_thread(knowledge.prepare, content)
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
