-- PostgreSQL spelling of ../009_ratings.sql: "did this help?" counts per answer.
CREATE TABLE ratings (
    centre TEXT NOT NULL,
    key TEXT NOT NULL,
    helpful INTEGER NOT NULL DEFAULT 0,
    unhelpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (centre, key)
);
