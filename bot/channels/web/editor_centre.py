"""Adding a centre from the panel (administrators): the same folder as `python -m bot new-centre`."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.editor_texts import editor_ui
from bot.channels.web.panel_auth import gate, no_access
from bot.domain.loader import ContentError
from bot.editor import documents as docs
from bot.editor.new_centre import NewCentre, create_centre
from bot.staff import record


def routes() -> list[BaseRoute]:
    return [
        Route("/staff/content/new-centre", new_centre_page, methods=["GET"]),
        Route("/staff/content/new-centre", new_centre, methods=["POST"]),
    ]


async def new_centre_page(request: Request) -> Response:
    from bot.channels.web.editor import page

    staff = await gate(request, "content_new_centre", need="admin")
    if isinstance(staff, Response):
        return staff
    return page(request, staff, "editor_new_centre.html", editor_ui(staff.lang)["new_centre"],
                values={}, days=docs.DAYS, error=None)


async def new_centre(request: Request) -> Response:
    from bot.channels.web.app import door_of
    from bot.channels.web.editor import editor_of, page, read_form

    staff = await gate(request, "content_new_centre", need="admin")
    if isinstance(staff, Response):
        return staff
    fields = await read_form(request, staff)
    if fields is None:
        return no_access(request, staff.lang, 403)
    centre = NewCentre(
        id=fields.get("id", "").strip(),
        name=fields.get("name", "").strip(),
        city=fields.get("city", "").strip(),
        address=fields.get("address", "").strip(),
        phone=fields.get("phone", "").strip(),
        hours={d: [s.strip() for s in fields.get(f"hours.{d}", "").split(",") if s.strip()] for d in docs.DAYS
               if fields.get(f"hours.{d}", "").strip()},
    )
    editor = editor_of(request)
    ui = editor_ui(staff.lang)
    door = door_of(request)
    try:
        async with editor.lock:
            await asyncio.to_thread(create_centre, editor.root, centre)
            async with door.db.transaction():  # the other processes show the new centre too
                await editor.sync.announce()
                await record(door.db, door.clock, staff.access, "content_new_centre", centre.id)
            await editor.reload()
    except ValueError:
        error = ui["exists"]
    except ContentError as exc:
        error = "; ".join(p.split(": ", 1)[-1] for p in exc.problems[:5])
    else:
        return RedirectResponse(f"/staff/content/{centre.id}?done=created", status_code=303)
    return page(request, staff, "editor_new_centre.html", ui["new_centre"], 422,
                values=fields, days=docs.DAYS, error=error)
