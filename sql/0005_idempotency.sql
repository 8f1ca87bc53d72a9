-- Idempotency-Key records are written in the same transaction as the work
-- they guard, with its reply: a row always holds a reply, and a request in
-- flight is told by a transaction-level advisory lock, not by a row. Stored
-- replies expire and are purged.

DELETE FROM idempotency_keys WHERE status IS NULL;
ALTER TABLE idempotency_keys
  ALTER COLUMN status SET NOT NULL,
  ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours';
DROP INDEX idempotency_keys_created_at;
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
