"""Issue 15 point 5: operations. `doctor` says what is wrong in plain words and changes nothing;
/healthz and /readyz on the web port; JSON logs without message texts."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import shutil
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot import logformat, logsafe
from bot.cli import main
from bot.clock import FixedClock
from bot.domain.content import Content
from storage import connect
from storage.postgres_migrate import postgres_migrations
from tests.fakebotapi import TOKEN as FAKE_TOKEN
from tests.fakebotapi import FakeBotAPIServer
from tests.pg import Cluster
from tests.web_helpers import door, web_client

PROJECT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:" + "A" * 35


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deployment in `tmp_path`: its own database path and a copy of the content."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    unset = ("TELEGRAM_BOT_TOKEN", "STAFF_ADMIN_IDS", "WEB_PORT", "LOG_FORMAT", "WEBHOOK_URL", "DATABASE_URL")
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    return tmp_path


def doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["doctor", *args])
    return status, capsys.readouterr().out


def test_doctor_on_a_new_deployment_is_ready_and_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = doctor(capsys)
    assert status == 0, out
    assert "content: 2 centres (gliwice, wodzislaw)" in out
    assert "does not exist yet" in out and "ready to run" in out
    assert not (env / "data").exists()  # nothing created, nothing migrated


async def test_doctor_reports_pending_migrations_and_a_running_process(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.db import lock_database

    path = env / "data" / "bot.sqlite3"
    await (await connect(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 3")
    raw.close()
    lock = lock_database(path)
    try:
        status, out = doctor(capsys)
    finally:
        lock.release()
    assert status == 0, out
    assert "migrations pending, applied at the next start" in out
    assert "a bot process is using it now" in out
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 3  # doctor migrated nothing
    raw.close()


async def test_doctor_names_every_problem_in_plain_words(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = env / "data" / "bot.sqlite3"
    await (await connect(path)).close()
    path.chmod(0o644)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    raw.close()
    centre = env / "content" / "gliwice" / "centre.yaml"
    centre.write_text(centre.read_text(encoding="utf-8") + "\nphone: [\n", "utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    status, out = doctor(capsys)
    assert status == 1
    assert "PROBLEM  content:" in out and "gliwice/centre.yaml" in out
    assert "a newer version of the bot made it" in out
    assert "other users can read it" in out
    assert "TELEGRAM_BOT_TOKEN is not shaped like a token" in out
    assert "problems to fix before running" in out
    assert "Traceback" not in out


# --- doctor and a PostgreSQL DATABASE_URL (the session's throwaway cluster) ---------------------------


async def pg_fetch(url: str, sql: str) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def test_doctor_on_an_up_to_date_postgres_is_ready(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    status, out = doctor(capsys)
    assert status == 0, out
    latest = postgres_migrations()[-1][0]
    line = rf"OK +database: postgresql://postgres@/\w+\?host=\S+: PostgreSQL [\d.]+, schema {latest}, "
    line += "schema up to date"
    assert re.search(line, out), out
    assert not (env / "data").exists()  # no SQLite file made on the side


def test_doctor_counts_pending_postgres_migrations_and_applies_none(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    latest = postgres_migrations()[-1][0]
    asyncio.run(pg_fetch(pg_url, f"DELETE FROM schema_version WHERE version >= {latest - 1}"))
    monkeypatch.setenv("DATABASE_URL", pg_url)
    status, out = doctor(capsys)
    assert status == 0, out
    assert f"schema {latest - 2}, 2 migrations pending, applied at the next start" in out
    assert asyncio.run(pg_fetch(pg_url, "SELECT MAX(version) FROM schema_version")) == latest - 2


def test_doctor_on_an_empty_postgres_says_the_first_start_fills_it(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_empty_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_empty_url)
    status, out = doctor(capsys)
    assert status == 0, out
    assert "it is empty: the first start makes the tables" in out
    assert asyncio.run(pg_fetch(pg_empty_url, "SELECT to_regclass('schema_version')")) is None


def test_doctor_says_why_postgres_cannot_be_reached(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_cluster: Cluster
) -> None:
    with_password = pg_cluster.url("no_such_database").replace("postgres@", "postgres:s3cret@")
    monkeypatch.setenv("DATABASE_URL", with_password)
    status, out = doctor(capsys)
    assert status == 1
    assert "PROBLEM  database:" in out and "cannot reach it: the database does not exist" in out
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@/bot?host={env}&port=5999")
    status, out = doctor(capsys)
    assert status == 1 and "cannot reach it: no server socket there" in out
    assert "s3cret" not in out and "Traceback" not in out


def test_doctor_reports_a_broken_setting_instead_of_failing(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    status, out = doctor(capsys)
    assert status == 1 and "PROBLEM  settings: LOG_FORMAT must be one of text, json" in out


async def test_doctor_online_asks_the_bot_api_whether_the_token_works(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", FAKE_TOKEN)
    async with FakeBotAPIServer() as api:
        status, out = await _in_thread(capsys, "--online", "--api-url", f"http://127.0.0.1:{api.port}")
    assert status == 0, out
    assert "telegram: the token belongs to @" in out


async def _in_thread(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    import asyncio

    # doctor is a blocking command; the fake Bot API runs on this test's loop.
    return await asyncio.to_thread(doctor, capsys, *args)


def test_readyz_says_ready_only_when_content_and_database_are(
    content: Content, clock: FixedClock, tmp_path: Path
) -> None:
    with web_client(content, clock, tmp_path / "bot.sqlite3") as client:
        assert client.get("/healthz").text == "ok"
        ready = client.get("/readyz")
        assert (ready.status_code, ready.text) == (200, "ready")
        import asyncio

        asyncio.run(_close(door(client)))  # the database goes away under a running process
        gone = client.get("/readyz")
        assert gone.status_code == 503 and "the database does not answer" in gone.text
        assert client.get("/healthz").status_code == 200  # alive, just not ready


async def _close(web: object) -> None:
    await web.db.close()  # type: ignore[attr-defined]


def test_json_logs_are_one_object_per_line_without_user_text() -> None:
    stream = io.StringIO()
    logformat.configure("INFO", "json")
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "housing-assistant")
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logsafe.install([TOKEN])
    logging.getLogger("bot.test").info("answered %d questions", 3)
    logging.getLogger("telegram.ext").info("update %s", "Nazywam się Anna Kowalska")
    logging.getLogger("bot.test").warning("token %s leaked", TOKEN)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [
        "answered 3 questions",
        "update […]",
        "token [secret] leaked",
    ]
    assert set(lines[0]) == {"time", "level", "logger", "pid", "message"}
    assert lines[0]["time"].endswith("+00:00") and lines[0]["level"] == "info"
    logging.getLogger().removeHandler(handler)
