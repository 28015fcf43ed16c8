-- Questions the bot could not answer, already masked by the caller and with no user id,
-- so staff can see what to add to the content without learning who asked.
CREATE TABLE unanswered (
    centre TEXT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (centre, lang, text)
);
