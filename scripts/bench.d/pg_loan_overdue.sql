-- pgbench: the first page of GET /api/v1/loans?status=overdue&limit=50, the
-- query store_loan_list (core/store/store_loan.c) builds for it: open loans
-- past due, by (due_date, id) on the partial index loans_open_due, 51 rows
-- (one more than the page, for the cursor). Variables: tz, lim (51).
-- scripts/bench also runs it as EXPLAIN (ANALYZE, BUFFERS) EXECUTE, with
-- :tz as $1 and :lim as $2.
SELECT l.id, l.version, l.token, d.code AS device, m.number AS member, l.category, s.slug AS site, CASE WHEN l.returned_at IS NOT NULL THEN 'returned' WHEN l.due_date < t.today THEN 'overdue' ELSE 'open' END AS status, l.start_date::text AS start_date, l.due_date::text AS due_date, CASE WHEN l.returned_at IS NULL THEN greatest(t.today - l.due_date, 0) ELSE 0 END AS days_overdue, l.started_at, l.checkout_condition, l.deposit_amount, l.deposit_method, l.deposit_outcome, l.renewals, l.returned_at, l.return_condition, l.return_note, l.updated_at FROM loans l JOIN devices d ON d.id = l.device_id JOIN members m ON m.id = l.member_id JOIN sites s ON s.id = l.site_id CROSS JOIN (SELECT (rl_now() AT TIME ZONE :tz)::date AS today) t WHERE l.returned_at IS NULL AND l.due_date < t.today ORDER BY l.due_date, l.id LIMIT :lim::int;
