-- PostgreSQL spelling of ../016_claim_leases.sql (the same statements): claims with a lease.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
-- Rows a stopped older version left in flight: their lease is already over, so they are sent again.
UPDATE outbox SET lease_until = updated_at WHERE status = 'sending';
UPDATE deliveries SET lease_until = updated_at WHERE status = 'sending';
