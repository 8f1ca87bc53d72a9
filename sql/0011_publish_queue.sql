-- Publishing now through a queue, the rollup's lock order, and the
-- rollup's version (docs/open-data.md).

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

-- The rollup's version: bumped by a transaction that writes the rollup,
-- adds a factor set or renames a site, in that transaction, so that a
-- reader who sees a committed change sees a new version (the per-process
-- cache of rendered slices is keyed by it, core/impact_cache.c). Once per
-- transaction, not per statement: a bulk load makes a million refreshes in
-- one transaction, and each update of the one row would scan every
-- version of it the transaction left before.
CREATE TABLE impact_version (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  n   bigint NOT NULL DEFAULT 0
);
INSERT INTO impact_version DEFAULT VALUES;
CREATE FUNCTION impact_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('rl.impact_version_bumped', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('rl.impact_version_bumped', txid_current()::text, true);
    UPDATE impact_version SET n = n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER impact_rollup_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON impact_rollup FOR EACH STATEMENT EXECUTE FUNCTION impact_version_bump();
CREATE TRIGGER impact_factor_sets_version AFTER INSERT ON impact_factor_sets
  FOR EACH STATEMENT EXECUTE FUNCTION impact_version_bump();
-- A slice names its sites by slug.
CREATE TRIGGER impact_sites_version AFTER UPDATE OF slug ON sites
  FOR EACH STATEMENT EXECUTE FUNCTION impact_version_bump();

-- One lock order for the rollup. impact_refresh ran once per device, in
-- the order the transaction wrote them, each locking its device and then
-- its rollup rows: two transactions fixing two devices in opposite orders
-- took the same locks in opposite orders and one of them was killed by
-- the deadlock detector. Now every refresh first takes one
-- transaction-level advisory lock, the same for all, held to the commit:
-- a transaction counts its devices only once no other transaction is
-- counting, and takes nothing else that another counting transaction
-- could hold (it reads records without locking them, and writes only the
-- rollup tables, which only lock holders write). The device row lock is
-- no longer needed: the lock already serializes two transactions saving
-- one device, and in READ COMMITTED the statements after the wait see the
-- other's records. The cost is small: the rollup rows of one month, site
-- and category were already held by one committing transaction at a time.
-- 7306197: the migrations take 7306195, the publisher 7306196.
CREATE OR REPLACE FUNCTION impact_refresh(p_device bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  old_rows jsonb;
  new_rows jsonb;
BEGIN
  IF p_device IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(7306197);
  DELETE FROM impact_saves v WHERE v.device_id = p_device
    AND NOT EXISTS (SELECT 1 FROM impact_saves_of(ARRAY[p_device]));
  INSERT INTO impact_saves AS v (device_id, saved_at, month, site_id, category, how, repair_id,
                                 loan_id, event_id)
  SELECT s.device_id, s.saved_at,
         date_trunc('month', s.saved_at AT TIME ZONE (SELECT timezone FROM impact_settings))::date,
         s.site_id, d.category, s.how, s.repair_id, s.loan_id, s.event_id
  FROM impact_saves_of(ARRAY[p_device]) s JOIN devices d ON d.id = s.device_id
  ON CONFLICT (device_id) DO UPDATE SET saved_at = EXCLUDED.saved_at, month = EXCLUDED.month,
    site_id = EXCLUDED.site_id, category = EXCLUDED.category, how = EXCLUDED.how,
    repair_id = EXCLUDED.repair_id, loan_id = EXCLUDED.loan_id, event_id = EXCLUDED.event_id
  WHERE (v.saved_at, v.month, v.site_id, v.category, v.how, v.repair_id, v.loan_id, v.event_id)
    IS DISTINCT FROM (EXCLUDED.saved_at, EXCLUDED.month, EXCLUDED.site_id, EXCLUDED.category,
                      EXCLUDED.how, EXCLUDED.repair_id, EXCLUDED.loan_id, EXCLUDED.event_id);

  SELECT coalesce(jsonb_agg(to_jsonb(c) - 'device_id' ORDER BY c.month, c.site_id, c.category),
                  '[]')
  INTO new_rows FROM impact_contrib_of(ARRAY[p_device]) c;
  SELECT k.rows INTO old_rows FROM impact_device_contrib k WHERE k.device_id = p_device;
  IF coalesce(old_rows, '[]') = new_rows THEN
    RETURN;
  END IF;
  PERFORM impact_rollup_add(new_rows, coalesce(old_rows, '[]'));
  IF new_rows = '[]' THEN
    DELETE FROM impact_device_contrib WHERE device_id = p_device;
  ELSE
    INSERT INTO impact_device_contrib (device_id, rows) VALUES (p_device, new_rows)
    ON CONFLICT (device_id) DO UPDATE SET rows = EXCLUDED.rows;
  END IF;
END $$;

-- The recount takes the same lock first: it then waits for the one
-- transaction counting, and holds back the next ones, before it locks the
-- rollup tables (a writer holding one of them while it waited for another
-- that the recount had locked was a deadlock).
ALTER FUNCTION impact_rebuild(text) RENAME TO impact_rebuild_all;
CREATE FUNCTION impact_rebuild(p_timezone text)
RETURNS TABLE (what text, key text, kept text, rebuilt text) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7306197);
  RETURN QUERY SELECT * FROM impact_rebuild_all(p_timezone);
END $$;

-- A category's weight or footprint changes only with a reload of the
-- reference data (sql/data/categories.csv, by a migration): the method's
-- data, not a record. Every figure of every month with a device of that
-- category must then be what a recount from the records and the new table
-- gives (docs/open-data.md: figures are recomputable from the public
-- records and categories.csv), so the reload is followed by the recount
-- itself, impact_rebuild, once, at the end of the reload's transaction,
-- in the zone last recorded. `repaird impact rebuild` afterwards exits 0.
CREATE FUNCTION impact_categories_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('rl.impact_rebuilt', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('rl.impact_rebuilt', txid_current()::text, true);
    PERFORM impact_rebuild((SELECT timezone FROM impact_settings));
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER impact_categories_update AFTER UPDATE ON categories
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.weight_kg, OLD.co2e_kg, OLD.powered)
        IS DISTINCT FROM (NEW.weight_kg, NEW.co2e_kg, NEW.powered))
  EXECUTE FUNCTION impact_categories_changed();
