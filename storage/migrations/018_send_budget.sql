-- The outgoing budget of one bot token shared by every process (issue 15): per token and one-second
-- window, how many sends the processes have leased. `token_key` is a hash of the bot token, never
-- the token. `granted` is what the last lease got (a lease reads it back in the same statement).
-- Only PostgreSQL uses it (on SQLite one process owns the file and keeps the budget in memory);
-- the table exists on both so the migrations stay numbered alike.
CREATE TABLE send_budget (
    token_key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used INTEGER NOT NULL,
    granted INTEGER NOT NULL,
    PRIMARY KEY (token_key, window_start)
);
