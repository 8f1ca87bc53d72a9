-- Erasing one person's contact data (GDPR art. 17), and the daily
-- retention run that erases contact data past its purpose
-- (docs/privacy.md). One erase, erase_records(), serves both.
--
-- What holds a contact, column by column (sql/*.sql), and what an erasure
-- does to it:
--   device_owners (name, email, phone, notify, language, unsubscribe
--     token): the row is deleted; the device, its tracking token and its
--     public pages stay (they show no personal data).
--   member_contacts (name, email, phone, unsubscribe token): the row is
--     deleted; the member, its number, loans and waiting-list entries stay.
--   members.notes, member_events.note: set NULL (free text about the
--     person).
--   devices.notes, device_events.note, loan_events.note, loans.return_note
--     (the return event's note, kept on the loan too): set NULL. Free text
--     typed at the desk during the person's visits or loans ("call Mrs X
--     back"): not contact data (reader keys see it, and the desk is asked
--     to keep names out of it), but cleared for this person's records all
--     the same, as a precaution; none of it is published, so no figure
--     moves.
--   devices.problem, repairs.problem/diagnosis/actions: kept. The repair's
--     record, published in ords.csv only scrubbed of the owner's name,
--     address and number (core/scrub.c); once the owner is erased the
--     export leaves the problem out (core/store/store_ords.c).
--   loans.checkout_condition (and the checkout event's condition): kept:
--     the state of the object lent, which the next loans of that device
--     rely on.
--   email_messages: hold no address (the sender reads the contact when it
--     sends); pending and sending ones are cancelled ('erased'), sent ones
--     stay: that a message was sent is kept, not to whom.
--   idempotency_keys: stored replies are stripped of contacts already
--     (core/privacy.c); those about the person's records are deleted all
--     the same.
--   events.data, webhook_attempts.response_head: payloads carry codes,
--     never a contact (sql/0010_events.sql), so a receiver's echo of one
--     holds none either; purged after the delivery retention.
--   api_keys.name, repair_sessions.notes, part_movements.note, sites,
--     publish_*: the programme's own staff and things, not residents.
--   personal_reads (the record of reads of personal data): names records
--     and keys, never values; kept, to show who had access, until its own
--     retention.

-- Whether a stored Idempotency-Key reply is about one of these devices
-- (codes) or members (numbers): its Location or its body names one.
CREATE FUNCTION rl_reply_about(p_location text, p_body text, p_names text[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT EXISTS (SELECT 1 FROM unnest(p_names) v
                 WHERE strpos(coalesce(p_location, ''), v) > 0
                    OR strpos(coalesce(p_body, ''), v) > 0)
$$;

-- Erases the contact data of these devices' owners and these members,
-- everywhere (see above), or with p_dry_run only counts what it would
-- erase. p_expired: stored replies past their expiry go too (the retention
-- run). Returns the counts by kind. Each kind selects its rows once, by
-- one condition, and then counts or changes those rows: a dry run and a
-- run count alike.
CREATE FUNCTION erase_records(p_devices bigint[], p_members bigint[], p_dry_run boolean,
                              p_expired boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  devs bigint[] := coalesce(p_devices, '{}');
  mems bigint[] := coalesce(p_members, '{}');
  owners bigint[];
  contacts bigint[];
  member_notes bigint[];
  member_event_notes bigint[];
  device_notes bigint[];
  device_event_notes bigint[];
  loan_event_notes bigint[];
  loan_notes bigint[];
  mails bigint[];
  names text[];
  replies bigint;
  touched_devices bigint[];
  touched_members bigint[];
BEGIN
  SELECT coalesce(array_agg(device_id), '{}') INTO owners
    FROM device_owners WHERE device_id = ANY (devs);
  SELECT coalesce(array_agg(member_id), '{}') INTO contacts
    FROM member_contacts WHERE member_id = ANY (mems);
  SELECT coalesce(array_agg(id), '{}') INTO member_notes
    FROM members WHERE id = ANY (mems) AND notes IS NOT NULL;
  SELECT coalesce(array_agg(id), '{}') INTO member_event_notes
    FROM member_events WHERE member_id = ANY (mems) AND note IS NOT NULL;
  SELECT coalesce(array_agg(id), '{}') INTO device_notes
    FROM devices WHERE id = ANY (devs) AND notes IS NOT NULL;
  SELECT coalesce(array_agg(id), '{}') INTO device_event_notes
    FROM device_events WHERE device_id = ANY (devs) AND note IS NOT NULL;
  SELECT coalesce(array_agg(e.id), '{}') INTO loan_event_notes
    FROM loan_events e JOIN loans l ON l.id = e.loan_id
    WHERE l.member_id = ANY (mems) AND e.note IS NOT NULL;
  -- The return's note is kept on the loan too (the same text).
  SELECT coalesce(array_agg(id), '{}') INTO loan_notes
    FROM loans WHERE member_id = ANY (mems) AND return_note IS NOT NULL;
  SELECT coalesce(array_agg(id), '{}') INTO mails FROM email_messages
    WHERE status IN ('pending', 'sending')
      AND (device_id = ANY (devs)
           OR loan_id IN (SELECT id FROM loans WHERE member_id = ANY (mems)));
  SELECT coalesce(array_agg(code), '{}') INTO names FROM devices WHERE id = ANY (devs);
  SELECT names || coalesce(array_agg(number), '{}') INTO names FROM members WHERE id = ANY (mems);

  IF p_dry_run THEN
    SELECT count(*) INTO replies FROM idempotency_keys k
      WHERE rl_reply_about(k.location, k.body, names) OR (p_expired AND k.expires_at <= now());
  ELSE
    DELETE FROM device_owners WHERE device_id = ANY (owners);
    DELETE FROM member_contacts WHERE member_id = ANY (contacts);
    UPDATE members SET notes = NULL WHERE id = ANY (member_notes);
    UPDATE member_events SET note = NULL WHERE id = ANY (member_event_notes);
    UPDATE devices SET notes = NULL WHERE id = ANY (device_notes);
    UPDATE device_events SET note = NULL WHERE id = ANY (device_event_notes);
    UPDATE loan_events SET note = NULL WHERE id = ANY (loan_event_notes);
    UPDATE loans SET return_note = NULL, version = version + 1, updated_at = rl_now()
      WHERE id = ANY (loan_notes);
    -- A message a worker finished meanwhile keeps its outcome (the
    -- worker's own update checks that it is still sending). Ended by the
    -- programme's clock, as the retention of e-mail records counts.
    WITH c AS (
      UPDATE email_messages SET status = 'cancelled', lease_until = NULL, finished_at = rl_now(),
        last_error = 'erased'
      WHERE id = ANY (mails) AND status IN ('pending', 'sending') RETURNING id)
    SELECT coalesce(array_agg(id), '{}') INTO mails FROM c;
    WITH d AS (
      DELETE FROM idempotency_keys k
      WHERE rl_reply_about(k.location, k.body, names) OR (p_expired AND k.expires_at <= now())
      RETURNING 1)
    SELECT count(*) INTO replies FROM d;
    -- What the API shows of them changed: new versions, so that ETags
    -- and If-Match see it.
    touched_devices := ARRAY(SELECT unnest(owners) UNION SELECT unnest(device_notes));
    touched_members := ARRAY(SELECT unnest(contacts) UNION SELECT unnest(member_notes));
    UPDATE devices SET version = version + 1, updated_at = now()
      WHERE id = ANY (touched_devices);
    UPDATE members SET version = version + 1, updated_at = rl_now()
      WHERE id = ANY (touched_members);
  END IF;
  RETURN jsonb_build_object(
    'owner_contacts', cardinality(owners),
    'member_contacts', cardinality(contacts),
    'notes', cardinality(member_notes) + cardinality(member_event_notes)
             + cardinality(device_notes) + cardinality(device_event_notes)
             + cardinality(loan_event_notes) + cardinality(loan_notes),
    'emails_cancelled', cardinality(mails),
    'stored_replies', replies);
END $$;

-- One record per erasure asked for: who asked, when, why (a ticket
-- reference), by which kind of identifier, and which records it reached,
-- by code and number. Never the values erased, nor the identifier given.
CREATE TABLE erasures (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT rl_now(),
  api_key_id   bigint REFERENCES api_keys (id),
  api_key_name text NOT NULL,
  reason       text CHECK (length(reason) <= 200),
  found_by     text NOT NULL CHECK (found_by IN ('member', 'device', 'email', 'phone')),
  devices      text[] NOT NULL,
  members      text[] NOT NULL,
  counts       jsonb NOT NULL
);
CREATE INDEX erasures_at ON erasures (at);

-- The retention run (docs/privacy.md, "Retention"): contact data past its
-- purpose, by the programme's clock (rl_now()).
--   An owner's contact p_owner_days after the device left: its status is
--   final (core/lifecycle.c, rl_status_final: returned, rehomed,
--   harvested, recycled, lost) since the transition into it.
--   A member's contact and notes p_member_days after their last loan
--   ended or their last place in a line did, with no loan open and no
--   place waiting or held (a member who never borrowed nor waited: after
--   they joined).
--   Ended webhook deliveries (with their attempts) and ended e-mail
--   records p_delivery_days after they ended.
--   The record of reads of personal data (personal_reads, when that table
--   exists) after p_read_log_days.
--   Stored replies past their expiry (as idem_purge does).
-- With p_dry_run, counts what a run would purge now, by the same
-- conditions. Returns the counts by kind.
CREATE FUNCTION retention_purge(p_owner_days integer, p_member_days integer,
                                p_delivery_days integer, p_read_log_days integer,
                                p_dry_run boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  now_ timestamptz := rl_now();
  devs bigint[];
  mems bigint[];
  deliveries bigint[];
  mails bigint[];
  reads bigint := 0;
  erased jsonb;
BEGIN
  SELECT coalesce(array_agg(d.id), '{}') INTO devs
    FROM devices d JOIN device_owners o ON o.device_id = d.id
    WHERE d.status IN ('returned', 'rehomed', 'harvested', 'recycled', 'lost')
      AND coalesce((SELECT max(e.at) FROM device_events e
                    WHERE e.device_id = d.id AND e.type = 'transition'
                      AND e.to_status = d.status), d.updated_at)
          < now_ - p_owner_days * interval '1 day';
  SELECT coalesce(array_agg(m.id), '{}') INTO mems FROM members m
    WHERE NOT EXISTS (SELECT 1 FROM loans l WHERE l.member_id = m.id AND l.returned_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM waitlist w
                      WHERE w.member_id = m.id AND w.status IN ('waiting', 'held'))
      AND greatest(m.created_at, (SELECT max(l.returned_at) FROM loans l WHERE l.member_id = m.id),
                   (SELECT max(w.ended_at) FROM waitlist w WHERE w.member_id = m.id))
          < now_ - p_member_days * interval '1 day'
      AND (m.notes IS NOT NULL
           OR EXISTS (SELECT 1 FROM member_contacts c WHERE c.member_id = m.id)
           OR EXISTS (SELECT 1 FROM member_events e WHERE e.member_id = m.id AND e.note IS NOT NULL)
           OR EXISTS (SELECT 1 FROM loan_events e JOIN loans l ON l.id = e.loan_id
                      WHERE l.member_id = m.id AND e.note IS NOT NULL));
  SELECT coalesce(array_agg(id), '{}') INTO deliveries FROM webhook_deliveries
    WHERE status IN ('succeeded', 'failed')
      AND finished_at < now_ - p_delivery_days * interval '1 day';
  SELECT coalesce(array_agg(id), '{}') INTO mails FROM email_messages
    WHERE status IN ('sent', 'failed', 'cancelled')
      AND finished_at < now_ - p_delivery_days * interval '1 day';

  erased := erase_records(devs, mems, p_dry_run, true);
  IF to_regclass('personal_reads') IS NOT NULL THEN
    IF p_dry_run THEN
      EXECUTE 'SELECT count(*) FROM personal_reads WHERE at < $1' INTO reads
        USING now_ - p_read_log_days * interval '1 day';
    ELSE
      EXECUTE 'WITH d AS (DELETE FROM personal_reads WHERE at < $1 RETURNING 1)'
              ' SELECT count(*) FROM d' INTO reads
        USING now_ - p_read_log_days * interval '1 day';
    END IF;
  END IF;
  IF NOT p_dry_run THEN
    DELETE FROM webhook_deliveries WHERE id = ANY (deliveries);
    DELETE FROM email_messages WHERE id = ANY (mails);
  END IF;
  RETURN jsonb_build_object(
    'owner_contacts', cardinality(devs),
    'member_contacts', cardinality(mems),
    'delivery_records', cardinality(deliveries),
    'email_records', cardinality(mails),
    'read_log_entries', reads,
    'stored_replies', erased -> 'stored_replies');
END $$;

-- Each run: the day it ran for (the programme's calendar day), daily (the
-- maintenance pass) or asked for by an admin, and what it purged. A daily
-- run claims its day (unique) in the transaction that purges: a second
-- instance waits on the claim and then finds it taken; a purge that fails
-- leaves the day unclaimed.
CREATE TABLE retention_runs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  day          date NOT NULL,
  trigger      text NOT NULL CHECK (trigger IN ('daily', 'manual')),
  api_key_id   bigint REFERENCES api_keys (id),
  api_key_name text,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  counts       jsonb NOT NULL,
  CHECK ((trigger = 'manual') = (api_key_name IS NOT NULL))
);
CREATE UNIQUE INDEX retention_runs_daily ON retention_runs (day) WHERE trigger = 'daily';

-- A run: daily (p_key_name NULL; nothing when the day is taken, NULL
-- returned) or manual (always). Runs go one at a time across instances
-- (advisory lock 7306198: the migrations take 7306195, the publisher
-- 7306196, the rollup 7306197). Returns the run (all NULL: none).
CREATE FUNCTION retention_run(p_timezone text, p_key_id bigint, p_key_name text,
                              p_owner_days integer, p_member_days integer,
                              p_delivery_days integer, p_read_log_days integer)
RETURNS retention_runs LANGUAGE plpgsql AS $$
DECLARE
  v_day date := (rl_now() AT TIME ZONE p_timezone)::date;
  v_trigger text := CASE WHEN p_key_name IS NULL THEN 'daily' ELSE 'manual' END;
  v_started timestamptz := rl_now();
  v_counts jsonb;
  v_id bigint;
  v_run retention_runs;
BEGIN
  IF v_trigger = 'daily' AND EXISTS (SELECT 1 FROM retention_runs
                                     WHERE trigger = 'daily' AND day = v_day) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(7306198);
  INSERT INTO retention_runs (day, trigger, api_key_id, api_key_name, started_at, finished_at,
                              counts)
  VALUES (v_day, v_trigger, p_key_id, p_key_name, v_started, v_started, '{}')
  ON CONFLICT (day) WHERE trigger = 'daily' DO NOTHING RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RETURN NULL;
  END IF;
  v_counts := retention_purge(p_owner_days, p_member_days, p_delivery_days, p_read_log_days,
                              false);
  UPDATE retention_runs
    SET counts = v_counts, finished_at = clock_timestamp() + (rl_now() - now())
    WHERE id = v_id RETURNING * INTO v_run;
  RETURN v_run;
END $$;
