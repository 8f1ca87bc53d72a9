-- Sites, devices, their owners' contact (personal data, kept apart) and the
-- history of every change.

CREATE TABLE sites (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address       text NOT NULL DEFAULT '',
  opening_hours text NOT NULL DEFAULT '',
  active        boolean NOT NULL DEFAULT true,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code                text NOT NULL,
  -- The 8 symbols after the prefix (Crockford base32, last one a check
  -- symbol): what lookups compare, whatever prefix or case was typed.
  code_body           text NOT NULL UNIQUE CHECK (code_body ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
  kind                text NOT NULL CHECK (kind IN ('donation', 'repair')),
  status              text NOT NULL DEFAULT 'received' CHECK (status IN (
                        'received', 'diagnosing', 'in_repair', 'awaiting_parts', 'repaired',
                        'unrepairable', 'returned', 'available', 'on_loan', 'rehomed',
                        'harvested', 'recycled')),
  category            text NOT NULL REFERENCES categories (slug),
  site_id             bigint NOT NULL REFERENCES sites (id),
  brand               text NOT NULL,
  model               text,
  serial              text,
  year_of_manufacture integer CHECK (year_of_manufacture BETWEEN 1900 AND 2200),
  weight_kg           numeric(10, 3) CHECK (weight_kg > 0),
  problem             text,
  notes               text,
  tracking_token      text UNIQUE,
  received_at         timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1,
  CHECK ((kind = 'repair') = (tracking_token IS NOT NULL))
);
-- Lists are newest first by id; these serve the common filters.
CREATE INDEX devices_status_id ON devices (status, id DESC);
CREATE INDEX devices_category_id ON devices (category, id DESC);
CREATE INDEX devices_site_id ON devices (site_id, id DESC);
CREATE INDEX devices_received_at ON devices (received_at);

-- Personal data: the contact of a repair-kind device's owner. Erasable on
-- its own; never in public pages or open data.
CREATE TABLE device_owners (
  device_id  bigint PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  name       text,
  email      text,
  phone      text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE device_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id    bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  actor_key_id bigint REFERENCES api_keys (id),
  type         text NOT NULL CHECK (type IN ('intake', 'transition', 'edit')),
  from_status  text,
  to_status    text,
  fields       text[],
  note         text
);
CREATE INDEX device_events_device ON device_events (device_id, id);
