"""Shared fixtures: the shipped content (loaded once), a pinned clock, an engine, a temp-file dialogue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.conversation.dialogue import Dialogue, Engine
from bot.domain import knowledge
from bot.domain.content import Content
from bot.domain.loader import load_content
from storage.database import Database

PROJECT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT / "content"
WARSAW = ZoneInfo("Europe/Warsaw")
# Tuesday morning: the Gliwice office (Tue 8:00–13:00) is open, and the 2025 criterion is in force.
PINNED = datetime(2026, 11, 24, 10, 15, tzinfo=WARSAW)


@pytest.fixture(scope="session")
def content() -> Content:
    """The real content shipped in content/, loaded once for the whole run."""
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session", autouse=True)
def warm_knowledge(content: Content) -> None:
    """Build the shipped content's vectors and word indexes once, first: on a new machine that
    takes a minute, and the command-line tests' own processes then read them from the cache."""
    knowledge.prepare(content)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PINNED)


@pytest.fixture
def engine(content: Content, clock: FixedClock) -> Engine:
    return Engine(content, clock)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file, for tests about SQLite itself; others take `database_target`."""
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def dialogue(engine: Engine, database: Database) -> AsyncIterator[Dialogue]:
    """The engine with users kept in a fresh database, once per engine (`dialogue.db` is it)."""
    yield Dialogue(engine, database)
