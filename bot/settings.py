"""Settings from the environment (and an optional `.env` file); nothing else reads os.environ."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGS = ("pl", "uk", "en")
MIN_SECRET = 32  # characters of WEBHOOK_SECRET; Telegram allows A-Z a-z 0-9 _ - and up to 256
_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = None
    content_dir: Path = PROJECT_ROOT / "content"
    database: Path = PROJECT_ROOT / "data" / "bot.sqlite3"
    # postgresql://... uses PostgreSQL instead of the SQLite file `database` (storage/open.py).
    database_url: str | None = None
    default_centre: str | None = None
    default_lang: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_port: int = 8443
    webhook_listen: str = "127.0.0.1"  # a reverse proxy in front forwards to it; not every interface
    staff_admin_ids: frozenset[int] = field(default_factory=frozenset)
    staff_chat_id: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line (LOG_FORMAT), for log collectors
    reminder_grace_hours: float = 6.0  # missed reminders younger than this are caught up at start
    invite_ttl_days: int = 7  # how long a resident invite code stays valid
    telegram_rate: float = 29.0  # messages per second of the bot token in all (Telegram allows ~30)
    broadcast_rate: float = 25.0  # at most this many of them broadcast messages (replies go first)
    broadcast_concurrency: int = 8  # sends in flight at once (at most this many repeat after a crash)
    # Several processes on one PostgreSQL (issue 15): how long a claimed outbox or reminder row stays
    # another process's, and how often a process that is not the scheduler tries to become it.
    claim_lease_seconds: float = 120.0
    leader_retry_seconds: float = 15.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings; `env` defaults to os.environ merged over `.env` in the working folder."""
        values = dict(read_dotenv(Path(".env"))) if env is None else {}
        values.update(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        lang = get("BOT_DEFAULT_LANG")
        if lang is not None and lang not in LANGS:
            raise SettingsError(f"BOT_DEFAULT_LANG must be one of {', '.join(LANGS)}, not {lang!r}")
        return cls(
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            content_dir=Path(get("CONTENT_DIR") or PROJECT_ROOT / "content"),
            database=Path(get("DATABASE_PATH") or PROJECT_ROOT / "data" / "bot.sqlite3"),
            database_url=get("DATABASE_URL"),
            default_centre=get("BOT_DEFAULT_CENTRE"),
            default_lang=lang,
            webhook_url=get("WEBHOOK_URL"),
            webhook_secret=webhook_secret(get("WEBHOOK_URL"), get("WEBHOOK_SECRET")),
            webhook_port=_int(get("WEBHOOK_PORT") or "8443", "WEBHOOK_PORT"),
            webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
            staff_admin_ids=frozenset(
                _int(part, "STAFF_ADMIN_IDS") for part in (get("STAFF_ADMIN_IDS") or "").split(",") if part
            ),
            staff_chat_id=_int(chat, "STAFF_CHAT_ID") if (chat := get("STAFF_CHAT_ID")) else None,
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            log_format=_log_format(get("LOG_FORMAT")),
            reminder_grace_hours=_float(get("REMINDER_GRACE_HOURS") or "6", "REMINDER_GRACE_HOURS"),
            invite_ttl_days=_int(get("INVITE_TTL_DAYS") or "7", "INVITE_TTL_DAYS"),
            telegram_rate=_float(get("TELEGRAM_RATE") or "29", "TELEGRAM_RATE") or 29.0,
            broadcast_rate=_float(get("BROADCAST_RATE") or "25", "BROADCAST_RATE") or 25.0,
            broadcast_concurrency=max(1, _int(get("BROADCAST_CONCURRENCY") or "8", "BROADCAST_CONCURRENCY")),
            claim_lease_seconds=_float(get("CLAIM_LEASE_SECONDS") or "120", "CLAIM_LEASE_SECONDS") or 120.0,
            leader_retry_seconds=_float(get("LEADER_RETRY_SECONDS") or "15", "LEADER_RETRY_SECONDS") or 15.0,
        )


def webhook_secret(url: str | None, given: str | None) -> str | None:
    """The secret Telegram must send with every webhook update: the given one if it is strong enough,
    else (none given) a fresh random one, registered with setWebhook at every start."""
    if url is None:
        return given
    if given is None:
        return secrets.token_urlsafe(32)  # 43 characters from A-Z a-z 0-9 _ -
    if len(given) < MIN_SECRET or _SECRET_CHARS.fullmatch(given) is None:
        raise SettingsError(
            f"WEBHOOK_SECRET must be at least {MIN_SECRET} characters of A-Z, a-z, 0-9, _ and -"
            " (or leave it empty and a random one is made at each start)"
        )
    return given


def _int(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None


def _float(text: str, name: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {text!r}")
    return value


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments skipped; quotes around values removed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _log_format(value: str | None) -> str:
    from bot.logformat import FORMATS

    chosen = (value or "text").lower()
    if chosen not in FORMATS:
        raise SettingsError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return chosen
