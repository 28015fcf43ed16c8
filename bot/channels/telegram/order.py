"""Concurrent update processing that keeps each user's updates in the order they arrived.

With PTB's default (one update at a time) every Bot API round trip, and every 429 pause, holds up
everybody. Plain `concurrent_updates=True` would let two quick messages of one user race on that
user's stored conversation step. This processor does both right: different users in parallel (up
to a bound), one user's updates strictly one after another. `across` extends that to several
processes on one database (storage/user_locks.py; with SQLite it adds nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from storage.user_locks import LocalOnly, UserLocks


def order_key(update: object) -> int | None:
    """Whose updates must not overlap: the user's id, else the chat's (None: no constraint)."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class PerUserOrder(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, but never two of the same user."""

    __slots__ = ("_locks", "_queued", "across")

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}
        self.across: UserLocks = LocalOnly()  # set when the database is open (telegram/processes.py)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())  # asyncio.Lock wakes waiters in FIFO order
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lock, self.across.hold(key):  # in this process first, then across processes
                await coroutine
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:  # forget idle users so the maps stay small
                del self._queued[key], self._locks[key]

    @property
    def busy_users(self) -> int:
        """How many users have an update being handled or waiting."""
        return len(self._locks)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
