"""`python -m bot reminders`: a flat's schedule without Telegram."""

from __future__ import annotations

import asyncio
from datetime import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FixedClock
from bot.domain.content import Content
from bot.domain.reminders import DutyRule
from bot.residents.service import Residents
from storage.open import open_database
from tests.conftest import PINNED


async def add_duty(database_target: str, content: Content) -> None:
    db = await open_database(database_target)
    try:
        await Residents(db, content, FixedClock(PINNED)).add_duty(
            "wodzislaw", "chronione", "Sprzątanie kuchni", DutyRule("monthly", 31, time(18))
        )
    finally:
        await db.close()


async def test_prints_payment_and_duties_in_warsaw_time(
    database_target: str,
    tmp_path: Path,
    content: Content,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await add_duty(database_target, content)
    monkeypatch.setenv("DATABASE_URL", database_target)
    monkeypatch.chdir(tmp_path)
    code = await asyncio.to_thread(
        main, ["reminders", "--flat", "chronione", "--from", "2027-02-01", "--days", "60"]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[1:] == [
        "2027-02-25 Thu 10:00  payment 2027-02 (no due day this month)",
        "2027-02-28 Sun 18:00  duty #1: Sprzątanie kuchni",
        "2027-03-27 Sat 10:00  payment due 2027-03-30",
        "2027-03-30 Tue 10:00  payment due 2027-03-30",
        "2027-03-31 Wed 18:00  duty #1: Sprzątanie kuchni",
    ]


def test_bad_flat_and_date_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.chdir(tmp_path)
    assert main(["reminders", "--flat", "nowhere"]) == 1
    assert "unknown flat" in capsys.readouterr().err
    assert main(["reminders", "--flat", "chronione", "--from", "luty"]) == 1
    assert "--from" in capsys.readouterr().err
