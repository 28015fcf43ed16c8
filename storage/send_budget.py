"""The outgoing budget of a bot token shared by several processes: sends leased per one-second window.

One row per (token_key, window_start): how many sends the processes took in that second of the
epoch. A process leases a few at a time in one statement (`lease`); the row lock serialises leases,
so together they never take more than the caller's `allowed` (the limit, paced over the window).
A 429 marks windows used up (`block`) so every process waits. `token_key` is a hash of the bot
token, never the token. Windows are numbered by the processes' clocks (kept in step by NTP;
a skew of a few milliseconds only shifts the boundary). Nothing here commits: each statement is
its own unit of work (the budget runs outside any transaction).
"""

from __future__ import annotations

import hashlib

from storage.database import Database


def token_key(token: str) -> str:
    """A stable name for a bot token that does not reveal it."""
    return hashlib.sha256(f"send_budget:{token}".encode()).hexdigest()[:32]


async def lease(db: Database, key: str, window: int, want: int, allowed: int) -> int:
    """Take up to `want` sends of `window` for this token while the window has used fewer than
    `allowed` (its limit, or the part of it due so far); how many were granted (0: wait). One round
    trip; the row lock serialises the processes' leases."""
    least = "LEAST" if db.dialect == "postgres" else "MIN"  # the one spelling that differs
    want = max(0, min(want, allowed))
    granted = await db.fetch_value(
        "INSERT INTO send_budget (token_key, window_start, used, granted) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (token_key, window_start) DO UPDATE SET"
        f" used = {least}(send_budget.used + ?, ?),"
        f" granted = {least}(send_budget.used + ?, ?) - send_budget.used"
        " WHERE send_budget.used < ? RETURNING granted",
        (key, window, want, want, want, allowed, want, allowed, allowed),
    )
    return 0 if granted is None or want == 0 else int(granted)


async def block(db: Database, key: str, levels: list[tuple[int, int]]) -> None:
    """(window, used at least): Telegram asked the token to wait (a 429), so every process sees
    these windows used up to that level (full, or what is due when the wait ends)."""
    most = "GREATEST" if db.dialect == "postgres" else "MAX"
    await db.execute_many(
        "INSERT INTO send_budget (token_key, window_start, used, granted) VALUES (?, ?, ?, 0)"
        f" ON CONFLICT (token_key, window_start) DO UPDATE SET used = {most}(send_budget.used, ?)",
        [(key, window, level, level) for window, level in levels],
    )


async def used(db: Database, key: str, window: int) -> int:
    """How many sends of `window` were leased (for tests and benches)."""
    value = await db.fetch_value(
        "SELECT used FROM send_budget WHERE token_key = ? AND window_start = ?", (key, window)
    )
    return 0 if value is None else int(value)


async def prune(db: Database, key: str, before: int) -> int:
    """Forget this token's windows before `before` (they only count the past)."""
    done = await db.execute("DELETE FROM send_budget WHERE token_key = ? AND window_start < ?", (key, before))
    return done.rowcount
