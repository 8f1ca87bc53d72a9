-- Device categories: the ORDS v0.3 product categories and their size and
-- unpowered variants, with default weight and pre-use CO2e footprint.
-- Source: Open Repair Alliance / The Restart Project, CC BY-SA 4.0 (see
-- docs/open-data.md); the rows come from sql/data/categories.csv.

CREATE TABLE categories (
  slug                  text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
  name_en               text NOT NULL,
  name_fr               text NOT NULL,
  ords_id               integer NOT NULL CHECK (ords_id BETWEEN 1 AND 40),
  ords_name             text NOT NULL,
  powered               boolean NOT NULL,
  weight_kg             numeric(10, 3) CHECK (weight_kg > 0),
  co2e_kg               numeric(10, 3) CHECK (co2e_kg > 0),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TEMPORARY TABLE category_import (
  slug text, name_en text, name_fr text, ords_product_category_id integer,
  ords_product_category text, powered boolean, weight_kg numeric, co2e_kg numeric
) ON COMMIT DROP;

\copy category_import FROM 'data/categories.csv' WITH (FORMAT csv, HEADER true)

INSERT INTO categories (slug, name_en, name_fr, ords_id, ords_name, powered, weight_kg, co2e_kg)
SELECT slug, name_en, name_fr, ords_product_category_id, ords_product_category, powered,
       weight_kg, co2e_kg
FROM category_import;
