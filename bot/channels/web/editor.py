"""The content editor in the staff panel: a centre's entries, one form per entry, preview, publish.

Every page passes panel_auth.gate (bot.staff.access.authorize, audited), then bot.editor decides who may
edit which file. A form is never saved when check-content's validation finds a problem: the
problems are shown at their fields and the files stay as they were. The preview asks an Engine
built on the edited, unpublished content, beside today's reply.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web import panel_texts
from bot.channels.web.app import door_of, render
from bot.channels.web.editor_texts import editor_ui, problem_text
from bot.channels.web.panel_auth import MAX_FIELD, Staff, gate, no_access
from bot.conversation.dialogue import Engine, Incoming, State
from bot.domain.content import CentreContent, Content
from bot.editor import documents as docs
from bot.editor import money_forms
from bot.editor.outdated import outdated
from bot.editor.service import Draft, Editor, Refused, Stale
from bot.editor.validate import Problem
from storage import content_history

SECTIONS = ("faq", "rules", "recruitment", "legal", "flats")
NEW = "new"  # the entry part of the address of a new FAQ entry's form


def routes() -> list[BaseRoute]:
    from bot.channels.web.editor_history import routes as history_routes
    from bot.channels.web.editor_shared import routes as shared_routes

    return [
        Route("/staff/content", index, methods=["GET"]),
        *history_routes(),
        *shared_routes(),
        Route("/staff/content/{centre}", centre_page, methods=["GET"]),
        Route("/staff/content/{centre}/{section}/{entry}", entry_page, methods=["GET"]),
        Route("/staff/content/{centre}/{section}/{entry}", entry_post, methods=["POST"]),
    ]


def editor_of(request: Request) -> Editor:
    door = door_of(request)
    assert door.editor is not None
    return door.editor


def visible_centres(request: Request, staff: Staff) -> list[str]:
    centres = sorted(door_of(request).content.centres)
    return centres if staff.access.role == "admin" else [c for c in centres if c == staff.access.centre]


def page(request: Request, staff: Staff, name: str, title: str, status: int = 200, **values: Any) -> Response:
    ui = panel_texts.chrome(staff.lang) | editor_ui(staff.lang)
    return render(
        request, name, status, lang=staff.lang, ui=ui, title=title, current="content", csrf=staff.csrf,
        **values,
    )


async def index(request: Request) -> Response:
    staff = await gate(request, "content")
    if isinstance(staff, Response):
        return staff
    centres = visible_centres(request, staff)
    if len(centres) == 1 and staff.access.role != "admin":
        return RedirectResponse(f"/staff/content/{centres[0]}", status_code=303)
    content = door_of(request).content
    names = [(c, card.name.get(staff.lang)) for c in centres if (card := content.card(c))]  # reads none
    return page(request, staff, "editor_index.html", editor_ui(staff.lang)["content"], centres=names,
                admin=staff.access.role == "admin")


def missing(values: dict[str, str], keys: tuple[str, ...]) -> bool:
    """A translation is missing where Polish is written and another language is not."""
    return any(values.get(f"{k}.pl") and not values.get(f"{k}.{lang}") for k in keys for lang in ("uk", "en"))


async def centre_page(request: Request) -> Response:
    centre = request.path_params["centre"]
    staff = await gate(request, "content", target=centre)
    if isinstance(staff, Response):
        return staff
    if centre not in visible_centres(request, staff):
        return no_access(request, staff.lang, 403)
    editor = editor_of(request)
    sections = []
    for section in SECTIONS:
        doc = docs.read(editor.root, f"{centre}/{section}.yaml")
        rows = []
        for entry in docs.entries_of(doc):
            values = docs.values_of(doc.path, entry)
            label = values.get("title.pl") or values.get("address", "")
            rows.append((str(entry.get("id")), label, missing(values, (*docs.ENTRY_TEXTS, "note"))))
        sections.append((section, rows))
    content = door_of(request).content
    card = content.card(centre)
    title = card.name.get(staff.lang) if card else centre
    notice = editor_ui(staff.lang)["created"] if request.query_params.get("done") == "created" else None
    return page(request, staff, "editor_centre.html", title, centre=centre, sections=sections, notice=notice)


# Sections edited as one form, by their one pseudo entry: (file, entry).
SINGLE = {"centre": ("centre", docs.CENTRE_ENTRY), "fees": ("fees", docs.FEES_ENTRY),
          "payment": ("rules", docs.PAYMENT_ENTRY)}


def section_path(centre: str, section: str, entry: str = "") -> str | None:
    """The file of a section's entry; None where the pair does not exist (the payment form is only
    `payment/_payment`, never an entry of the rules)."""
    if section in SINGLE:
        name, only = SINGLE[section]
        return f"{centre}/{name}.yaml" if entry in ("", only) else None
    if entry.startswith("_"):
        return None
    return f"{centre}/{section}.yaml" if section in SECTIONS else None


def sources_of(centre: CentreContent | None) -> list[str]:
    """The sources already cited in this centre: a source must be one staff can point to."""
    if centre is None:
        return []
    found = {centre.centre.source, centre.fees.source} | {f.source for f in centre.flats}
    for entries in (centre.faq, centre.rules, centre.recruitment, centre.legal):
        found |= {e.source for e in entries}
    return sorted(s for s in found if s)


async def entry_page(request: Request) -> Response:
    found = await _target(request, "content_edit")
    if isinstance(found, Response):
        return found
    staff, path, entry = found
    editor = editor_of(request)
    doc, node = editor.open(path, entry)
    if node is None and entry != NEW:
        return render(request, "message.html", 404, lang=staff.lang, text="404", back="/staff/content")
    values = docs.values_of(path, node, entry) if node is not None else prefilled(request)
    done = request.query_params.get("done")
    notice = editor_ui(staff.lang).get(done) if done in ("published", "restored") else None
    changes = await content_history.of_folder(door_of(request).db, path.split("/")[0], limit=50)
    older = await asyncio.to_thread(outdated, changes, path, entry)
    return form(request, staff, path, entry, values, doc.version, notice=notice, outdated=older)


def prefilled(request: Request) -> dict[str, str]:
    """A new entry from the Unanswered page: the questions people asked (masked) as its keywords."""
    lang, words = request.query_params.get("lang", ""), request.query_params.get("words", "")
    return {f"keywords.{lang}": words[:MAX_FIELD]} if lang in docs.LANGS and words else {}


async def _target(request: Request, action: str) -> tuple[Staff, str, str] | Response:
    centre, section, entry = (request.path_params[k] for k in ("centre", "section", "entry"))
    staff = await gate(request, action, target=f"{centre}/{section}#{entry}")
    if isinstance(staff, Response):
        return staff
    path = section_path(centre, section, entry)
    if path is None or (entry == NEW and section != "faq"):
        return render(request, "message.html", 404, lang=staff.lang, text="404", back="/staff/content")
    try:
        editor_of(request).check(staff.access, path)
    except Refused:
        return no_access(request, staff.lang, 403)
    return staff, path, entry


def form(
    request: Request,
    staff: Staff,
    path: str,
    entry: str,
    values: dict[str, str],
    version: str,
    status: int = 200,
    problems: list[Problem] | None = None,
    **extra: Any,
) -> Response:
    centre, section = path.split("/")[0], request.path_params["section"]
    ui = editor_ui(staff.lang)
    errors = {p.field: problem_text(staff.lang, p.message) for p in problems or [] if p.field}
    general = [(p.where, problem_text(staff.lang, p.message)) for p in problems or [] if not p.field]
    is_centre, is_flat = path.endswith("/centre.yaml"), path.endswith("/flats.yaml")
    is_fees, is_payment = entry == docs.FEES_ENTRY, entry == docs.PAYMENT_ENTRY
    money = money_forms.layout(values) if is_fees else None
    if is_fees or is_payment:  # every field of these forms is in `values`: the others cannot be shown
        tables = money.tables if money is not None else []
        shown = set(values) | {"tables", "notes"} | {f"tables.{n}" for n, _ in tables}
        general += [(f, m) for f, m in errors.items() if f not in shown]
        errors = {f: m for f, m in errors.items() if f in shown}
    named = values.get("title.pl") or values.get("address") or ui["add_faq"]
    title = ui["centre_details"] if is_centre else named
    title = ui["fees"] if is_fees else ui["payment"] if is_payment else title
    editor = editor_of(request)
    groups = docs.group_ids(docs.read(editor.root, path)) if is_flat else []
    texts = (
        docs.CENTRE_TEXTS if is_centre else ("note",) if is_flat else money_forms.FEE_TEXTS if is_fees
        else ("text",) if is_payment else docs.ENTRY_TEXTS
    )
    return page(
        request, staff, "editor_entry.html", title, status,
        centre=centre, section=section, entry=entry, values=values,
        version=version, errors=errors, general=general, is_centre=is_centre, is_new=entry == NEW,
        texts=texts, days=docs.DAYS, is_flat=is_flat, groups=groups, kinds=docs.FLAT_KINDS,
        is_fees=is_fees, is_payment=is_payment, money=money, bases=money_forms.BASES,
        sources=sources_of(door_of(request).content.centres.get(centre)),
        notice=extra.pop("notice", None), alert=extra.pop("alert", None), preview=extra.pop("preview", None),
        question=extra.pop("question", ""), preview_lang=extra.pop("preview_lang", staff.lang),
        outdated=extra.pop("outdated", set()),
    )


async def read_form(request: Request, staff: Staff, max_size: int = MAX_FIELD) -> dict[str, str] | None:
    """The editor's form (more fields than the panel's other forms); None when the CSRF token is wrong."""
    # The fees form has a field per bracket of every table: far more than the other forms.
    async with request.form(max_files=0, max_fields=400, max_part_size=max(16 * 1024, max_size * 4)) as data:
        fields = {key: str(value)[:max_size] for key, value in data.items() if isinstance(value, str)}
    return fields if hmac.compare_digest(fields.get("csrf", ""), staff.csrf) else None


async def entry_post(request: Request) -> Response:
    found = await _target(request, "content_edit")
    if isinstance(found, Response):
        return found
    staff, path, entry = found
    fields = await read_form(request, staff)
    if fields is None:
        return no_access(request, staff.lang, 403)
    editor = editor_of(request)
    version = fields.get("version", "")
    if entry == NEW:
        entry = fields.get("id", "").strip()
        taken = editor.open(path, entry)[1] is not None
        if not entry or taken:  # a new entry must never overwrite an existing one
            problem = Problem("id", "duplicate id" if taken else "missing key 'id'")
            alert = editor_ui(staff.lang)["invalid"]
            return form(request, staff, path, NEW, fields, version, 422, [problem], alert=alert)
    if fields.get("action") == "preview":
        draft = await editor.draft(path, entry, fields)
        shown = await preview(request, staff, path, draft, fields)
        return form(request, staff, path, request.path_params["entry"], fields, version,
                    422 if draft.problems else 200, draft.problems, **shown)
    return await publish(request, staff, path, entry, fields)


async def publish(request: Request, staff: Staff, path: str, entry: str, fields: dict[str, str]) -> Response:
    editor = editor_of(request)
    ui = editor_ui(staff.lang)
    try:
        draft = await editor.publish(staff.access, path, entry, fields, fields.get("version", ""))
    except Stale as stale:
        return form(request, staff, path, request.path_params["entry"], stale.values, stale.version, 409,
                    alert=ui["stale"])
    except Refused:
        return no_access(request, staff.lang, 403)
    if draft.problems:
        return form(request, staff, path, request.path_params["entry"], fields, fields.get("version", ""),
                    422, draft.problems, alert=ui["invalid"])
    centre, section = path.split("/")[0], request.path_params["section"]
    return RedirectResponse(f"/staff/content/{centre}/{section}/{entry}?done=published", status_code=303)


async def preview(
    request: Request, staff: Staff, path: str, draft: Draft, fields: dict[str, str]
) -> dict[str, Any]:
    """Today's reply and the reply the edited content would give, to the same question."""
    question = fields.get("question", "").strip()[:500]
    chosen = fields.get("preview_lang", "")
    lang = chosen if chosen in docs.LANGS else staff.lang
    values: dict[str, Any] = {"question": question, "preview_lang": lang}
    if not question:
        return values
    centre = path.split("/")[0]
    door = door_of(request)
    today = await asyncio.to_thread(reply_of, door.content, door.clock, centre, lang, question)
    after = await asyncio.to_thread(reply_of, draft.content, door.clock, centre, lang, question) \
        if draft.content is not None else None
    values["preview"] = (today, after)
    return values


def reply_of(content: Content, clock: Any, centre: str, lang: str, question: str) -> str:
    outcome = Engine(content, clock).respond(State(centre, lang), Incoming(text=question))
    return "\n\n".join(reply.text for reply in outcome.replies)
