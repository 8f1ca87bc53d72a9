-- pgbench: the transaction behind POST /api/v1/devices/{code}/repairs with
-- two parts (core/repair.c create_tx, core/stock.c stock_take_plan and
-- stock_take_apply), the same statements in the same order, run with
-- -M prepared. Variables: body (a device's code body), a and b (two skus),
-- site (the device's site id), key_id.
BEGIN;
SELECT d.id, d.version, d.site_id, d.status, d.kind FROM devices d WHERE d.code_body = :body FOR UPDATE OF d;
SELECT p.id, p.sku, p.unit, p.active, upper(p.sku) AS key FROM parts p WHERE upper(p.sku) = ANY (ARRAY[upper(:a), upper(:b)]);
INSERT INTO part_stock (part_id, site_id) SELECT id, :site FROM parts WHERE upper(sku) IN (upper(:a), upper(:b)) ORDER BY 1 ON CONFLICT DO NOTHING;
SELECT part_id, site_id, (quantity * 1000)::bigint FROM part_stock WHERE site_id = :site AND part_id IN (SELECT id FROM parts WHERE upper(sku) IN (upper(:a), upper(:b))) ORDER BY part_id, site_id FOR UPDATE;
INSERT INTO repairs (device_id, outcome) SELECT id, 'repairable' FROM devices WHERE code_body = :body RETURNING id;
WITH s AS (UPDATE part_stock SET quantity = quantity - 1, updated_at = now() WHERE site_id = :site AND part_id IN (SELECT id FROM parts WHERE upper(sku) IN (upper(:a), upper(:b))) RETURNING part_id, site_id) INSERT INTO part_movements (part_id, site_id, type, quantity, device_id, repair_id, actor, actor_key_id) SELECT part_id, site_id, 'used', -1, (SELECT id FROM devices WHERE code_body = :body), currval('repairs_id_seq'), 'bench', :key_id FROM s;
COMMIT;
