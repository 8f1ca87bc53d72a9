-- pgbench: the filtered first page of GET /api/v1/devices?status=…&category=…&limit=50
-- (core/store/store_device.c, store_device_list: newest first, keyset on
-- id, limit + 1 rows to know whether there is a next page), run with
-- -M prepared: the statement the API prepares for these two filters.
-- Variables: status, category.
SELECT d.id, d.version, d.code, d.kind, d.status, d.category, s.slug, d.brand, d.model, d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token, d.received_at, d.updated_at, o.device_id, o.name, o.email, o.phone FROM devices d JOIN sites s ON s.id = d.site_id LEFT JOIN device_owners o ON o.device_id = d.id WHERE d.status = :status AND d.category = :category ORDER BY d.id DESC LIMIT 51;
