-- Second-life loans: members (their contact kept apart, as personal data),
-- loans and their history, waiting lists by category and the holds they
-- place on devices, each site's loan conditions, and the `lost` status.

-- The programme's clock: now() moved by a shift that is zero in service.
-- Loan dates, holds and overdue days are read from it, so that a test can
-- put the whole service just before midnight or a DST change by setting
-- the shift, without waiting.
CREATE TABLE clock_shift (
  one   boolean PRIMARY KEY DEFAULT true CHECK (one),
  shift interval NOT NULL DEFAULT interval '0'
);
INSERT INTO clock_shift DEFAULT VALUES;
CREATE FUNCTION rl_now() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS
  'SELECT now() + coalesce((SELECT shift FROM clock_shift), interval ''0'')';

ALTER TABLE devices DROP CONSTRAINT devices_status_check;
ALTER TABLE devices ADD CONSTRAINT devices_status_check CHECK (status IN (
  'received', 'diagnosing', 'in_repair', 'awaiting_parts', 'repaired', 'unrepairable',
  'returned', 'available', 'on_loan', 'rehomed', 'harvested', 'recycled', 'lost'));
ALTER TABLE device_events DROP CONSTRAINT device_events_type_check;
ALTER TABLE device_events ADD CONSTRAINT device_events_type_check
  CHECK (type IN ('intake', 'transition', 'edit', 'loan'));
-- What can be lent or held, by category and site.
CREATE INDEX devices_available ON devices (category, site_id, id) WHERE status = 'available';

-- Who a waiting list holds the device for, and until when: kept on the
-- device row (beside the waiting-list entry that says the same) so that
-- placing or ending a hold updates the row a checkout locks, and the
-- checkout reads it as it is once the lock is its own.
ALTER TABLE devices ADD COLUMN held_for bigint;
ALTER TABLE devices ADD COLUMN held_until timestamptz;
ALTER TABLE devices ADD CONSTRAINT devices_hold_check
  CHECK ((held_for IS NULL) = (held_until IS NULL) AND (held_for IS NULL OR status = 'available'));

-- Printed on the loan agreement, in the member's language.
ALTER TABLE sites ADD COLUMN loan_conditions_fr text NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN loan_conditions_en text NOT NULL DEFAULT '';

CREATE TABLE members (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number      text NOT NULL,
  -- The 6 symbols after the prefix (Crockford base32, the last a check
  -- symbol), as with device codes.
  number_body text NOT NULL UNIQUE CHECK (number_body ~ '^[0-9A-HJKMNP-TV-Z]{6}$'),
  language    text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
  loan_limit  integer NOT NULL CHECK (loan_limit BETWEEN 0 AND 50),
  -- Loans not yet returned: kept beside the loans so that a checkout checks
  -- the limit on the row it locks.
  open_loans  integer NOT NULL DEFAULT 0 CHECK (open_loans >= 0),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  notes       text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT rl_now(),
  updated_at  timestamptz NOT NULL DEFAULT rl_now()
);
CREATE INDEX members_status_id ON members (status, id DESC);
ALTER TABLE devices ADD CONSTRAINT devices_held_for_fkey
  FOREIGN KEY (held_for) REFERENCES members (id);

-- Personal data: a member's contact. Erasable on its own; never shown to
-- reader keys, in public pages or open data.
CREATE TABLE member_contacts (
  member_id  bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  name       text,
  email      text,
  phone      text,
  updated_at timestamptz NOT NULL DEFAULT rl_now()
);

CREATE TABLE member_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT rl_now(),
  actor        text NOT NULL,
  actor_key_id bigint REFERENCES api_keys (id),
  type         text NOT NULL CHECK (type IN ('created', 'edit', 'suspended', 'reactivated')),
  fields       text[],
  note         text
);
CREATE INDEX member_events_member ON member_events (member_id, id);

CREATE TABLE loans (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id          bigint NOT NULL REFERENCES devices (id),
  member_id          bigint NOT NULL REFERENCES members (id),
  -- Where and what was lent, as it was at checkout.
  site_id            bigint NOT NULL REFERENCES sites (id),
  category           text NOT NULL REFERENCES categories (slug),
  -- Opens the public page of the loan's due date (/l/{token}).
  token              text NOT NULL UNIQUE,
  started_at         timestamptz NOT NULL DEFAULT rl_now(),
  -- Dates in the programme's time zone (REPAIRD_TIMEZONE).
  start_date         date NOT NULL,
  due_date           date NOT NULL,
  checkout_condition text,
  deposit_amount     numeric(10, 2) CHECK (deposit_amount > 0),
  deposit_method     text CHECK (deposit_method IN ('cash', 'card', 'cheque', 'transfer', 'other')),
  deposit_outcome    text CHECK (deposit_outcome IN ('returned', 'kept')),
  renewals           integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
  returned_at        timestamptz,
  return_condition   text CHECK (return_condition IN ('ok', 'needs_check', 'lost')),
  return_note        text,
  version            integer NOT NULL DEFAULT 1,
  updated_at         timestamptz NOT NULL DEFAULT rl_now(),
  CHECK (due_date >= start_date),
  CHECK ((returned_at IS NULL) = (return_condition IS NULL)),
  CHECK ((deposit_amount IS NULL) = (deposit_method IS NULL)),
  CHECK (deposit_outcome IS NULL OR (deposit_amount IS NOT NULL AND returned_at IS NOT NULL))
);
-- A device is never on two loans at once.
CREATE UNIQUE INDEX loans_open_device ON loans (device_id) WHERE returned_at IS NULL;
-- Overdue and due-soon lists walk these in due-date order.
CREATE INDEX loans_open_due ON loans (due_date, id) WHERE returned_at IS NULL;
CREATE INDEX loans_open_site_due ON loans (site_id, due_date, id) WHERE returned_at IS NULL;
CREATE INDEX loans_open_id ON loans (id DESC) WHERE returned_at IS NULL;
CREATE INDEX loans_member ON loans (member_id, id DESC);
CREATE INDEX loans_device ON loans (device_id, id DESC);
CREATE INDEX loans_site ON loans (site_id, id DESC);

CREATE TABLE loan_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  loan_id      bigint NOT NULL REFERENCES loans (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT rl_now(),
  actor        text NOT NULL,
  actor_key_id bigint REFERENCES api_keys (id),
  type         text NOT NULL CHECK (type IN ('checkout', 'renewal', 'return')),
  due_date     date,
  condition    text,
  deposit      text,
  note         text
);
CREATE INDEX loan_events_loan ON loan_events (loan_id, id);

-- Waiting lists by category (and optionally site), first come first served.
-- An entry waits, then may hold one available device for a few days; it
-- ends served (a loan), left, or expired (its hold ran out).
CREATE TABLE waitlist (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id      bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  category       text NOT NULL REFERENCES categories (slug),
  site_id        bigint REFERENCES sites (id),
  status         text NOT NULL DEFAULT 'waiting'
                   CHECK (status IN ('waiting', 'held', 'served', 'left', 'expired')),
  joined_at      timestamptz NOT NULL DEFAULT rl_now(),
  held_device_id bigint REFERENCES devices (id),
  held_at        timestamptz,
  held_until     timestamptz,
  ended_at       timestamptz,
  loan_id        bigint REFERENCES loans (id),
  actor          text NOT NULL,
  actor_key_id   bigint REFERENCES api_keys (id),
  CHECK (status <> 'held' OR (held_device_id IS NOT NULL AND held_until IS NOT NULL)),
  CHECK ((status IN ('waiting', 'held')) = (ended_at IS NULL))
);
-- One place in a category's line per member; one hold per device.
CREATE UNIQUE INDEX waitlist_member_category ON waitlist (member_id, category)
  WHERE status IN ('waiting', 'held');
CREATE UNIQUE INDEX waitlist_held_device ON waitlist (held_device_id) WHERE status = 'held';
CREATE INDEX waitlist_queue ON waitlist (category, id) WHERE status = 'waiting';
CREATE INDEX waitlist_held_until ON waitlist (held_until) WHERE status = 'held';
CREATE INDEX waitlist_member ON waitlist (member_id, id);
