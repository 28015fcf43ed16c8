-- Claims with a lease (issue 15): several processes may send from one database. A row in 'sending'
-- names the process that claimed it and how long its claim holds; once `lease_until` has passed
-- (the claimer died), any process may claim the row again. Only the claimer may mark it finished.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
-- Rows a stopped older version left in flight: their lease is already over, so they are sent again.
UPDATE outbox SET lease_until = updated_at WHERE status = 'sending';
UPDATE deliveries SET lease_until = updated_at WHERE status = 'sending';
