/* Reads of the open-data figures. The rollup holds sums that do not
 * depend on the factors; CO2e is computed here, at read time, from the
 * factor set asked for. */
#include "core/store/store_impact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define SET_COLS                                                                                   \
  "version, trim_scale(displacement)::text AS displacement,"                                       \
  " trim_scale(misc_powered)::text AS misc_powered,"                                               \
  " trim_scale(misc_unpowered)::text AS misc_unpowered, source, credit, created_at,"               \
  " created_by_key_id, id = (SELECT max(id) FROM impact_factor_sets) AS current"

const struct store_stmt store_impact_stmts[] = {
    {"impact_factor_sets", "SELECT " SET_COLS " FROM impact_factor_sets ORDER BY id",
     STORE_RETRY_SAFE},
    {"impact_factor_set_insert",
     "INSERT INTO impact_factor_sets (version, displacement, misc_powered, misc_unpowered,"
     " source, credit, created_by_key_id) VALUES ($1, $2::numeric, $3::numeric, $4::numeric,"
     " $5, $6, $7::bigint) ON CONFLICT (version) DO NOTHING RETURNING " SET_COLS,
     0},
    {"impact_rebuild", "SELECT what, key, kept, rebuilt FROM impact_rebuild($1)", 0},
    {"impact_version", "SELECT n FROM impact_version", STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

/* Figures of a slice: name, SQL (over the rollup rows g), integer or kg. */
static const struct {
  const char *name;
  const char *sql;
  int kg;
} figures[] = {
    {"devices_seen", "sum(r.seen)", 0},
    {"repairs_fixed", "sum(r.repairs_fixed)", 0},
    {"repairs_repairable", "sum(r.repairs_repairable)", 0},
    {"repairs_end_of_life", "sum(r.repairs_end_of_life)", 0},
    {"repairs_unknown", "sum(r.repairs_unknown)", 0},
    {"devices_saved", "sum(r.saved)", 0},
    {"waste_kg", "sum(r.waste_kg)", 1},
    {"co2e_kg",
     "f.displacement * (sum(r.footprint_kg) + sum(r.misc_powered_kg) * f.misc_powered"
     " + sum(r.misc_unpowered_kg) * f.misc_unpowered)",
     1},
    {"saved_without_weight", "sum(r.saved_without_weight)", 0},
    {"devices_recycled", "sum(r.recycled)", 0},
    {"recycled_kg", "sum(r.recycled_kg)", 1},
    {"devices_harvested", "sum(r.harvested)", 0},
    {"parts_recovered", "sum(r.parts_recovered)", 1},
    {"loans_started", "sum(r.loans_started)", 0},
};
#define N_FIGURES (sizeof figures / sizeof figures[0])

static const struct {
  unsigned bit;
  const char *name;
  const char *sql;
} keys[] = {
    {STORE_IMPACT_MONTH, "month", "to_char(r.month, 'YYYY-MM')"},
    {STORE_IMPACT_SITE, "site", "s.slug"},
    {STORE_IMPACT_CATEGORY, "category", "r.category"},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

/* Only the filters given, so that each shape of the query (group keys and
 * filters) is planned once and for what it is: a generic plan of
 * "$n IS NULL OR …" would read every site's rows. Sites are joined only
 * when a slug is shown or filtered on. */
static int slice_sql(char *sql, size_t cap, const struct store_impact_slice *s, const char **p)
{
  unsigned group = s->group;
  int np = 2;
  p[0] = s->from;
  p[1] = s->to;
  char fv[40] = "";
  if (s->factor_version) {
    p[np++] = s->factor_version;
    snprintf(fv, sizeof fv, " WHERE version = $%d", np);
  }
  size_t n = (size_t)snprintf(
      sql, cap,
      "WITH f AS (SELECT version, displacement, misc_powered, misc_unpowered, created_at"
      " FROM impact_factor_sets%s ORDER BY id DESC LIMIT 1)"
      " SELECT f.version AS factor_version, extract(epoch FROM greatest(f.created_at,"
      " max(max(r.updated_at)) OVER ()))::bigint AS last_modified, count(r.month) AS n",
      fv);
  for (size_t i = 0; i < N_KEYS; i++)
    if (group & keys[i].bit)
      n += (size_t)snprintf(sql + n, cap - n, ", %s AS %s", keys[i].sql, keys[i].name);
  for (size_t i = 0; i < N_FIGURES; i++)
    n += (size_t)snprintf(sql + n, cap - n,
                          figures[i].kg ? ", trim_scale(round(%s, 3))::text AS %s" : ", %s AS %s",
                          figures[i].sql, figures[i].name);
  int sites = (group & STORE_IMPACT_SITE) || s->site;
  n += (size_t)snprintf(
      sql + n, cap - n, " FROM f LEFT JOIN %s ON r.month BETWEEN $1::date AND $2::date",
      sites ? "(impact_rollup r JOIN sites s ON s.id = r.site_id)" : "impact_rollup r");
  if (s->site) {
    p[np++] = s->site;
    n += (size_t)snprintf(sql + n, cap - n, " AND s.slug = $%d", np);
  }
  if (s->category) {
    p[np++] = s->category;
    n += (size_t)snprintf(sql + n, cap - n, " AND r.category = $%d", np);
  }
  n += (size_t)snprintf(sql + n, cap - n,
                        " GROUP BY f.version, f.displacement, f.misc_powered, f.misc_unpowered,"
                        " f.created_at");
  for (size_t i = 0; i < N_KEYS; i++)
    if (group & keys[i].bit)
      n += (size_t)snprintf(sql + n, cap - n, ", %s", keys[i].sql);
  const char *sep = " ORDER BY ";
  for (size_t i = 0; i < N_KEYS; i++)
    if (group & keys[i].bit) {
      n += (size_t)snprintf(sql + n, cap - n, "%s%s", sep, keys[i].name);
      sep = ", ";
    }
  return np;
}

static json_t *slice_row(const PGresult *r, int row, unsigned group)
{
  json_t *o = json_object();
  int nonzero = 0;
  for (size_t i = 0; i < N_KEYS; i++)
    if (group & keys[i].bit)
      json_object_set_new(o, keys[i].name, store_json_str(r, row, PQfnumber(r, keys[i].name)));
  for (size_t i = 0; i < N_FIGURES; i++) {
    const char *v = store_value(r, row, PQfnumber(r, figures[i].name));
    double d = v ? strtod(v, NULL) : 0;
    nonzero |= d != 0;
    json_object_set_new(o, figures[i].name,
                        figures[i].kg ? json_real(d) : json_integer((json_int_t)d));
  }
  json_object_set_new(o, "factor_version", store_json_str(r, row, PQfnumber(r, "factor_version")));
  if (!nonzero && group != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

int store_impact_slice(json_t **out, const struct store_impact_slice *s)
{
  char sql[4096], name[32];
  const char *p[5];
  int np = slice_sql(sql, sizeof sql, s, p);
  snprintf(name, sizeof name, "impact_slice_%u_%d%d%d", s->group, s->site != NULL,
           s->category != NULL, s->factor_version != NULL);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  json_t *rows = json_array();
  for (int i = 0; i < n; i++) {
    /* A slice with no rollup row at all is the one row of the LEFT JOIN. */
    if (s->group != 0 && strcmp(PQgetvalue(r, i, PQfnumber(r, "n")), "0") == 0)
      continue;
    json_t *row = slice_row(r, i, s->group);
    if (row)
      json_array_append_new(rows, row);
  }
  *out = json_pack("{s:o s:I s:o}", "factor_version",
                   store_json_str(r, 0, PQfnumber(r, "factor_version")), "last_modified",
                   (json_int_t)strtoll(PQgetvalue(r, 0, PQfnumber(r, "last_modified")), NULL, 10),
                   "rows", rows);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_impact_version(long long *out)
{
  PGresult *r;
  int rc = store_exec(&r, "impact_version", 0, NULL);
  if (rc != RL_OK)
    return rc;
  *out = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
  PQclear(r);
  return RL_OK;
}

static json_t *set_json(const PGresult *r, int row, int with_key)
{
  json_t *o = json_pack("{s:o s:o s:o s:o s:o s:o s:s s:o s:o}", "version",
                        store_json_str(r, row, 0), "displacement", store_json_num(r, row, 1),
                        "misc_powered", store_json_num(r, row, 2), "misc_unpowered",
                        store_json_num(r, row, 3), "source", store_json_str(r, row, 4), "credit",
                        store_json_str(r, row, 5), "licence", "CC-BY-SA-4.0", "created_at",
                        store_json_time(r, row, 6), "current", store_json_bool(r, row, 8));
  if (o && with_key)
    json_object_set_new(o, "created_by_key_id", store_json_int(r, row, 7));
  return o;
}

int store_impact_factor_sets(json_t **out, int with_key)
{
  PGresult *r;
  int rc = store_exec(&r, "impact_factor_sets", 0, NULL);
  if (rc != RL_OK)
    return rc;
  json_t *a = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(a, set_json(r, i, with_key));
  PQclear(r);
  *out = a;
  return a ? RL_OK : RL_ENOMEM;
}

int store_impact_factor_set_insert(json_t **out, const char *version, const char *displacement,
                                   const char *misc_powered, const char *misc_unpowered,
                                   const char *source, const char *credit, int64_t key_id)
{
  char key[24];
  snprintf(key, sizeof key, "%lld", (long long)key_id);
  const char *p[] = {version, displacement, misc_powered,           misc_unpowered,
                     source,  credit,       key_id > 0 ? key : NULL};
  PGresult *r;
  int rc = store_exec(&r, "impact_factor_set_insert", 7, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_EDUPLICATE;
  }
  *out = set_json(r, 0, 1);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_impact_rebuild(json_t **out, const char *timezone)
{
  const char *p[] = {timezone};
  PGresult *r;
  int rc = store_exec(&r, "impact_rebuild", 1, p);
  if (rc != RL_OK)
    return rc;
  json_t *a = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(a, json_pack("{s:o s:o s:o s:o}", "what", store_json_str(r, i, 0), "key",
                                       store_json_str(r, i, 1), "kept", store_json_str(r, i, 2),
                                       "rebuilt", store_json_str(r, i, 3)));
  PQclear(r);
  *out = a;
  return a ? RL_OK : RL_ENOMEM;
}
