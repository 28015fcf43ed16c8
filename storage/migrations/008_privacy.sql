-- Unanswered questions are kept only with the asker's consent, scrubbed (bot/privacy.py), at most
-- 90 days, one row per question under a one-way hash of the asker so /forget can delete them.
-- The old table held questions as typed (digits masked) for ever and without consent: it is
-- dropped, not migrated (issue 16).
DROP TABLE unanswered;

CREATE TABLE unanswered (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    asker TEXT NOT NULL,
    asked_at TEXT NOT NULL
);
CREATE INDEX unanswered_by_centre ON unanswered (centre, asked_at);
CREATE INDEX unanswered_by_asker ON unanswered (asker);

-- The one question waiting for the user's Yes/No (already scrubbed); replaced by the next one.
CREATE TABLE unanswered_pending (
    asker TEXT PRIMARY KEY,
    centre TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    asked_at TEXT NOT NULL
);
