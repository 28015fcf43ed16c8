-- The one place a person's multi-step flow lives (issue 12): which flow, its typed step as JSON
-- (bot/flows.py), and when it expires. One row per user at most: starting a flow replaces the
-- last one; /forget deletes the user and this row with it.
CREATE TABLE conversations (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    flow TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The fee step used to live in users.step; carry a waiting one over (for a day).
INSERT INTO conversations (user_id, flow, data, expires_at, updated_at)
    SELECT id, 'fee', '{}', strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now', '+1 day'),
           strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')
    FROM users WHERE step = 'fee';
UPDATE users SET step = NULL WHERE step IS NOT NULL;
