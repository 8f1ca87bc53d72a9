-- pgbench: the transaction behind POST /api/v1/loans with a device and a
-- member only (core/loan.c checkout_tx), its statements copied from
-- core/store/store_loan.c (loan_checkout_read, loan_insert) and
-- core/store/store_device.c (device_move), run with -M prepared. What
-- differs from the service's: each parameter of the read's result comes
-- back through \gset (repaird reads them from the result); the device
-- move's note is built in SQL ('loan <id>, due <date>', repaird builds it
-- in C); the token is 'pgb-' || k (repaird's is 16 random bytes in
-- base64url); the optional fields the request leaves out are NULL
-- literals (pgbench cannot bind NULL); the time zone is cast to text
-- (each :tz is a parameter of its own, not one $1 typed by its first use);
-- the hold's format 'YYYY-MM-DD HH24:MI' is spelt with chr(58) for the
-- colon (pgbench would read ":MI" inside it as a variable). repaird sends BEGIN with the read in
-- one pipeline and the move, the insert and COMMIT in another (2 round
-- trips); pgbench sends them one by one (5), and first looks up which
-- device and member this transaction lends (one more, outside the
-- transaction: pgbench cannot compute the code bodies).
-- Variables: base (-D base=n_lend: pgbench's half of the pool starts
-- after it), nc (clients), i (-D i=0, a per-client counter), tz,
-- max_days, days, from ({available}), to ({on_loan}), actor, key_id.
\set k :base + 1 + :client_id + :nc * :i
\set i :i + 1
SELECT device_body, member_body FROM bench_loan_pool WHERE n = :k \gset
BEGIN;
SELECT nextval(pg_get_serial_sequence('loans', 'id')) AS loan_id, d.id AS device_id, d.version AS device_version, d.site_id, d.code, d.kind, d.status, d.category, m.id AS member_id, m.status AS member_status, m.open_loans, m.loan_limit, h.id AS hold_id, h.member_id AS hold_member_id, hm.number AS hold_member, to_char(h.held_until AT TIME ZONE :tz::text, 'YYYY-MM-DD HH24' || chr(58) || 'MI') AS hold_until, h.held_until > rl_now() AS hold_live, e.held_device_id AS entry_device_id, t.today::text AS today, (t.today + :max_days::int)::text AS max_due, (t.today + :days::int)::text AS default_due FROM devices d CROSS JOIN members m CROSS JOIN (SELECT (rl_now() AT TIME ZONE :tz::text)::date AS today) t LEFT JOIN waitlist h ON h.held_device_id = d.id AND h.status = 'held' LEFT JOIN members hm ON hm.id = h.member_id LEFT JOIN waitlist e ON e.member_id = m.id AND e.category = d.category AND e.status IN ('waiting', 'held') WHERE d.code_body = :device_body AND m.number_body = :member_body FOR UPDATE OF d, m \gset r_
WITH d AS (UPDATE devices SET status = (:to::text[])[cardinality(:to::text[])], version = version + 1, updated_at = now() WHERE id = :r_device_id::bigint AND status = (:from::text[])[1] RETURNING *), e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, from_status, to_status, note) SELECT d.id, :actor, :key_id::bigint, 'transition', m.f, m.t, ('loan ' || :r_loan_id::text || ', due ' || :r_default_due::text) FROM d, unnest(:from::text[], :to::text[]) WITH ORDINALITY AS m(f, t, n) ORDER BY m.n), u AS (UPDATE waitlist SET status = 'waiting', held_device_id = NULL, held_at = NULL, held_until = NULL WHERE held_device_id IN (SELECT id FROM d) AND status = 'held' AND (:to::text[])[cardinality(:to::text[])] NOT IN ('available', 'on_loan')) SELECT d.id, d.version, d.site_id, d.code, d.kind, d.status, d.category, s.slug AS site, d.brand, d.model, d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token, d.received_at, d.updated_at, o.device_id AS owner_id, o.name AS owner_name, o.email AS owner_email, o.phone AS owner_phone, NULL::timestamptz AS hold_until, NULL AS hold_member FROM d JOIN sites s ON s.id = d.site_id LEFT JOIN device_owners o ON o.device_id = d.id;
WITH l AS (INSERT INTO loans (id, device_id, member_id, site_id, category, token, start_date, due_date, checkout_condition, deposit_amount, deposit_method) OVERRIDING SYSTEM VALUE VALUES (:r_loan_id::bigint, :r_device_id::bigint, :r_member_id::bigint, :r_site_id::bigint, :r_category, ('pgb-' || :k::text), (rl_now() AT TIME ZONE :tz::text)::date, :r_default_due::date, NULL, NULL::numeric, NULL) RETURNING *), mm AS (UPDATE members SET open_loans = open_loans + 1 WHERE id = :r_member_id::bigint), le AS (INSERT INTO loan_events (loan_id, actor, actor_key_id, type, due_date, deposit, note) SELECT id, :actor, :key_id::bigint, 'checkout', due_date, CASE WHEN deposit_amount IS NOT NULL THEN 'held' END, NULL FROM l), w AS (UPDATE waitlist SET status = 'served', ended_at = rl_now(), loan_id = :r_loan_id::bigint WHERE member_id = :r_member_id::bigint AND category = :r_category AND status IN ('waiting', 'held')) SELECT l.id, l.version, l.token, d.code AS device, m.number AS member, l.category, s.slug AS site, CASE WHEN l.returned_at IS NOT NULL THEN 'returned' WHEN l.due_date < t.today THEN 'overdue' ELSE 'open' END AS status, l.start_date::text AS start_date, l.due_date::text AS due_date, CASE WHEN l.returned_at IS NULL THEN greatest(t.today - l.due_date, 0) ELSE 0 END AS days_overdue, l.started_at, l.checkout_condition, l.deposit_amount, l.deposit_method, l.deposit_outcome, l.renewals, l.returned_at, l.return_condition, l.return_note, l.updated_at FROM l JOIN devices d ON d.id = l.device_id JOIN members m ON m.id = l.member_id JOIN sites s ON s.id = l.site_id CROSS JOIN (SELECT (rl_now() AT TIME ZONE :tz::text)::date AS today) t;
COMMIT;
