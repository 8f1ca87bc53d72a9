-- Publishing the open-data CSVs to the city's portal (docs/open-data.md,
-- "Publishing"): the portals an admin configured, and every attempt to
-- upload a dataset to one of them.
--
-- A portal's secret is never stored here: secret_env names the environment
-- variable that holds it, or secret_file a file (under
-- REPAIRD_PORTAL_SECRETS_DIR) that does.
CREATE TABLE publish_targets (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('datagouv', 'ckan')),
  base_url     text NOT NULL,
  dataset_id   text,
  resource_id  text NOT NULL,
  source       text NOT NULL,
  active       boolean NOT NULL DEFAULT true,
  secret_env   text,
  secret_file  text,
  -- The schedule, kept by the publisher, not edited by admins (no version
  -- bump): the calendar month (REPAIRD_TIMEZONE, 'YYYY-MM') whose monthly
  -- publication was claimed, so that a restart does not publish twice; and
  -- the retry due after a failure, with its attempt number.
  monthly_done text,
  retry_at     timestamptz,
  retry_number integer,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT rl_now(),
  updated_at   timestamptz NOT NULL DEFAULT rl_now(),
  CONSTRAINT publish_targets_secret_one CHECK ((secret_env IS NULL) <> (secret_file IS NULL)),
  CONSTRAINT publish_targets_datagouv_dataset CHECK (kind <> 'datagouv' OR dataset_id IS NOT NULL)
);
CREATE UNIQUE INDEX publish_targets_name_key ON publish_targets (name);
CREATE INDEX publish_targets_retry ON publish_targets (retry_at) WHERE retry_at IS NOT NULL;

-- One row per upload. `running` is the claim while the upload is under way:
-- at most one per target (the unique index), whichever instance holds it.
CREATE TABLE publish_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  target_id     bigint NOT NULL REFERENCES publish_targets (id) ON DELETE CASCADE,
  trigger       text NOT NULL CHECK (trigger IN ('manual', 'monthly', 'retry')),
  attempt       integer NOT NULL CHECK (attempt >= 1),
  status        text NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'success', 'failed', 'timeout')),
  started_at    timestamptz NOT NULL DEFAULT rl_now(),
  finished_at   timestamptz,
  http_status   integer,
  bytes         bigint,
  sha256        text,
  error         text,
  next_retry_at timestamptz,
  CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX publish_attempts_running ON publish_attempts (target_id)
  WHERE status = 'running';
CREATE INDEX publish_attempts_target ON publish_attempts (target_id, id);
