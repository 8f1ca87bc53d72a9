-- Seeds :n devices (and their intake events) for part B of scripts/bench, in
-- one statement each, written against sql/0003_devices.sql. psql variables:
--   n        how many devices
--   site_id  the site they belong to (created through POST /api/v1/sites)
-- Codes are the row number in Crockford base32 (7 symbols) plus the check
-- symbol of core/code.c (rl_code_check_symbol: the XOR over GF(32), modulo
-- x^5 + x^2 + 1, of each symbol's value times x^(position + 1)), so every
-- seeded code is one that GET /api/v1/devices/{code} accepts. If core/code.c
-- changes its check, scripts/bench says so and reads an API-created device.
-- Mix (deterministic): status received 30 %, the rest spread over five
-- others; category laptop 15 %, the rest over nine other categories; one
-- device in four of the repair kind (with a tracking token).
SELECT setseed(0.42);

WITH pow (e, p) AS ( -- x^e in GF(32) modulo x^5 + x^2 + 1, e = 0..11
  SELECT e - 1, p FROM unnest(ARRAY[1, 2, 4, 8, 16, 5, 10, 20, 13, 26, 17, 7]) WITH ORDINALITY AS t (p, e)
), mul AS ( -- value v (0..31) times the weight x^(k + 1) of position k (0..6, from the left)
  SELECT k, v, coalesce(bit_xor(pow.p) FILTER (WHERE (v >> j) & 1 = 1), 0) AS m
  FROM generate_series(0, 6) AS k CROSS JOIN generate_series(0, 31) AS v
  CROSS JOIN generate_series(0, 4) AS j JOIN pow ON pow.e = k + 1 + j
  GROUP BY k, v
)
INSERT INTO devices (code, code_body, kind, status, category, site_id, brand, model,
                     serial, year_of_manufacture, weight_kg, problem, notes, tracking_token,
                     received_at, updated_at)
SELECT 'RL-' || left(c.body, 4) || '-' || right(c.body, 4), c.body,
       CASE WHEN g.n % 4 = 0 THEN 'repair' ELSE 'donation' END,
       CASE WHEN g.r1 < 0.30 THEN 'received'
            ELSE (ARRAY['diagnosing', 'in_repair', 'repaired', 'available', 'recycled'])[1 + (g.n % 5)] END,
       CASE WHEN g.r2 < 0.15 THEN 'laptop'
            ELSE (ARRAY['mobile', 'tablet', 'desktop-computer', 'printer-scanner', 'kettle',
                        'toaster', 'vacuum', 'lamp', 'headphones'])[1 + (g.n % 9)] END,
       :site_id,
       (ARRAY['Lenovo', 'Dell', 'HP', 'Apple', 'Samsung', 'Philips', 'Seb', 'Moulinex'])[1 + (g.n % 8)],
       'Model ' || (g.n % 500), 'SN' || g.n, 2005 + (g.n % 19),
       CASE WHEN g.n % 3 = 0 THEN 1.5 + (g.n % 40) / 10.0 END,
       'does not start', NULL,
       CASE WHEN g.n % 4 = 0 THEN md5('bench-token-' || g.n) || md5('salt-' || g.n) END,
       now() - make_interval(secs => (:n - g.n) * 60), now()
FROM (SELECT n, random() AS r1, random() AS r2 FROM generate_series(1, :n) AS n) AS g
CROSS JOIN LATERAL (
  SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + d.v, 1), '' ORDER BY d.k)
         || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + bit_xor(mul.m), 1) AS body
  FROM (SELECT k, ((g.n >> (5 * (6 - k))) & 31)::int AS v FROM generate_series(0, 6) AS k) AS d
  JOIN mul ON mul.k = d.k AND mul.v = d.v
) AS c
ORDER BY g.n;

INSERT INTO device_events (device_id, at, actor, type, to_status)
SELECT id, received_at, 'bench', 'intake', 'received' FROM devices WHERE serial LIKE 'SN%';

VACUUM ANALYZE devices;
VACUUM ANALYZE device_events;
