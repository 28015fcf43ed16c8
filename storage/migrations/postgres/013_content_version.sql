-- PostgreSQL spelling of ../013_content_version.sql (the same SQL): the content version processes follow.
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);
