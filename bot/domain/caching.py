"""The on-disk cache of things built from content: parsed centres, word indexes, vectors.

Everything in it is derived (keyed by a hash of what it was built from), so a missing, stale,
corrupt or unwritable entry only costs the time to build it again.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def cache_folder() -> Path | None:
    """BOT_CACHE_DIR, else the user's cache folder (the same for every working directory, so tests
    and commands share it); "off" keeps everything in memory only."""
    value = os.environ.get("BOT_CACHE_DIR")
    if value == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "housing-assistant"


def read_pickle(path: Path) -> object:
    """What `write_pickle` stored at `path`, or None when it is missing or unreadable."""
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own cache folder, written only by write_pickle
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None


def write_pickle(path: Path, value: object) -> None:
    """Store `value` atomically (a reader sees the old file or the new one, never half of one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cache entry not written (%s)", type(exc).__name__)
