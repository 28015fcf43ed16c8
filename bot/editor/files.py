"""Which content files the editor may write, who may write them, and the atomic write itself."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bot.domain.loader import CENTRE_FILES
from bot.staff.access import Access

SHARED_FILES = ("criteria.yaml", "crisis.yaml")  # administrators only
CENTRE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def is_editable(root: Path, path: str) -> bool:
    """A centre's own file (`gliwice/faq.yaml`) or a shared file; never anything outside."""
    if path in SHARED_FILES:
        return True
    folder, _, name = path.partition("/")
    return bool(CENTRE_ID.match(folder)) and name in {f"{f}.yaml" for f in CENTRE_FILES} and (
        root / folder
    ).is_dir()


def may_edit(access: Access, path: str) -> bool:
    """Staff edit only their own centre's files; administrators every file, and alone the shared ones."""
    if access.role == "admin":
        return True
    folder, _, name = path.partition("/")
    return access.role == "staff" and bool(name) and access.centre == folder


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync it, then rename it over the old file.

    A crash at any moment leaves either the old file or the new one (rename is atomic on POSIX),
    never a half-written mix; a leftover temporary file starts with a dot and is never read.
    """
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_DIRECTORY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)


@contextlib.asynccontextmanager
async def exclusive(root: Path) -> AsyncIterator[None]:
    """Only one publish at a time across every process sharing this content folder: the version
    check and the write happen under an OS lock on the content folder itself (no file of ours in
    it), so two processes publishing the same file at the same moment cannot both pass the check.
    Waited for in a thread, never on the event loop."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
