"""Item keys: what the bot can answer, as typed values with ONE encode and ONE decode.

The word index, the vectors and the cues rank items by their key; the engine answers a key, the
"More" and 👍/👎 buttons carry one. A key is `topic:<id>`, `entry:<section>:<id>`, `group:<id>` or
`fee:<household>:<grosze>` (the estimate behind "More"); anything else decodes to None.
bot.callbacks re-exports these with the buttons' ids, so all ids live behind one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeAlias

SECTIONS: Final = ("recruitment", "rules", "legal", "faq")
_ID = re.compile(r"[^:\s]{1,60}")  # content ids (checked by the loader); no separator
_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Topic:
    """A built-in topic (hours, contact, fees, criterion, flats, apply, rules, law, small talk)."""

    name: str


@dataclass(frozen=True)
class Entry:
    """One entry of a centre's recruitment, rules, legal or faq section."""

    section: str
    id: str


@dataclass(frozen=True)
class Group:
    """A target group of flats."""

    id: str


@dataclass(frozen=True)
class FeeEstimate:
    """A fee estimate's details: the household size and the income in grosze (never stored)."""

    household: int
    grosze: int


Item: TypeAlias = Topic | Entry | Group | FeeEstimate


def encode(item: Item) -> str:
    """The key of an item."""
    if isinstance(item, Topic):
        return f"topic:{item.name}"
    if isinstance(item, Entry):
        return f"entry:{item.section}:{item.id}"
    if isinstance(item, Group):
        return f"group:{item.id}"
    return f"fee:{item.household}:{item.grosze}"


def decode(key: str) -> Item | None:
    """The item a key names, or None for anything else (forged, stale, malformed)."""
    kind, *parts = key.split(":")
    if kind == "topic" and len(parts) == 1 and _ID.fullmatch(parts[0]):
        return Topic(parts[0])
    if kind == "entry" and len(parts) == 2 and parts[0] in SECTIONS and _ID.fullmatch(parts[1]):
        return Entry(parts[0], parts[1])
    if kind == "group" and len(parts) == 1 and _ID.fullmatch(parts[0]):
        return Group(parts[0])
    if kind == "fee" and len(parts) == 2 and all(_NUMBER.fullmatch(p) for p in parts):
        return FeeEstimate(int(parts[0]), int(parts[1]))
    return None


# The keys the engine names itself.
HOURS: Final = encode(Topic("hours"))
CONTACT: Final = encode(Topic("contact"))
FEES: Final = encode(Topic("fees"))
CRITERION: Final = encode(Topic("criterion"))
FLATS: Final = encode(Topic("flats"))
APPLY: Final = encode(Topic("apply"))
RULES: Final = encode(Topic("rules"))
LAW: Final = encode(Topic("law"))
