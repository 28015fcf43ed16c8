"""The panel's numbers page: charts (server-side SVG, bot.channels.web.charts), each beside a table.

Users per week by centre and language, by door; questions per topic and the share answered per
week (counted by the dialogue, storage.question_counts); unanswered questions kept with consent;
reminders; broadcasts. Counts only, never a person. Staff see their centre, administrators all.
"""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from bot import menus
from bot.channels.web import panel_texts
from bot.channels.web.app import door_of
from bot.channels.web.charts import bar_chart
from bot.channels.web.panel import centre_scope, page
from bot.channels.web.panel_auth import gate
from bot.domain.content import Content
from bot.i18n import tr
from storage import panel_stats, question_counts

WEEKS = 12


def topic_label(content: Content, lang: str, centre: str, topic: str, fallback: str, every: bool) -> str:
    """A topic in the words users see (the entry's title); the centre's city first for administrators."""
    found = content.centres.get(centre)
    label = fallback if topic == question_counts.FALLBACK else None
    if label is None and found is not None:
        label = menus.key_label(tr(lang), found, topic)
    label = label or topic
    return f"{found.centre.city if found else centre}: {label}" if every else label


async def numbers_page(request: Request) -> Response:
    staff = await gate(request, "stats")
    if isinstance(staff, Response):
        return staff
    door = door_of(request)
    scope = centre_scope(staff)
    ui = panel_texts.chrome(staff.lang)
    now = door.clock.now()
    weekly = await panel_stats.new_users_by_week(door.db, scope, now)
    by_week: dict[str, int] = {}
    by_lang: dict[str, int] = {}
    for week, _, lang, count in weekly:
        by_week[week] = by_week.get(week, 0) + count
        by_lang[lang] = by_lang.get(lang, 0) + count
    since = (now - timedelta(weeks=WEEKS)).date()
    topics = await question_counts.by_topic(door.db, scope, since)
    every, unanswered = scope is None, ui["fallback_topic"]
    per_topic = [(topic_label(door.content, staff.lang, c, t, unanswered, every), n) for c, t, n in topics]
    answered = await question_counts.answered_by_week(door.db, scope, since)
    shares = [(week, round(100 * yes / (yes + no))) for week, yes, no in answered if yes + no]
    sections: list[tuple[str, list[tuple[str, int]], str]] = [
        (ui["new_users"], sorted(by_week.items()), ""),
        (ui["users_by_lang"], sorted(by_lang.items()), ""),
        (ui["by_channel"], await panel_stats.users_by_channel(door.db, scope), ""),
        (ui["by_topic"], per_topic, ""),
        (ui["answered_share"], shares, "%"),
        (ui["unanswered_lang"], await panel_stats.unanswered_by_lang(door.db, scope), ""),
        (ui["reminders"], await panel_stats.reminders_by_status(door.db, scope), ""),
    ]
    # bar_chart escapes every text it draws, so its SVG can go into the page as markup.
    charts = [(title, Markup(bar_chart(title, data, unit)), data, unit) for title, data, unit in sections]
    broadcasts = await panel_stats.broadcast_outcomes(door.db, scope)
    return page(
        request, staff, "panel_numbers.html", "numbers", ui["numbers"],
        charts=charts, weekly=weekly, answered=answered, broadcasts=broadcasts,
    )  # fmt: skip
