"""Settings from the environment (and an optional `.env` file); nothing else reads os.environ."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGS = ("pl", "uk", "en")
MIN_SECRET = 32  # characters of WEBHOOK_SECRET; Telegram allows A-Z a-z 0-9 _ - and up to 256
_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")  # in env names, channel names and webhook paths
DEFAULT_CHANNEL = "telegram"  # the channel of the one bot of TELEGRAM_BOT_TOKEN (users.channel)


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True)
class TelegramBot:
    """One bot token and what it serves (issue 15: several bots in one deployment).

    The one bot of TELEGRAM_BOT_TOKEN has no name, serves every centre and its users are channel
    "telegram"; a bot named in TELEGRAM_BOTS serves its own centres and its users are channel
    "telegram:<name>" (a person who uses two bots is two users: their chat, centre and sends are
    per bot)."""

    name: str | None
    token: str
    centres: frozenset[str] | None = None  # None: every centre of the content
    staff_chat_id: int | None = None
    webhook_secret: str | None = None

    @property
    def channel(self) -> str:
        return DEFAULT_CHANNEL if self.name is None else f"{DEFAULT_CHANNEL}:{self.name}"

    @property
    def label(self) -> str:
        """How messages name the bot ("the bot gliwice"; the one bot: "the bot")."""
        return "the bot" if self.name is None else f"the bot {self.name}"

    def serves(self, centre: str | None) -> bool:
        return self.centres is None or centre in self.centres


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
    # Several bots (TELEGRAM_BOTS); empty: the one bot of TELEGRAM_BOT_TOKEN, if set. `bot` is the
    # bot a Telegram door runs as (`for_bot`); None outside a Telegram door.
    telegram_bots: tuple[TelegramBot, ...] = ()
    bot: TelegramBot | None = None

    def bots(self) -> tuple[TelegramBot, ...]:
        """Every bot this deployment runs: the named ones, or the one of TELEGRAM_BOT_TOKEN."""
        if self.telegram_bots:
            return self.telegram_bots
        if self.telegram_token:
            return (TelegramBot(None, self.telegram_token, None, self.staff_chat_id, self.webhook_secret),)
        return ()

    def secrets(self) -> list[str | None]:
        """Every token and webhook secret, for bot.logsafe to keep out of the logs."""
        found = [self.telegram_token, self.webhook_secret]
        return found + [part for bot in self.telegram_bots for part in (bot.token, bot.webhook_secret)]

    def for_bot(self, bot: TelegramBot) -> Settings:
        """These settings as one bot's door reads them: its token, staff chat and webhook secret."""
        return replace(
            self,
            telegram_token=bot.token,
            staff_chat_id=bot.staff_chat_id,
            webhook_secret=bot.webhook_secret,
            bot=bot,
        )

    @property
    def telegram_channel(self) -> str:
        """The users' channel of the bot these settings run as (the one bot's when not set)."""
        return self.bot.channel if self.bot is not None else DEFAULT_CHANNEL

    def channel_of(self, centre: str) -> str | None:
        """The channel whose bot serves `centre` (its broadcasts go through that bot); None when no
        named bot serves it."""
        if not self.telegram_bots:
            return DEFAULT_CHANNEL
        return next((bot.channel for bot in self.telegram_bots if bot.serves(centre)), None)

    def bot_serving(self, centre: str) -> TelegramBot | None:
        return next((bot for bot in self.bots() if bot.serves(centre)), None)

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
        webhook_url = get("WEBHOOK_URL")
        return cls(
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_bots=read_bots(get, webhook_url),
            content_dir=Path(get("CONTENT_DIR") or PROJECT_ROOT / "content"),
            database=Path(get("DATABASE_PATH") or PROJECT_ROOT / "data" / "bot.sqlite3"),
            database_url=get("DATABASE_URL"),
            default_centre=get("BOT_DEFAULT_CENTRE"),
            default_lang=lang,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret(webhook_url, get("WEBHOOK_SECRET")),
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


def read_bots(get: Callable[[str], str | None], webhook_url: str | None) -> tuple[TelegramBot, ...]:
    """TELEGRAM_BOTS=a,b and, for each NAME, TELEGRAM_BOT_<NAME>_TOKEN (required) and _CENTRES
    (required), _STAFF_CHAT_ID and _WEBHOOK_SECRET (else a random one at each start).

    STAFF_CHAT_ID is not inherited: a staff chat belongs to one bot (a reply there is read by every
    bot in the group, and only the bot that posted a ticket may answer it)."""
    listed = get("TELEGRAM_BOTS")
    if listed is None:
        return ()
    if get("TELEGRAM_BOT_TOKEN") is not None:
        raise SettingsError(
            "set TELEGRAM_BOT_TOKEN for one bot or TELEGRAM_BOTS for several, not both"
            " (with TELEGRAM_BOTS each bot's token is TELEGRAM_BOT_<NAME>_TOKEN)"
        )
    bots: list[TelegramBot] = []
    owner: dict[str, str] = {}  # centre -> the bot serving it
    tokens: dict[str, str] = {}
    for raw in (part.strip() for part in listed.split(",")):
        name = raw.lower()
        if not raw:
            continue
        if _BOT_NAME.fullmatch(name) is None:
            raise SettingsError(
                f"TELEGRAM_BOTS: {raw!r} is not a bot name (a letter, then letters, digits or _; at most 32)"
            )
        if any(bot.name == name for bot in bots):
            raise SettingsError(f"TELEGRAM_BOTS names the bot {name!r} twice")
        key = f"TELEGRAM_BOT_{name.upper()}"
        token = get(f"{key}_TOKEN")
        if token is None:
            raise SettingsError(f"{key}_TOKEN is not set (the token of the bot {name!r} from @BotFather)")
        if token in tokens:
            raise SettingsError(f"{key}_TOKEN is the same token as the bot {tokens[token]!r}'s")
        tokens[token] = name
        centres = frozenset(c.strip() for c in (get(f"{key}_CENTRES") or "").split(",") if c.strip())
        if not centres:
            raise SettingsError(f"{key}_CENTRES is not set: which centres does the bot {name!r} serve?")
        for centre in sorted(centres):
            if centre in owner:
                raise SettingsError(
                    f"the centre {centre!r} is in {key}_CENTRES and in the bot {owner[centre]!r}'s:"
                    " a centre is served by one bot"
                )
            owner[centre] = name
        chat = get(f"{key}_STAFF_CHAT_ID")
        secret = webhook_secret(webhook_url, get(f"{key}_WEBHOOK_SECRET"), f"{key}_WEBHOOK_SECRET")
        staff = _int(chat, f"{key}_STAFF_CHAT_ID") if chat else None
        bots.append(TelegramBot(name, token, centres, staff, secret))
    if not bots:
        raise SettingsError("TELEGRAM_BOTS names no bot")
    return tuple(bots)


def unknown_centres(settings: Settings, known: set[str] | frozenset[str]) -> list[str]:
    """Plain sentences for every centre a bot serves that the content does not have."""
    return [
        f"{bot.label} serves the centre {centre!r}, which is not in the content"
        f" (TELEGRAM_BOT_{(bot.name or '').upper()}_CENTRES)"
        for bot in settings.bots()
        for centre in sorted(bot.centres or ())
        if centre not in known
    ]


def webhook_secret(url: str | None, given: str | None, name: str = "WEBHOOK_SECRET") -> str | None:
    """The secret Telegram must send with every webhook update: the given one if it is strong enough,
    else (none given) a fresh random one, registered with setWebhook at every start."""
    if url is None:
        return given
    if given is None:
        return secrets.token_urlsafe(32)  # 43 characters from A-Z a-z 0-9 _ -
    if len(given) < MIN_SECRET or _SECRET_CHARS.fullmatch(given) is None:
        raise SettingsError(
            f"{name} must be at least {MIN_SECRET} characters of A-Z, a-z, 0-9, _ and -"
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
