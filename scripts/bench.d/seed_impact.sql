-- Part E: the rollup rows that 1,000,000 repairs over 500,000 devices, 5
-- years (2021-2025), 10 sites would produce, written straight into the
-- rollup (reading a slice reads nothing else): one row per month, site
-- and category (60 × 10 × every category), the counts spread so that
-- they add up to the totals above (each device seen once, two repairs a
-- device on average, half the devices saved).
INSERT INTO sites (slug, name)
SELECT 'bench-e-' || i, 'Bench E site ' || i FROM generate_series(1, 10) i
ON CONFLICT (slug) DO NOTHING;
WITH c AS (SELECT slug, co2e_kg, weight_kg, powered, count(*) OVER () AS n FROM categories),
     k AS (SELECT m::date AS month, s.id AS site_id, c.*
           FROM generate_series('2021-01-01'::date, '2025-12-01', interval '1 month') m,
                sites s, c WHERE s.slug LIKE 'bench-e-%')
INSERT INTO impact_rollup (month, site_id, category, seen, repairs_fixed, repairs_repairable,
  repairs_end_of_life, repairs_unknown, saved, waste_kg, footprint_kg, misc_powered_kg,
  misc_unpowered_kg, saved_without_weight, recycled, recycled_kg, harvested, parts_recovered,
  loans_started)
SELECT month, site_id, slug, s, r * 2 / 5, r / 5, r / 5, r - r * 2 / 5 - 2 * (r / 5), s / 2,
       (s / 2) * coalesce(weight_kg, 1.5), (s / 2) * coalesce(co2e_kg, 0),
       CASE WHEN co2e_kg IS NULL AND powered THEN (s / 2) * 1.5 ELSE 0 END,
       CASE WHEN co2e_kg IS NULL AND NOT powered THEN (s / 2) * 1.5 ELSE 0 END, 0, s / 10,
       (s / 10) * coalesce(weight_kg, 1.5), s / 20, s / 10, s / 8
FROM (SELECT k.*, (500000 / (600 * n))::int AS s, (1000000 / (600 * n))::int AS r FROM k) x
ON CONFLICT (month, site_id, category) DO NOTHING;
