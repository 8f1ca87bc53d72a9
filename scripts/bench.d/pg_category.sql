-- pgbench: the statement behind GET /api/v1/categories/{slug}
-- (core/store/store_category.c, "category_get"), run with -M prepared.
SELECT slug, name_en, name_fr, ords_id, ords_name, powered, weight_kg, co2e_kg FROM categories WHERE slug = 'laptop';
