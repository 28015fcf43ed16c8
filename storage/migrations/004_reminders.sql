-- Duty reminders defined by staff for one flat (weekly: day 0-6 = Monday-Sunday; monthly: 1-31).
CREATE TABLE duties (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    flat TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('weekly', 'monthly')),
    day INTEGER NOT NULL,
    at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX duties_by_flat ON duties (centre, flat);

-- The next moment each (resident, reminder) is due. The tick reads only rows with next_at <= now
-- through the index, so a tick with nothing due costs the same for 1,000 or 100,000 residents.
-- reminder: 'payment', 'later' (remind me tomorrow, one-off) or 'duty:<id>'.
CREATE TABLE schedule (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    reminder TEXT NOT NULL,
    next_at TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (resident_id, reminder)
) WITHOUT ROWID;
CREATE INDEX schedule_by_next ON schedule (next_at);

-- Every occurrence, recorded under its unique key BEFORE it is sent and marked after:
-- due -> sending -> sent, or skipped (too late, paid, gone) / failed (blocked, retries used).
CREATE TABLE deliveries (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    reminder TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('due', 'sending', 'sent', 'skipped', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (resident_id, reminder, day)
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries (status, due_at) WHERE status IN ('due', 'sending');

-- "Paid" for a month: no more payment reminders of that month for that resident.
CREATE TABLE payments_paid (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (resident_id, month)
) WITHOUT ROWID;
