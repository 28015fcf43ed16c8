-- Every publish of a content file from the staff panel's editor (issue 14): who (a Telegram id, no
-- name), when, which file and entry, the unified diff, and the file before and after, so any
-- change can be shown and undone. Content is public text; no user data is kept here.
CREATE TABLE content_history (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor INTEGER NOT NULL,
    path TEXT NOT NULL,
    entry TEXT,
    action TEXT NOT NULL,
    diff TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX content_history_path ON content_history (path, id);
