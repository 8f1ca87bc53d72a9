/* Prepared statements and row mapping for the parts catalogue. A part and
 * its per-site thresholds are written by one statement (data-modifying
 * CTEs); quantities are numeric(12,3), read back with trim_scale so that
 * whole numbers come out as JSON integers. */
#include "core/store/store_part.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* One column list for every statement; `thresholds` is the subquery that
 * gives site_low_stock: from the table, or from the rows a write sets
 * (which the statement's own snapshot does not see in the table). */
#define PART_COLS(thresholds)                                                                      \
  "p.id, p.version, p.sku, p.name, p.description,"                                                 \
  " array_to_json(p.categories)::text AS categories, p.unit,"                                      \
  " trim_scale(p.low_stock)::text AS low_stock, p.active, p.created_at, p.updated_at,"             \
  " (" thresholds ")::text AS site_low_stock"
#define TABLE_THRESHOLDS                                                                           \
  "SELECT coalesce(json_object_agg(s.slug, trim_scale(t.low_stock) ORDER BY s.slug), '{}')"        \
  " FROM part_thresholds t JOIN sites s ON s.id = t.site_id WHERE t.part_id = p.id"
#define WANT_THRESHOLDS                                                                            \
  "SELECT coalesce(json_object_agg(w.slug, trim_scale(w.low_stock) ORDER BY w.slug), '{}')"        \
  " FROM want w"
/* The thresholds a write sets, from a JSON object of site slug → decimal
 * (core has checked that every slug names a site). */
#define WANT(n)                                                                                    \
  "want AS (SELECT s.id AS site_id, s.slug, j.value::numeric(12, 3) AS low_stock"                  \
  " FROM json_each_text($" #n "::json) j JOIN sites s ON s.slug = j.key)"
#define CATEGORIES(n) "ARRAY(SELECT json_array_elements_text($" #n "::json))"

const struct store_stmt store_part_stmts[] = {
    {"part_insert",
     "WITH p AS (INSERT INTO parts (sku, name, description, categories, unit, low_stock, active)"
     " VALUES ($1, $2, $3, " CATEGORIES(
         4) ", $5, $6::numeric, $7::boolean) RETURNING *),"
            " " WANT(8) ","
                        " t AS (INSERT INTO part_thresholds (part_id, site_id, low_stock)"
                        " SELECT p.id, w.site_id, w.low_stock FROM p, want w)"
                        " SELECT " PART_COLS(WANT_THRESHOLDS) " FROM p",
     0},
    {"part_get",
     "SELECT " PART_COLS(TABLE_THRESHOLDS) " FROM parts p WHERE upper(p.sku) = upper($1)",
     STORE_RETRY_SAFE},
    {"part_get_lock",
     "SELECT " PART_COLS(TABLE_THRESHOLDS) " FROM parts p WHERE upper(p.sku) = upper($1)"
                                           " FOR UPDATE OF p",
     0},
    {"part_update",
     /* The thresholds are read here, not with the row the caller locked: a
      * statement that waited for that lock keeps the snapshot it began
      * with, from before the previous writer's thresholds; this statement's
      * own snapshot is taken once the lock is held. The rows deleted and
      * the rows upserted are disjoint: no row is touched twice. */
     "WITH patch AS (SELECT j.key AS slug, j.value FROM json_each_text($7::json) j),"
     " kept AS (SELECT t.site_id, s.slug, t.low_stock FROM part_thresholds t"
     " JOIN sites s ON s.id = t.site_id WHERE t.part_id = $1::bigint AND NOT $8::boolean"
     " AND s.slug NOT IN (SELECT slug FROM patch)),"
     " sets AS (SELECT s.id AS site_id, s.slug, p.value::numeric(12, 3) AS low_stock"
     " FROM patch p JOIN sites s ON s.slug = p.slug WHERE p.value IS NOT NULL),"
     " want AS (SELECT * FROM kept UNION ALL SELECT * FROM sets),"
     " gone AS (DELETE FROM part_thresholds t WHERE t.part_id = $1::bigint"
     " AND t.site_id NOT IN (SELECT site_id FROM want)),"
     " up AS (INSERT INTO part_thresholds (part_id, site_id, low_stock)"
     " SELECT $1::bigint, site_id, low_stock FROM sets"
     " ON CONFLICT (part_id, site_id) DO UPDATE SET low_stock = EXCLUDED.low_stock),"
     " p AS (UPDATE parts SET name = $2, description = $3, categories = " CATEGORIES(
         4) ","
            " low_stock = $5::numeric, active = $6::boolean, version = version + 1, updated_at = "
            "now()"
            " WHERE id = $1::bigint RETURNING *)"
            " SELECT " PART_COLS(WANT_THRESHOLDS) " FROM p",
     0},
    {"part_unknown_sites",
     "SELECT coalesce(json_agg(u.slug ORDER BY u.n), '[]')::text AS unknown"
     " FROM json_array_elements_text($1::json) WITH ORDINALITY AS u(slug, n)"
     " WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.slug = u.slug)",
     STORE_RETRY_SAFE},
    {"part_label_data",
     "SELECT p.sku, p.name, (SELECT coalesce(json_agg(c.name_fr"
     " ORDER BY array_position(p.categories, c.slug)), '[]') FROM categories c"
     " WHERE c.slug = ANY (p.categories))::text AS categories_fr"
     " FROM parts p WHERE upper(p.sku) = ANY (ARRAY(SELECT upper(x)"
     " FROM json_array_elements_text($1::json) x))",
     STORE_RETRY_SAFE},
    {"part_public",
     "SELECT p.sku, p.name, (SELECT coalesce(json_agg(json_build_object('slug', c.slug,"
     " 'name_fr', c.name_fr, 'name_en', c.name_en) ORDER BY array_position(p.categories, c.slug)),"
     " '[]') FROM categories c WHERE c.slug = ANY (p.categories))::text AS categories,"
     " (SELECT coalesce(json_agg(json_build_object('name', s.name, 'in_stock',"
     " coalesce(ps.quantity > 0, false)) ORDER BY s.name, s.slug), '[]')"
     " FROM sites s LEFT JOIN part_stock ps ON ps.site_id = s.id AND ps.part_id = p.id"
     " WHERE s.active)::text AS sites"
     " FROM parts p WHERE upper(p.sku) = upper($1) AND p.active",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_part_violations[] = {
    {"parts_sku_key", RL_EDUPLICATE, "sku", "duplicate_sku",
     "is taken by another part (SKUs are compared without regard to case)"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_ID,
  C_VERSION,
  C_SKU,
  C_NAME,
  C_DESCRIPTION,
  C_CATEGORIES,
  C_UNIT,
  C_LOW,
  C_ACTIVE,
  C_CREATED,
  C_UPDATED,
  C_THRESHOLDS,
  C_COUNT
};
static const char *const part_col_names[C_COUNT] = {
    "id",   "version",   "sku",    "name",       "description", "categories",
    "unit", "low_stock", "active", "created_at", "updated_at",  "site_low_stock",
};

/* A decimal as trim_scale gives it: an integer when whole. */
static json_t *quantity_json(const char *s)
{
  if (s == NULL)
    return json_null();
  if (strchr(s, '.') == NULL)
    return json_integer(strtoll(s, NULL, 10));
  return json_real(strtod(s, NULL));
}

/* JSON text the statement built (arrays, objects); null when absent. */
static json_t *loads(const PGresult *r, int row, int col, json_t *(*empty)(void))
{
  const char *s = store_value(r, row, col);
  json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
  return v ? v : empty();
}

static json_t *part_json(const PGresult *r, int row, const int *c, struct store_part_ref *ref)
{
  if (ref) {
    ref->id = strtoll(PQgetvalue(r, row, c[C_ID]), NULL, 10);
    ref->version = (int)strtol(PQgetvalue(r, row, c[C_VERSION]), NULL, 10);
    snprintf(ref->unit, sizeof ref->unit, "%s", PQgetvalue(r, row, c[C_UNIT]));
  }
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "sku", store_json_str(r, row, c[C_SKU]), "name",
      store_json_str(r, row, c[C_NAME]), "description", store_json_str(r, row, c[C_DESCRIPTION]),
      "categories", loads(r, row, c[C_CATEGORIES], json_array), "unit",
      store_json_str(r, row, c[C_UNIT]), "low_stock", quantity_json(store_value(r, row, c[C_LOW])),
      "site_low_stock", loads(r, row, c[C_THRESHOLDS], json_object), "active",
      store_json_bool(r, row, c[C_ACTIVE]), "created_at", store_json_time(r, row, c[C_CREATED]),
      "updated_at", store_json_time(r, row, c[C_UPDATED]));
}

static int one(json_t **out, struct store_part_ref *ref, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[C_COUNT];
  store_cols(r, part_col_names, c, C_COUNT);
  json_t *p = part_json(r, 0, c, ref);
  PQclear(r);
  if (p == NULL)
    return RL_ENOMEM;
  if (out)
    *out = p;
  else
    json_decref(p);
  return RL_OK;
}

int store_part_insert(json_t **out, struct store_part_ref *ref, const char *sku, const char *unit,
                      const struct store_part_fields *f)
{
  const char *p[] = {sku,
                     f->name,
                     f->description,
                     f->categories,
                     unit,
                     f->low_stock,
                     f->active ? "true" : "false",
                     f->thresholds};
  PGresult *r;
  int rc = store_exec(&r, "part_insert", 8, p);
  return rc == RL_OK ? one(out, ref, r) : rc;
}

int store_part_get(json_t **out, struct store_part_ref *ref, const char *sku, int lock)
{
  const char *p[] = {sku};
  PGresult *r;
  int rc = store_exec(&r, lock ? "part_get_lock" : "part_get", 1, p);
  return rc == RL_OK ? one(out, ref, r) : rc;
}

int store_part_update(json_t **out, struct store_part_ref *ref, const struct store_part_fields *f)
{
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  const char *p[] = {id,
                     f->name,
                     f->description,
                     f->categories,
                     f->low_stock,
                     f->active ? "true" : "false",
                     f->thresholds,
                     f->clear_thresholds ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "part_update", 8, p);
  return rc == RL_OK ? one(out, ref, r) : rc;
}

/* Like the device list: only the filters given, so that each shape of the
 * query gets its own cached plan. */
int store_part_list(json_t **out, char *next_after, const struct store_part_filter *f,
                    const char *after, int limit)
{
  static const char *const conds[] = {
      "(p.sku ILIKE $%d OR p.name ILIKE $%d)",
      "p.categories @> ARRAY[$%d]::text[]",
      ("EXISTS (SELECT 1 FROM part_stock ps JOIN sites s ON s.id = ps.site_id"
       " WHERE ps.part_id = p.id AND s.slug = $%d AND ps.quantity > 0)"),
      "p.active = $%d::boolean",
      "upper(p.sku) > $%d",
  };
  const char *given[] = {f->q_like, f->category, f->in_stock_at, f->active, after};
  char l[16];
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[6];
  int np = 0;
  unsigned mask = 0;
  char sql[2048];
  size_t len =
      (size_t)snprintf(sql, sizeof sql, "SELECT " PART_COLS(TABLE_THRESHOLDS) " FROM parts p");
  for (unsigned i = 0; i < sizeof given / sizeof given[0]; i++) {
    if (given[i] == NULL)
      continue;
    mask |= 1u << i;
    int n = np + 1;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s ", np ? "AND" : "WHERE");
    len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], n, n);
    p[np++] = given[i];
  }
  snprintf(sql + len, sizeof sql - len, " ORDER BY upper(p.sku) LIMIT $%d::int", np + 1);
  p[np++] = l;
  char name[40];
  snprintf(name, sizeof name, "part_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  int c[C_COUNT];
  store_cols(r, part_col_names, c, C_COUNT);
  json_t *arr = json_array();
  next_after[0] = '\0';
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, part_json(r, i, c, NULL));
  if (n > limit) {
    /* The key of the last row of this page, as upper() has it (SKUs are ASCII). */
    const char *sku = PQgetvalue(r, limit - 1, c[C_SKU]);
    size_t k = 0;
    for (; k < 40 && sku[k]; k++)
      next_after[k] = (char)toupper((unsigned char)sku[k]);
    next_after[k] = '\0';
  }
  PQclear(r);
  *out = arr;
  return RL_OK;
}

/* A JSON array of the strings, as text for a parameter (caller frees). */
static char *strings_json(const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    json_array_append_new(a, json_string(v[i]));
  char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
  json_decref(a);
  return s;
}

int store_part_unknown_sites(json_t **out, const char *const *slugs, size_t n)
{
  char *list = strings_json(slugs, n);
  if (list == NULL)
    return RL_ENOMEM;
  const char *p[] = {list};
  PGresult *r;
  int rc = store_exec(&r, "part_unknown_sites", 1, p);
  free(list);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"unknown"};
  int c[1];
  store_cols(r, names, c, 1);
  *out = loads(r, 0, c[0], json_array);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_part_label_data(json_t **out, const char *const *skus, size_t n)
{
  char *list = strings_json(skus, n);
  if (list == NULL)
    return RL_ENOMEM;
  const char *p[] = {list};
  PGresult *r;
  int rc = store_exec(&r, "part_label_data", 1, p);
  free(list);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"sku", "name", "categories_fr"};
  int c[3];
  store_cols(r, names, c, 3);
  json_t *items = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(items, json_pack("{s:o s:o s:o}", "sku", store_json_str(r, i, c[0]),
                                           "name", store_json_str(r, i, c[1]), "categories_fr",
                                           loads(r, i, c[2], json_array)));
  PQclear(r);
  *out = items;
  return items ? RL_OK : RL_ENOMEM;
}

int store_part_public(json_t **out, const char *sku)
{
  const char *p[] = {sku};
  PGresult *r;
  int rc = store_exec(&r, "part_public", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  static const char *const names[] = {"sku", "name", "categories", "sites"};
  int c[4];
  store_cols(r, names, c, 4);
  *out = json_pack("{s:o s:o s:o s:o}", "sku", store_json_str(r, 0, c[0]), "name",
                   store_json_str(r, 0, c[1]), "categories", loads(r, 0, c[2], json_array), "sites",
                   loads(r, 0, c[3], json_array));
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}
