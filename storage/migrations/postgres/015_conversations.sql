-- PostgreSQL spelling of ../015_conversations.sql: the one place a person's multi-step flow lives.
CREATE TABLE conversations (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    flow TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The fee step used to live in users.step; carry a waiting one over (for a day).
INSERT INTO conversations (user_id, flow, data, expires_at, updated_at)
    SELECT id, 'fee', '{}',
           to_char((now() AT TIME ZONE 'UTC') + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
           to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    FROM users WHERE step = 'fee';
UPDATE users SET step = NULL WHERE step IS NOT NULL;
