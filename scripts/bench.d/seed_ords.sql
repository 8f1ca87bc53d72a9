-- Seeds repair attempts for the ORDS export (scripts/bench part F, and the
-- memory test tests/process/test_ords_stream.c), written against
-- sql/0003_devices.sql and sql/0004_repairs.sql. psql variables:
--   repairs  how many repairs
--   devices  over how many devices (at most repairs)
--   tag      a prefix for the seeded sites' slugs, unique per run
-- 10 sites, 5 years of monthly sessions per site ending today; half the
-- repairs are made in a session, the rest at the desk. One device in four
-- is a resident's (owner contact, tracking token), and one problem text in
-- five names a person or gives a number, so that the export scrubs as it
-- would for real. Codes are the row number in hexadecimal (symbols the
-- code alphabet has), not checked codes: nothing here looks them up.
SELECT setseed(0.17);

INSERT INTO sites (slug, name)
SELECT :'tag' || '-' || s, 'Site ' || s FROM generate_series(1, 10) AS s;

INSERT INTO repair_sessions (site_id, starts_at, ends_at)
SELECT st.id, now() - make_interval(months => m) , now() - make_interval(months => m) + interval '3 hours'
FROM sites st CROSS JOIN generate_series(0, 59) AS m
WHERE st.slug LIKE :'tag' || '-%';

CREATE TEMPORARY TABLE seed_sites AS
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM sites WHERE slug LIKE :'tag' || '-%';
CREATE TEMPORARY TABLE seed_sessions AS
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM repair_sessions
WHERE site_id IN (SELECT id FROM seed_sites);

CREATE TEMPORARY TABLE seed_devices AS
WITH ins AS (
  INSERT INTO devices (code, code_body, kind, status, category, site_id, brand,
                       year_of_manufacture, problem, tracking_token, received_at)
  SELECT 'RL-' || left(b, 4) || '-' || right(b, 4), b,
         CASE WHEN n % 4 = 0 THEN 'repair' ELSE 'donation' END, 'received',
         (ARRAY['laptop-medium', 'kettle', 'toaster', 'mobile', 'lamp', 'vacuum', 'tablet',
                'coffee-maker', 'misc', 'bicycle'])[1 + n % 10],
         (SELECT id FROM seed_sites WHERE k = n % 10),
         (ARRAY['Seb', 'Philips', 'Moulinex', 'Samsung', 'Apple, Inc.'])[1 + n % 5],
         CASE WHEN n % 3 = 0 THEN NULL ELSE 2005 + n % 15 END,
         'ne marche plus', CASE WHEN n % 4 = 0 THEN left(md5(:'tag' || '-t-' || n), 22) END,
         now() - make_interval(days => n % 1800)
  FROM (SELECT n, 'S' || lpad(upper(to_hex(n + (SELECT coalesce(max(id), 0) FROM devices))), 7, '0') AS b
        FROM generate_series(1, :devices) AS n) g
  RETURNING id, kind
)
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, kind FROM ins;

INSERT INTO device_owners (device_id, name, email, phone)
SELECT id, 'Camille Lefebvre', 'camille.lefebvre@example.fr', '06 98 76 54 32'
FROM seed_devices WHERE kind = 'repair';

INSERT INTO repairs (device_id, session_id, problem, outcome, barrier, created_at, updated_at)
SELECT d.id, CASE WHEN r % 2 = 0 THEN (SELECT id FROM seed_sessions WHERE k = r % 600) END,
       (ARRAY['écran cassé, ne s''allume plus', 'rappeler Mme Lefebvre au 06 12 34 56 78',
              'charnière "gauche" fendue', 'bruit au démarrage', 'joindre camille@example.fr'
             ])[1 + r % 5],
       o.outcome, CASE WHEN o.outcome = 'end_of_life' THEN 'spare_parts_not_available' END,
       now() - make_interval(days => r % 1800), now() - make_interval(days => r % 1800)
FROM generate_series(0, :repairs - 1) AS r
JOIN seed_devices d ON d.k = r % :devices
CROSS JOIN LATERAL (SELECT (ARRAY['fixed', 'repairable', 'end_of_life', 'unknown'])[1 + r % 4]
                    AS outcome) o;

-- A load of past records, not changes anyone follows: the events its
-- repairs wrote (sql/0010_events.sql) are marked as already sent, so that
-- no outbox worker turns them into deliveries afterwards.
UPDATE events SET dispatched = true
WHERE NOT dispatched AND device_id IN (SELECT id FROM seed_devices);
