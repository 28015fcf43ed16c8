"""The command line: `ask` (one answer and --jsonl batches), `chat`, `run` without a token, and errors
that an operator sees as one line instead of a traceback.

Every test runs in an empty working folder (so no `.env` is read) with the settings cleared and
the database in tmp_path.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.channels.console import as_incoming, ask_one, chat, render
from bot.cli import main
from bot.conversation.dialogue import Dialogue, Engine
from bot.domain.content import Content
from bot.i18n import tr
from bot.replies import Button, Reply
from storage import User, get_user
from storage.open import open_database

PROJECT = Path(__file__).resolve().parent.parent
WARSAW = ZoneInfo("Europe/Warsaw")
SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "BOT_DEFAULT_CENTRE",
    "BOT_DEFAULT_LANG",
    "CONTENT_DIR",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_PORT",
    "STAFF_ADMIN_IDS",
    "STAFF_CHAT_ID",
)


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Clean settings; returns the database path the commands will use."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in SETTINGS:
        monkeypatch.setenv(name, "")  # empty overrides any value from a .env file
    database = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return database


def one_line_error(err: str) -> str:
    """The whole of stderr must be one `error: ...` line, without a traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


# --- ask ----------------------------------------------------------------------------------------


def test_ask_prints_the_hours(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--centre", "gliwice", "godziny otwarcia"]) == 0
    out = capsys.readouterr().out
    assert "16:30" in out
    assert "[1] " in out  # buttons as numbered lines


def test_ask_in_ukrainian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--centre", "gliwice", "--lang", "uk", "godziny otwarcia"]) == 0
    assert "16:30" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
def test_ask_with_now_estimates_the_fee(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    argv = ["ask", "--now", "2026-11-23T12:00", "--centre", "wodzislaw", "--lang", lang, "mam 1250 zł"]
    assert main(argv) == 0
    assert "40%" in capsys.readouterr().out


def test_ask_with_now_pins_the_clock(capsys: pytest.CaptureFixture[str]) -> None:
    open_now = tr("pl")._("Open now, until {time}.").format(time="13:00")
    assert main(["ask", "--now", "2026-11-24T10:15", "--centre", "gliwice", "godziny otwarcia"]) == 0
    assert open_now in capsys.readouterr().out
    assert main(["ask", "--now", "2026-11-28T11:00", "--centre", "gliwice", "godziny otwarcia"]) == 0
    saturday = capsys.readouterr().out
    assert open_now not in saturday
    assert tr("pl")._("Closed now.") in saturday


def test_ask_with_an_offset_in_now(capsys: pytest.CaptureFixture[str]) -> None:
    # 09:15 UTC is 10:15 in Warsaw in November.
    assert main(["ask", "--now", "2026-11-24T09:15:00+00:00", "--centre", "gliwice", "godziny otwarcia"]) == 0
    assert tr("pl")._("Open now, until {time}.").format(time="13:00") in capsys.readouterr().out


def test_ask_uses_the_default_centre_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEFAULT_CENTRE", "wodzislaw")
    assert main(["ask", "telefon"]) == 0
    assert "32 455 62 00" in capsys.readouterr().out


def test_ask_with_an_unknown_centre_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--centre", "krakow", "godziny otwarcia"]) == 1
    captured = capsys.readouterr()
    line = one_line_error(captured.err)
    assert "krakow" in line
    assert "gliwice" in line and "wodzislaw" in line
    assert captured.out == ""


def test_ask_without_a_centre_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "godziny otwarcia"]) == 1
    assert "--centre" in one_line_error(capsys.readouterr().err)


def test_ask_without_a_question_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--centre", "gliwice", "   "]) == 1
    one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("now", ["yesterday", "2026-13-45T10:00", "24.11.2026 10:15"])
def test_ask_with_an_invalid_now_fails(capsys: pytest.CaptureFixture[str], now: str) -> None:
    assert main(["ask", "--now", now, "--centre", "gliwice", "godziny otwarcia"]) == 1
    captured = capsys.readouterr()
    assert "--now" in one_line_error(captured.err)
    assert captured.out == ""


@pytest.mark.parametrize("now", ["0001-01-01T00:00", "9999-12-31T12:00"])
def test_ask_with_a_now_out_of_range_fails_in_one_line(capsys: pytest.CaptureFixture[str], now: str) -> None:
    assert main(["ask", "--now", now, "--centre", "gliwice", "godziny otwarcia"]) == 1
    one_line_error(capsys.readouterr().err)


def test_ask_with_broken_content_lists_the_problems(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(PROJECT / "content", broken)
    centre = broken / "gliwice" / "centre.yaml"
    centre.write_text(centre.read_text(encoding="utf-8").replace("Europe/Warsaw", "Europe/Nowhere"), "utf-8")
    monkeypatch.setenv("CONTENT_DIR", str(broken))
    assert main(["ask", "--centre", "gliwice", "godziny otwarcia"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{centre}:" in err
    assert "Europe/Nowhere" in err
    assert "error: " in err


# --- ask --jsonl --------------------------------------------------------------------------------


def run_jsonl(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lines: list[object]
) -> list[dict[str, str]]:
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
    )
    stdin(monkeypatch, text)
    assert main(["ask", "--jsonl"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


def test_jsonl_answers_every_line_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: Content
) -> None:
    lines: list[object] = [
        {"centre": "gliwice", "lang": "pl", "now": "2026-11-24T10:15", "text": "godziny otwarcia"},
        "{this is not json",
        {"centre": "krakow", "lang": "pl", "text": "godziny otwarcia"},
        {"centre": "wodzislaw", "lang": "en", "now": "2026-11-23T12:00", "text": "mam 1250 zł"},
        {
            "centre": "gliwice",
            "lang": "pl",
            "now": "2024-05-06T12:00",
            "text": "jakie jest kryterium dochodowe?",
        },
        {"centre": "gliwice", "lang": "pl", "text": "jakie jest kryterium dochodowe?"},
        {"centre": "gliwice", "lang": "de", "text": "godziny otwarcia"},
        ["not", "an", "object"],
        {"centre": "wodzislaw", "lang": "uk", "now": "2026-11-23T12:00", "text": "mam 1250 zł"},
    ]
    results = run_jsonl(monkeypatch, capsys, lines)
    assert len(results) == len(lines)
    assert all("answer" in r for r in results)
    errors = [i for i, r in enumerate(results) if "error" in r]
    assert errors == [1, 2, 6, 7]
    assert "krakow" in results[2]["error"]

    assert "16:30" in results[0]["answer"]
    assert tr("pl")._("Open now, until {time}.").format(time="13:00") in results[0]["answer"]
    assert "40%" in results[3]["answer"]
    assert "776" in results[4]["answer"]
    # No "now": the real clock, not the moment of the line before.
    today = datetime.now(WARSAW).date()
    row = content.criteria.in_force(today)
    assert row is not None
    assert tr("pl").money(row.single) in results[5]["answer"]
    if row.single != 776:
        assert "776" not in results[5]["answer"]
    assert "40%" in results[8]["answer"]


def test_jsonl_blank_input_gives_no_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_jsonl(monkeypatch, capsys, []) == []


def test_jsonl_a_centre_that_is_not_a_string_is_an_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[object] = [
        {"centre": ["gliwice"], "text": "godziny otwarcia"},
        {"centre": {"id": "gliwice"}, "text": "godziny otwarcia"},
        {"centre": "gliwice", "lang": ["pl"], "text": "godziny otwarcia"},
        {"centre": "gliwice", "text": "godziny otwarcia"},
    ]
    results = run_jsonl(monkeypatch, capsys, lines)
    assert len(results) == 4
    assert ["error" in r for r in results] == [True, True, True, False]
    assert "16:30" in results[3]["answer"]


def test_jsonl_a_now_out_of_range_is_an_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[object] = [
        {"centre": "gliwice", "now": "0001-01-01T00:00", "text": "godziny otwarcia"},
        {"centre": "gliwice", "text": "godziny otwarcia"},
    ]
    results = run_jsonl(monkeypatch, capsys, lines)
    assert len(results) == 2
    assert "error" in results[0]
    assert "16:30" in results[1]["answer"]
    assert "error" not in results[1]


# --- the terminal door ----------------------------------------------------------------------------


def test_render_numbers_buttons_across_replies() -> None:
    replies = [
        Reply("first", ((Button("A", "c:a"), Button("B", "c:b")),)),
        Reply("second", ((Button("C", "m:main"),),)),
    ]
    text, buttons = render(replies)
    assert text == "first\n[1] A\n[2] B\n\nsecond\n[3] C"
    assert [b.data for b in buttons] == ["c:a", "c:b", "m:main"]


def test_typed_number_or_label_presses_a_button() -> None:
    buttons = [Button("Polski", "l:pl"), Button("English", "l:en")]
    assert as_incoming("2\n", buttons).button == "l:en"
    assert as_incoming(" polski ", buttons).button == "l:pl"
    assert as_incoming("3", buttons).text == "3"  # no third button: it is a message
    assert as_incoming("0", buttons).text == "0"
    assert as_incoming("godziny otwarcia\n", buttons).text == "godziny otwarcia\n"


def test_ask_one_is_stateless(engine: Engine) -> None:
    assert "16:30" in ask_one(engine, "gliwice", "pl", "godziny otwarcia")
    assert "32 455 62 00" in ask_one(engine, "wodzislaw", "en", "phone")


async def test_chat_presses_numbered_buttons_and_answers(dialogue: Dialogue) -> None:
    out = io.StringIO()
    await chat(dialogue, io.StringIO("1\n1\ngodziny otwarcia\n"), out, prompt=False)
    text = out.getvalue()
    assert "[1] " in text
    assert "16:30" in text
    assert tr("pl")._("Open now, until {time}.").format(time="13:00") in text
    user = await get_user(dialogue.db, "console", "local")
    assert user is not None
    assert (user.centre, user.lang) == ("gliwice", "pl")


async def test_chat_ends_cleanly_at_end_of_input(dialogue: Dialogue) -> None:
    out = io.StringIO()
    await chat(dialogue, io.StringIO(""), out, prompt=True)
    text = out.getvalue()
    assert "c:gliwice" not in text  # buttons are shown by label
    assert "[1] " in text and text.endswith("\n")


def test_chat_command_answers_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings_env: Path
) -> None:
    stdin(monkeypatch, "opening hours\n")
    assert main(["chat", "--centre", "gliwice", "--lang", "en"]) == 0
    assert "16:30" in capsys.readouterr().out
    assert settings_env.exists()  # the conversation is kept in DATABASE_PATH


def test_chat_command_keeps_the_user_in_the_database(
    monkeypatch: pytest.MonkeyPatch, database_target: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_target)  # a PostgreSQL URL or an SQLite path
    stdin(monkeypatch, "1\n2\n")  # Gliwice, then Ukrainian
    assert main(["chat"]) == 0

    async def stored() -> User | None:
        db = await open_database(database_target)
        try:
            return await get_user(db, "console", "local")
        finally:
            await db.close()

    user = asyncio.run(stored())
    assert user is not None
    assert (user.centre, user.lang) == ("gliwice", "uk")


def test_chat_with_an_unusable_database_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regular_file = tmp_path / "not-a-folder"
    regular_file.write_text("x")
    monkeypatch.setenv("DATABASE_PATH", str(regular_file / "bot.sqlite3"))
    stdin(monkeypatch, "godziny otwarcia\n")
    assert main(["chat"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith("error: cannot open the database")


def test_chat_with_an_unknown_centre_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, "")
    assert main(["chat", "--centre", "krakow"]) == 1
    assert "krakow" in one_line_error(capsys.readouterr().err)


def test_invalid_default_language_setting_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEFAULT_LANG", "de")
    assert main(["ask", "--centre", "gliwice", "x"]) == 1
    assert "BOT_DEFAULT_LANG" in one_line_error(capsys.readouterr().err)


# --- python -m bot run, as a real process -----------------------------------------------------------


def run_bot(tmp_path: Path, default_centre: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update({name: "" for name in SETTINGS})
    env.update(
        BOT_DEFAULT_CENTRE=default_centre,
        DATABASE_PATH=str(tmp_path / "run" / "bot.sqlite3"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH", "")])),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="godziny otwarcia\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "work",
        timeout=120,
        check=False,
    )


def test_run_without_a_token_answers_for_the_default_centre(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "gliwice")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "16:30" in result.stdout
    assert "32 455 62 00" not in result.stdout  # only Gliwice answers


def test_run_without_a_default_centre_answers_for_every_centre(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "16:30" in result.stdout  # the Gliwice hours
    assert "32 455 62 00" in result.stdout  # and Wodzisław, which has no published hours
