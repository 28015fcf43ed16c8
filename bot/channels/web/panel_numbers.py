"""The panel's numbers page: charts (pygal, bot.channels.web.charts), each above a table.

Users per week by centre and language, by door; questions per topic and the share answered per
week (counted by the dialogue, storage.question_counts); unanswered questions kept with consent;
reminders; broadcasts. Counts only, never a person. Staff see their centre, administrators all.
Each chart is its own resource, `/staff/numbers/<chart>.svg`, behind the same audited gate as the
page, and shown by the page as an image; its `?v=` is the hash of its numbers, so a browser keeps
it only while they stay the same.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.web import charts, panel_texts
from bot.channels.web.app import WebDoor, door_of, render
from bot.channels.web.panel import centre_scope, page
from bot.channels.web.panel_auth import Staff, gate
from bot.conversation import menus
from bot.domain.content import Content
from bot.i18n import tr
from storage import panel_stats, question_counts

WEEKS = 12
# The charts in the page's order, by the name in their URL (each is also its title's key in ui).
CHARTS = (
    "new_users", "users_by_lang", "by_channel", "by_topic", "answered_share", "unanswered_lang", "reminders",
)
# The chart's own policy: only its inline style (pygal's), nothing to fetch, no script, never framed.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def topic_label(content: Content, lang: str, centre: str, topic: str, fallback: str, every: bool) -> str:
    """A topic in the words users see (the entry's title); the centre's city first for administrators."""
    found = content.centres.get(centre)
    label = fallback if topic == question_counts.FALLBACK else None
    if label is None and found is not None:
        label = menus.key_label(tr(lang), found, topic)
    label = label or topic
    return f"{found.centre.city if found else centre}: {label}" if every else label


async def section(door: WebDoor, staff: Staff, name: str) -> tuple[charts.Data, str]:
    """One chart's numbers, as (label, value) rows, and the unit after each value."""
    scope, now = centre_scope(staff), door.clock.now()
    since = (now - timedelta(weeks=WEEKS)).date()
    if name in ("new_users", "users_by_lang"):
        totals: dict[str, int] = {}
        for week, _, lang, count in await panel_stats.new_users_by_week(door.db, scope, now):
            key = week if name == "new_users" else lang
            totals[key] = totals.get(key, 0) + count
        return sorted(totals.items()), ""
    if name == "by_channel":
        return await panel_stats.users_by_channel(door.db, scope), ""
    if name == "by_topic":
        topics = await question_counts.by_topic(door.db, scope, since)
        every, unanswered = scope is None, panel_texts.chrome(staff.lang)["fallback_topic"]
        return [(topic_label(door.content, staff.lang, c, t, unanswered, every), n) for c, t, n in topics], ""
    if name == "answered_share":
        answered = await question_counts.answered_by_week(door.db, scope, since)
        return [(week, round(100 * yes / (yes + no))) for week, yes, no in answered if yes + no], "%"
    if name == "unanswered_lang":
        return await panel_stats.unanswered_by_lang(door.db, scope), ""
    return await panel_stats.reminders_by_status(door.db, scope), ""


async def numbers_page(request: Request) -> Response:
    staff = await gate(request, "stats")
    if isinstance(staff, Response):
        return staff
    door = door_of(request)
    scope, now = centre_scope(staff), door.clock.now()
    ui = panel_texts.chrome(staff.lang)
    shown = []
    for name in CHARTS:
        data, unit = await section(door, staff, name)
        width, height = charts.size(data)
        src = f"/staff/numbers/{name}.svg?v={charts.digest(data, unit)}"
        shown.append((ui[name], src, width, height, data, unit))
    weekly = await panel_stats.new_users_by_week(door.db, scope, now)
    since = (now - timedelta(weeks=WEEKS)).date()
    answered = await question_counts.answered_by_week(door.db, scope, since)
    broadcasts = await panel_stats.broadcast_outcomes(door.db, scope)
    return page(
        request, staff, "panel_numbers.html", "numbers", ui["numbers"],
        charts=shown, weekly=weekly, answered=answered, broadcasts=broadcasts,
    )  # fmt: skip


async def chart_svg(request: Request) -> Response:
    """One chart as image/svg+xml, for the staff member's own scope (the page's gate and audit)."""
    staff = await gate(request, "stats")
    if isinstance(staff, Response):
        return staff
    name = str(request.path_params["chart"])
    if name not in CHARTS:
        return render(request, "message.html", 404, lang=staff.lang, text="404", back="/staff/numbers")
    data, unit = await section(door_of(request), staff, name)
    headers = {"cache-control": "private, max-age=3600", "content-security-policy": SVG_POLICY}
    return Response(await charts.chart(data, unit), media_type="image/svg+xml", headers=headers)
