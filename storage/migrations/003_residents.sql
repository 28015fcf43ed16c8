-- Residents bound to a flat through one-time invites. No names: a chat id, a centre and a flat.
-- Invite codes are stored only as their SHA-256 hash; a code is used once and expires.
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    centre TEXT NOT NULL,
    flat TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT
);

-- status: active (receives reminders), blocked (the chat refused our messages; record kept),
-- left (/leave) or removed (by staff). A new invite makes the same chat active again.
CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    centre TEXT NOT NULL,
    flat TEXT NOT NULL,
    lang TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'left', 'removed')),
    payment_muted INTEGER NOT NULL DEFAULT 0,
    joined_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX residents_by_flat ON residents (centre, flat, status);
