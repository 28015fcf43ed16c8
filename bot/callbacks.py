"""Callback-data prefixes (and, later, job names) in one place, so ids stay short and unique.

Telegram limits callback data to 64 bytes; every id here is `prefix:value` with short values.
"""

from __future__ import annotations

CENTRE = "c"  # c:<centre id>
LANG = "l"  # l:<lang>
MENU = "m"  # m:<menu item>
ENTRY = "e"  # e:<section>:<entry id>
FLAT = "f"  # f:<flat id>
GROUP = "g"  # g:<group id>
TOPIC = "t"  # t:<topic id> (a suggestion from the fallback)
FORGET = "x"  # x:yes / x:no, the /forget confirmation (bot/channels/telegram.py)

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
