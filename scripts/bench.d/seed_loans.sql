-- Seeds part D of scripts/bench (loans), written against sql/0007_loans.sql.
-- psql variables:
--   n_lend   lending pool per side: devices and members 1..n_lend for wrk,
--            n_lend+1..2*n_lend for pgbench (each request its own pair),
--            and one more for the check through the API
--   n_hist   loans of the history the overdue list walks (100000)
--   site_id, site2_id  the two sites (created through POST /api/v1/sites)
--   tz       the programme's time zone (REPAIRD_TIMEZONE, Europe/Paris)
-- Device codes and member numbers carry the check symbol of core/code.c
-- (rl_code_check_symbol: the XOR over GF(32), modulo x^5 + x^2 + 1, of each
-- symbol's value times x^(position + 1)), computed by bench_code below, so
-- that POST /api/v1/loans accepts them. Device values start at 2^34 (first
-- symbol G), so they cannot collide with part B's seeded codes (first
-- symbol 0).
-- History (n_hist loans): one in five open (each on its own device, so the
-- one-open-loan-per-device index holds; each history member has two open),
-- half of the open ones overdue by 1 to 90 days; the others returned, on
-- any history device. Devices and members are counted consistently:
-- devices with an open loan are on_loan, members' open_loans match.

CREATE FUNCTION bench_gf32_mul(a int, b int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE r int := 0;
BEGIN
  FOR i IN 0..4 LOOP
    IF b & (1 << i) <> 0 THEN r := r # a; END IF;
    a := a << 1;
    IF a & 32 <> 0 THEN a := a # 37; END IF; -- 0x25
  END LOOP;
  RETURN r;
END $$;

-- The value n as len - 1 Crockford symbols, then the check symbol.
CREATE FUNCTION bench_code(n bigint, len int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  body text := '';
  v int; s int := 0; w int := 1;
BEGIN
  FOR k IN 0..len - 2 LOOP
    v := ((n >> (5 * (len - 2 - k))) & 31)::int;
    body := body || substr(alphabet, v + 1, 1);
    w := bench_gf32_mul(w, 2);
    s := s # bench_gf32_mul(v, w);
  END LOOP;
  RETURN body || substr(alphabet, s + 1, 1);
END $$;

-- The lending pool: who borrows what, by request number.
CREATE TABLE bench_loan_pool (n int PRIMARY KEY, device_body text NOT NULL, member_body text NOT NULL);
INSERT INTO bench_loan_pool
SELECT n, bench_code(17179869184 + n, 8), bench_code(n, 6) FROM generate_series(1, 2 * :n_lend + 1) AS n;

INSERT INTO devices (code, code_body, kind, status, category, site_id, brand, model, serial,
                     problem, received_at, updated_at)
SELECT 'RL-' || left(p.device_body, 4) || '-' || right(p.device_body, 4), p.device_body,
       'donation', 'available',
       (ARRAY['laptop', 'tablet', 'mobile', 'desktop-computer'])[1 + p.n % 4],
       :site_id, 'Lenovo', 'ThinkPad T440', 'LEND' || p.n, 'refurbished',
       now() - interval '30 days', now()
FROM bench_loan_pool p ORDER BY p.n;

INSERT INTO members (number, number_body, language, loan_limit)
SELECT 'M-' || left(p.member_body, 3) || '-' || right(p.member_body, 3), p.member_body, 'fr', 2
FROM bench_loan_pool p ORDER BY p.n;

-- The history: n_hist / 5 devices, each with one open loan; n_hist / 10
-- members, each with two open loans.
CREATE TEMP TABLE hist_dev AS
SELECT j, bench_code(17179869184 + 8000000 + j, 8) AS body FROM generate_series(1, :n_hist / 5) AS j;
INSERT INTO devices (code, code_body, kind, status, category, site_id, brand, model, serial,
                     problem, received_at, updated_at)
SELECT 'RL-' || left(body, 4) || '-' || right(body, 4), body, 'donation', 'on_loan',
       (ARRAY['laptop', 'tablet', 'mobile', 'desktop-computer'])[1 + j % 4],
       CASE WHEN j % 2 = 0 THEN :site_id ELSE :site2_id END,
       'Dell', 'Latitude E7450', 'HIST' || j, 'refurbished', now() - interval '3 years', now()
FROM hist_dev ORDER BY j;

CREATE TEMP TABLE hist_mem AS
SELECT j, bench_code(8000000 + j, 6) AS body FROM generate_series(1, :n_hist / 10) AS j;
INSERT INTO members (number, number_body, language, loan_limit, open_loans, created_at, updated_at)
SELECT 'M-' || left(body, 3) || '-' || right(body, 3), body, 'fr', 2, 2,
       now() - interval '3 years', now()
FROM hist_mem ORDER BY j;

WITH t AS (SELECT (rl_now() AT TIME ZONE :'tz')::date AS today),
g AS (
  SELECT k, k % 5 = 0 AS open,
         CASE WHEN k % 5 = 0 THEN k / 5 ELSE 1 + k % (:n_hist / 5) END AS dj,
         CASE WHEN k % 5 = 0 THEN 1 + (k / 5 - 1) % (:n_hist / 10) ELSE 1 + k % (:n_hist / 10) END AS mj
  FROM generate_series(1, :n_hist) AS k
), dated AS (
  SELECT g.*, CASE
           WHEN g.k % 10 = 0 THEN t.today - (1 + (g.k / 10) % 90) -- open, overdue
           WHEN g.open THEN t.today + (g.k / 5) % 28              -- open, not yet due
           ELSE t.today - 2 - g.k % 700                            -- returned
         END AS due
  FROM g CROSS JOIN t
)
INSERT INTO loans (device_id, member_id, site_id, category, token, started_at, start_date,
                   due_date, renewals, returned_at, return_condition, updated_at)
SELECT d.id, m.id, d.site_id, d.category, md5('bench-loan-' || x.k),
       ((x.due - 28) + time '10:00') AT TIME ZONE :'tz', x.due - 28, x.due, 0,
       CASE WHEN NOT x.open THEN ((x.due - 1 - x.k % 20) + time '16:00') AT TIME ZONE :'tz' END,
       CASE WHEN NOT x.open THEN 'ok' END,
       now()
FROM dated x
JOIN hist_dev hd ON hd.j = x.dj JOIN devices d ON d.code_body = hd.body
JOIN hist_mem hm ON hm.j = x.mj JOIN members m ON m.number_body = hm.body
ORDER BY x.k;

INSERT INTO loan_events (loan_id, at, actor, type, due_date)
SELECT id, started_at, 'bench', 'checkout', due_date FROM loans;
INSERT INTO loan_events (loan_id, at, actor, type, condition)
SELECT id, returned_at, 'bench', 'return', 'ok' FROM loans WHERE returned_at IS NOT NULL;

VACUUM ANALYZE devices;
VACUUM ANALYZE members;
VACUUM ANALYZE loans;
VACUUM ANALYZE loan_events;
VACUUM ANALYZE bench_loan_pool;
