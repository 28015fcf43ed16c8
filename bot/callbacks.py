"""Every id in one place: callback-data prefixes, job names, and the typed door buttons and item keys.

Telegram limits callback data to 64 bytes; every id here is `prefix:value` with short values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal, TypeAlias

# Item keys (what an answer is about) are typed in the domain, which builds them; they are ids too.
from bot.domain.items import Entry, FeeEstimate, Group, Item, Topic
from bot.domain.items import decode as decode_item
from bot.domain.items import encode as encode_item

CENTRE = "c"  # c:<centre id>
LANG = "l"  # l:<lang>
MENU = "m"  # m:<menu item>
ENTRY = "e"  # e:<section>:<entry id>
FLAT = "f"  # f:<flat id>
GROUP = "g"  # g:<group id>
TOPIC = "t"  # t:<topic id> (a suggestion from the fallback)
FORGET = "x"  # x:yes / x:no, the /forget confirmation (bot/channels/telegram.py)
RESIDENT = "r"  # r:<action>[:<YYYY-MM>], the residents' menu and reminder buttons (telegram/residents.py)
STAFF = "s"  # s:<action>:<value>, staff buttons: remove a resident, duty steps (telegram/residents.py)
BROADCAST = "b"  # b:<step>:<value>, the /broadcast flow (telegram/staff.py)
TICKET = "k"  # k:close:<ticket id>, handover to a person (telegram/staff.py)
MORE = "w"  # w:<answer key>, the rest of an answer behind "More" (bot/conversation/answers.py)
RATE = "v"  # v:<up|down>:<answer key>, "Did this help?" under answers to typed questions
UNANSWERED = "u"  # u:yes / u:no, consent to keep an unanswered question (bot/conversation/privacy.py)

# Resident actions.
RESIDENT_PAID = "paid"  # r:paid:<month>
RESIDENT_LATER = "later"  # r:later:<month>, remind me tomorrow
RESIDENT_MENU = "menu"
RESIDENT_REMINDERS = "rem"
RESIDENT_DUTIES = "duties"
RESIDENT_CONTACT = "contact"
RESIDENT_MUTE = "mute"
RESIDENT_UNMUTE = "unmute"

# Staff actions.
STAFF_REMOVE = "rm"  # s:rm:<resident id>
STAFF_DUTY_KIND = "dk"  # s:dk:weekly / s:dk:monthly

# JobQueue job names.
JOB_REMINDER_TICK = "reminder-tick"
JOB_BROADCAST = "broadcast"  # broadcast:<id>, one job per running or scheduled broadcast
JOB_BROADCAST_SWEEP = "broadcast-sweep"  # the scheduler resumes and schedules broadcasts
JOB_TICKET_POSTS = "ticket-posts"  # what the web door left for Telegram (bot/handover/posts.py)

# Main menu items, in the order they are shown.
MENU_FLATS = "flats"
MENU_APPLY = "apply"
MENU_RULES = "rules"
MENU_FEES = "fees"
MENU_HOURS = "hours"
MENU_CENTRE = "centre"
MENU_LANG = "lang"
MENU_MAIN = "main"
MENU_LAW = "law"
MENU_ASK = "ask"  # "Ask a person": shown only where a staff chat takes handovers (Telegram)
MENU_ITEMS = (MENU_FLATS, MENU_APPLY, MENU_RULES, MENU_FEES, MENU_HOURS, MENU_LAW, MENU_CENTRE, MENU_LANG)

MAX_BYTES = 64


def make(prefix: str, *parts: str) -> str:
    """Join a prefix and its values; refuses ids Telegram would reject."""
    data = ":".join((prefix, *parts))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def split(data: str) -> tuple[str, list[str]]:
    """The prefix and its values; an unknown or empty id gives an empty prefix."""
    prefix, _, rest = data.partition(":")
    return prefix, rest.split(":") if rest else []


# Numbers from people and buttons: ASCII digits only ("²" and "٣" pass str.isdigit() and then break
# int() or mean something else), at most MAX_DIGITS of them, within the caller's bounds.
MAX_DIGITS = 18  # fits SQLite's signed 64-bit integers
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")


def number(text: str | None, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """The whole number `text` spells in ASCII digits (an optional leading '#'), if low <= it <= high."""
    if text is None:
        return None
    text = text.strip().removeprefix("#")
    if _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if low <= value <= high else None


def month(text: str | None) -> str | None:
    """A YYYY-MM month from a button (2000-2099), else None."""
    return text if text is not None and _MONTH.fullmatch(text) else None


# --- typed ids: one encode and one decode for every door-level button and audience ----------------
# The engine's own buttons (c, l, m, e, f, g, t, w, v, u) are read by bot.conversation.dialogue; the
# buttons of the flows around it (broadcasts, tickets, residents, staff, /forget, "Ask a person") are
# values here.
# A forged, stale or unknown id decodes to None, and the door answers it with a clear message.


class ResidentAction(StrEnum):
    PAID = RESIDENT_PAID
    LATER = RESIDENT_LATER
    MENU = RESIDENT_MENU
    REMINDERS = RESIDENT_REMINDERS
    DUTIES = RESIDENT_DUTIES
    CONTACT = RESIDENT_CONTACT
    MUTE = RESIDENT_MUTE
    UNMUTE = RESIDENT_UNMUTE


@dataclass(frozen=True)
class Everyone:
    """Every user of the centre."""


@dataclass(frozen=True)
class AllFlats:
    """The residents of every flat of the centre."""


@dataclass(frozen=True)
class OneFlat:
    """The residents of one flat."""

    flat: str


@dataclass(frozen=True)
class Applicants:
    """Users of the centre who are not residents."""


Audience: TypeAlias = Everyone | AllFlats | OneFlat | Applicants
_FLAT_ID = re.compile(r"[a-z0-9_-]{1,40}")


def encode_audience(audience: Audience) -> str:
    """The audience as stored in `broadcasts.audience` and carried in buttons."""
    if isinstance(audience, OneFlat):
        return f"flat:{audience.flat}"
    return {Everyone: "all", AllFlats: "flats", Applicants: "applicants"}[type(audience)]


def decode_audience(text: str) -> Audience | None:
    """The audience this text names, or None (a forged or unknown one)."""
    simple: dict[str, Audience] = {"all": Everyone(), "flats": AllFlats(), "applicants": Applicants()}
    if text in simple:
        return simple[text]
    flat = text.removeprefix("flat:")
    return OneFlat(flat) if flat != text and _FLAT_ID.fullmatch(flat) else None


@dataclass(frozen=True)
class ChooseAudience:
    audience: Audience


@dataclass(frozen=True)
class SendNow:
    broadcast: int


@dataclass(frozen=True)
class SendLater:
    broadcast: int


@dataclass(frozen=True)
class CancelBroadcast:
    broadcast: int  # 0: cancelled before a draft existed (at the audience question)


@dataclass(frozen=True)
class CloseTicket:
    ticket: int


@dataclass(frozen=True)
class ForgetAnswer:
    yes: bool


@dataclass(frozen=True)
class AskPerson:
    """The main menu's "Ask a person"."""


@dataclass(frozen=True)
class ResidentButton:
    action: ResidentAction
    month: str | None = None  # YYYY-MM for paid / later


@dataclass(frozen=True)
class RemoveResident:
    resident: int


@dataclass(frozen=True)
class ChooseDutyKind:
    kind: Literal["weekly", "monthly"]


BroadcastButton: TypeAlias = ChooseAudience | SendNow | SendLater | CancelBroadcast
DoorButton: TypeAlias = (
    BroadcastButton
    | CloseTicket
    | ForgetAnswer
    | AskPerson
    | ResidentButton
    | RemoveResident
    | ChooseDutyKind
)
_BROADCAST_STEPS: Final = {SendNow: "ok", SendLater: "at", CancelBroadcast: "x"}
_MONTHLY: Final = (ResidentAction.PAID, ResidentAction.LATER)


def encode(button: DoorButton) -> str:
    """The callback data of a door-level button (at most 64 bytes)."""
    if isinstance(button, ChooseAudience):
        return make(BROADCAST, "a", encode_audience(button.audience))
    if isinstance(button, SendNow | SendLater | CancelBroadcast):
        return make(BROADCAST, _BROADCAST_STEPS[type(button)], str(button.broadcast))
    if isinstance(button, CloseTicket):
        return make(TICKET, "close", str(button.ticket))
    if isinstance(button, ForgetAnswer):
        return make(FORGET, "yes" if button.yes else "no")
    if isinstance(button, AskPerson):
        return make(MENU, MENU_ASK)
    if isinstance(button, ResidentButton):
        return make(RESIDENT, button.action, *([button.month] if button.month else []))
    if isinstance(button, RemoveResident):
        return make(STAFF, STAFF_REMOVE, str(button.resident))
    return make(STAFF, STAFF_DUTY_KIND, button.kind)


def decode(data: object) -> DoorButton | None:
    """The door-level button `data` encodes, or None for anything else (the engine's, forged, stale)."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    prefix, parts = split(data)
    if prefix == BROADCAST:
        return _broadcast(parts)
    if prefix == TICKET and len(parts) == 2 and parts[0] == "close":
        ticket = number(parts[1], 1)
        return CloseTicket(ticket) if ticket is not None else None
    if prefix == FORGET and parts in (["yes"], ["no"]):
        return ForgetAnswer(parts == ["yes"])
    if prefix == MENU and parts == [MENU_ASK]:
        return AskPerson()
    if prefix == RESIDENT:
        return _resident(parts)
    if prefix == STAFF and len(parts) == 2:
        if parts[0] == STAFF_REMOVE and (resident := number(parts[1], 1)) is not None:
            return RemoveResident(resident)
        if parts[0] == STAFF_DUTY_KIND and parts[1] in ("weekly", "monthly"):
            return ChooseDutyKind("weekly" if parts[1] == "weekly" else "monthly")
    return None


def owns(prefix: str) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: callback data of this prefix (decoded, forged or not, by the
    handler, so a forged one gets its flow's clear reply and never falls through to another)."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and split(data)[0] == prefix

    return matches


def _broadcast(parts: list[str]) -> BroadcastButton | None:
    if len(parts) < 2:
        return None
    step, value = parts[0], ":".join(parts[1:])
    if step == "a":
        audience = decode_audience(value)
        return ChooseAudience(audience) if audience is not None else None
    if step == "x" and value == "0":
        return CancelBroadcast(0)
    bid = number(value, 1)
    if bid is None:
        return None
    if step == "ok":
        return SendNow(bid)
    if step == "at":
        return SendLater(bid)
    return CancelBroadcast(bid) if step == "x" else None


def _resident(parts: list[str]) -> ResidentButton | None:
    if not parts or parts[0] not in ResidentAction.__members__.values():
        return None
    action = ResidentAction(parts[0])
    if action in _MONTHLY:
        found = month(parts[1]) if len(parts) == 2 else None
        return ResidentButton(action, found) if found is not None else None
    return ResidentButton(action) if len(parts) == 1 else None


__all__ = [
    "Entry", "FeeEstimate", "Group", "Item", "Topic", "decode", "decode_item", "encode", "encode_item",
]  # fmt: skip
