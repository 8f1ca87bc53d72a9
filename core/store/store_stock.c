/* Prepared statements and row mapping for stock and its ledger. */
#include "core/store/store_stock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define MOVEMENT_COLS                                                                              \
  "mv.id, p.sku, si.slug AS site, mv.type, trim_scale(mv.quantity)::text AS quantity,"             \
  " mv.source, d.code AS device, mv.repair_id, mv.transfer_id, mv.note, mv.actor, mv.at"
#define MOVEMENT_JOINS                                                                             \
  " JOIN parts p ON p.id = mv.part_id JOIN sites si ON si.id = mv.site_id"                         \
  " LEFT JOIN devices d ON d.id = mv.device_id"
/* A part's threshold at a site: the site's own, else the part's. */
#define THRESHOLD(part, site)                                                                      \
  "coalesce((SELECT pt.low_stock FROM part_thresholds pt WHERE pt.part_id = " part                 \
  " AND pt.site_id = " site "), (SELECT pp.low_stock FROM parts pp WHERE pp.id = " part "))"

const struct store_stmt store_stock_stmts[] = {
    {"stock_parts",
     "SELECT p.id, p.sku, p.unit, p.active, upper(p.sku) AS key FROM parts p"
     " WHERE upper(p.sku) = ANY (SELECT upper(x) FROM unnest($1::text[]) x)",
     STORE_RETRY_SAFE},
    {"stock_site", "SELECT id, active FROM sites WHERE slug = $1", STORE_RETRY_SAFE},
    {"stock_ensure",
     "INSERT INTO part_stock (part_id, site_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])"
     " ORDER BY 1, 2 ON CONFLICT DO NOTHING",
     0},
    {"stock_lock",
     "SELECT part_id, site_id, (quantity * 1000)::bigint AS milli FROM part_stock"
     " WHERE (part_id, site_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))"
     " ORDER BY part_id, site_id FOR UPDATE",
     0},
    {"stock_apply",
     "WITH m AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::numeric[], $4::text[],"
     " $5::text[], $6::bigint[], $7::bigint[], $8::boolean[]) WITH ORDINALITY"
     " AS m(part_id, site_id, delta, type, source, device_id, repair_id, transfer, n)),"
     " t AS (SELECT CASE WHEN bool_or(transfer) THEN nextval('part_transfers') END AS id FROM m),"
     " s AS (UPDATE part_stock ps SET quantity = ps.quantity + m.delta, updated_at = now()"
     " FROM m WHERE ps.part_id = m.part_id AND ps.site_id = m.site_id"
     " RETURNING ps.part_id, ps.site_id, ps.quantity, m.delta),"
     " mv AS (INSERT INTO part_movements (part_id, site_id, type, quantity, source, device_id,"
     " repair_id, transfer_id, note, actor, actor_key_id) SELECT m.part_id, m.site_id, m.type,"
     " m.delta, m.source, nullif(m.device_id, 0), nullif(m.repair_id, 0),"
     " CASE WHEN m.transfer THEN t.id END, $9, $10, $11::bigint FROM m, t ORDER BY m.n"
     " RETURNING *),"
     " al AS (INSERT INTO part_alerts (part_id, site_id, movement_id, quantity, low_stock)"
     " SELECT s.part_id, s.site_id, mv.id, s.quantity, th.low FROM s JOIN mv"
     " ON mv.part_id = s.part_id AND mv.site_id = s.site_id"
     " CROSS JOIN LATERAL (SELECT " THRESHOLD(
         "s.part_id", "s.site_id") " AS low) th"
                                   " WHERE s.delta < 0 AND s.quantity <= th.low AND s.quantity - "
                                   "s.delta > th.low"
                                   " RETURNING movement_id)"
                                   " SELECT " MOVEMENT_COLS
                                   ", trim_scale(s.quantity)::text AS stock,"
                                   " mv.id IN (SELECT movement_id FROM al) AS low_stock_alert"
                                   " FROM mv" MOVEMENT_JOINS
                                   " JOIN s ON s.part_id = mv.part_id AND s.site_id = mv.site_id"
                                   " ORDER BY mv.id",
     0},
    {"stock_get",
     "SELECT p.sku, s.slug AS site, trim_scale(coalesce(ps.quantity, 0))::text AS quantity,"
     " trim_scale(" THRESHOLD(
         "p.id", "s.id") ")::text AS low_stock, ps.updated_at"
                         " FROM parts p JOIN sites s ON s.slug = $2"
                         " LEFT JOIN part_stock ps ON ps.part_id = p.id AND ps.site_id = s.id"
                         " WHERE upper(p.sku) = upper($1)",
     STORE_RETRY_SAFE},
    {"stock_list",
     "SELECT p.sku, s.slug AS site, trim_scale(coalesce(ps.quantity, 0))::text AS quantity,"
     " trim_scale(" THRESHOLD(
         "p.id",
         "s.id") ")::text AS low_stock, ps.updated_at"
                 " FROM parts p LEFT JOIN sites s ON s.id IN (SELECT site_id FROM part_stock"
                 " WHERE part_id = p.id UNION SELECT site_id FROM part_thresholds WHERE part_id = "
                 "p.id)"
                 " LEFT JOIN part_stock ps ON ps.part_id = p.id AND ps.site_id = s.id"
                 " WHERE upper(p.sku) = upper($1) ORDER BY s.slug",
     STORE_RETRY_SAFE},
    {"stock_as_of",
     "SELECT p.sku, s.slug AS site, trim_scale(coalesce(sum(mv.quantity), 0))::text AS quantity"
     " FROM parts p LEFT JOIN sites s ON ($2::text IS NULL OR s.slug = $2)"
     " AND s.id IN (SELECT site_id FROM part_movements WHERE part_id = p.id)"
     " LEFT JOIN part_movements mv ON mv.part_id = p.id AND mv.site_id = s.id"
     " AND mv.at < $3::timestamptz"
     " WHERE upper(p.sku) = upper($1) GROUP BY p.sku, s.slug ORDER BY s.slug",
     STORE_RETRY_SAFE},
    {"stock_movements",
     "SELECT " MOVEMENT_COLS " FROM part_movements mv" MOVEMENT_JOINS
     " WHERE mv.part_id = (SELECT id FROM parts WHERE upper(sku) = upper($1))"
     " AND ($2::text IS NULL OR si.slug = $2) AND ($3::text IS NULL OR mv.type = $3)"
     " AND ($4::timestamptz IS NULL OR mv.at >= $4::timestamptz)"
     " AND ($5::timestamptz IS NULL OR mv.at < $5::timestamptz)"
     " AND ($6::bigint IS NULL OR mv.id < $6::bigint) ORDER BY mv.id DESC LIMIT $7::int",
     STORE_RETRY_SAFE},
    {"stock_movement",
     "SELECT " MOVEMENT_COLS " FROM part_movements mv" MOVEMENT_JOINS
     " WHERE mv.id = $2::bigint AND upper(p.sku) = upper($1)",
     STORE_RETRY_SAFE},
    {"stock_part_exists",
     "SELECT EXISTS (SELECT 1 FROM parts WHERE upper(sku) = upper($1))"
     " AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM sites WHERE slug = $2)) AS found",
     STORE_RETRY_SAFE},
    {"stock_low",
     "SELECT p.sku, p.name, p.unit, s.slug AS site,"
     " trim_scale(coalesce(ps.quantity, 0))::text AS quantity,"
     " trim_scale(" THRESHOLD(
         "p.id", "s.id") ")::text AS low_stock"
                         " FROM sites s JOIN parts p ON p.active"
                         " LEFT JOIN part_stock ps ON ps.part_id = p.id AND ps.site_id = s.id"
                         " WHERE s.slug = $1 AND upper(p.sku) > upper($2)"
                         " AND (ps.part_id IS NOT NULL OR EXISTS (SELECT 1 FROM part_thresholds pt"
                         " WHERE pt.part_id = p.id AND pt.site_id = s.id))"
                         " AND coalesce(ps.quantity, 0) <= " THRESHOLD(
                             "p.id", "s.id") " ORDER BY upper(p.sku) LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"stock_site_exists", "SELECT 1 FROM sites WHERE slug = $1", STORE_RETRY_SAFE},
    {"stock_check",
     "SELECT p.sku, s.slug AS site, trim_scale(coalesce(ps.quantity, 0))::text AS stock,"
     " trim_scale(coalesce(l.total, 0))::text AS ledger, (SELECT count(*) FROM part_stock)"
     " AS checked FROM part_stock ps FULL JOIN (SELECT part_id, site_id, sum(quantity) AS total"
     " FROM part_movements GROUP BY part_id, site_id) l"
     " ON l.part_id = ps.part_id AND l.site_id = ps.site_id"
     " JOIN parts p ON p.id = coalesce(ps.part_id, l.part_id)"
     " JOIN sites s ON s.id = coalesce(ps.site_id, l.site_id)"
     " WHERE coalesce(ps.quantity, 0) <> coalesce(l.total, 0)"
     " UNION ALL SELECT NULL, NULL, NULL, NULL, count(*) FROM part_stock ORDER BY 1 NULLS LAST",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

/* "{1,2,3}" from ids (0 as NULL when zero_null). Caller frees. */
static char *id_array(const int64_t *v, size_t n, int zero_null)
{
  size_t cap = n * 22 + 3;
  char *s = malloc(cap);
  if (s == NULL)
    return NULL;
  size_t len = (size_t)snprintf(s, cap, "{");
  for (size_t i = 0; i < n; i++) {
    if (zero_null && v[i] == 0)
      len += (size_t)snprintf(s + len, cap - len, "%sNULL", i ? "," : "");
    else
      len += (size_t)snprintf(s + len, cap - len, "%s%" PRId64, i ? "," : "", v[i]);
  }
  snprintf(s + len, cap - len, "}");
  return s;
}

/* Thousandths as a decimal literal: -1500 → "-1.500". */
static void milli_text(char *out, size_t cap, int64_t m)
{
  uint64_t a = m < 0 ? (uint64_t)(-(m + 1)) + 1 : (uint64_t)m;
  snprintf(out, cap, "%s%" PRIu64 ".%03" PRIu64, m < 0 ? "-" : "", a / 1000, a % 1000);
}

int store_stock_parts(struct stock_part *out, const char *const *skus, size_t n)
{
  memset(out, 0, n * sizeof *out);
  /* Each element quoted ("NULL" is a sku, not SQL NULL) and escaped: a sku
   * from a path may hold anything. */
  size_t cap = 3;
  for (size_t i = 0; i < n; i++)
    cap += 2 * strlen(skus[i]) + 3;
  char *arr = malloc(cap);
  if (arr == NULL)
    return RL_ENOMEM;
  size_t len = 0;
  arr[len++] = '{';
  for (size_t i = 0; i < n; i++) {
    if (i)
      arr[len++] = ',';
    arr[len++] = '"';
    for (const char *c = skus[i]; *c; c++) {
      if (*c == '"' || *c == '\\')
        arr[len++] = '\\';
      arr[len++] = *c;
    }
    arr[len++] = '"';
  }
  arr[len++] = '}';
  arr[len] = '\0';
  const char *p[] = {arr};
  PGresult *r;
  int rc = store_exec(&r, "stock_parts", 1, p);
  free(arr);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"id", "sku", "unit", "active", "key"};
  int c[5];
  store_cols(r, names, c, 5);
  for (int row = 0; row < PQntuples(r); row++) {
    const char *key = PQgetvalue(r, row, c[4]);
    for (size_t i = 0; i < n; i++) {
      if (strcasecmp(skus[i], key) != 0)
        continue;
      out[i].id = strtoll(PQgetvalue(r, row, c[0]), NULL, 10);
      snprintf(out[i].sku, sizeof out[i].sku, "%s", PQgetvalue(r, row, c[1]));
      snprintf(out[i].unit, sizeof out[i].unit, "%s", PQgetvalue(r, row, c[2]));
      out[i].active = PQgetvalue(r, row, c[3])[0] == 't';
    }
  }
  PQclear(r);
  return RL_OK;
}

int store_stock_site(int64_t *id, int *active, const char *slug)
{
  const char *p[] = {slug};
  PGresult *r;
  int rc = store_exec(&r, "stock_site", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  static const char *const names[] = {"id", "active"};
  int c[2];
  store_cols(r, names, c, 2);
  *id = strtoll(PQgetvalue(r, 0, c[0]), NULL, 10);
  *active = PQgetvalue(r, 0, c[1])[0] == 't';
  PQclear(r);
  return RL_OK;
}

/* Sends stmt with the pairs as two arrays; deferred when out is NULL. */
static int pairs_exec(PGresult **out, const char *stmt, const int64_t *parts, const int64_t *sites,
                      size_t n)
{
  char *a = id_array(parts, n, 0), *b = id_array(sites, n, 0);
  int rc = RL_ENOMEM;
  if (a && b) {
    const char *p[] = {a, b};
    rc = out ? store_exec(out, stmt, 2, p) : store_exec_deferred(stmt, 2, p);
  }
  free(a);
  free(b);
  return rc;
}

int store_stock_ensure(const int64_t *parts, const int64_t *sites, size_t n)
{
  return pairs_exec(NULL, "stock_ensure", parts, sites, n);
}

int store_stock_lock(int64_t *milli, const int64_t *parts, const int64_t *sites, size_t n)
{
  int rc = store_stock_ensure(parts, sites, n);
  PGresult *r;
  if (rc != RL_OK || (rc = pairs_exec(&r, "stock_lock", parts, sites, n)) != RL_OK)
    return rc;
  static const char *const names[] = {"part_id", "site_id", "milli"};
  int c[3];
  store_cols(r, names, c, 3);
  for (size_t i = 0; i < n; i++)
    milli[i] = 0;
  for (int row = 0; row < PQntuples(r); row++) {
    int64_t part = strtoll(PQgetvalue(r, row, c[0]), NULL, 10);
    int64_t site = strtoll(PQgetvalue(r, row, c[1]), NULL, 10);
    for (size_t i = 0; i < n; i++)
      if (parts[i] == part && sites[i] == site)
        milli[i] = strtoll(PQgetvalue(r, row, c[2]), NULL, 10);
  }
  PQclear(r);
  return RL_OK;
}

enum {
  M_ID,
  M_SKU,
  M_SITE,
  M_TYPE,
  M_QTY,
  M_SOURCE,
  M_DEVICE,
  M_REPAIR,
  M_TRANSFER,
  M_NOTE,
  M_ACTOR,
  M_AT,
  M_STOCK,
  M_ALERT,
  M_COUNT
};
static const char *const movement_names[M_COUNT] = {
    "id",        "sku",         "site", "type",  "quantity", "source", "device",
    "repair_id", "transfer_id", "note", "actor", "at",       "stock",  "low_stock_alert"};

static json_t *movement_json(const PGresult *r, int row, const int *c)
{
  json_t *m = json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[M_ID]),
      "sku", store_json_str(r, row, c[M_SKU]), "site", store_json_str(r, row, c[M_SITE]), "type",
      store_json_str(r, row, c[M_TYPE]), "quantity", store_json_decimal(r, row, c[M_QTY]), "source",
      store_json_str(r, row, c[M_SOURCE]), "device", store_json_str(r, row, c[M_DEVICE]),
      "repair_id", store_json_int(r, row, c[M_REPAIR]), "transfer_id",
      store_json_int(r, row, c[M_TRANSFER]), "note", store_json_str(r, row, c[M_NOTE]), "actor",
      store_json_str(r, row, c[M_ACTOR]), "at", store_json_time(r, row, c[M_AT]));
  if (m && c[M_STOCK] >= 0) {
    json_object_set_new(m, "stock_after", store_json_decimal(r, row, c[M_STOCK]));
    json_object_set_new(m, "low_stock_alert", store_json_bool(r, row, c[M_ALERT]));
  }
  return m;
}

static json_t *movements_json(const PGresult *r, int limit, int64_t *last)
{
  int c[M_COUNT];
  store_cols(r, movement_names, c, M_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < PQntuples(r) && (limit < 0 || i < limit); i++) {
    if (last)
      *last = strtoll(PQgetvalue(r, i, c[M_ID]), NULL, 10);
    json_array_append_new(arr, movement_json(r, i, c));
  }
  return arr;
}

int store_stock_apply(json_t **out, const struct stock_move *m, size_t n, const char *note,
                      const struct store_actor *actor)
{
  int64_t *parts = calloc(n, sizeof *parts), *sites = calloc(n, sizeof *sites),
          *devices = calloc(n, sizeof *devices), *repairs = calloc(n, sizeof *repairs);
  size_t cap = n * 32 + 3;
  char *deltas = malloc(cap), *types = malloc(cap), *sources = malloc(cap),
       *transfers = malloc(cap);
  char *pa = NULL, *sa = NULL, *da = NULL, *ra = NULL;
  int rc = RL_ENOMEM;
  if (!parts || !sites || !devices || !repairs || !deltas || !types || !sources || !transfers)
    goto out;
  size_t ld = (size_t)snprintf(deltas, cap, "{"), lt = (size_t)snprintf(types, cap, "{"),
         ls = (size_t)snprintf(sources, cap, "{"), lx = (size_t)snprintf(transfers, cap, "{");
  for (size_t i = 0; i < n; i++) {
    char q[32];
    parts[i] = m[i].part_id;
    sites[i] = m[i].site_id;
    devices[i] = m[i].device_id;
    repairs[i] = m[i].repair_id;
    milli_text(q, sizeof q, m[i].delta);
    const char *sep = i ? "," : "";
    ld += (size_t)snprintf(deltas + ld, cap - ld, "%s%s", sep, q);
    lt += (size_t)snprintf(types + lt, cap - lt, "%s%s", sep, m[i].type);
    ls += (size_t)snprintf(sources + ls, cap - ls, "%s%s", sep, m[i].source ? m[i].source : "NULL");
    lx += (size_t)snprintf(transfers + lx, cap - lx, "%s%s", sep, m[i].transfer ? "t" : "f");
  }
  snprintf(deltas + ld, cap - ld, "}");
  snprintf(types + lt, cap - lt, "}");
  snprintf(sources + ls, cap - ls, "}");
  snprintf(transfers + lx, cap - lx, "}");
  pa = id_array(parts, n, 0);
  sa = id_array(sites, n, 0);
  da = id_array(devices, n, 0);
  ra = id_array(repairs, n, 0);
  if (!pa || !sa || !da || !ra)
    goto out;
  char kid[24];
  snprintf(kid, sizeof kid, "%" PRId64, actor->key_id);
  const char *p[] = {pa, sa, deltas, types, sources, da, ra, transfers, note, actor->name, kid};
  PGresult *r;
  rc = store_exec(&r, "stock_apply", 11, p);
  if (rc == RL_OK) {
    *out = movements_json(r, -1, NULL);
    PQclear(r);
  }
out:
  free(parts);
  free(sites);
  free(devices);
  free(repairs);
  free(deltas);
  free(types);
  free(sources);
  free(transfers);
  free(pa);
  free(sa);
  free(da);
  free(ra);
  return rc;
}

enum { S_SKU, S_SITE, S_QTY, S_LOW, S_UPDATED, S_COUNT };
static const char *const stock_names[S_COUNT] = {"sku", "site", "quantity", "low_stock",
                                                 "updated_at"};

static json_t *stock_json(const PGresult *r, int row, const int *c)
{
  json_t *s = json_pack("{s:o s:o}", "site", store_json_str(r, row, c[S_SITE]), "quantity",
                        store_json_decimal(r, row, c[S_QTY]));
  if (s && c[S_LOW] >= 0) {
    double q = strtod(PQgetvalue(r, row, c[S_QTY]), NULL);
    double low = strtod(PQgetvalue(r, row, c[S_LOW]), NULL);
    json_object_set_new(s, "low_stock", store_json_decimal(r, row, c[S_LOW]));
    json_object_set_new(s, "low", json_boolean(q <= low));
    json_object_set_new(s, "updated_at", store_json_time(r, row, c[S_UPDATED]));
  }
  return s;
}

int store_stock_get(json_t **out, const char *sku, const char *site)
{
  const char *p[] = {sku, site};
  PGresult *r;
  int rc = store_exec(&r, "stock_get", 2, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[S_COUNT];
  store_cols(r, stock_names, c, S_COUNT);
  *out = stock_json(r, 0, c);
  json_object_set_new(*out, "sku", store_json_str(r, 0, c[S_SKU]));
  PQclear(r);
  return RL_OK;
}

/* Sites of a part's stock: rows with a NULL site when it has none. */
static int sites_of(json_t **out, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[S_COUNT];
  store_cols(r, stock_names, c, S_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    if (store_value(r, i, c[S_SITE]) != NULL)
      json_array_append_new(arr, stock_json(r, i, c));
  *out = json_pack("{s:o s:o}", "sku", store_json_str(r, 0, c[S_SKU]), "sites", arr);
  PQclear(r);
  return RL_OK;
}

int store_stock_list(json_t **out, const char *sku)
{
  const char *p[] = {sku};
  PGresult *r;
  int rc = store_exec(&r, "stock_list", 1, p);
  return rc == RL_OK ? sites_of(out, r) : rc;
}

int store_stock_as_of(json_t **out, const char *sku, const char *site, const char *before)
{
  const char *p[] = {sku, site, before};
  PGresult *r;
  int rc = store_exec(&r, "stock_as_of", 3, p);
  return rc == RL_OK ? sites_of(out, r) : rc;
}

/* RL_ENOTFOUND unless the part (and the site, when given) exist. */
static int part_and_site_exist(const char *sku, const char *site)
{
  const char *p[] = {sku, site};
  PGresult *r;
  int rc = store_exec(&r, "stock_part_exists", 2, p);
  if (rc != RL_OK)
    return rc;
  int ok = PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return ok ? RL_OK : RL_ENOTFOUND;
}

int store_stock_movements(json_t **out, int64_t *next_before, const struct stock_filter *f,
                          int64_t before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%" PRId64, before);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {f->sku, f->site, f->type, f->from, f->to, before > 0 ? b : NULL, l};
  PGresult *r;
  int rc = store_exec(&r, "stock_movements", 7, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    rc = part_and_site_exist(f->sku, f->site);
    if (rc == RL_OK) {
      *out = json_array();
      *next_before = 0;
    }
    return rc;
  }
  int64_t last = 0;
  int n = PQntuples(r);
  *out = movements_json(r, limit, &last);
  *next_before = n > limit ? last : 0;
  PQclear(r);
  return RL_OK;
}

int store_stock_movement(json_t **out, const char *sku, int64_t id)
{
  char i[24];
  snprintf(i, sizeof i, "%" PRId64, id);
  const char *p[] = {sku, i};
  PGresult *r;
  int rc = store_exec(&r, "stock_movement", 2, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  json_t *arr = movements_json(r, 1, NULL);
  *out = json_incref(json_array_get(arr, 0));
  json_decref(arr);
  PQclear(r);
  return RL_OK;
}

int store_stock_low(json_t **out, int *more, const char *site, const char *after, int limit)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {site, after, l};
  PGresult *r;
  int rc = store_exec(&r, "stock_low", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    const char *q[] = {site};
    if ((rc = store_exec(&r, "stock_site_exists", 1, q)) != RL_OK)
      return rc;
    rc = PQntuples(r) ? RL_OK : RL_ENOTFOUND;
    PQclear(r);
    if (rc == RL_OK) {
      *out = json_array();
      *more = 0;
    }
    return rc;
  }
  static const char *const names[] = {"sku", "name", "unit", "quantity", "low_stock"};
  int c[5];
  store_cols(r, names, c, 5);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, json_pack("{s:o s:o s:o s:o s:o}", "sku", store_json_str(r, i, c[0]),
                                         "name", store_json_str(r, i, c[1]), "unit",
                                         store_json_str(r, i, c[2]), "quantity",
                                         store_json_decimal(r, i, c[3]), "low_stock",
                                         store_json_decimal(r, i, c[4])));
  *more = n > limit;
  *out = arr;
  PQclear(r);
  return RL_OK;
}

int store_stock_check(json_t **out, long *rows_checked)
{
  PGresult *r;
  int rc = store_exec(&r, "stock_check", 0, NULL);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"sku", "site", "stock", "ledger", "checked"};
  int c[5];
  store_cols(r, names, c, 5);
  json_t *arr = json_array();
  *rows_checked = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    if (store_value(r, i, c[0]) == NULL) { /* the count row */
      *rows_checked = strtol(PQgetvalue(r, i, c[4]), NULL, 10);
      continue;
    }
    json_array_append_new(arr, json_pack("{s:o s:o s:o s:o}", "sku", store_json_str(r, i, c[0]),
                                         "site", store_json_str(r, i, c[1]), "stock",
                                         store_json_decimal(r, i, c[2]), "ledger",
                                         store_json_decimal(r, i, c[3])));
  }
  *out = arr;
  PQclear(r);
  return RL_OK;
}
