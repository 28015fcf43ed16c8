"""Facts and content shared by several test modules (one place, so they cannot drift apart)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.domain.content import Content
from bot.domain.loader import load_content

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
