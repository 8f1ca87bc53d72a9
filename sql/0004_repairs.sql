-- Repair café sessions and repair attempts, in the Open Repair Data
-- Standard's terms (ORDS v0.3 repair status and end-of-life barriers).

CREATE TABLE repair_sessions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  site_id     bigint NOT NULL REFERENCES sites (id),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  volunteers  integer NOT NULL DEFAULT 0 CHECK (volunteers BETWEEN 0 AND 1000),
  notes       text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX repair_sessions_starts_at ON repair_sessions (starts_at DESC, id DESC);

CREATE TABLE repairs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id   bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  session_id  bigint REFERENCES repair_sessions (id),
  problem     text,
  diagnosis   text,
  actions     text,
  outcome     text NOT NULL DEFAULT 'unknown'
              CHECK (outcome IN ('fixed', 'repairable', 'end_of_life', 'unknown')),
  barrier     text CHECK (barrier IN ('spare_parts_not_available', 'spare_parts_too_expensive',
                                      'no_way_to_open', 'repair_information_not_available',
                                      'lack_of_equipment', 'too_worn_out')),
  next_steps  text CHECK (next_steps IN ('more_time_needed', 'professional_help', 'do_it_yourself')),
  minutes     integer CHECK (minutes BETWEEN 0 AND 10000),
  repairer    text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (barrier IS NULL OR outcome = 'end_of_life')
);
CREATE INDEX repairs_device ON repairs (device_id, id);
CREATE INDEX repairs_session ON repairs (session_id, id);
