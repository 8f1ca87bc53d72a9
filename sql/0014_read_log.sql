-- The record of who read personal data (docs/privacy.md, "Who read what"):
-- one row for each reply that carried an owner's or a member's contact (or
-- a member's notes) to a key. It names the records by the codes and
-- numbers the API shows, never a contact value. Rows are written in
-- batches by each instance's writer thread (core/read_log.c), and purged
-- by `at` after REPAIRD_RETAIN_READ_LOG_DAYS.
CREATE TABLE personal_reads (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- When the reply was built: the server's clock when it queued the entry,
  -- moved by the programme's clock shift (rl_now() - now(), zero in
  -- service), so that it agrees with every other time the service records
  -- with rl_now(), a shifted test clock included, however long the entry
  -- waited for the database.
  at          timestamptz NOT NULL,
  api_key_id  bigint NOT NULL REFERENCES api_keys (id),
  method      text NOT NULL,
  -- The route's pattern (/api/v1/devices/:code), never the path or query.
  route       text NOT NULL,
  request_id  text NOT NULL,
  devices     text[] NOT NULL DEFAULT '{}',
  members     text[] NOT NULL DEFAULT '{}'
);
-- Listing by time (and the retention's purge by at), by key, by record.
CREATE INDEX personal_reads_at ON personal_reads (at, id);
CREATE INDEX personal_reads_key ON personal_reads (api_key_id, id);
CREATE INDEX personal_reads_devices ON personal_reads USING gin (devices);
CREATE INDEX personal_reads_members ON personal_reads USING gin (members);
