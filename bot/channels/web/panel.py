"""The staff panel's pages: tickets (answer, close), unanswered questions, numbers with charts.

Every page and form passes panel_auth.gate (bot.staff.access.authorize: role check and audit row).
Staff see their own centre; administrators see every centre.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web import panel_texts, texts
from bot.channels.web.app import door_of, render
from bot.channels.web.conversation import tell_closed
from bot.channels.web.grouping import Group, group_similar
from bot.channels.web.panel_auth import Staff, form_one, gate, gate_one, login, login_page, logout
from bot.channels.web.panel_broadcasts import routes as broadcast_routes
from bot.conversation import menus
from bot.handover import posts
from bot.handover import tickets as rules
from bot.i18n import tr
from bot.staff.access import record
from storage import staff as staff_store
from storage import tickets, top_unanswered
from storage import web_tickets as store
from storage.ratings import worst_rated

# What the ticket page says after an action (the URL carries only the key, never a text).
DONE = {
    "sent": panel_texts.answer_sent,
    "on_its_way": panel_texts.answer_on_its_way,
    "closed": panel_texts.ticket_closed,
    "assigned": panel_texts.ticket_assigned,
}


def routes() -> list[BaseRoute]:
    from bot.channels.web.panel_numbers import chart_svg, numbers_page

    return [
        Route("/staff", lambda request: RedirectResponse("/staff/tickets", status_code=303)),
        Route("/staff/login", login_page, methods=["GET"]),
        Route("/staff/login/{code}", login_page, methods=["GET"]),
        Route("/staff/login", login, methods=["POST"]),
        Route("/staff/logout", logout, methods=["POST"]),
        Route("/staff/tickets", tickets_page, methods=["GET"]),
        Route("/staff/tickets/{ticket:int}", ticket_page, methods=["GET"]),
        Route("/staff/tickets/{ticket:int}/answer", answer, methods=["POST"]),
        Route("/staff/tickets/{ticket:int}/close", close, methods=["POST"]),
        Route("/staff/tickets/{ticket:int}/assign", assign, methods=["POST"]),
        Route("/staff/unanswered", unanswered_page, methods=["GET"]),
        Route("/staff/numbers", numbers_page, methods=["GET"]),
        Route("/staff/numbers/{chart}.svg", chart_svg, methods=["GET"]),
        *broadcast_routes(),
    ]


def centre_scope(staff: Staff) -> str | None:
    """Staff work in their centre; an administrator sees every centre."""
    return None if staff.access.role == "admin" else staff.access.centre


def page(request: Request, staff: Staff, name: str, current: str, title: str, **values: Any) -> Response:
    ui = panel_texts.chrome(staff.lang)
    return render(
        request, name, lang=staff.lang, ui=ui, title=title, current=current, csrf=staff.csrf, **values
    )


async def tickets_page(request: Request) -> Response:
    staff = await gate(request, "panel_tickets")
    if isinstance(staff, Response):
        return staff
    found = await store.list_tickets(door_of(request).db, centre_scope(staff))
    ui = panel_texts.chrome(staff.lang)
    return page(request, staff, "panel_tickets.html", "tickets", ui["tickets"], tickets=found)


async def _visible_ticket(request: Request, staff: Staff) -> store.TicketRow | None:
    wanted = int(request.path_params["ticket"])
    scope = centre_scope(staff)
    rows = await store.list_tickets(door_of(request).db, scope, limit=10_000)
    return next((row for row in rows if row.id == wanted), None)


async def ticket_page(request: Request) -> Response:
    found = await gate_one(request, "panel_ticket", "ticket", _visible_ticket, "/staff/tickets")
    if isinstance(found, Response):
        return found
    staff, ticket = found
    ui = panel_texts.chrome(staff.lang)
    lines = await store.lines(door_of(request).db, ticket.id) if ticket.door == "web" else []
    done = DONE.get(request.query_params.get("done", ""))
    return page(
        request,
        staff,
        "panel_ticket.html",
        "tickets",
        ui["ticket"].format(id=ticket.id),
        ticket=ticket,
        lines=lines,
        done=done(staff.lang) if done else None,
        max_answer=texts.MAX_TEXT * 4,
        colleagues=await colleagues(request, ticket.centre),
    )


async def colleagues(request: Request, centre: str | None) -> list[int]:
    """Who may take a ticket of this centre: its staff members and the administrators."""
    door = door_of(request)
    members = await staff_store.list_staff(door.db, centre)
    return sorted({m.user_id for m in members} | set(door.settings.staff_admin_ids))


async def assign(request: Request) -> Response:
    """Hand the ticket to a colleague (audited); they hear of it in Telegram (bot.handover.posts)."""
    found = await form_one(request, "ticket_assign", "ticket", _visible_ticket)
    if isinstance(found, Response):
        return found
    staff, fields, ticket = found
    chosen = fields.get("user", "")
    if ticket is None or not chosen.isdigit() or int(chosen) not in await colleagues(request, ticket.centre):
        return RedirectResponse(f"/staff/tickets/{request.path_params['ticket']}", status_code=303)
    door = door_of(request)
    await store.assign(door.db, ticket.id, int(chosen), staff.access.user_id, door.clock.now())
    await record(door.db, door.clock, staff.access, "ticket_assign", f"{ticket.id}:{chosen}")
    if int(chosen) != staff.access.user_id:
        url = f"{door.web.public_url}/staff/tickets/{ticket.id}"
        said = panel_texts.handed_to_you(staff.lang, ticket.id, url)
        await posts.notice(door.settings, door.db, door.clock, ticket.id, int(chosen), said)
        door.wake_telegram()
    return RedirectResponse(f"/staff/tickets/{ticket.id}?done=assigned", status_code=303)


async def answer(request: Request) -> Response:
    found = await form_one(request, "ticket_reply", "ticket", _visible_ticket)
    if isinstance(found, Response):
        return found
    _, fields, ticket = found
    text = fields.get("text", "").strip()
    if ticket is None or ticket.status == "closed" or not text:
        return RedirectResponse(f"/staff/tickets/{request.path_params['ticket']}", status_code=303)
    outcome = await relay_answer(request, ticket, text)
    return RedirectResponse(f"/staff/tickets/{ticket.id}?done={outcome}", status_code=303)


async def relay_answer(request: Request, ticket: store.TicketRow, text: str) -> str:
    """To the user's door: a web ticket keeps the line for the chat; a Telegram user's answer is
    left for the Telegram door (bot.handover.posts), whichever process runs it."""
    door = door_of(request)
    if ticket.door == "web":
        await store.add_line(door.db, ticket.id, "staff", text, door.clock.now())
        return "sent"
    found = await tickets.get(door.db, ticket.id)
    if found is None:
        return "sent"
    lang = ticket.lang or "pl"
    header = texts.staff_answer(lang, ticket.id)
    await posts.to_user(door.db, door.clock, ticket.id, found.user_chat, lang, header, text)
    door.wake_telegram()
    return "on_its_way"


async def close(request: Request) -> Response:
    found = await form_one(request, "ticket_close", "ticket", _visible_ticket)
    if isinstance(found, Response):
        return found
    _, _, ticket = found
    if ticket is not None and ticket.status != "closed":
        door = door_of(request)
        if (await rules.close(door.db, door.clock, ticket.id)).was_open:
            await tell_closed(door, ticket.id)  # the staff chat hears it, whichever side closed it
        stored = await tickets.get(door.db, ticket.id) if ticket.door == "telegram" else None
        if stored is not None:
            said = texts.ticket_closed(ticket.lang or "pl", ticket.id)
            await posts.notice(door.settings, door.db, door.clock, ticket.id, stored.user_chat, said)
            door.wake_telegram()
    return RedirectResponse(f"/staff/tickets/{request.path_params['ticket']}?done=closed", status_code=303)


async def unanswered_page(request: Request) -> Response:
    staff = await gate(request, "unanswered")
    if isinstance(staff, Response):
        return staff
    door = door_of(request)
    centres = [staff.access.centre] if centre_scope(staff) else sorted(door.content.centres)
    rows = [(c, *row) for c in centres if c for row in await top_unanswered(door.db, c, 200)]
    ui = panel_texts.chrome(staff.lang)
    groups = group_similar(rows)
    rated = [(rating, rated_label(request, staff, rating.key)) for rating in await worst_rated(
        door.db, centre_scope(staff), 30
    )]
    prefill = [new_answer_url(group) for group in groups]
    return page(
        request, staff, "panel_unanswered.html", "unanswered", ui["unanswered"], groups=groups, rated=rated,
        prefill=prefill,
    )


def new_answer_url(group: Group) -> str:
    """The editor's new FAQ form with the group's (masked) wordings as the keywords of its language."""
    words = ", ".join(text.replace(",", " ") for text in [group.text, *group.variants[:5]])
    return f"/staff/content/{group.centre}/faq/new?" + urlencode({"lang": group.lang, "words": words})


def rated_label(request: Request, staff: Staff, key: str) -> str:
    """The answer's title as users see it in the staff member's centre; the key where none is known."""
    content = door_of(request).content
    centre = content.centres.get(staff.access.centre or "")
    return (menus.key_label(tr(staff.lang), centre, key) if centre else None) or key
