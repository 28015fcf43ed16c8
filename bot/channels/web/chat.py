"""Routes of the web chat: the page (GET), a message (POST: a form post, or JSON for the script),
and new staff answers (GET updates, polled by the script)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import callbacks
from bot.channels.web import conversation, texts
from bot.channels.web.app import WebDoor, door_of, render
from bot.channels.web.conversation import Message
from bot.channels.web.session import (
    COOKIE,
    Entry,
    Transcript,
    csrf_ok,
    csrf_token,
    new_session_id,
    valid_session_id,
)
from bot.conversation.menus import choose_lang
from bot.domain.content import LANGS
from bot.replies import Reply

SESSION_DAYS = 7  # the cookie (and so the visitor's centre and language) lasts a week unless renewed


def routes() -> list[BaseRoute]:
    return [
        Route("/chat/{centre}", page, methods=["GET"]),
        Route("/chat/{centre}", post, methods=["POST"]),
        Route("/chat/{centre}/updates", updates, methods=["GET"]),
    ]


def accepted_lang(request: Request, default: str | None) -> str:
    """The first of pl/uk/en in the browser's Accept-Language, by its q weights."""
    ranked = []
    for position, part in enumerate(request.headers.get("accept-language", "")[:200].split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower()[:2]))
    for _, _, lang in sorted(ranked):
        if lang in LANGS:
            return lang
    return default if default in LANGS else "pl"


def set_session_cookie(door: WebDoor, response: Response, session_id: str) -> None:
    """HttpOnly and SameSite. Over HTTPS the widget's iframe sits on another site, where only a
    SameSite=None cookie (Secure, and Partitioned per embedding site) is sent at all."""
    secure = door.web.cookie_secure
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=SESSION_DAYS * 86400,
        path="/chat",
        httponly=True,
        secure=secure,
        samesite="none" if secure else "lax",
        partitioned=secure,
    )


def entry_json(entry: Entry, lang: str, latest: bool) -> dict[str, Any]:
    ui = texts.chat_chrome(lang)
    return {
        "number": entry.number,
        "author": entry.author,
        "who": ui["you" if entry.author == "user" else entry.author],
        "text": entry.reply.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in entry.reply.buttons]
        if latest
        else [],
    }


def active_from(transcript: Transcript) -> int:
    """Buttons are live only under the answers after the visitor's last message."""
    users_lines = [e.number for e in transcript.entries if e.author == "user"]
    return users_lines[-1] if users_lines else 0


def slow_page(request: Request, lang: str) -> Response:
    return render(request, "message.html", 429, lang=lang, text=texts.slow_down(lang), back=None)


async def page(request: Request) -> Response:
    door = door_of(request)
    url_centre = request.path_params["centre"]
    hint = accepted_lang(request, door.settings.default_lang)
    if url_centre not in door.content.centres:
        return render(request, "message.html", 404, lang=hint, text="404", back=None)
    if not door.address_limit.allow(request.client.host if request.client else "-"):
        return slow_page(request, hint)
    session_id = request.cookies.get(COOKIE)
    fresh = not valid_session_id(session_id)
    if fresh or session_id is None:
        session_id = new_session_id()
    transcript = door.transcripts.get(session_id)
    lang = await conversation.page_lang(door, session_id, hint)
    centre = await conversation.page_centre(door, session_id, url_centre)
    conversation.greet(door, transcript, centre, lang)
    await conversation.resume(door, session_id, transcript, lang)  # the step a stored flow waits for
    await conversation.pull_staff_answers(door, session_id, transcript)
    response = render_chat(request, door, transcript, session_id, url_centre, centre, lang)
    if fresh:
        set_session_cookie(door, response, session_id)
    return response


def render_chat(
    request: Request,
    door: WebDoor,
    transcript: Transcript,
    session_id: str,
    url_centre: str,
    centre: str,
    lang: str,
) -> Response:
    ui = texts.chat_chrome(lang)
    card = door.content.card(centre)  # the card: a page reads no centre's content for its name
    name = card.name.get(lang) if card else ""
    since = active_from(transcript)
    return render(
        request,
        "chat.html",
        lang=lang,
        ui=ui,
        title=ui["title"].format(centre=name),
        action=f"/chat/{url_centre}",
        csrf=csrf_token(door.secret, session_id),
        entries=page_entries(transcript, lang, since),
        langs=choose_lang().all_buttons(),
        lang_codes=[callbacks.split(b.data)[1][0] for b in choose_lang().all_buttons()],
        privacy=conversation.PRIVACY,
        forget=conversation.FORGET,
        max_text=texts.MAX_TEXT,
        embed=request.query_params.get("embed") == "1",
    )


def page_entries(transcript: Transcript, lang: str, since: int) -> list[dict[str, Any]]:
    """Entries for the page; the first answer after the visitor's last message is the #latest anchor."""
    shown = [entry_json(e, lang, e.number > since) for e in transcript.entries]
    first_new = next((e for e in shown if e["number"] > since), shown[-1] if shown else None)
    for entry in shown:
        entry["anchor"] = entry is first_new
    return shown


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def post(request: Request) -> Response:
    door = door_of(request)
    url_centre = request.path_params["centre"]
    hint = accepted_lang(request, door.settings.default_lang)
    if url_centre not in door.content.centres:
        return render(request, "message.html", 404, lang=hint, text="404", back=None)
    session_id = request.cookies.get(COOKIE)
    if session_id is None or not valid_session_id(session_id):
        # No cookie (blocked, or expired): start a session and show the page again.
        return await page(request)
    transcript = door.transcripts.get(session_id)
    lang = await conversation.page_lang(door, session_id, hint)
    async with request.form(max_files=0, max_fields=8, max_part_size=8 * 1024) as form:
        text = str(form.get("text") or "").strip() or None
        button = str(form.get("button") or "").strip() or None
        token = str(form.get("csrf") or "") or None
        shown_in = str(form.get("lang") or "")
    # The language the page was shown in wins over the header: the visitor read that page.
    hint = shown_in if shown_in in LANGS else hint
    first = transcript.counter
    address = request.client.host if request.client else "-"
    if not csrf_ok(door.secret, session_id, token):
        transcript.add("bot", Reply(texts.expired_form(lang)))
    elif not door.session_limit.allow(session_id) or not door.address_limit.allow(address):
        transcript.add("bot", Reply(texts.slow_down(lang)))
    elif text is not None and len(text) > texts.MAX_TEXT:
        transcript.add("bot", Reply(texts.too_long(lang)))
    elif button == conversation.FORGET_YES and await conversation.forget_confirmed(door, session_id):
        return await forgotten(request, door, session_id, url_centre, lang)
    elif text is not None or (button is not None and len(button) <= callbacks.MAX_BYTES):
        await conversation.exchange(door, session_id, url_centre, transcript, Message(text, button, hint))
    if not wants_json(request):
        return RedirectResponse(f"/chat/{url_centre}#latest", status_code=303)
    lang = await conversation.page_lang(door, session_id, hint)
    return JSONResponse(entries_payload(transcript, first, lang))


def entries_payload(transcript: Transcript, first: int, lang: str) -> dict[str, Any]:
    """New entries for the script; `lang` lets it set the page's language after a switch."""
    since = active_from(transcript)
    entries = [entry_json(e, lang, e.number > since) for e in transcript.since(first)]
    return {"entries": entries, "active_from": since, "lang": lang}


async def forgotten(request: Request, door: WebDoor, session_id: str, url_centre: str, lang: str) -> Response:
    """Forget the visitor, then start over with a new session that says it is done."""
    await conversation.forget(door, session_id)
    fresh = new_session_id()
    transcript = door.transcripts.get(fresh)
    transcript.add("bot", Reply(texts.forgotten(lang)))
    conversation.greet(door, transcript, url_centre, lang)
    response: Response
    if wants_json(request):
        response = JSONResponse({"entries": [], "reload": True})
    else:
        response = RedirectResponse(f"/chat/{url_centre}#latest", status_code=303)
    set_session_cookie(door, response, fresh)
    return response


async def updates(request: Request) -> Response:
    door = door_of(request)
    session_id = request.cookies.get(COOKIE)
    if session_id is None or not valid_session_id(session_id):
        return JSONResponse({"entries": []})
    if not door.address_limit.allow(request.client.host if request.client else "-"):
        return JSONResponse({"entries": [], "slow": True}, status_code=429)
    after = request.query_params.get("after", "0")
    transcript = door.transcripts.get(session_id)
    await conversation.pull_staff_answers(door, session_id, transcript)
    lang = await conversation.page_lang(door, session_id, accepted_lang(request, door.settings.default_lang))
    return JSONResponse(entries_payload(transcript, int(after) if after.isdigit() else 0, lang))
