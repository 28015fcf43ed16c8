-- PostgreSQL spelling of ../014_question_counts.sql (the same SQL): questions counted per topic and week.
CREATE TABLE question_counts (
    centre TEXT NOT NULL,
    week TEXT NOT NULL,
    topic TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (centre, week, topic)
);
