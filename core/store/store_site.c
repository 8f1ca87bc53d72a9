/* Prepared statements and row mapping for sites. */
#include "core/store/store_site.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define SITE_COLS                                                                                  \
  "slug, name, address, opening_hours, loan_conditions_fr, loan_conditions_en, active,"            \
  " created_at, updated_at, version"

const struct store_stmt store_site_stmts[] = {
    {"site_insert",
     "INSERT INTO sites (slug, name, address, opening_hours, loan_conditions_fr,"
     " loan_conditions_en, active) VALUES ($1, $2, $3, $4, $5, $6, $7::boolean) "
     "RETURNING " SITE_COLS,
     0},
    {"site_get", "SELECT " SITE_COLS " FROM sites WHERE slug = $1", STORE_RETRY_SAFE},
    {"site_get_lock", "SELECT " SITE_COLS " FROM sites WHERE slug = $1 FOR UPDATE", 0},
    {"site_list",
     "SELECT " SITE_COLS " FROM sites WHERE slug > $1"
     " AND ($2::boolean IS NULL OR active = $2::boolean) ORDER BY slug LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"site_update",
     "UPDATE sites SET name = $2, address = $3, opening_hours = $4, loan_conditions_fr = $5,"
     " loan_conditions_en = $6, active = $7::boolean, version = version + 1, updated_at = now()"
     " WHERE slug = $1 RETURNING " SITE_COLS,
     0},
    {NULL, NULL, 0},
};

const struct store_violation store_site_violations[] = {
    {"sites_slug_key", RL_EDUPLICATE, "slug", "duplicate_slug", "is taken by another site"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_SLUG,
  C_NAME,
  C_ADDRESS,
  C_HOURS,
  C_COND_FR,
  C_COND_EN,
  C_ACTIVE,
  C_CREATED,
  C_UPDATED,
  C_VERSION,
  C_COUNT
};
static const char *const col_names[C_COUNT] = {"slug",
                                               "name",
                                               "address",
                                               "opening_hours",
                                               "loan_conditions_fr",
                                               "loan_conditions_en",
                                               "active",
                                               "created_at",
                                               "updated_at",
                                               "version"};

static json_t *site_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "slug", store_json_str(r, row, c[C_SLUG]), "name",
      store_json_str(r, row, c[C_NAME]), "address", store_json_str(r, row, c[C_ADDRESS]),
      "opening_hours", store_json_str(r, row, c[C_HOURS]), "loan_conditions_fr",
      store_json_str(r, row, c[C_COND_FR]), "loan_conditions_en",
      store_json_str(r, row, c[C_COND_EN]), "active", store_json_bool(r, row, c[C_ACTIVE]),
      "created_at", store_json_time(r, row, c[C_CREATED]), "updated_at",
      store_json_time(r, row, c[C_UPDATED]));
}

static int one(json_t **out, int *version, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  *out = site_json(r, 0, c);
  if (version)
    *version = (int)strtol(PQgetvalue(r, 0, c[C_VERSION]), NULL, 10);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_site_insert(json_t **out, int *version, const char *slug, const char *name,
                      const char *address, const char *opening_hours, const char *conditions_fr,
                      const char *conditions_en, int active)
{
  const char *p[] = {
      slug, name, address, opening_hours, conditions_fr, conditions_en, active ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "site_insert", 7, p);
  return rc == RL_OK ? one(out, version, r) : rc;
}

int store_site_get(json_t **out, int *version, const char *slug, int lock)
{
  const char *p[] = {slug};
  PGresult *r;
  int rc = store_exec(&r, lock ? "site_get_lock" : "site_get", 1, p);
  return rc == RL_OK ? one(out, version, r) : rc;
}

int store_site_list(json_t **out, int *more, const char *after, int active, int limit)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {after, active < 0 ? NULL : active ? "true" : "false", l};
  PGresult *r;
  int rc = store_exec(&r, "site_list", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, site_json(r, i, c));
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_site_update(json_t **out, int *new_version, const char *slug, const char *name,
                      const char *address, const char *opening_hours, const char *conditions_fr,
                      const char *conditions_en, int active)
{
  const char *p[] = {
      slug, name, address, opening_hours, conditions_fr, conditions_en, active ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "site_update", 7, p);
  return rc == RL_OK ? one(out, new_version, r) : rc;
}
