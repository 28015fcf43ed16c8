-- The web door and the Telegram bot may run as separate processes on one database (issue 13), so
-- what the web door has for Telegram waits here instead of passing through memory: a web ticket
-- for the staff chat ('ticket'), a panel answer for a Telegram user ('answer'), and the notices
-- around them ('notice': closed, handed to a colleague). A Telegram process claims a row with a
-- lease (as the outbox, migration 016: two processes never send it twice, and a dead claimer's row is
-- claimed again when its lease is over), sends it and deletes it: the text waits only until sent.
CREATE TABLE ticket_posts (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('ticket', 'answer', 'notice')),
    chat_id INTEGER,  -- NULL: the staff chat (the Telegram process's own STAFF_CHAT_ID)
    lang TEXT NOT NULL,  -- the reader's language (the Close button's label)
    header TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    lease_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_posts_due ON ticket_posts (next_attempt_at);
CREATE INDEX ticket_posts_by_ticket ON ticket_posts (ticket_id, id);

-- A staff answer in a web ticket is shown to the visitor once (seen_at set when their chat fetched
-- it), and kept after the ticket is closed until then: closing must not lose an answer not yet read.
ALTER TABLE ticket_lines ADD COLUMN seen_at TEXT;
CREATE INDEX ticket_lines_unseen ON ticket_lines (ticket_id) WHERE seen_at IS NULL AND author = 'staff';
