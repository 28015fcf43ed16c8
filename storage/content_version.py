"""The content version every process should run: bumped by a publish, read by every process.

Neither function commits: the bump belongs to the publish's unit of work (bot.editor.service).
"""

from __future__ import annotations

from storage.database import Database


async def current(db: Database) -> int:
    version = await db.fetch_value("SELECT version FROM content_version WHERE id = 1")
    return int(version) if version is not None else 0


async def bump(db: Database) -> int:
    """One more published version (inside the caller's unit of work); the new number."""
    version = await db.fetch_value(
        "UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version"
    )
    return int(version)
