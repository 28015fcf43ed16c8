-- PostgreSQL spelling of ../002_unanswered.sql (replaced by 008).
CREATE TABLE unanswered (
    centre TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (centre, lang, text)
);
