/* Prepared statements and row mapping for api_keys. */
#include "core/store/store_apikey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define KEY_COLS "id, name, role, prefix, created_at, last_used_at, revoked_at"

const struct store_stmt store_apikey_stmts[] = {
    {"apikey_insert",
     "INSERT INTO api_keys (name, role, prefix, key_hash)"
     " VALUES ($1, $2, $3, $4) RETURNING " KEY_COLS,
     0},
    {"apikey_auth",
     "UPDATE api_keys SET last_used_at = now()"
     " WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, role, name",
     STORE_RETRY_SAFE},
    {"apikey_list",
     "SELECT " KEY_COLS " FROM api_keys WHERE id > $1::bigint"
     " ORDER BY id LIMIT $2::int",
     STORE_RETRY_SAFE},
    {"apikey_get", "SELECT " KEY_COLS " FROM api_keys WHERE id = $1::bigint", STORE_RETRY_SAFE},
    /* The last live admin key cannot be revoked: the service would have no
     * admin left. The live admin rows are locked while counted, so two
     * revocations at once cannot both see "two left". */
    {"apikey_revoke",
     "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())"
     " WHERE id = $1::bigint AND (role <> 'admin' OR revoked_at IS NOT NULL"
     " OR (SELECT count(*) FROM (SELECT 1 FROM api_keys WHERE role = 'admin'"
     " AND revoked_at IS NULL FOR UPDATE) live) > 1) RETURNING " KEY_COLS,
     0},
    {NULL, NULL, 0},
};

static json_t *key_json(const PGresult *r, int row)
{
  static const char *const names[] = {"id",         "name",         "role",      "prefix",
                                      "created_at", "last_used_at", "revoked_at"};
  int c[7];
  store_cols(r, names, c, 7);
  return json_pack("{s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[0]), "name",
                   store_json_str(r, row, c[1]), "role", store_json_str(r, row, c[2]), "prefix",
                   store_json_str(r, row, c[3]), "created_at", store_json_time(r, row, c[4]),
                   "last_used_at", store_json_time(r, row, c[5]), "revoked_at",
                   store_json_time(r, row, c[6]));
}

int store_apikey_insert(json_t **out, const char *name, enum rl_role role, const char *prefix,
                        const char *hash)
{
  const char *p[] = {name, rl_role_name(role), prefix, hash};
  PGresult *r;
  int rc = store_exec(&r, "apikey_insert", 4, p);
  if (rc != RL_OK)
    return rc;
  *out = key_json(r, 0);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_apikey_authenticate(int64_t *id, enum rl_role *role, char *name, size_t cap,
                              const char *hash)
{
  const char *p[] = {hash};
  PGresult *r;
  int rc = store_exec(&r, "apikey_auth", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_EUNAUTHORIZED;
  }
  static const char *const names[] = {"id", "role", "name"};
  int c[3];
  store_cols(r, names, c, 3);
  *id = strtoll(PQgetvalue(r, 0, c[0]), NULL, 10);
  *role = rl_role_parse(PQgetvalue(r, 0, c[1]));
  snprintf(name, cap, "%s", PQgetvalue(r, 0, c[2]));
  PQclear(r);
  return RL_OK;
}

int store_apikey_list(json_t **out, int *more, int64_t after, int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {a, l};
  PGresult *r;
  int rc = store_exec(&r, "apikey_list", 2, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, key_json(r, i));
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_apikey_get(json_t **out, int64_t id)
{
  char a[24];
  snprintf(a, sizeof a, "%lld", (long long)id);
  const char *p[] = {a};
  PGresult *r;
  int rc = store_exec(&r, "apikey_get", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  *out = key_json(r, 0);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_apikey_revoke(json_t **out, int64_t id)
{
  char a[24];
  snprintf(a, sizeof a, "%lld", (long long)id);
  const char *p[] = {a};
  PGresult *r;
  int rc = store_exec(&r, "apikey_revoke", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    json_t *key = NULL;
    rc = store_apikey_get(&key, id);
    json_decref(key);
    return rc == RL_OK ? RL_ECONFLICT : rc;
  }
  *out = key_json(r, 0);
  PQclear(r);
  return RL_OK;
}
