"""`python -m bot new-centre ID`: a valid centre folder on a copy of content/, answered by the engine
with "not yet described — call the centre"; a taken or bad id is refused and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FixedClock
from bot.conversation.dialogue import Engine, Incoming, State
from bot.domain.loader import load_content
from tests.conftest import CONTENT_DIR, PINNED


@pytest.fixture
def root(tmp_path: Path, database_target: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    monkeypatch.setenv("CONTENT_DIR", str(copy))
    monkeypatch.setenv("DATABASE_URL", database_target)
    return copy


def test_new_centre_creates_a_valid_centre_that_says_call_the_centre(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["new-centre", "zabrze", "--name", "MOPR Zabrze", "--phone", "32 000 00 00"]
    args += ["--mon", "08:00-15:00"]
    assert main(args) == 0
    assert main(["check-content", str(root)]) == 0
    content = load_content(root)
    assert content.centres["zabrze"].centre.name.pl == "MOPR Zabrze"
    engine = Engine(content, FixedClock(PINNED))
    reply = engine.respond(State("zabrze", "en"), Incoming(text="what are the rules?")).replies
    texts = " ".join(r.text for r in reply) + " ".join(b.label for r in reply for b in r.all_buttons())
    assert "Not yet described" in texts
    rules = engine.respond(State("zabrze", "pl"), Incoming(button="t:entry:rules:not-described")).replies
    assert "Tego jeszcze nie opisano — zadzwoń do ośrodka: tel. 32 000 00 00." in rules[0].text
    capsys.readouterr()


@pytest.mark.parametrize("centre", ["gliwice", "Bad Id", "../up"])
def test_a_taken_or_bad_id_is_refused(root: Path, centre: str) -> None:
    before = sorted(p.name for p in root.iterdir())
    assert main(["new-centre", centre]) == 1
    assert sorted(p.name for p in root.iterdir()) == before


async def test_a_new_centre_from_the_command_line_is_announced_to_running_processes(
    root: Path, database_target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The content version moves, as after a panel publish: every running bot reloads on its own
    (tests/test_editor_sync.py shows a process following the version)."""
    import asyncio

    from storage import content_version
    from storage.open import open_database

    db = await open_database(database_target)
    try:
        before = await content_version.current(db)
        assert await asyncio.to_thread(main, ["new-centre", "zabrze"]) == 0
        assert await content_version.current(db) == before + 1
    finally:
        await db.close()
    assert "running bots serve it within seconds" in capsys.readouterr().out
