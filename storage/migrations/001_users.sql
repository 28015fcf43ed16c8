-- One row per person per channel; the conversation state the bot keeps between messages.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    centre TEXT,
    lang TEXT,
    step TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
