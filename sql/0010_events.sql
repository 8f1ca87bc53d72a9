-- Events out (docs/webhooks.md, docs/notifications.md): the outbox that
-- every change writes its event into, in the change's own transaction;
-- webhook subscriptions and their deliveries; e-mail to residents who asked
-- for it. Workers inside repaird (core/outbox.c) take due work with
-- FOR UPDATE SKIP LOCKED, so several instances share it.

-- Residents say at intake (a device's owner) or on their member record
-- whether they want e-mail; the default is no. The token opens the one-click
-- way to stop (RFC 8058); it names a contact, not a person's address.
ALTER TABLE device_owners ADD COLUMN notify boolean NOT NULL DEFAULT false;
ALTER TABLE device_owners ADD COLUMN language text NOT NULL DEFAULT 'fr'
  CHECK (language IN ('fr', 'en'));
ALTER TABLE device_owners ADD COLUMN unsubscribe_token text NOT NULL UNIQUE
  DEFAULT replace(gen_random_uuid()::text, '-', '');
ALTER TABLE member_contacts ADD COLUMN notify boolean NOT NULL DEFAULT false;
ALTER TABLE member_contacts ADD COLUMN unsubscribe_token text NOT NULL UNIQUE
  DEFAULT replace(gen_random_uuid()::text, '-', '');

-- RFC 3339 in UTC, as the API writes times.
CREATE FUNCTION rl_rfc3339(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE TABLE webhook_subscriptions (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url                   text NOT NULL CHECK (length(url) BETWEEN 10 AND 2000),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  -- Event types, or '*' for every type.
  event_types           text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 32),
  -- whsec_ + base64 of 32 random bytes: kept in clear, since signing needs it.
  secret                text NOT NULL,
  -- After a rotation the old secret signs too, until previous_until.
  previous_secret       text,
  previous_until        timestamptz,
  enabled               boolean NOT NULL DEFAULT true,
  -- Why it was disabled: 'admin', 'failing' (deliveries failed for days) or
  -- 'gone' (the receiver answered 410).
  disabled_reason       text CHECK (disabled_reason IN ('admin', 'failing', 'gone')),
  disabled_at           timestamptz,
  -- The first failed attempt since the last success.
  failing_since         timestamptz,
  version               integer NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (enabled = (disabled_reason IS NULL)),
  CHECK ((previous_secret IS NULL) = (previous_until IS NULL))
);

-- The outbox. data is the payload's "data" member: never personal data.
CREATE TABLE events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The webhook-id of every delivery of this event: the receiver's key to
  -- drop a delivery it already had.
  uid             text NOT NULL UNIQUE DEFAULT 'evt_' || replace(gen_random_uuid()::text, '-', ''),
  type            text NOT NULL,
  -- What it is about, as the API names it: a device code, a loan id, a sku.
  subject         text NOT NULL,
  data            jsonb NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  -- When it was written by the server's clock (at follows the programme's
  -- clock, rl_now(), for loans): what "existed when it happened" compares.
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  -- Internal references (not foreign keys: an event outlives nothing), used
  -- to find whom to e-mail and what a volunteer sees on a device or loan.
  device_id       bigint,
  loan_id         bigint,
  -- Time-based events are written once per key (a loan, its due date and
  -- the step), however many instances run the schedule.
  once_key        text,
  -- A test event goes to this subscription only.
  subscription_id bigint REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  -- Turned into deliveries and messages (outbox_fanout).
  dispatched      boolean NOT NULL DEFAULT false
);
CREATE INDEX events_pending ON events (id) WHERE NOT dispatched;
CREATE INDEX events_type_id ON events (type, id DESC);
CREATE INDEX events_at ON events USING brin (at);
CREATE UNIQUE INDEX events_once ON events (once_key) WHERE once_key IS NOT NULL;

CREATE TABLE webhook_deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_id        bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  -- pending: waits for next_at; sending: a worker holds it until
  -- lease_until (then it is pending again); succeeded or failed: ended.
  status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_at         timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  UNIQUE (subscription_id, event_id),
  CHECK ((status = 'sending') = (lease_until IS NOT NULL)),
  CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_until)
  WHERE status = 'sending';
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- One row per HTTP request made for a delivery.
CREATE TABLE webhook_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id   bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt       integer NOT NULL CHECK (attempt >= 1),
  started_at    timestamptz NOT NULL,
  duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
  http_status   integer CHECK (http_status BETWEEN 100 AND 599),
  -- Why there was no usable answer: 'timeout', 'address_refused',
  -- 'connect_failed', 'tls_failed', 'bad_url', 'cancelled', 'failed'.
  error         text,
  -- The receiver's first bytes, for an admin looking at a failure.
  response_head text CHECK (length(response_head) <= 256),
  UNIQUE (delivery_id, attempt)
);

-- E-mail to residents. The address is never copied here: the sender reads
-- it from the contact when it sends (an erased or unsubscribed contact gets
-- nothing, and no queue keeps a copy).
CREATE TABLE email_messages (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    bigint REFERENCES events (id) ON DELETE SET NULL,
  kind        text NOT NULL CHECK (kind IN ('repair_finished', 'loan_due_soon', 'loan_overdue')),
  -- repair_finished: to the device's owner; loan_*: to the loan's member.
  device_id   bigint REFERENCES devices (id) ON DELETE CASCADE,
  loan_id     bigint REFERENCES loans (id) ON DELETE CASCADE,
  language    text NOT NULL CHECK (language IN ('fr', 'en')),
  -- pending/sending as webhook deliveries; sent; failed (retries spent);
  -- cancelled (no address or no consent any more when it was its turn).
  status      text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_at     timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- The Message-ID header sent, and why the last attempt failed (an SMTP
  -- reply code or a libcurl error name: never the server's text, which may
  -- repeat the address).
  message_id  text,
  last_error  text,
  CHECK ((kind = 'repair_finished') = (device_id IS NOT NULL AND loan_id IS NULL)),
  CHECK ((kind = 'repair_finished') <> (loan_id IS NOT NULL)),
  CHECK ((status = 'sending') = (lease_until IS NOT NULL)),
  CHECK ((status IN ('sent', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);
CREATE INDEX email_messages_due ON email_messages (next_at) WHERE status = 'pending';
-- Deleting old events sets their messages' event_id to NULL, and deleting a
-- subscription removes its test events: both look rows up by these.
CREATE INDEX email_messages_event ON email_messages (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX events_subscription ON events (subscription_id) WHERE subscription_id IS NOT NULL;
CREATE INDEX email_messages_leased ON email_messages (lease_until) WHERE status = 'sending';
CREATE INDEX email_messages_device ON email_messages (device_id, id) WHERE device_id IS NOT NULL;
CREATE INDEX email_messages_loan ON email_messages (loan_id, id) WHERE loan_id IS NOT NULL;

-- The payloads. Each names things as the API does (codes, slugs, ids) and
-- carries no contact, name or note: a device's brand and model, and a
-- part's name, are what its label prints.
CREATE FUNCTION events_device_json(p_device bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('code', d.code, 'kind', d.kind, 'category', d.category,
           'site', s.slug, 'brand', d.brand, 'model', d.model, 'status', d.status,
           'received_at', rl_rfc3339(d.received_at))
  FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = p_device
$$;

CREATE FUNCTION events_loan_json(p_loan bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', l.id, 'device', d.code, 'category', l.category,
           'site', s.slug, 'start_date', l.start_date::text, 'due_date', l.due_date::text,
           'renewals', l.renewals, 'returned_at', rl_rfc3339(l.returned_at),
           'return_condition', l.return_condition)
  FROM loans l JOIN devices d ON d.id = l.device_id JOIN sites s ON s.id = l.site_id
  WHERE l.id = p_loan
$$;

CREATE FUNCTION events_on_device_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  dev jsonb;
BEGIN
  IF NEW.type NOT IN ('intake', 'transition') THEN
    RETURN NULL;
  END IF;
  dev := events_device_json(NEW.device_id);
  IF NEW.type = 'intake' THEN
    INSERT INTO events (type, subject, data, at, device_id)
    VALUES ('device.received', dev->>'code', jsonb_build_object('device', dev), NEW.at,
            NEW.device_id);
  ELSE
    INSERT INTO events (type, subject, data, at, device_id)
    VALUES ('device.status_changed', dev->>'code',
            jsonb_build_object('device', dev, 'from', NEW.from_status, 'to', NEW.to_status,
                               'at', rl_rfc3339(NEW.at)),
            NEW.at, NEW.device_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER events_on_device_event AFTER INSERT ON device_events
  FOR EACH ROW EXECUTE FUNCTION events_on_device_event();

CREATE FUNCTION events_on_repair() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  code text;
BEGIN
  SELECT d.code INTO code FROM devices d WHERE d.id = NEW.device_id;
  INSERT INTO events (type, subject, data, at, device_id)
  VALUES ('repair.recorded', code,
          jsonb_build_object('repair', jsonb_build_object('id', NEW.id, 'device', code,
            'session_id', NEW.session_id, 'outcome', NEW.outcome, 'barrier', NEW.barrier,
            'next_steps', NEW.next_steps, 'minutes', NEW.minutes,
            'created_at', rl_rfc3339(NEW.created_at))),
          NEW.created_at, NEW.device_id);
  RETURN NULL;
END $$;
CREATE TRIGGER events_on_repair AFTER INSERT ON repairs
  FOR EACH ROW EXECUTE FUNCTION events_on_repair();

CREATE FUNCTION events_on_loan_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  loan jsonb;
BEGIN
  loan := events_loan_json(NEW.loan_id);
  INSERT INTO events (type, subject, data, at, device_id, loan_id)
  SELECT CASE NEW.type WHEN 'checkout' THEN 'loan.started' WHEN 'renewal' THEN 'loan.renewed'
           ELSE 'loan.returned' END,
         NEW.loan_id::text, jsonb_build_object('loan', loan), NEW.at, l.device_id, l.id
  FROM loans l WHERE l.id = NEW.loan_id;
  RETURN NULL;
END $$;
CREATE TRIGGER events_on_loan_event AFTER INSERT ON loan_events
  FOR EACH ROW EXECUTE FUNCTION events_on_loan_event();

CREATE FUNCTION events_on_part_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO events (type, subject, data, at)
  SELECT 'part.low_stock', p.sku,
         jsonb_build_object('part', jsonb_build_object('sku', p.sku, 'name', p.name,
             'unit', p.unit),
           'site', s.slug, 'quantity', NEW.quantity, 'low_stock', NEW.low_stock,
           'at', rl_rfc3339(NEW.at)),
         NEW.at
  FROM parts p, sites s WHERE p.id = NEW.part_id AND s.id = NEW.site_id;
  RETURN NULL;
END $$;
CREATE TRIGGER events_on_part_alert AFTER INSERT ON part_alerts
  FOR EACH ROW EXECUTE FUNCTION events_on_part_alert();

-- The time-based events, for loans still out, by dates in the programme's
-- time zone: due soon (p_due_days days before the due date, or less) and
-- overdue on day 1 (days 1 to 6 late) and day 7 (days 7 to 13 late). Safe
-- to run often and from several instances: each is written once. Returns
-- how many it wrote.
CREATE FUNCTION events_schedule(p_timezone text, p_due_days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  today date := (rl_now() AT TIME ZONE p_timezone)::date;
  n integer;
BEGIN
  WITH due AS (
    SELECT l.id, l.device_id, l.due_date, today - l.due_date AS late
    FROM loans l
    WHERE l.returned_at IS NULL AND l.due_date <= today + p_due_days
      AND l.due_date >= today - 13
  ), steps AS (
    SELECT due.*, CASE WHEN late <= 0 THEN 'loan.due_soon' ELSE 'loan.overdue' END AS type,
           CASE WHEN late <= 0 THEN 'soon' WHEN late < 7 THEN '1' ELSE '7' END AS step
    FROM due
  ), ins AS (
    INSERT INTO events (type, subject, data, at, device_id, loan_id, once_key)
    SELECT s.type, s.id::text,
           jsonb_build_object('loan', events_loan_json(s.id)) ||
           CASE WHEN s.late <= 0 THEN jsonb_build_object('days_left', -s.late)
                ELSE jsonb_build_object('days_overdue', s.late) END,
           rl_now(), s.device_id, s.id,
           s.type || ':' || s.id || ':' || s.due_date || ':' || s.step
    FROM steps s
    ON CONFLICT (once_key) WHERE once_key IS NOT NULL DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO n FROM ins;
  RETURN n;
END $$;

-- Turns up to p_limit undispatched events into webhook deliveries (one per
-- enabled subscription that takes the type and existed when the event
-- happened: a new subscription gets no backlog; a test event to its own
-- subscription only) and, when p_mail, e-mail messages to residents who
-- asked for them. Events another worker is turning are skipped. Returns how
-- many events it turned.
CREATE FUNCTION events_fanout(p_limit integer, p_mail boolean) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  WITH claimed AS (
    SELECT e.id, e.type, e.data, e.recorded_at, e.device_id, e.loan_id, e.subscription_id
    FROM events e WHERE NOT e.dispatched ORDER BY e.id LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ), hooks AS (
    INSERT INTO webhook_deliveries (subscription_id, event_id)
    SELECT s.id, c.id FROM claimed c JOIN webhook_subscriptions s
      ON CASE WHEN c.subscription_id IS NOT NULL THEN s.id = c.subscription_id
              ELSE s.enabled AND s.created_at <= c.recorded_at
                   AND (c.type = ANY (s.event_types) OR '*' = ANY (s.event_types)) END
    ON CONFLICT (subscription_id, event_id) DO NOTHING
  ), mails AS (
    INSERT INTO email_messages (event_id, kind, device_id, loan_id, language)
    SELECT c.id, 'repair_finished', c.device_id, NULL, o.language
    FROM claimed c JOIN devices d ON d.id = c.device_id AND d.kind = 'repair'
    JOIN device_owners o ON o.device_id = d.id
    WHERE p_mail AND c.type = 'device.status_changed'
      AND c.data->>'to' IN ('repaired', 'unrepairable')
      AND o.notify AND o.email IS NOT NULL
    UNION ALL
    SELECT c.id, CASE c.type WHEN 'loan.due_soon' THEN 'loan_due_soon' ELSE 'loan_overdue' END,
           NULL, c.loan_id, m.language
    FROM claimed c JOIN loans l ON l.id = c.loan_id AND l.returned_at IS NULL
    JOIN members m ON m.id = l.member_id
    JOIN member_contacts mc ON mc.member_id = m.id
    WHERE p_mail AND c.type IN ('loan.due_soon', 'loan.overdue')
      AND mc.notify AND mc.email IS NOT NULL
  ), done AS (
    UPDATE events e SET dispatched = true FROM claimed c WHERE e.id = c.id RETURNING 1
  )
  SELECT count(*) INTO n FROM done;
  RETURN n;
END $$;
