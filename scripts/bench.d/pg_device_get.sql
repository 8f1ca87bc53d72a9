-- pgbench: the statement behind GET /api/v1/devices/{code}
-- (core/store/store_device.c, "device_get"), run with -M prepared.
-- Variables: body (-D body=XXXXXXXX, a code body that exists).
SELECT d.id, d.version, d.code, d.kind, d.status, d.category, s.slug, d.brand, d.model, d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token, d.received_at, d.updated_at, o.device_id, o.name, o.email, o.phone FROM devices d JOIN sites s ON s.id = d.site_id LEFT JOIN device_owners o ON o.device_id = d.id WHERE d.code_body = :body;
