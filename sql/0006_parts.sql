-- Spare parts: references, their stock per site kept beside an append-only
-- ledger of movements (the stock always equals the ledger's sum), per-site
-- low-stock thresholds, and the low-stock alerts movements raise.

CREATE TABLE parts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku         text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text,
  categories  text[] NOT NULL DEFAULT '{}',
  unit        text NOT NULL DEFAULT 'piece' CHECK (unit IN ('piece', 'g', 'm', 'ml')),
  low_stock   numeric(12, 3) NOT NULL DEFAULT 0 CHECK (low_stock >= 0),
  active      boolean NOT NULL DEFAULT true,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- SKUs are compared case-insensitively.
CREATE UNIQUE INDEX parts_sku_key ON parts (upper(sku));
CREATE INDEX parts_categories ON parts USING gin (categories);

-- A site's own threshold, instead of the part's default.
CREATE TABLE part_thresholds (
  part_id   bigint NOT NULL REFERENCES parts (id),
  site_id   bigint NOT NULL REFERENCES sites (id),
  low_stock numeric(12, 3) NOT NULL CHECK (low_stock >= 0),
  PRIMARY KEY (part_id, site_id)
);

CREATE TABLE part_stock (
  part_id    bigint NOT NULL REFERENCES parts (id),
  site_id    bigint NOT NULL REFERENCES sites (id),
  quantity   numeric(12, 3) NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (part_id, site_id)
);
CREATE INDEX part_stock_site ON part_stock (site_id, part_id);

CREATE TABLE part_movements (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  part_id      bigint NOT NULL REFERENCES parts (id),
  site_id      bigint NOT NULL REFERENCES sites (id),
  type         text NOT NULL CHECK (type IN ('received', 'harvested', 'used', 'adjusted',
                                             'scrapped', 'transferred')),
  quantity     numeric(12, 3) NOT NULL CHECK (quantity <> 0 OR type = 'adjusted'),
  source       text CHECK (source IN ('donated', 'bought')),
  device_id    bigint REFERENCES devices (id),
  repair_id    bigint REFERENCES repairs (id),
  -- The two legs of a transfer share it: the first leg's id.
  transfer_id  bigint,
  note         text,
  actor        text NOT NULL,
  actor_key_id bigint REFERENCES api_keys (id),
  at           timestamptz NOT NULL DEFAULT now(),
  CHECK (type <> 'received' OR quantity > 0),
  CHECK (type <> 'harvested' OR (quantity > 0 AND device_id IS NOT NULL)),
  CHECK (type <> 'used' OR quantity < 0),
  CHECK (type <> 'scrapped' OR quantity < 0),
  CHECK (type <> 'transferred' OR transfer_id IS NOT NULL)
);
CREATE INDEX part_movements_part ON part_movements (part_id, id);
CREATE INDEX part_movements_part_site_at ON part_movements (part_id, site_id, at);
CREATE INDEX part_movements_site ON part_movements (site_id, id);
CREATE INDEX part_movements_repair ON part_movements (repair_id) WHERE repair_id IS NOT NULL;

-- A movement that took a site's stock of a part to or below its threshold.
CREATE TABLE part_alerts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  part_id     bigint NOT NULL REFERENCES parts (id),
  site_id     bigint NOT NULL REFERENCES sites (id),
  movement_id bigint NOT NULL REFERENCES part_movements (id),
  quantity    numeric(12, 3) NOT NULL,
  low_stock   numeric(12, 3) NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX part_alerts_part_site ON part_alerts (part_id, site_id, id);

-- The two legs of a transfer share one number from here.
CREATE SEQUENCE part_transfers;
