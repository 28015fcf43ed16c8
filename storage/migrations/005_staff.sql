-- Staff members (Telegram user ids added by an administrator through a one-time invite) and their centre.
CREATE TABLE staff (
    user_id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    added_by INTEGER NOT NULL,
    added_at TEXT NOT NULL
);

-- One-time staff invites: only the SHA-256 hash of the code is stored; used once, then expired.
CREATE TABLE staff_invites (
    code_hash TEXT PRIMARY KEY,
    centre TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by INTEGER
);

-- Every staff action and every refused attempt: who, what, when, on what, and whether it was allowed.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed'))
);
CREATE INDEX audit_by_actor ON audit (actor, at);

-- 0 once Telegram said the user blocked the bot: broadcasts skip them until they write again.
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
