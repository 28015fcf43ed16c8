-- The web door. Staff panel: one-time login links (only the SHA-256 hash, 10 minutes, used once)
-- and sessions (only the hash of the cookie's token, at most 8 hours, a CSRF token per session).
CREATE TABLE panel_links (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE panel_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX panel_sessions_by_expiry ON panel_sessions (expires_at);

-- A ticket opened in the web chat: which anonymous web user (users.external_id, itself a hash of
-- the browser's session id) and in which language. tickets.user_chat is minus the users row id.
CREATE TABLE web_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    lang TEXT NOT NULL
);
CREATE INDEX web_tickets_by_user ON web_tickets (external_id);

-- The lines of a web ticket (the visitor's question, staff answers). A web visitor is not online
-- to receive a relayed message, so the text waits here; it is deleted when the ticket is closed
-- or the visitor says "forget me".
CREATE TABLE ticket_lines (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('user', 'staff')),
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ticket_lines_by_ticket ON ticket_lines (ticket_id, id);
