"""Logs that hold no message texts, names, usernames, incomes or secrets, at every level.

Our own code logs ids, counts and error class names only. The libraries do not: at DEBUG,
python-telegram-bot logs every update and every Bot API call with its parameters, httpx logs URLs
(which contain the bot token), and PTB's webhook handler logs a whole update at CRITICAL when it
cannot parse it. So every record is made safe where it is created (a LogRecord factory), before any
handler, test capture or formatter sees it:

- a record from a library logger keeps its template and loses its arguments ("Calling Bot API
  endpoint `%s` with parameters `%s`" -> "... `[…]` with parameters `[…]`"); the templates are
  the libraries' own constant strings;
- secrets (the bot token, the webhook secret) are replaced by "[secret]" in every record's text and
  traceback, ours included;
- library loggers are held at INFO or above even when LOG_LEVEL=DEBUG (less noise; nothing to lose).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any, Final

OURS: Final = ("bot", "storage", "bench", "tests", "__main__")  # loggers whose arguments are safe
LIBRARIES: Final = (
    "telegram",
    "httpx",
    "httpcore",
    "apscheduler",
    "tornado",
    "aiosqlite",
    "asyncio",
    "uvicorn",
)
HIDDEN: Final = "[…]"
SECRET: Final = "[secret]"
# A Telegram bot token anywhere in a text (e.g. an httpx URL), even one we were not told about.
TOKEN_SHAPE: Final = re.compile(r"\b[0-9]{6,12}:[A-Za-z0-9_-]{30,}\b")

_secrets: list[str] = []
_installed = False
_base_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """`text` without any registered secret or anything shaped like a bot token."""
    for secret in _secrets:
        text = text.replace(secret, SECRET)
    return TOKEN_SHAPE.sub(SECRET, text)


def _ours(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in OURS)


def _safe_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    # Keep a library's constant template; drop the values (update JSON, parameters, URLs).
    if not _ours(record.name) and record.args:
        template = str(record.msg)
        try:
            record.msg = template % tuple(HIDDEN for _ in _as_tuple(record.args))
        except (TypeError, ValueError, KeyError):
            record.msg = template
        record.args = None
    message = record.getMessage()
    safe = redact(message)
    if safe != message:
        record.msg, record.args = safe, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters use exc_text when it is set: give them the redacted traceback.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    return record


def _as_tuple(args: Any) -> tuple[Any, ...]:
    return args if isinstance(args, tuple) else (args,)


def install(secrets: Iterable[str | None] = (), level: str = "INFO") -> None:
    """Make every log record safe from now on; register `secrets` (None and "" are ignored)."""
    global _installed
    for secret in secrets:
        if secret and secret not in _secrets:
            _secrets.append(secret)
    if not _installed:
        logging.setLogRecordFactory(_safe_record)
        _installed = True
    named = logging.getLevelName(level)
    floor = max(logging.INFO, named if isinstance(named, int) else logging.INFO)
    for name in LIBRARIES:
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < floor:
            library.setLevel(floor)
    # httpx logs every request URL at INFO, and the URL holds the token: warnings only.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, floor))
