"""Facts and content shared by several test modules (one place, so they cannot drift apart)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

from bot.domain.content import Content
from bot.domain.loader import load_content

T = TypeVar("T")

PROJECT = Path(__file__).resolve().parent.parent

GLIWICE_STREETS = (
    "Wilgi",
    "Zimnej Wody",
    "Zawiszy Czarnego",
    "Kopalniana",
    "Siemińskiego",
    "Drzymały",
    "Kozielska",
    "Lompy",
    "Przyjaźni",
    "Tarnogórska",
)


@cache
def shipped_content() -> Content:
    """The content in content/, loaded once per test process."""
    return load_content(PROJECT / "content")


def bot_data_item(bot_data: Mapping[str, object], key: str, kind: type[T]) -> T:
    """A typed object from an Application's bot_data (the door, the staff config, ...)."""
    found = bot_data[key]
    assert isinstance(found, kind), f"bot_data[{key!r}] is {type(found).__name__}, not {kind.__name__}"
    return found
