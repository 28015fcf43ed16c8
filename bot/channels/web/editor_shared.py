"""The shared files (criteria.yaml, crisis.yaml) for administrators: the whole file in one text box,
validated like every edit (nothing invalid is written), with the version check, the history and
restoring an earlier version (itself a publish, administrators only like every edit here)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.app import door_of
from bot.channels.web.editor_texts import editor_ui, problem_text
from bot.channels.web.panel_auth import gate, no_access
from bot.editor import documents as docs
from bot.editor.files import SHARED_FILES
from bot.editor.service import Refused, Stale
from storage import content_history


def routes() -> list[BaseRoute]:
    return [
        Route("/staff/content/shared/{name}", shared_page, methods=["GET"]),
        Route("/staff/content/shared/{name}", shared_post, methods=["POST"]),
        Route("/staff/content/shared/{name}/history/{change:int}/restore", shared_restore, methods=["POST"]),
    ]


async def shared_page(
    request: Request, text: str | None = None, status: int = 200, **extra: object
) -> Response:
    from bot.channels.web.editor import editor_of, page

    name = request.path_params["name"]
    staff = await gate(request, "content_edit", need="admin", target=name)
    if isinstance(staff, Response):
        return staff
    if name not in SHARED_FILES:
        return render_404(request, staff.lang)
    doc = docs.read(editor_of(request).root, name)
    changes = [c for c in await content_history.of_folder(door_of(request).db, "") if c.path == name][:20]
    done = request.query_params.get("done")
    ui = editor_ui(staff.lang)
    return page(
        request, staff, "editor_shared.html", name, status,
        file=name,
        version=extra.pop("version", doc.version),
        text=doc.original.decode("utf-8") if text is None else text,
        changes=changes,
        notice=ui[done] if done in ("published", "restored", "stale", "invalid") else None,
        alert=extra.pop("alert", None),
        problems=extra.pop("problems", []),
    )


def render_404(request: Request, lang: str) -> Response:
    from bot.channels.web.app import render

    return render(request, "message.html", 404, lang=lang, text="404", back="/staff/content")


async def shared_post(request: Request) -> Response:
    from bot.channels.web.editor import editor_of, read_form

    name = request.path_params["name"]
    staff = await gate(request, "content_edit", need="admin", target=name)
    if isinstance(staff, Response):
        return staff
    fields = await read_form(request, staff, max_size=256 * 1024)
    if fields is None or name not in SHARED_FILES:
        return no_access(request, staff.lang, 403)
    ui = editor_ui(staff.lang)
    try:
        text, version = fields.get("text", ""), fields.get("version", "")
        draft = await editor_of(request).publish_file(staff.access, name, text, version)
    except Refused:
        return no_access(request, staff.lang, 403)
    except Stale as stale:
        return await shared_page(request, None, 409, version=stale.version, alert=ui["stale"])
    if draft.problems:
        problems = [problem_text(staff.lang, p.message) for p in draft.problems]
        return await shared_page(request, fields.get("text", ""), 422, version=fields.get("version", ""),
                                 alert=ui["invalid"], problems=problems)
    return RedirectResponse(f"/staff/content/shared/{name}?done=published", status_code=303)


async def shared_restore(request: Request) -> Response:
    """The file as it was before a recorded change: the same check, validation, write and history."""
    from bot.channels.web.editor_history import restore_change

    name = request.path_params["name"]
    staff = await gate(request, "content_restore", need="admin", target=name)
    if isinstance(staff, Response):
        return staff
    if name not in SHARED_FILES:
        return no_access(request, staff.lang, 403)
    return await restore_change(request, staff, lambda path: path == name, f"/staff/content/shared/{name}")
