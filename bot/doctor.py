"""`python -m bot doctor`: is this deployment ready to run? Every problem in plain words.

It reads the settings, the content, the database and the bot token and changes nothing: the
database is opened read-only (never created or migrated), Telegram is asked only with `--online`.
The exit status is 1 when something must be fixed first.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.domain.loader import ContentError, load_content
from bot.settings import Settings, SettingsError, TelegramBot, unknown_centres
from storage.inspect import DatabaseReport, inspect_postgres, inspect_sqlite
from storage.open import is_postgres, sqlite_path

TOKEN_SHAPE = re.compile(r"^[0-9]{5,12}:[A-Za-z0-9_-]{30,}$")
API = "https://api.telegram.org"
SHOWN_PROBLEMS = 8


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "note" or "problem"
    topic: str
    text: str

    def line(self) -> str:
        return f"{self.level.upper():8} {self.topic}: {self.text}"


def examine(env: dict[str, str] | None = None, online: bool = False, api: str = API) -> list[Finding]:
    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        return [Finding("problem", "settings", str(exc))]
    found = [Finding("ok", "settings", "read")]
    content_found, centres = _content(settings.content_dir)
    found += content_found
    found += _database(settings)
    found += _telegram(settings, online, api)
    if centres is not None:
        found += _bots_and_centres(settings, centres)
    found += _staff(settings)
    found += _web(env)
    return found


def _content(folder: Path) -> tuple[list[Finding], set[str] | None]:
    """The findings about the content and its centres (None when it cannot be read)."""
    try:
        content = load_content(folder)
    except ContentError as exc:
        shown = [Finding("problem", "content", problem) for problem in exc.problems[:SHOWN_PROBLEMS]]
        more = len(exc.problems) - SHOWN_PROBLEMS
        if more > 0:
            shown.append(Finding("problem", "content", f"and {more} more (python -m bot check-content)"))
        return shown, None
    names = sorted(content.centres)
    listed = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return [Finding("ok", "content", f"{len(names)} centres ({listed})")], set(names)


def _database(settings: Settings) -> list[Finding]:
    url = settings.database_url
    report: DatabaseReport
    if is_postgres(url):
        assert url is not None
        # doctor is a plain command (no event loop of its own): one short-lived one for the look.
        report = asyncio.run(inspect_postgres(url.strip()))
    else:
        report = inspect_sqlite(Path(sqlite_path(url, settings.database)))
    found = [Finding("problem", "database", f"{report.where}: {problem}") for problem in report.problems]
    found += [Finding("note", "database", f"{report.where}: {note}") for note in report.notes]
    if report.exists and not report.problems:
        state = (
            f"{report.pending} migrations pending, applied at the next start"
            if report.pending
            else "schema up to date"
        )
        found.append(
            Finding("ok", "database", f"{report.where}: {report.engine}, schema {report.schema}, {state}")
        )
    return found


def _telegram(settings: Settings, online: bool, api: str) -> list[Finding]:
    bots = settings.bots()
    if not bots:
        return [Finding("note", "telegram", "no TELEGRAM_BOT_TOKEN: `make run` starts the terminal chat")]
    return [finding for bot in bots for finding in _token(bot, online, api)]


def _token(bot: TelegramBot, online: bool, api: str) -> list[Finding]:
    """One bot's token: its shape, and with `online` whom Telegram says it belongs to."""
    topic = "telegram" if bot.name is None else f"telegram {bot.name}"
    variable = "TELEGRAM_BOT_TOKEN" if bot.name is None else f"TELEGRAM_BOT_{bot.name.upper()}_TOKEN"
    serves = "" if bot.centres is None else f", serving {', '.join(sorted(bot.centres))}"
    if not TOKEN_SHAPE.match(bot.token):
        return [Finding("problem", topic, f"{variable} is not shaped like a token")]
    if not online:
        return [Finding("ok", topic, f"a token is set{serves} (not checked with Telegram; add --online)")]
    try:
        answer = httpx.get(f"{api}/bot{bot.token}/getMe", timeout=10)
    except httpx.HTTPError as exc:
        return [Finding("problem", topic, f"cannot reach Telegram ({type(exc).__name__})")]
    if answer.status_code in (401, 404):
        return [Finding("problem", topic, f"Telegram refuses {variable} (ask @BotFather)")]
    try:
        name = answer.json()["result"]["username"]
    except (ValueError, KeyError, TypeError):
        return [Finding("problem", topic, f"Telegram answered with status {answer.status_code}")]
    return [Finding("ok", topic, f"the token belongs to @{name}{serves}")]


def _bots_and_centres(settings: Settings, centres: set[str]) -> list[Finding]:
    """With TELEGRAM_BOTS: a bot's centre missing from the content is a problem (it would not
    start); a centre no bot serves is a note (only the web chat answers about it)."""
    if not settings.telegram_bots:
        return []
    found = [Finding("problem", "telegram", problem) for problem in unknown_centres(settings, centres)]
    served = {c for bot in settings.telegram_bots for c in bot.centres or ()}
    alone = sorted(centres - served)
    if alone:
        found.append(
            Finding(
                "note",
                "telegram",
                f"no bot serves {', '.join(alone)} (add them to a TELEGRAM_BOT_<NAME>_CENTRES)",
            )
        )
    return found


def _staff(settings: Settings) -> list[Finding]:
    if not settings.staff_admin_ids:
        return [Finding("note", "staff", "no STAFF_ADMIN_IDS: nobody can invite staff or send notices")]
    return [Finding("ok", "staff", f"{len(settings.staff_admin_ids)} administrators")]


def _web(env: dict[str, str] | None) -> list[Finding]:
    from bot.channels.web.config import WebSettings

    try:
        web = WebSettings.from_env(env)
    except SettingsError as exc:
        return [Finding("problem", "web", str(exc))]
    if web.port is None:
        return [Finding("note", "web", "no WEB_PORT: `python -m bot web` serves on 127.0.0.1:8080")]
    return [Finding("ok", "web", f"served on {web.host}:{web.port}")]


def doctor(online: bool, api: str = API) -> int:
    findings = examine(online=online, api=api)
    for finding in findings:
        print(finding.line())
    broken = sum(finding.level == "problem" for finding in findings)
    print("ready to run" if not broken else f"{broken} problems to fix before running")
    return 1 if broken else 0
