"""The editor's history page (every publish and restore of a centre's files) and restoring a change."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.app import door_of
from bot.channels.web.editor_texts import editor_ui
from bot.channels.web.panel_auth import Staff, gate, no_access
from bot.editor import documents as docs
from bot.editor.service import Refused, Stale
from storage import content_history


def routes() -> list[BaseRoute]:
    from bot.channels.web.editor_centre import routes as centre_routes

    return [
        *centre_routes(),
        Route("/staff/content/{centre}/history", history_page, methods=["GET"]),
        Route("/staff/content/{centre}/history/{change:int}/restore", restore, methods=["POST"]),
    ]


async def history_page(request: Request) -> Response:
    from bot.channels.web.editor import editor_of, page, visible_centres

    centre = request.path_params["centre"]
    staff = await gate(request, "content_history", target=centre)
    if isinstance(staff, Response):
        return staff
    if centre not in visible_centres(request, staff):
        return no_access(request, staff.lang, 403)
    editor = editor_of(request)
    changes = await content_history.of_folder(door_of(request).db, centre)
    versions = {c.path: docs.read(editor.root, c.path).version for c in changes}
    done = request.query_params.get("done")
    ui = editor_ui(staff.lang)
    return page(
        request, staff, "editor_history.html", ui["history"], centre=centre, changes=changes,
        versions=versions, labels={c.id: label(ui, c.path, c.entry) for c in changes},
        notice=ui.get(done) if done in ("restored", "stale", "invalid") else None,
    )


def label(ui: dict[str, str], path: str, entry: str | None) -> str:
    """What a change was to, in words: a form's name, or the entry's short name."""
    if entry == docs.PAYMENT_ENTRY:
        return ui["payment"]
    if entry is None:
        return ui["fees"] if path.endswith("/fees.yaml") else ui["centre_details"]
    return entry


async def restore(request: Request) -> Response:
    """Restoring is a publish: the same version check, validation, write, history and audit."""
    centre = request.path_params["centre"]
    staff = await gate(request, "content_restore", target=centre)
    if isinstance(staff, Response):
        return staff
    return await restore_change(
        request, staff, lambda path: path.startswith(f"{centre}/"), f"/staff/content/{centre}/history"
    )


async def restore_change(
    request: Request, staff: Staff, belongs: Callable[[str], bool], back: str
) -> Response:
    """Restore the change named in the URL if `belongs(its path)`, then back to `back` with the
    outcome; the one tail of a centre's and a shared file's restore."""
    from bot.channels.web.editor import editor_of, read_form

    fields = await read_form(request, staff)
    change = await content_history.get(door_of(request).db, int(request.path_params["change"]))
    if fields is None or change is None or not belongs(change.path):
        return no_access(request, staff.lang, 403)
    try:
        draft = await editor_of(request).restore(staff.access, change.id, fields.get("version", ""))
    except Refused:
        return no_access(request, staff.lang, 403)
    except Stale:
        return RedirectResponse(f"{back}?done=stale", status_code=303)
    outcome = "restored" if not draft.problems else "invalid"
    return RedirectResponse(f"{back}?done={outcome}", status_code=303)
