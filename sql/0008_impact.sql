-- Open-data figures (docs/open-data.md): versioned factor sets, the record
-- of saves, and the rollup by (month, site, category) of factor-independent
-- sums, kept by triggers defined here so that no write path can forget it.

-- Factor sets: rows are only ever added; the current set is the newest.
CREATE TABLE impact_factor_sets (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version           text NOT NULL UNIQUE CHECK (version ~ '^[a-z0-9][a-z0-9.-]{0,63}$'),
  displacement      numeric NOT NULL CHECK (displacement > 0 AND displacement <= 1),
  misc_powered      numeric NOT NULL CHECK (misc_powered > 0 AND misc_powered <= 1000),
  misc_unpowered    numeric NOT NULL CHECK (misc_unpowered > 0 AND misc_unpowered <= 1000),
  source            text NOT NULL CHECK (length(source) BETWEEN 1 AND 1000),
  credit            text NOT NULL CHECK (length(credit) BETWEEN 1 AND 1000),
  created_at        timestamptz NOT NULL DEFAULT now(),
  created_by_key_id bigint REFERENCES api_keys (id)
);
CREATE FUNCTION impact_factor_sets_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a factor set is never changed: add a new version' USING ERRCODE = '23514';
END $$;
CREATE TRIGGER impact_factor_sets_frozen BEFORE UPDATE OR DELETE ON impact_factor_sets
  FOR EACH ROW EXECUTE FUNCTION impact_factor_sets_frozen();
INSERT INTO impact_factor_sets (version, displacement, misc_powered, misc_unpowered, source, credit)
VALUES ('restart-2021-d0.5', 0.5, 32.06679233, 17.70147059,
        'The Restart Project, TheRestartProject/environmental-impact-data (methodology.md); '
        'category weights and footprints: Open Repair Alliance ords_category_lca_reference.csv',
        'Category weights and CO2e footprints: The Restart Project / Open Repair Alliance, '
        '2021 LCA data, CC BY-SA 4.0');

-- The zone months are counted in (REPAIRD_TIMEZONE); `repaird impact
-- rebuild` sets it and recounts.
CREATE TABLE impact_settings (
  one      boolean PRIMARY KEY DEFAULT true CHECK (one),
  timezone text NOT NULL DEFAULT 'Europe/Paris'
);
INSERT INTO impact_settings DEFAULT VALUES;

-- Where things happened, kept where it happened: a device that later moves
-- site keeps its repairs, intake and moves at the site they were done at.
ALTER TABLE repairs ADD COLUMN site_id bigint REFERENCES sites (id);
UPDATE repairs r SET site_id = coalesce(
  (SELECT rs.site_id FROM repair_sessions rs WHERE rs.id = r.session_id),
  (SELECT d.site_id FROM devices d WHERE d.id = r.device_id));
ALTER TABLE repairs ALTER COLUMN site_id SET NOT NULL;
ALTER TABLE device_events ADD COLUMN site_id bigint REFERENCES sites (id);
UPDATE device_events e SET site_id = (SELECT d.site_id FROM devices d WHERE d.id = e.device_id);

-- A repair is done where its session is, else where the device is.
CREATE FUNCTION repairs_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.site_id IS NULL THEN
    NEW.site_id := coalesce((SELECT site_id FROM repair_sessions WHERE id = NEW.session_id),
                            (SELECT site_id FROM devices WHERE id = NEW.device_id));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER repairs_site BEFORE INSERT ON repairs FOR EACH ROW EXECUTE FUNCTION repairs_site();
-- An event happens where the device is (device_insert names the site
-- itself: its device row is not visible yet to this trigger).
CREATE FUNCTION device_events_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.site_id IS NULL THEN
    NEW.site_id := (SELECT site_id FROM devices WHERE id = NEW.device_id);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER device_events_site BEFORE INSERT ON device_events
  FOR EACH ROW EXECUTE FUNCTION device_events_site();

-- One row per device saved: when, where and how it was first saved.
CREATE TABLE impact_saves (
  device_id bigint PRIMARY KEY,
  saved_at  timestamptz NOT NULL,
  month     date NOT NULL,
  site_id   bigint NOT NULL,
  category  text NOT NULL,
  how       text NOT NULL CHECK (how IN ('repair', 'loan', 'rehome')),
  repair_id bigint,
  loan_id   bigint,
  event_id  bigint
);

-- The rollup: factor-independent sums, so that a new factor set changes the
-- figures without a recount. Rows whose sums fall back to zero stay (their
-- updated_at is when the slice last changed).
CREATE TABLE impact_rollup (
  month                date NOT NULL,
  site_id              bigint NOT NULL,
  category             text NOT NULL,
  seen                 integer NOT NULL DEFAULT 0,
  repairs_fixed        integer NOT NULL DEFAULT 0,
  repairs_repairable   integer NOT NULL DEFAULT 0,
  repairs_end_of_life  integer NOT NULL DEFAULT 0,
  repairs_unknown      integer NOT NULL DEFAULT 0,
  saved                integer NOT NULL DEFAULT 0,
  waste_kg             numeric NOT NULL DEFAULT 0,
  footprint_kg         numeric NOT NULL DEFAULT 0,
  misc_powered_kg      numeric NOT NULL DEFAULT 0,
  misc_unpowered_kg    numeric NOT NULL DEFAULT 0,
  saved_without_weight integer NOT NULL DEFAULT 0,
  recycled             integer NOT NULL DEFAULT 0,
  recycled_kg          numeric NOT NULL DEFAULT 0,
  harvested            integer NOT NULL DEFAULT 0,
  parts_recovered      numeric NOT NULL DEFAULT 0,
  loans_started        integer NOT NULL DEFAULT 0,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (month, site_id, category)
);

-- What each device adds to the rollup, as last counted: a change to a
-- device's records takes this out and puts its new share in.
CREATE TABLE impact_device_contrib (
  device_id bigint PRIMARY KEY,
  rows      jsonb NOT NULL
);

-- The save of each device in p: its earliest fixed repair, or, for a
-- donated device, its first loan or its rehoming, whichever came first.
CREATE FUNCTION impact_saves_of(p bigint[])
RETURNS TABLE (device_id bigint, saved_at timestamptz, site_id bigint, how text,
               repair_id bigint, loan_id bigint, event_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (c.device_id) c.device_id, c.at, c.site_id, c.how, c.repair_id, c.loan_id,
         c.event_id
  FROM (SELECT r.device_id, r.created_at AS at, r.site_id, 'repair' AS how, r.id AS repair_id,
               NULL::bigint AS loan_id, NULL::bigint AS event_id, 1 AS rank, r.id AS tie
        FROM unnest(p) AS x(id) JOIN repairs r ON r.device_id = x.id WHERE r.outcome = 'fixed'
        UNION ALL
        SELECT l.device_id, l.started_at, l.site_id, 'loan', NULL, l.id, NULL, 2, l.id
        FROM unnest(p) AS x(id) JOIN devices d ON d.id = x.id AND d.kind = 'donation'
        JOIN loans l ON l.device_id = d.id
        UNION ALL
        SELECT e.device_id, e.at, coalesce(e.site_id, d.site_id), 'rehome', NULL, NULL, e.id, 3, e.id
        FROM unnest(p) AS x(id) JOIN devices d ON d.id = x.id AND d.kind = 'donation'
        JOIN device_events e ON e.device_id = d.id AND e.type = 'transition'
        AND e.to_status = 'rehomed') c
  ORDER BY c.device_id, c.at, c.rank, c.tie
$$;

-- Each device's share of the rollup, from the primary records alone: the
-- one definition both the triggers and the rebuild count with.
CREATE FUNCTION impact_contrib_of(p bigint[])
RETURNS TABLE (device_id bigint, month date, site_id bigint, category text, seen bigint,
               repairs_fixed bigint, repairs_repairable bigint, repairs_end_of_life bigint,
               repairs_unknown bigint, saved bigint, waste_kg numeric, footprint_kg numeric,
               misc_powered_kg numeric, misc_unpowered_kg numeric, saved_without_weight bigint,
               recycled bigint, recycled_kg numeric, harvested bigint, parts_recovered numeric,
               loans_started bigint)
LANGUAGE sql STABLE AS $$
  WITH dev AS (
    SELECT d.id, d.category, d.site_id, d.received_at, c.co2e_kg AS footprint, c.powered,
           coalesce(d.weight_kg, c.weight_kg) AS kg
    FROM unnest(p) AS x(id) JOIN devices d ON d.id = x.id JOIN categories c ON c.slug = d.category),
  u (id, at, site_id, category, seen, rf, rr, re, ru, saved, waste, fp, mp, mu, nw, rc, rckg, hv,
     parts, loans) AS (
    SELECT d.id, d.received_at,
           coalesce((SELECT e.site_id FROM device_events e WHERE e.device_id = d.id
                     AND e.type = 'intake' ORDER BY e.id LIMIT 1), d.site_id),
           d.category, 1, 0, 0, 0, 0, 0, 0::numeric, 0::numeric, 0::numeric, 0::numeric, 0, 0,
           0::numeric, 0, 0::numeric, 0
    FROM dev d
    UNION ALL
    SELECT d.id, r.created_at, r.site_id, d.category, 0, (r.outcome = 'fixed')::int,
           (r.outcome = 'repairable')::int, (r.outcome = 'end_of_life')::int,
           (r.outcome = 'unknown')::int, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM dev d JOIN repairs r ON r.device_id = d.id
    UNION ALL
    SELECT d.id, s.saved_at, s.site_id, d.category, 0, 0, 0, 0, 0, 1, coalesce(d.kg, 0),
           coalesce(d.footprint, 0),
           CASE WHEN d.footprint IS NULL AND d.powered THEN coalesce(d.kg, 0) ELSE 0 END,
           CASE WHEN d.footprint IS NULL AND NOT d.powered THEN coalesce(d.kg, 0) ELSE 0 END,
           (d.kg IS NULL)::int, 0, 0, 0, 0, 0
    FROM dev d JOIN impact_saves_of(p) s ON s.device_id = d.id
    UNION ALL
    SELECT d.id, e.at, coalesce(e.site_id, d.site_id), d.category, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           0, (e.to_status = 'recycled')::int,
           CASE WHEN e.to_status = 'recycled' THEN coalesce(d.kg, 0) ELSE 0 END,
           (e.to_status = 'harvested')::int, 0, 0
    FROM dev d JOIN device_events e ON e.device_id = d.id AND e.type = 'transition'
    AND e.to_status IN ('recycled', 'harvested')
    UNION ALL
    SELECT d.id, m.at, m.site_id, d.category, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           m.quantity, 0
    FROM dev d JOIN part_movements m ON m.device_id = d.id AND m.type = 'harvested'
    JOIN parts pt ON pt.id = m.part_id AND pt.unit = 'piece'
    UNION ALL
    -- A loan counts where and as what it was lent (kept on the loan).
    SELECT d.id, l.started_at, l.site_id, l.category, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           0, 1
    FROM dev d JOIN loans l ON l.device_id = d.id)
  SELECT u.id, date_trunc('month', u.at AT TIME ZONE (SELECT timezone FROM impact_settings))::date,
         u.site_id, u.category, sum(u.seen), sum(u.rf), sum(u.rr), sum(u.re), sum(u.ru),
         sum(u.saved), sum(u.waste), sum(u.fp), sum(u.mp), sum(u.mu), sum(u.nw), sum(u.rc),
         sum(u.rckg), sum(u.hv), sum(u.parts), sum(u.loans)
  FROM u GROUP BY 1, 2, 3, 4
$$;

-- Counts one device again: its save, then its share of the rollup (only
-- the difference is written). The device row is locked first, so that two
-- transactions saving one device (two repairs fixed at once) are counted
-- one after the other and the device once.
CREATE FUNCTION impact_refresh(p_device bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  old_rows jsonb;
  new_rows jsonb;
BEGIN
  IF p_device IS NULL THEN
    RETURN;
  END IF;
  PERFORM 1 FROM devices WHERE id = p_device FOR NO KEY UPDATE;
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

-- Adds plus and takes away minus (rows as impact_contrib_of writes them),
-- touching the rollup rows in key order so that concurrent writers lock
-- them in the same order.
CREATE FUNCTION impact_rollup_add(plus jsonb, minus jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO impact_rollup AS r (month, site_id, category, seen, repairs_fixed,
    repairs_repairable, repairs_end_of_life, repairs_unknown, saved, waste_kg, footprint_kg,
    misc_powered_kg, misc_unpowered_kg, saved_without_weight, recycled, recycled_kg, harvested,
    parts_recovered, loans_started, updated_at)
  SELECT x.month, x.site_id, x.category, sum(x.sign * x.seen), sum(x.sign * x.repairs_fixed),
         sum(x.sign * x.repairs_repairable), sum(x.sign * x.repairs_end_of_life),
         sum(x.sign * x.repairs_unknown), sum(x.sign * x.saved), sum(x.sign * x.waste_kg),
         sum(x.sign * x.footprint_kg), sum(x.sign * x.misc_powered_kg),
         sum(x.sign * x.misc_unpowered_kg), sum(x.sign * x.saved_without_weight),
         sum(x.sign * x.recycled), sum(x.sign * x.recycled_kg), sum(x.sign * x.harvested),
         sum(x.sign * x.parts_recovered), sum(x.sign * x.loans_started), now()
  FROM (SELECT 1 AS sign, * FROM jsonb_to_recordset(plus) AS a (month date, site_id bigint,
          category text, seen int, repairs_fixed int, repairs_repairable int,
          repairs_end_of_life int, repairs_unknown int, saved int, waste_kg numeric,
          footprint_kg numeric, misc_powered_kg numeric, misc_unpowered_kg numeric,
          saved_without_weight int, recycled int, recycled_kg numeric, harvested int,
          parts_recovered numeric, loans_started int)
        UNION ALL
        SELECT -1, * FROM jsonb_to_recordset(minus) AS b (month date, site_id bigint,
          category text, seen int, repairs_fixed int, repairs_repairable int,
          repairs_end_of_life int, repairs_unknown int, saved int, waste_kg numeric,
          footprint_kg numeric, misc_powered_kg numeric, misc_unpowered_kg numeric,
          saved_without_weight int, recycled int, recycled_kg numeric, harvested int,
          parts_recovered numeric, loans_started int)) x
  GROUP BY x.month, x.site_id, x.category
  ORDER BY x.month, x.site_id, x.category
  ON CONFLICT (month, site_id, category) DO UPDATE SET
    seen = r.seen + EXCLUDED.seen, repairs_fixed = r.repairs_fixed + EXCLUDED.repairs_fixed,
    repairs_repairable = r.repairs_repairable + EXCLUDED.repairs_repairable,
    repairs_end_of_life = r.repairs_end_of_life + EXCLUDED.repairs_end_of_life,
    repairs_unknown = r.repairs_unknown + EXCLUDED.repairs_unknown,
    saved = r.saved + EXCLUDED.saved, waste_kg = r.waste_kg + EXCLUDED.waste_kg,
    footprint_kg = r.footprint_kg + EXCLUDED.footprint_kg,
    misc_powered_kg = r.misc_powered_kg + EXCLUDED.misc_powered_kg,
    misc_unpowered_kg = r.misc_unpowered_kg + EXCLUDED.misc_unpowered_kg,
    saved_without_weight = r.saved_without_weight + EXCLUDED.saved_without_weight,
    recycled = r.recycled + EXCLUDED.recycled, recycled_kg = r.recycled_kg + EXCLUDED.recycled_kg,
    harvested = r.harvested + EXCLUDED.harvested,
    parts_recovered = r.parts_recovered + EXCLUDED.parts_recovered,
    loans_started = r.loans_started + EXCLUDED.loans_started, updated_at = EXCLUDED.updated_at
$$;

-- The triggers: deferred to the end of the transaction, so that the
-- device is counted once its records are all written, and the rollup rows
-- (shared by every writer of a month, site and category) stay locked for
-- the commit only.
CREATE FUNCTION impact_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'devices' THEN
    PERFORM impact_refresh(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM impact_refresh(OLD.device_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.device_id IS DISTINCT FROM OLD.device_id) THEN
    PERFORM impact_refresh(NEW.device_id);
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER impact_devices_insert AFTER INSERT OR DELETE ON devices
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_devices_update AFTER UPDATE ON devices
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.category, OLD.weight_kg, OLD.received_at, OLD.kind)
        IS DISTINCT FROM (NEW.category, NEW.weight_kg, NEW.received_at, NEW.kind))
  EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_repairs_write AFTER INSERT OR DELETE ON repairs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_repairs_update AFTER UPDATE ON repairs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.device_id, OLD.outcome, OLD.created_at, OLD.site_id)
        IS DISTINCT FROM (NEW.device_id, NEW.outcome, NEW.created_at, NEW.site_id))
  EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_events_insert AFTER INSERT ON device_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.type = 'transition' AND NEW.to_status IN ('recycled', 'harvested', 'rehomed'))
  EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_events_change AFTER UPDATE OR DELETE ON device_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_loans_insert AFTER INSERT OR DELETE ON loans
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_loans_update AFTER UPDATE ON loans
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.device_id, OLD.started_at, OLD.site_id, OLD.category)
        IS DISTINCT FROM (NEW.device_id, NEW.started_at, NEW.site_id, NEW.category))
  EXECUTE FUNCTION impact_touch();
CREATE INDEX part_movements_device ON part_movements (device_id) WHERE device_id IS NOT NULL;
CREATE CONSTRAINT TRIGGER impact_movements_insert AFTER INSERT ON part_movements
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.type = 'harvested')
  EXECUTE FUNCTION impact_touch();
CREATE CONSTRAINT TRIGGER impact_movements_change AFTER UPDATE OR DELETE ON part_movements
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION impact_touch();

-- Recounts everything from the primary records (in the zone given), and
-- returns what differed from what was kept, then keeps the recount. Run by
-- `repaird impact rebuild`, in one transaction.
CREATE FUNCTION impact_rebuild(p_timezone text)
RETURNS TABLE (what text, key text, kept text, rebuilt text) LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  -- Writers count at commit under these tables' row locks; this waits for
  -- them and holds the next ones back until the recount is kept.
  LOCK TABLE impact_rollup, impact_saves, impact_device_contrib IN EXCLUSIVE MODE;
  IF (SELECT timezone FROM impact_settings) IS DISTINCT FROM p_timezone THEN
    what := 'timezone'; key := ''; kept := (SELECT timezone FROM impact_settings);
    rebuilt := p_timezone;
    RETURN NEXT;
    UPDATE impact_settings SET timezone = p_timezone;
  END IF;
  ids := ARRAY(SELECT id FROM devices ORDER BY id);
  CREATE TEMPORARY TABLE impact_new_contrib ON COMMIT DROP AS
    SELECT * FROM impact_contrib_of(ids);
  CREATE TEMPORARY TABLE impact_new_saves ON COMMIT DROP AS
    SELECT s.device_id, s.saved_at,
           date_trunc('month', s.saved_at AT TIME ZONE p_timezone)::date AS month, s.site_id,
           d.category, s.how, s.repair_id, s.loan_id, s.event_id
    FROM impact_saves_of(ids) s JOIN devices d ON d.id = s.device_id;
  CREATE TEMPORARY TABLE impact_new_rollup ON COMMIT DROP AS
    SELECT c.month, c.site_id, c.category, sum(c.seen)::int AS seen,
           sum(c.repairs_fixed)::int AS repairs_fixed,
           sum(c.repairs_repairable)::int AS repairs_repairable,
           sum(c.repairs_end_of_life)::int AS repairs_end_of_life,
           sum(c.repairs_unknown)::int AS repairs_unknown, sum(c.saved)::int AS saved,
           sum(c.waste_kg) AS waste_kg, sum(c.footprint_kg) AS footprint_kg,
           sum(c.misc_powered_kg) AS misc_powered_kg, sum(c.misc_unpowered_kg) AS misc_unpowered_kg,
           sum(c.saved_without_weight)::int AS saved_without_weight,
           sum(c.recycled)::int AS recycled, sum(c.recycled_kg) AS recycled_kg,
           sum(c.harvested)::int AS harvested, sum(c.parts_recovered) AS parts_recovered,
           sum(c.loans_started)::int AS loans_started
    FROM impact_new_contrib c GROUP BY 1, 2, 3;

  -- Differences in the rollup: a kept row of zeros is the same as no row.
  RETURN QUERY
  WITH k AS (SELECT month, site_id, category,
               ROW(seen, repairs_fixed, repairs_repairable, repairs_end_of_life, repairs_unknown,
                   saved, waste_kg, footprint_kg, misc_powered_kg, misc_unpowered_kg,
                   saved_without_weight, recycled, recycled_kg, harvested, parts_recovered,
                   loans_started)::text AS v FROM impact_rollup),
       n AS (SELECT month, site_id, category,
               ROW(seen, repairs_fixed, repairs_repairable, repairs_end_of_life, repairs_unknown,
                   saved, waste_kg, footprint_kg, misc_powered_kg, misc_unpowered_kg,
                   saved_without_weight, recycled, recycled_kg, harvested, parts_recovered,
                   loans_started)::text AS v FROM impact_new_rollup),
       zero AS (SELECT '(0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0)'::text AS v)
  SELECT 'rollup', to_char(coalesce(k.month, n.month), 'YYYY-MM') || ' site '
           || coalesce(k.site_id, n.site_id) || ' ' || coalesce(k.category, n.category),
         coalesce(k.v, (SELECT v FROM zero)), coalesce(n.v, (SELECT v FROM zero))
  FROM k FULL JOIN n USING (month, site_id, category)
  WHERE impact_norm(coalesce(k.v, (SELECT v FROM zero)))
        IS DISTINCT FROM impact_norm(coalesce(n.v, (SELECT v FROM zero)))
  ORDER BY 2;

  RETURN QUERY
  SELECT 'save', 'device ' || coalesce(k.device_id, n.device_id),
         CASE WHEN k.device_id IS NULL THEN 'none' ELSE
           k.how || ' ' || to_char(k.month, 'YYYY-MM') || ' site ' || k.site_id || ' ' || k.category END,
         CASE WHEN n.device_id IS NULL THEN 'none' ELSE
           n.how || ' ' || to_char(n.month, 'YYYY-MM') || ' site ' || n.site_id || ' ' || n.category END
  FROM impact_saves k FULL JOIN impact_new_saves n USING (device_id)
  WHERE (k.saved_at, k.month, k.site_id, k.category, k.how, k.repair_id, k.loan_id, k.event_id)
        IS DISTINCT FROM (n.saved_at, n.month, n.site_id, n.category, n.how, n.repair_id,
                          n.loan_id, n.event_id)
  ORDER BY 2;

  -- Keep the recount; rows that did not change keep their updated_at.
  DELETE FROM impact_rollup r WHERE NOT EXISTS (SELECT 1 FROM impact_new_rollup n
    WHERE (n.month, n.site_id, n.category) = (r.month, r.site_id, r.category));
  INSERT INTO impact_rollup AS r (month, site_id, category, seen, repairs_fixed,
    repairs_repairable, repairs_end_of_life, repairs_unknown, saved, waste_kg, footprint_kg,
    misc_powered_kg, misc_unpowered_kg, saved_without_weight, recycled, recycled_kg, harvested,
    parts_recovered, loans_started)
  SELECT * FROM impact_new_rollup ORDER BY 1, 2, 3
  ON CONFLICT (month, site_id, category) DO UPDATE SET seen = EXCLUDED.seen,
    repairs_fixed = EXCLUDED.repairs_fixed, repairs_repairable = EXCLUDED.repairs_repairable,
    repairs_end_of_life = EXCLUDED.repairs_end_of_life,
    repairs_unknown = EXCLUDED.repairs_unknown, saved = EXCLUDED.saved,
    waste_kg = EXCLUDED.waste_kg, footprint_kg = EXCLUDED.footprint_kg,
    misc_powered_kg = EXCLUDED.misc_powered_kg, misc_unpowered_kg = EXCLUDED.misc_unpowered_kg,
    saved_without_weight = EXCLUDED.saved_without_weight, recycled = EXCLUDED.recycled,
    recycled_kg = EXCLUDED.recycled_kg, harvested = EXCLUDED.harvested,
    parts_recovered = EXCLUDED.parts_recovered, loans_started = EXCLUDED.loans_started,
    updated_at = now()
  WHERE impact_norm(ROW(r.seen, r.repairs_fixed, r.repairs_repairable, r.repairs_end_of_life,
          r.repairs_unknown, r.saved, r.waste_kg, r.footprint_kg, r.misc_powered_kg,
          r.misc_unpowered_kg, r.saved_without_weight, r.recycled, r.recycled_kg, r.harvested,
          r.parts_recovered, r.loans_started)::text)
        IS DISTINCT FROM impact_norm(ROW(EXCLUDED.seen, EXCLUDED.repairs_fixed,
          EXCLUDED.repairs_repairable, EXCLUDED.repairs_end_of_life, EXCLUDED.repairs_unknown,
          EXCLUDED.saved, EXCLUDED.waste_kg, EXCLUDED.footprint_kg, EXCLUDED.misc_powered_kg,
          EXCLUDED.misc_unpowered_kg, EXCLUDED.saved_without_weight, EXCLUDED.recycled,
          EXCLUDED.recycled_kg, EXCLUDED.harvested, EXCLUDED.parts_recovered,
          EXCLUDED.loans_started)::text);
  DELETE FROM impact_saves;
  INSERT INTO impact_saves SELECT * FROM impact_new_saves;
  DELETE FROM impact_device_contrib;
  INSERT INTO impact_device_contrib (device_id, rows)
  SELECT c.device_id, jsonb_agg(to_jsonb(c) - 'device_id' ORDER BY c.month, c.site_id, c.category)
  FROM impact_new_contrib c GROUP BY c.device_id;
END $$;

-- Numbers compared as numbers: 1.830 and 1.83 are the same kilograms.
CREATE FUNCTION impact_norm(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(trim_scale(x::numeric)::text, ',' ORDER BY n)
  FROM unnest(string_to_array(trim(both '()' FROM v), ',')) WITH ORDINALITY AS t(x, n)
$$;

-- Count what exists already (a database migrated with records in it).
SELECT impact_refresh(id) FROM devices ORDER BY id;
