-- API keys and idempotency records: the service's own bookkeeping.

CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role         text NOT NULL CHECK (role IN ('admin', 'volunteer', 'reader')),
  prefix       text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- A POST with an Idempotency-Key: its fingerprint while in flight, then the
-- stored reply that a replay gets.
CREATE TABLE idempotency_keys (
  api_key_id   bigint NOT NULL REFERENCES api_keys (id),
  idem_key     text NOT NULL,
  fingerprint  text NOT NULL,
  status       integer,
  location     text,
  etag         text,
  body         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (api_key_id, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
