"""The content version every process should run: bumped by a publish, read by every process.

# uow: convert — these take the aiosqlite connection until storage/database.py's `Database` is
# what `connect()` returns; neither commits: the publish's unit of work does.
"""

from __future__ import annotations

import aiosqlite


async def current(db: aiosqlite.Connection) -> int:  # uow: convert
    async with db.execute("SELECT version FROM content_version WHERE id = 1") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def bump(db: aiosqlite.Connection) -> int:  # uow: convert
    """One more published version; the caller commits it with the rest of its unit of work."""
    await db.execute("UPDATE content_version SET version = version + 1 WHERE id = 1")
    return await current(db)
