-- pgbench: the statement behind POST /api/v1/devices
-- (core/store/store_device.c, "device_insert": the device, its owner when
-- the kind is repair, its intake event, in one statement), run with
-- -M prepared, with the values the wrk body sends (a donation, so no owner).
-- Variables: i (-D i=0, a per-client counter), site (slug), actor, key_id.
-- Code bodies 'Z' + 7 hex digits of (client, counter) are unique per run and
-- cannot collide with the seeded ones (which start with '000').
\set i :i + 1
\set c :client_id * 1048576 + :i
WITH d AS (INSERT INTO devices (code, code_body, kind, category, site_id, brand, model, serial, year_of_manufacture, weight_kg, problem, notes, tracking_token) VALUES ('RL-' || 'Z' || lpad(upper(to_hex(:c::bigint)), 7, '0'), 'Z' || lpad(upper(to_hex(:c::bigint)), 7, '0'), 'donation', 'laptop', (SELECT id FROM sites WHERE slug = :site AND active), 'Lenovo', 'ThinkPad T440', NULL, 2014::int, 2.1::numeric, 'does not start', NULL, NULL) RETURNING *), o AS (INSERT INTO device_owners (device_id, name, email, phone) SELECT id, NULL, NULL, NULL FROM d WHERE false::boolean RETURNING *), e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, to_status) SELECT id, :actor, :key_id::bigint, 'intake', 'received' FROM d) SELECT d.id, d.version, d.code, d.kind, d.status, d.category, s.slug, d.brand, d.model, d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token, d.received_at, d.updated_at, o.device_id, o.name, o.email, o.phone FROM d JOIN sites s ON s.id = d.site_id LEFT JOIN o ON o.device_id = d.id;
