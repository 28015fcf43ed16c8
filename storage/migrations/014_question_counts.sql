-- Typed questions counted per centre, week and topic, for the panel's numbers page (issue 13):
-- questions per topic and the share answered. Counts only: never the question, who asked or when
-- exactly, so there is nothing here that /forget would have to delete.
CREATE TABLE question_counts (
    centre TEXT NOT NULL,
    week TEXT NOT NULL,
    topic TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (centre, week, topic)
);
