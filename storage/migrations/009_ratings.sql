-- "Did this help?" under answers to typed questions: counts per answer (an entry or topic key),
-- never the question, the user or the time of a single vote (issue 11).
CREATE TABLE ratings (
    centre TEXT NOT NULL,
    key TEXT NOT NULL,
    helpful INTEGER NOT NULL DEFAULT 0,
    unhelpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (centre, key)
);
