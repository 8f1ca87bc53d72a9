-- pgbench: the statement behind GET /api/v1/parts/{sku}/stock/{site}
-- (core/store/store_stock.c, "stock_get"), run with -M prepared.
-- Variables: sku, site (a slug).
SELECT p.sku, s.slug AS site, trim_scale(coalesce(ps.quantity, 0))::text AS quantity, trim_scale(coalesce((SELECT pt.low_stock FROM part_thresholds pt WHERE pt.part_id = p.id AND pt.site_id = s.id), (SELECT pp.low_stock FROM parts pp WHERE pp.id = p.id)))::text AS low_stock, ps.updated_at FROM parts p JOIN sites s ON s.slug = :site LEFT JOIN part_stock ps ON ps.part_id = p.id AND ps.site_id = s.id WHERE upper(p.sku) = upper(:sku);
