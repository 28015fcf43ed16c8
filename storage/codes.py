"""One-time invite codes, shared by resident and staff invites: random, and stored only hashed."""

from __future__ import annotations

import hashlib
import secrets


def new_code(prefix: str = "") -> str:
    """A fresh code: 192 random bits, URL-safe, short enough for a /start deep-link payload (≤ 64)."""
    return prefix + secrets.token_urlsafe(24)


def hash_code(code: str) -> str:
    """What the database keeps instead of the code itself."""
    return hashlib.sha256(code.encode()).hexdigest()
