"""Attacks and mistakes around the process (issue 16): forged webhook posts, weak secrets, a second
process on one database, readable database files, a damaged database, hostile numbers and YAML."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from pathlib import Path

import httpx
import pytest

from bot import callbacks
from bot.channels.telegram import build_application, lifespan
from bot.clock import FixedClock
from bot.settings import MIN_SECRET, Settings, SettingsError
from storage import StorageError, connect
from storage.db import lock_database
from tests.data import shipped_content
from tests.fakebotapi import TOKEN, FakeBotAPI, RecordingRequest, TgUser
from tests.test_staff import NOW

SECRET = "s3cret_" + "x" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- webhook -----------------------------------------------------------------------------------


def test_webhook_without_a_secret_gets_a_strong_random_one_and_listens_locally() -> None:
    one = Settings.from_env({"WEBHOOK_URL": "https://bot.example.org/hook"})
    two = Settings.from_env({"WEBHOOK_URL": "https://bot.example.org/hook"})
    assert one.webhook_secret and len(one.webhook_secret) >= MIN_SECRET
    assert one.webhook_secret != two.webhook_secret
    assert one.webhook_listen == "127.0.0.1"
    assert Settings.from_env({"WEBHOOK_LISTEN": "0.0.0.0"}).webhook_listen == "0.0.0.0"


@pytest.mark.parametrize("weak", ["short", "a" * 31, "x" * 40 + " space", "zażółć" * 8])
def test_a_weak_webhook_secret_refuses_to_start(weak: str) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": weak})


def forged_update(user_id: int, text: str, update_id: int) -> bytes:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Admin"},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_forged_webhook_posts_are_all_refused_with_403(tmp_path: Path) -> None:
    api = FakeBotAPI()
    settings = Settings(
        telegram_token=TOKEN,
        database=tmp_path / "bot.sqlite3",
        staff_admin_ids=frozenset({42}),
        webhook_url="https://bot.example.org/hook",
        webhook_secret=SECRET,
    )
    app = build_application(settings, shipped_content(), clock=FixedClock(NOW), request=RecordingRequest(api))
    port = free_port()
    async with lifespan(app):
        assert app.updater is not None
        await app.updater.start_webhook(
            listen=settings.webhook_listen,
            port=port,
            url_path="hook",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
        )
        try:
            assert api.webhook["secret_token"] == SECRET  # registered with Telegram
            url = f"http://127.0.0.1:{port}/hook"
            wrong = [None, "", "x", SECRET[:-1], SECRET + "x", SECRET.upper(), "0" + SECRET]
            statuses = []
            async with httpx.AsyncClient() as client:
                for number in range(200):
                    header = wrong[number % len(wrong)]
                    headers = {"Content-Type": "application/json"}
                    if header is not None:
                        headers["X-Telegram-Bot-Api-Secret-Token"] = header
                    body = forged_update(42, "/broadcast", number + 1)
                    statuses.append((await client.post(url, content=body, headers=headers)).status_code)
                good = await client.post(
                    url,
                    content=forged_update(7, "/start", 999),
                    headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
            assert statuses == [403] * 200
            assert good.status_code == 200
            assert app.update_queue.qsize() == 1  # only the one with the secret got in
        finally:
            await app.updater.stop()


# --- the database file ---------------------------------------------------------------------------


async def test_a_new_database_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "bot.sqlite3"
    db = await connect(path)
    await db.execute("CREATE TABLE t (x)")
    try:
        modes = [stat.S_IMODE(p.stat().st_mode) for p in (path, path.parent, Path(f"{path}-wal"))]
        assert modes == [0o600, 0o700, 0o600]
    finally:
        await db.close()


async def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await connect(path)).close()
    os.chmod(path, 0o644)
    db = await connect(path)
    await db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_damaged_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await connect(path)
    await db.execute("CREATE TABLE filler (x TEXT)")
    await db.execute_many("INSERT INTO filler VALUES (?)", [("y" * 500,) for _ in range(200)])
    await db.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 10 * page
    data[5 * page : 6 * page] = b"\xff" * page  # a page in the middle, header intact
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="damaged"):
        await connect(path)


def test_a_second_process_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = lock_database(path)
    try:
        with pytest.raises(StorageError, match=rf"another bot process \(pid {os.getpid()}\)"):
            lock_database(path)
    finally:
        first.release()
    lock_database(path).release()  # free again once the first one is gone


# --- numbers from people and buttons -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#7", 7),
        (" 3 ", 3),
        ("²", None),
        ("٣", None),
        ("1e3", None),
        ("-1", None),
        ("", None),
        ("9" * 30, None),
        ("0", None),
    ],
)
def test_numbers_are_ascii_digits_within_bounds(text: str, expected: int | None) -> None:
    assert callbacks.number(text, 1, 10**12) == expected


@pytest.mark.parametrize("month", ["2026-13", "junk", "²⁰²⁶-01", "2026-1", "1999-01"])
def test_forged_months_are_refused(month: str) -> None:
    assert callbacks.month(month) is None


async def test_hostile_numbers_in_commands_and_buttons_never_raise(tmp_path: Path) -> None:
    api = FakeBotAPI()
    settings = Settings(
        telegram_token=TOKEN, database=tmp_path / "bot.sqlite3", staff_admin_ids=frozenset({42})
    )
    app = build_application(settings, shipped_content(), clock=FixedClock(NOW), request=RecordingRequest(api))
    admin = TgUser(42, "Admin", "en")
    from telegram import Update

    async with lifespan(app):
        for text in ["/remove ²", "/duty remove ٣", "/staff remove ¹²", "/remove 99999999999999999999999"]:
            await app.process_update(Update.de_json(api.message_update(admin, text), app.bot))
        for data in ["s:rm:²", "k:close:²", "b:ok:٣", "r:later:junk", "r:paid:²⁰²⁶-01", "b:x:-1"]:
            await app.process_update(Update.de_json(api.callback_update(admin, data), app.bot))
        await asyncio.sleep(0)
    errors = [c for c in api.calls if c.method == "sendMessage" and "went wrong" in c.visible]
    assert errors == []


# --- hostile content and batch input -------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    import shutil
    import time

    from bot.domain.loader import ContentError, load_content
    from tests.data import PROJECT

    folder = tmp_path / "content"
    shutil.copytree(PROJECT / "content", folder)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    (folder / "gliwice" / "faq.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ContentError, match="aliases"):
        load_content(folder)
    assert time.monotonic() - started < 5


def test_ask_jsonl_answers_a_bad_line_with_an_error_line_and_goes_on() -> None:
    import subprocess
    import sys

    from tests.data import PROJECT

    lines = [
        "[" * 50_000,
        "{" * 100_000,
        '{"centre": "gliwice", "lang": "en", "text": "office hours"}',
        "null",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        check=True,
    )
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["error"] and out[1]["error"] and out[3]["error"]
    assert "16:30" in out[2]["answer"]
