-- A broadcast: drafted (audience, then text), confirmed (sending) or scheduled, then done or cancelled.
-- audience: 'all' (everyone of the centre), 'flats' (residents of all flats), 'flat:<id>', 'applicants'.
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    audience TEXT NOT NULL,
    text TEXT,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    send_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    total INTEGER NOT NULL DEFAULT 0,
    progress_chat INTEGER,
    progress_message INTEGER,
    lang TEXT,
    finished_at TEXT
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, created_by);

-- One row per recipient, all written in the confirming transaction. A row is claimed ('sending')
-- before the send and marked after, so a crash can repeat only the rows that were in flight.
CREATE TABLE outbox (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (broadcast_id, user_id)
);
CREATE INDEX outbox_due ON outbox (broadcast_id, status, next_attempt_at);

-- Handover to a person: only the mapping between the user's chat and the staff chat's messages.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    user_chat INTEGER NOT NULL,
    centre TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX tickets_open ON tickets (user_chat, status);

CREATE TABLE ticket_messages (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
