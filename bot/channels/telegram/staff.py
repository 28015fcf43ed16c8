"""Staff tools in Telegram: roles and invites, broadcasts, handover to a person, insights, content reload.

Every staff command goes through `bot.staff.access.authorize` (audited, "no access" for everyone else).
The handlers are registered in the door's one routing table (bot.channels.telegram.routing); the
role gate is the `staff_command` decorator, which injects the actor's Access (`centre_command` adds their
centre, asking one who has none to choose it first). Broadcasts are sent
by `bot.broadcasts.worker.Worker` in a JobQueue job with its own database connection; running and
scheduled broadcasts are picked up again in post_init.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from telegram import Update
from telegram.constants import ChatType

from bot import callbacks
from bot.broadcasts.audience import label as audience_label
from bot.channels.telegram.broadcast import (
    job_name,
    parse_send_at,
    resume_broadcasts,
    telegram_send,
)
from bot.channels.telegram.context import BOT_DATA_KEY, Door, TelegramApp, bot_content
from bot.channels.telegram.menus import set_staff_menu
from bot.channels.telegram.render import say
from bot.channels.telegram.residents import RESIDENTS_KEY, ResidentsDoor
from bot.channels.telegram.staff_common import (
    MAX_PROBLEMS_SHOWN,
    STAFF_INVITE_TTL,
    STAFF_KEY,
    Context,
    StaffConfig,
    _door,
    centre_command,
    staff_command,
    staff_config,
)
from bot.domain.content import Content
from bot.domain.loader import ContentError
from bot.editor.sync import ContentSync, Listener, prepared
from bot.i18n import tr
from bot.replies import Reply
from bot.staff import insights
from bot.staff.access import Access, record
from bot.staff.access import join as join_staff
from bot.staff.panel_links import login_link
from storage import audit, broadcasts, top_unanswered
from storage import staff as staff_store
from storage.stats import stats

SYNC_KEY: Final = "content_sync"  # the process's one ContentSync, in every bot's bot_data (or absent)

# Re-exported for the door, tests and benches that import them from here.
__all__ = [
    "STAFF_KEY",
    "SYNC_KEY",
    "StaffConfig",
    "content_listener",
    "job_name",
    "parse_send_at",
    "resume_broadcasts",
    "telegram_send",
]

# --- roles: /staff and staff invites -----------------------------------------------------------


def _staff_target(context: Context) -> str | None:
    return " ".join((context.args or [])[:2])[:64] or None


@staff_command("staff", "admin", _staff_target)
async def on_staff(update: Update, context: Context, access: Access, lang: str) -> None:
    """/staff (list), /staff invite <centre>, /staff remove <id>: administrators only."""
    args = context.args or []
    t = tr(lang)
    db, config = _door(context).db, staff_config(context)
    centres = _door(context).content.centres
    if args[:1] == ["invite"] and len(args) >= 2 and args[1] in centres:
        code = staff_store.new_code()
        now = config.clock.now()
        await staff_store.add_invite(db, code, args[1], access.user_id, now, now + STAFF_INVITE_TTL)
        await record(db, config.clock, access, "staff_invite", args[1])
        link = f"https://t.me/{context.bot.username}?start={code}"
        text = t._(
            "A one-time staff invitation for {centre}, valid for 7 days. Send this link to the person:"
        ).format(centre=args[1])
        await say(update, context, Reply(f"{text}\n{link}"))
    elif args[:1] == ["remove"] and len(args) >= 2 and (member := callbacks.number(args[1], 1)) is not None:
        removed = await staff_store.remove_staff(db, member)
        await record(db, config.clock, access, "staff_remove", str(member))
        if removed:  # their private menu is the public one again (errors are logged, not raised)
            await set_staff_menu(context.application, config.settings, db, member)
        text = t._("Removed from the staff.") if removed else t._("There is no staff member with this id.")
        await say(update, context, Reply(text))
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
        await say(update, context, Reply("\n".join(lines)))


async def on_staff_invite(update: Update, context: Context) -> None:
    """/start st_<code>: the deep link of a staff invitation."""
    user = update.effective_user
    code = context.args[0] if context.args else ""
    if user is None or not staff_store.is_staff_code(code):
        return
    config, db = staff_config(context), _door(context).db
    t = tr(await context.lang())
    # One unit of work, refusals audited; the member's centre is remembered as this bot's user's.
    result = await join_staff(db, config.clock, code, user.id, _door(context).channel)
    if isinstance(result, staff_store.StaffMember):
        context.forget_person()  # its centre changed
        await set_staff_menu(context.application, config.settings, db, user.id)  # the staff commands
        text = t._(
            "Welcome to the staff of {centre}. Commands: /broadcast, /unanswered, /stats, /reload, /panel."
        ).format(centre=result.centre)
    else:
        text = {
            "unknown": t._("This staff invitation is not valid."),
            "used": t._("This staff invitation has already been used."),
            "expired": t._("This staff invitation has expired."),
        }[result]
    await say(update, context, Reply(text))


# --- insights and reload -----------------------------------------------------------------------


@centre_command("unanswered")
async def on_unanswered(update: Update, context: Context, access: Access, lang: str, centre: str) -> None:
    """/unanswered: the most frequent questions of the staff member's centre that fell to the fallback."""
    t = tr(lang)
    top = await top_unanswered(_door(context).db, centre, 20, staff_config(context).clock.now())
    if not top:
        await say(update, context, Reply(t._("No unanswered questions yet.")))
    else:
        lines = [t._("Questions I could not answer ({centre}), most frequent first:").format(centre=centre)]
        lines += [f"{count}× [{qlang}] {text}" for text, qlang, count in top]
        await say(update, context, Reply("\n".join(lines)))


@staff_command("stats")
async def on_stats(update: Update, context: Context, access: Access, lang: str) -> None:
    """/stats: staff see their centre only, administrators every centre (users, residents, reminders)."""
    t = tr(lang)
    db = _door(context).db
    scope = None if access.role == "admin" else access.centre
    if scope is None and access.role != "admin":
        await say(update, context, Reply(t._("Choose your centre first with /centre.")))
        return
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
    lines += await insights.stats_lines(t, db, _door(context).content, scope)  # issue 11: 👍/👎
    await say(update, context, Reply("\n".join(lines)))


@staff_command("reload")
async def on_reload(update: Update, context: Context, access: Access, lang: str) -> None:
    """/reload: read content/ again and swap it into every bot and door of this process, and announce
    it so every other process reloads too (the process's ContentSync); on any error keep the running
    content everywhere and show file:line lines. Without a ContentSync (one Application built apart,
    e.g. in tests) only this bot reloads."""
    t = tr(lang)
    config = staff_config(context)
    sync = context.bot_data.get(SYNC_KEY)
    try:
        if isinstance(sync, ContentSync):
            await sync.reload_everywhere()
        else:
            swap_into(context.bot_data, await prepared(config.settings.content_dir))
    except ContentError as exc:
        await audit.record(
            _door(context).db, config.clock.now(), access.user_id, access.role, "reload", "errors", "failed"
        )
        shown = exc.problems[:MAX_PROBLEMS_SHOWN]
        text = "\n".join([t._("The content has errors; I keep the running content."), *shown])
        await say(update, context, Reply(text))
        return
    await record(_door(context).db, config.clock, access, "reload", "ok")
    await say(update, context, Reply(t._("Content reloaded.")))


def content_listener(application: TelegramApp) -> Listener:
    """The Telegram door's half of a reload: its engine and the residents' service, each with this
    bot's centres only (`bot_content`; a named bot's share reads none of them until used)."""

    def swap(content: Content) -> None:
        swap_into(application.bot_data, content)

    return swap


def swap_into(bot_data: Mapping[Any, Any], content: Content) -> None:
    config = bot_data.get(STAFF_KEY)
    if isinstance(config, StaffConfig):
        content = bot_content(content, config.settings)
    found = bot_data.get(BOT_DATA_KEY)
    if isinstance(found, Door):
        found.swap_content(content)
    residents = bot_data.get(RESIDENTS_KEY)
    if isinstance(residents, ResidentsDoor):  # reminders and invites read the same content
        residents.service.content = content


# --- the staff panel ---------------------------------------------------------------------------


@staff_command("panel")
async def on_panel(update: Update, context: Context, access: Access, lang: str) -> None:
    """/panel: a one-time login link to the staff panel, in a private chat only (anyone in a group
    could open a link posted there before the staff member does)."""
    t = tr(lang)
    config = staff_config(context)
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        text = t._("Write /panel to me in a private chat: I never post a login link in a group.")
        await say(update, context, Reply(text))
        return
    if config.panel_url is None:
        text = t._(
            "The staff panel has no web address yet, so I cannot give you a link."
            " An administrator sets it (WEB_PUBLIC_URL)."
        )
        await say(update, context, Reply(text))
        return
    link = await login_link(_door(context).db, config.clock, access.user_id, config.panel_url)
    await record(_door(context).db, config.clock, access, "panel_link", None)
    text = t._("Your login link to the staff panel. It works once, for 10 minutes. Do not forward it:")
    await say(update, context, Reply(f"{text}\n{link}"))
