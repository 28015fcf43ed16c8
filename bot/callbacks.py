"""Callback-data prefixes (and, later, job names) in one place, so ids stay short and unique.

Telegram limits callback data to 64 bytes; every id here is `prefix:value` with short values.
"""

from __future__ import annotations

import re

CENTRE = "c"  # c:<centre id>
LANG = "l"  # l:<lang>
MENU = "m"  # m:<menu item>
ENTRY = "e"  # e:<section>:<entry id>
FLAT = "f"  # f:<flat id>
GROUP = "g"  # g:<group id>
TOPIC = "t"  # t:<topic id> (a suggestion from the fallback)
FORGET = "x"  # x:yes / x:no, the /forget confirmation (bot/channels/telegram.py)
RESIDENT = "r"  # r:<action>[:<YYYY-MM>], the residents' menu and reminder buttons (telegram_residents.py)
STAFF = "s"  # s:<action>:<value>, staff buttons: remove a resident, duty steps (telegram_residents.py)
BROADCAST = "b"  # b:<step>:<value>, the /broadcast flow (telegram_staff.py)
TICKET = "k"  # k:close:<ticket id>, handover to a person (telegram_staff.py)
MORE = "w"  # w:<answer key>, the rest of an answer behind "More" (bot/answers.py)
RATE = "v"  # v:<up|down>:<answer key>, "Did this help?" under answers to typed questions
UNANSWERED = "u"  # u:yes / u:no, consent to keep an unanswered question (bot/privacy.py)

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
