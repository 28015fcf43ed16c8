"""How log lines look: plain text for a terminal, one JSON object per line for a log collector.

`LOG_FORMAT=json` is for deployments with many processes (issue 15): every line carries the time
in UTC, the level, the logger, the process id and the message. Messages are already safe by then
(`bot.logsafe` strips texts, names and secrets when a record is created), so no field here can
hold what a user typed.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Final

FORMATS: Final = ("text", "json")
TEXT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OURS: Final = "housing-assistant"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, keys in a fixed order; a traceback goes in `error`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process or os.getpid(),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    """Root logging for a command: `fmt` is "text" (default) or "json"."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    handler.set_name(_OURS)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _OURS:  # a second call replaces ours; others' (pytest's) stay
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
