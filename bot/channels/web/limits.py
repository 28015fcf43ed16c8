"""Rate limits in memory (one process): a sliding one-minute window per key.

Keys are hashes of a session id or of an address, kept only for the window; nothing is written
anywhere. A process serving several workers would need a shared store instead.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable

WINDOW = 60.0
MAX_KEYS = 50_000  # above this the oldest keys are dropped, so a flood cannot fill the memory


class RateLimiter:
    def __init__(self, per_minute: int, now: Callable[[], float]) -> None:
        self.per_minute = per_minute
        self.now = now
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count one hit for `key`; False when it already made `per_minute` hits in the window."""
        key = hashlib.blake2s(key.encode(), digest_size=12).hexdigest()
        moment = self.now()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= MAX_KEYS:
                self._drop_oldest()
            hits = self._hits[key] = deque()
        while hits and hits[0] <= moment - WINDOW:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(moment)
        return True

    def _drop_oldest(self) -> None:
        for key in list(self._hits)[: MAX_KEYS // 10]:
            del self._hits[key]
