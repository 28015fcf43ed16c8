-- Indexes for the queries that grow with the number of users (issue 15); the same as ../012_hot_indexes.sql.
-- A broadcast's audience: the active users of one centre on one channel.
CREATE INDEX users_by_centre ON users (centre, channel, active);
-- Outbox rows still to send or in flight, across all broadcasts (the sender's and a restart's view).
CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at) WHERE status IN ('pending', 'sending');
-- "Forget me" deletes one user's outbox rows: without this it reads every broadcast's outbox.
CREATE INDEX outbox_by_user ON outbox (user_id);
