-- One row: the number of the content every process should be running (issue 14). A publish bumps
-- it in the same unit of work as its history row; every process (a Telegram-only one too) sees
-- the new number and reloads content/ from disk. PostgreSQL may add LISTEN/NOTIFY on top.
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);
