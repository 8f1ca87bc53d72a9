-- Publishing now through a queue (docs/open-data.md, "Publishing").

-- "Publish now" queues an attempt (status `queued`) that the publisher
-- thread of any instance claims (`running`) and uploads: at most one
-- waiting per target, so that a second call is answered the same attempt.
ALTER TABLE publish_attempts DROP CONSTRAINT publish_attempts_status_check;
ALTER TABLE publish_attempts DROP CONSTRAINT publish_attempts_check;
ALTER TABLE publish_attempts ADD CONSTRAINT publish_attempts_status_check
  CHECK (status IN ('queued', 'running', 'success', 'failed', 'timeout'));
ALTER TABLE publish_attempts ADD CONSTRAINT publish_attempts_finished_check
  CHECK ((status IN ('queued', 'running')) = (finished_at IS NULL));
-- When it was asked for (started_at is when its upload began).
ALTER TABLE publish_attempts ADD COLUMN queued_at timestamptz;
CREATE UNIQUE INDEX publish_attempts_queued ON publish_attempts (target_id)
  WHERE status = 'queued';
