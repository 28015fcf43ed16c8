"""Broadcasts from the staff panel: the same audiences, counts, draft and outbox as in Telegram.

Audience and text -> a preview exactly as recipients see it (plain text) and the recipient count ->
send now or at a Warsaw time. Confirming writes the outbox in one transaction (storage.broadcasts),
then the Telegram bot's broadcast job sends it; where the bot runs in this process that job is
started at once, otherwise the bot picks the broadcast up at its next start. The page of a
broadcast shows its progress (updated by static/panel.js) and the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.broadcasts import audience as audiences_of
from bot.broadcasts.worker import confirm
from bot.channels.web import panel_texts
from bot.channels.web.app import door_of, render
from bot.channels.web.panel_auth import Staff, form_gate, form_one, gate, gate_one
from bot.i18n import tr
from bot.staff.access import record
from storage import broadcasts

WARSAW = ZoneInfo("Europe/Warsaw")
MAX_BROADCAST = 4000  # characters; Telegram takes 4096 in one message


def routes() -> list[BaseRoute]:
    return [
        Route("/staff/broadcasts", new_page, methods=["GET"]),
        Route("/staff/broadcasts", preview, methods=["POST"]),
        Route("/staff/broadcasts/{bid:int}", broadcast_page, methods=["GET"]),
        Route("/staff/broadcasts/{bid:int}/send", send, methods=["POST"]),
        Route("/staff/broadcasts/{bid:int}/progress", progress, methods=["GET"]),
    ]


def audience_label(lang: str, audience: str) -> str:
    return audiences_of.label(tr(lang), audience)


async def audiences(request: Request, centre: str) -> list[tuple[str, str, int]]:
    """(audience, label, recipients) for the centre, as the Telegram flow offers them."""
    lang = panel_texts_lang(request)
    return [
        (choice.key, audience_label(lang, choice.key), choice.recipients)
        for choice in await audiences_of.offered(door_of(request).db, centre, channel_of(request, centre))
    ]


def channel_of(request: Request, centre: str) -> str:
    """Whose people a broadcast of `centre` reaches: those of the bot serving it (issue 15)."""
    settings = door_of(request).settings
    return settings.channel_of(centre) or settings.telegram_channel


def panel_texts_lang(request: Request) -> str:
    door = door_of(request)
    return door.settings.default_lang or "pl"


def page(request: Request, staff: Staff, name: str, status: int = 200, **values: Any) -> Response:
    ui = panel_texts.chrome(staff.lang)
    return render(
        request,
        name,
        status,
        lang=staff.lang,
        ui=ui,
        title=ui["broadcasts_nav"],
        current="broadcasts",
        csrf=staff.csrf,
        **values,
    )


async def new_page(request: Request) -> Response:
    staff = await gate(request, "broadcast")
    if isinstance(staff, Response):
        return staff
    if staff.access.centre is None:
        return page(request, staff, "panel_broadcast_new.html", choices=[], error=None, text="")
    choices = await audiences(request, staff.access.centre)
    return page(request, staff, "panel_broadcast_new.html", choices=choices, error=None, text="")


async def preview(request: Request) -> Response:
    """Audience and text chosen: a draft, shown exactly as it will arrive, with its recipients."""
    found = await form_gate(request, "broadcast")
    if isinstance(found, Response):
        return found
    staff, fields = found
    centre, text = staff.access.centre, fields.get("text", "").strip()
    choices = await audiences(request, centre) if centre else []
    chosen = next((c for c in choices if c[0] == fields.get("audience")), None)
    if centre is None or chosen is None or not text or len(text) > MAX_BROADCAST:
        error = panel_texts.broadcast_incomplete(staff.lang, MAX_BROADCAST)
        return page(request, staff, "panel_broadcast_new.html", 400, choices=choices, error=error, text=text)
    door = door_of(request)
    now = door.clock.now()
    bid = await broadcasts.create_draft(door.db, centre, chosen[0], staff.access.user_id, staff.lang, now)
    await broadcasts.set_text(door.db, bid, text)
    return RedirectResponse(f"/staff/broadcasts/{bid}", status_code=303)


async def own_broadcast(request: Request, staff: Staff) -> broadcasts.Broadcast | None:
    """The broadcast, if it belongs to the actor's centre (an administrator sees every centre)."""
    item = await broadcasts.get(door_of(request).db, int(request.path_params["bid"]))
    if item is None or (staff.access.role != "admin" and item.centre != staff.access.centre):
        return None
    return item


async def broadcast_page(request: Request) -> Response:
    found = await gate_one(request, "broadcast", "bid", own_broadcast, "/staff/broadcasts")
    if isinstance(found, Response):
        return found
    staff, item = found
    door = door_of(request)
    channel = channel_of(request, item.centre)
    recipients = await broadcasts.count_audience(door.db, item.centre, item.audience, channel)
    counts = await broadcasts.counts(door.db, item.id)
    return page(
        request,
        staff,
        "panel_broadcast.html",
        item=item,
        audience=audience_label(staff.lang, item.audience),
        recipients=recipients,
        counts=counts,
        sender=door.scheduler is not None,
        send_at=item.send_at.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") if item.send_at else None,
    )


def parse_local(text: str, now: datetime) -> datetime | None:
    """A `datetime-local` value ("2026-12-01T08:00"), Warsaw time; None unless it is in the future."""
    try:
        moment = datetime.fromisoformat(text.strip()).replace(tzinfo=WARSAW)
    except ValueError:
        return None
    return moment if moment > now else None


async def send(request: Request) -> Response:
    """Send now, send later, or cancel a draft."""
    found = await form_one(request, "broadcast_send", "bid", own_broadcast)
    if isinstance(found, Response):
        return found
    staff, fields, item = found
    door = door_of(request)
    if item is None or item.status != "draft":
        return RedirectResponse(f"/staff/broadcasts/{request.path_params['bid']}", status_code=303)
    if fields.get("action") == "cancel":
        await broadcasts.cancel(door.db, item.id)
        await record(door.db, door.clock, staff.access, "broadcast_cancel", str(item.id))
        return RedirectResponse(f"/staff/broadcasts/{item.id}", status_code=303)
    now = door.clock.now()
    send_at = parse_local(fields.get("send_at", ""), now) if fields.get("action") == "later" else None
    if fields.get("action") == "later" and send_at is None:
        return RedirectResponse(f"/staff/broadcasts/{item.id}", status_code=303)
    channel = channel_of(request, item.centre)
    total = await confirm(door.db, door.clock, staff.access, item.id, send_at, channel)  # one unit of work
    if total is not None and door.scheduler is not None:
        door.scheduler(item.id, 0.0 if send_at is None else (send_at - now).total_seconds())
    return RedirectResponse(f"/staff/broadcasts/{item.id}", status_code=303)


async def progress(request: Request) -> Response:
    missing = JSONResponse({}, status_code=404)  # the page's script reads it
    found = await gate_one(request, "broadcast", "bid", own_broadcast, "/staff/broadcasts", missing)
    if isinstance(found, Response):
        return found
    _, item = found
    counts = await broadcasts.counts(door_of(request).db, item.id)
    numbers = {"total": counts.total, "done": counts.done, "sent": counts.sent}
    numbers |= {"blocked": counts.blocked, "failed": counts.failed}
    return JSONResponse({"status": item.status, **numbers})
