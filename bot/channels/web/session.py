"""The browser's anonymous session: a random id in a cookie, and the page's transcript in memory.

The id (256 random bits) is never stored: the database keys the user by its SHA-256 hash, so a
copy of the database cannot be turned into a working cookie. The transcript (what the page shows)
lives only in this process's memory, is capped, and goes after an idle hour.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.replies import Reply

COOKIE = "chat_session"
MAX_ENTRIES = 40  # messages one page shows; older ones scroll out
IDLE_SECONDS = 3600.0
MAX_SESSIONS = 20_000  # oldest transcripts are dropped first above this


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def valid_session_id(value: str | None) -> bool:
    return value is not None and 40 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()


def external_id(session_id: str) -> str:
    """What the users table keeps for a web visitor."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token(secret: bytes, session_id: str) -> str:
    """Tied to the session, so a page from another site cannot post into someone's chat."""
    return hmac.new(secret, session_id.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: bytes, session_id: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(csrf_token(secret, session_id), token)


@dataclass(frozen=True)
class Entry:
    """One message on the page: who says it ("user", "bot", "staff"), the text, its buttons."""

    number: int
    author: str
    reply: Reply


@dataclass
class Transcript:
    entries: deque[Entry] = field(default_factory=lambda: deque(maxlen=MAX_ENTRIES))
    counter: int = 0
    touched: float = 0.0

    def add(self, author: str, reply: Reply) -> Entry:
        self.counter += 1
        entry = Entry(self.counter, author, reply)
        self.entries.append(entry)
        return entry

    def since(self, number: int) -> list[Entry]:
        return [entry for entry in self.entries if entry.number > number]


class Transcripts:
    """Transcripts by session id, oldest-touched first, forgotten when idle."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._by_id: OrderedDict[str, Transcript] = OrderedDict()

    def get(self, session_id: str) -> Transcript:
        moment = self.now()
        self._expire(moment)
        found = self._by_id.pop(session_id, None) or Transcript()
        found.touched = moment
        self._by_id[session_id] = found
        while len(self._by_id) > MAX_SESSIONS:
            self._by_id.popitem(last=False)
        return found

    def drop(self, session_id: str) -> None:
        self._by_id.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._by_id)

    def _expire(self, moment: float) -> None:
        while self._by_id:
            oldest = next(iter(self._by_id.values()))
            if oldest.touched > moment - IDLE_SECONDS:
                return
            self._by_id.popitem(last=False)
