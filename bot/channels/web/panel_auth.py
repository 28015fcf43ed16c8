"""Staff panel logins and the gate every panel page and form goes through.

A one-time link (`python -m bot staff-link ID`, 10 minutes, used once) opens a page with a
"Log in" button: the code is spent only by that POST, so a link preview cannot use it up. The
session cookie (HttpOnly, SameSite=Strict, path /staff) lasts at most 8 hours. Every request then
passes bot.staff.access.authorize, the same audited role check as the Telegram staff commands, so a
member removed in Telegram loses the panel at once.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.web import panel_texts
from bot.channels.web.app import WebDoor, door_of, render
from bot.staff.access import Access, Role, authorize
from storage import panel_links

T = TypeVar("T")
# Loads the one thing a page or form is about (a ticket, a broadcast) as this staff member may see
# it: None when it does not exist or is another centre's.
Loader = Callable[[Request, "Staff"], Awaitable[T | None]]

COOKIE = "staff_session"
MAX_FIELD = 4000  # characters of a staff answer


@dataclass(frozen=True)
class Staff:
    access: Access
    csrf: str
    lang: str


def panel_lang(door: WebDoor) -> str:
    return door.settings.default_lang or "pl"


async def gate(
    request: Request, action: str, need: Role = "staff", target: str | None = None
) -> Staff | Response:
    """The acting staff member, or the response that refuses them (login page or "no access")."""
    door = door_of(request)
    lang = panel_lang(door)
    token = request.cookies.get(COOKIE)
    found = await panel_links.get_session(door.db, token, door.clock.now()) if token else None
    if found is None:
        if request.method != "GET":
            return no_access(request, lang, 401)
        return RedirectResponse("/staff/login", status_code=303)
    access = await authorize(door.settings, door.db, door.clock, found.user_id, action, need, target)
    if access is None:
        return no_access(request, lang, 403)
    return Staff(access, found.csrf, lang)


async def form_gate(
    request: Request, action: str, target: str | None = None
) -> tuple[Staff, dict[str, str]] | Response:
    """A staff form: the gate, then the session's CSRF token; fields are cut to MAX_FIELD."""
    staff = await gate(request, action, target=target)
    if isinstance(staff, Response):
        return staff
    async with request.form(max_files=0, max_fields=8, max_part_size=16 * 1024) as form:
        fields = {key: str(value)[:MAX_FIELD] for key, value in form.items() if isinstance(value, str)}
    if not hmac.compare_digest(fields.get("csrf", ""), staff.csrf):
        return no_access(request, staff.lang, 403)
    return staff, fields


async def gate_one(
    request: Request, action: str, key: str, load: Loader[T], back: str, missing: Response | None = None
) -> tuple[Staff, T] | Response:
    """A page about one thing: the gate (audited, the thing's id as its target), then the thing
    itself, or `missing` (a 404 page leading to `back`) when this staff member may not see it."""
    staff = await gate(request, action, target=str(request.path_params[key]))
    if isinstance(staff, Response):
        return staff
    item = await load(request, staff)
    if item is None:
        return missing or render(request, "message.html", 404, lang=staff.lang, text="404", back=back)
    return staff, item


async def form_one(
    request: Request, action: str, key: str, load: Loader[T]
) -> tuple[Staff, dict[str, str], T | None] | Response:
    """A form about one thing: form_gate (audited, CSRF), its fields, and the thing, if visible."""
    found = await form_gate(request, action, target=str(request.path_params[key]))
    if isinstance(found, Response):
        return found
    staff, fields = found
    return staff, fields, await load(request, staff)


def no_access(request: Request, lang: str, status: int) -> Response:
    text = panel_texts.no_access(lang)
    return render(request, "message.html", status, lang=lang, text=text, back="/staff/login")


async def login_page(request: Request) -> Response:
    door = door_of(request)
    lang = panel_lang(door)
    code = request.path_params.get("code", "")
    ui = panel_texts.chrome(lang)
    return render(request, "panel_login.html", lang=lang, ui=ui, title=ui["login"], code=code[:64])


async def login(request: Request) -> Response:
    """Spend the one-time code and start an 8-hour session."""
    door = door_of(request)
    lang = panel_lang(door)
    async with request.form(max_files=0, max_fields=2, max_part_size=1024) as form:
        code = str(form.get("code") or "")[:64]
    now = door.clock.now()
    user_id = await panel_links.use_link(door.db, code, now) if code else None
    if user_id is None:
        return render(request, "message.html", 403, lang=lang, text=panel_texts.bad_link(lang), back=None)
    token = await panel_links.start_session(door.db, user_id, now)
    response = RedirectResponse("/staff/tickets", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(panel_links.SESSION_TTL.total_seconds()),
        path="/staff",
        httponly=True,
        secure=door.web.cookie_secure,
        samesite="strict",
    )
    return response


async def logout(request: Request) -> Response:
    door = door_of(request)
    token = request.cookies.get(COOKIE)
    if token:
        await panel_links.end_session(door.db, token)
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response
