/* Prepared statements and row mapping for erasures and retention runs
 * (core/store/store_privacy.h). */
#include "core/store/store_privacy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define ERASURE_COLS                                                                               \
  "id, at, api_key_id, api_key_name, reason, found_by, array_to_json(devices)::text AS devices,"   \
  " array_to_json(members)::text AS members, counts::text AS counts"
#define RUN_COLS                                                                                   \
  "id, day::text AS day, trigger, api_key_id, api_key_name, started_at, finished_at,"              \
  " counts::text AS counts"

const struct store_stmt store_privacy_stmts[] = {
    {"privacy_resolve",
     "SELECT coalesce(array_agg(DISTINCT device_id) FILTER (WHERE device_id IS NOT NULL),"
     " '{}')::text AS devices,"
     " coalesce(array_agg(DISTINCT member_id) FILTER (WHERE member_id IS NOT NULL),"
     " '{}')::text AS members FROM person_records($1, $2, $3, $4, $5)",
     STORE_RETRY_SAFE},
    /* The codes and numbers recorded are read after the erase: it changes
     * neither. */
    {"privacy_erase",
     "WITH c AS (SELECT erase_records($1::bigint[], $2::bigint[], false) AS counts)"
     " INSERT INTO erasures (api_key_id, api_key_name, reason, found_by, devices, members, counts)"
     " SELECT $3::bigint, $4, $5, $6,"
     " ARRAY(SELECT code FROM devices WHERE id = ANY ($1::bigint[]) ORDER BY code),"
     " ARRAY(SELECT number FROM members WHERE id = ANY ($2::bigint[]) ORDER BY number), c.counts"
     " FROM c RETURNING " ERASURE_COLS,
     0},
    {"privacy_erasure_list",
     "SELECT " ERASURE_COLS " FROM erasures WHERE id < $1::bigint"
     " AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)"
     " ORDER BY id DESC LIMIT $4::int",
     STORE_RETRY_SAFE},
    {"privacy_erasure_get", "SELECT " ERASURE_COLS " FROM erasures WHERE id = $1::bigint",
     STORE_RETRY_SAFE},
    {"retention_preview",
     "SELECT retention_purge($1::int, $2::int, $3::int, $4::int, true)::text AS counts",
     STORE_RETRY_SAFE},
    {"retention_run",
     "SELECT " RUN_COLS " FROM retention_run($1, $2::bigint, $3, $4::int, $5::int, $6::int,"
     " $7::int)",
     0},
    {"retention_list",
     "SELECT " RUN_COLS " FROM retention_runs WHERE id < $1::bigint ORDER BY id DESC"
     " LIMIT $2::int",
     STORE_RETRY_SAFE},
    {"retention_last", "SELECT " RUN_COLS " FROM retention_runs ORDER BY id DESC LIMIT 1",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

static json_t *json_text(const PGresult *r, int row, int col)
{
  const char *v = store_value(r, row, col);
  json_t *j = v ? json_loads(v, 0, NULL) : NULL;
  return j ? j : json_null();
}

/* {"key_id", "name"}, or null when no key (a daily run). */
static json_t *by_json(const PGresult *r, int row, int id_col, int name_col)
{
  if (store_value(r, row, name_col) == NULL)
    return json_null();
  return json_pack("{s:o s:o}", "key_id", store_json_int(r, row, id_col), "name",
                   store_json_str(r, row, name_col));
}

enum { X_ID, X_AT, X_KEY, X_NAME, X_REASON, X_FOUND, X_DEVICES, X_MEMBERS, X_COUNTS, X_COUNT };
static const char *const erasure_cols[X_COUNT] = {
    "id", "at", "api_key_id", "api_key_name", "reason", "found_by", "devices", "members", "counts"};

static json_t *erasure_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:{s:o s:o} s:o}", "id", store_json_int(r, row, c[X_ID]), "at",
      store_json_time(r, row, c[X_AT]), "by", by_json(r, row, c[X_KEY], c[X_NAME]), "reason",
      store_json_str(r, row, c[X_REASON]), "found_by", store_json_str(r, row, c[X_FOUND]),
      "records", "devices", json_text(r, row, c[X_DEVICES]), "members",
      json_text(r, row, c[X_MEMBERS]), "counts", json_text(r, row, c[X_COUNTS]));
}

enum { R_ID, R_DAY, R_TRIGGER, R_KEY, R_NAME, R_STARTED, R_FINISHED, R_COUNTS, R_COUNT };
static const char *const run_cols[R_COUNT] = {
    "id", "day", "trigger", "api_key_id", "api_key_name", "started_at", "finished_at", "counts"};

static json_t *run_json(const PGresult *r, int row, const int *c)
{
  return json_pack("{s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[R_ID]), "day",
                   store_json_str(r, row, c[R_DAY]), "trigger",
                   store_json_str(r, row, c[R_TRIGGER]), "by", by_json(r, row, c[R_KEY], c[R_NAME]),
                   "started_at", store_json_time(r, row, c[R_STARTED]), "finished_at",
                   store_json_time(r, row, c[R_FINISHED]), "counts",
                   json_text(r, row, c[R_COUNTS]));
}

int store_privacy_resolve(char **devices, char **members, const struct store_person *p)
{
  *devices = *members = NULL;
  const char *params[] = {p->device, p->member, p->email, p->phone, p->country};
  PGresult *r;
  int rc = store_exec(&r, "privacy_resolve", 5, params);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"devices", "members"};
  int c[2];
  store_cols(r, names, c, 2);
  const char *d = store_value(r, 0, c[0]), *m = store_value(r, 0, c[1]);
  if (PQntuples(r) == 1 && d && m) {
    *devices = strdup(d);
    *members = strdup(m);
  }
  PQclear(r);
  if (*devices == NULL || *members == NULL) {
    free(*devices);
    free(*members);
    *devices = *members = NULL;
    return RL_ENOMEM;
  }
  return RL_OK;
}

int store_privacy_erase(json_t **out, const char *devices, const char *members,
                        const struct store_erasure_meta *m)
{
  char key[24];
  snprintf(key, sizeof key, "%lld", m->key_id);
  const char *p[] = {devices,     members,   m->key_id > 0 ? key : NULL,
                     m->key_name, m->reason, m->found_by};
  PGresult *r;
  int rc = store_exec(&r, "privacy_erase", 6, p);
  if (rc != RL_OK)
    return rc;
  int c[X_COUNT];
  store_cols(r, erasure_cols, c, X_COUNT);
  int one = PQntuples(r) == 1;
  *out = one ? erasure_json(r, 0, c) : NULL;
  PQclear(r);
  /* Committed by now (store_tx_commit_next): a reply that could not be
   * built is a failure of memory, which the runner never retries. */
  return *out ? RL_OK : one ? RL_ENOMEM : RL_EDB;
}

/* Rows of a list into a JSON array, the last id and whether there are more. */
static int list_rows(json_t **out, int *more, long long *last_id, PGresult *r, int limit,
                     const char *const *cols, int ncols, int id_col,
                     json_t *(*row_json)(const PGresult *, int, const int *))
{
  int n = PQntuples(r);
  *more = n > limit;
  *last_id = 0;
  int c[16];
  store_cols(r, cols, c, ncols);
  json_t *arr = json_array();
  for (int i = 0; arr && i < n && i < limit; i++) {
    json_array_append_new(arr, row_json(r, i, c));
    *last_id = strtoll(PQgetvalue(r, i, c[id_col]), NULL, 10);
  }
  PQclear(r);
  *out = arr;
  return arr ? RL_OK : RL_ENOMEM;
}

int store_privacy_erasure_list(json_t **out, int *more, long long *last_id, const char *since,
                               const char *until, long long before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", before > 0 ? before : (long long)INT64_MAX);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {b, since, until, l};
  PGresult *r;
  int rc = store_exec(&r, "privacy_erasure_list", 4, p);
  if (rc != RL_OK)
    return rc;
  return list_rows(out, more, last_id, r, limit, erasure_cols, X_COUNT, X_ID, erasure_json);
}

/* The one row of r as JSON (RL_ENOTFOUND when none, or when its id is
 * NULL: a function's empty composite). */
static int one_row(json_t **out, PGresult *r, const char *const *cols, int ncols, int id_col,
                   json_t *(*row_json)(const PGresult *, int, const int *))
{
  int c[16];
  store_cols(r, cols, c, ncols);
  *out = NULL;
  if (PQntuples(r) == 1 && store_value(r, 0, c[id_col]) != NULL)
    *out = row_json(r, 0, c);
  int found = PQntuples(r) == 1 && store_value(r, 0, c[id_col]) != NULL;
  PQclear(r);
  if (!found)
    return RL_ENOTFOUND;
  return *out ? RL_OK : RL_ENOMEM;
}

int store_privacy_erasure_get(json_t **out, long long id)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, "privacy_erasure_get", 1, p);
  if (rc != RL_OK)
    return rc;
  return one_row(out, r, erasure_cols, X_COUNT, X_ID, erasure_json);
}

static void days_params(char (*buf)[16], const struct store_retention_days *d)
{
  snprintf(buf[0], 16, "%u", d->owner);
  snprintf(buf[1], 16, "%u", d->member);
  snprintf(buf[2], 16, "%u", d->delivery);
  snprintf(buf[3], 16, "%u", d->read_log);
}

int store_retention_preview(json_t **out, const struct store_retention_days *d)
{
  char days[4][16];
  days_params(days, d);
  const char *p[] = {days[0], days[1], days[2], days[3]};
  PGresult *r;
  int rc = store_exec(&r, "retention_preview", 4, p);
  if (rc != RL_OK)
    return rc;
  *out = PQntuples(r) == 1 ? json_text(r, 0, 0) : NULL;
  PQclear(r);
  if (*out == NULL || !json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    return RL_EDB;
  }
  return RL_OK;
}

int store_retention_run(json_t **out, const char *timezone, long long key_id, const char *key_name,
                        const struct store_retention_days *d)
{
  char days[4][16], key[24];
  days_params(days, d);
  snprintf(key, sizeof key, "%lld", key_id);
  const char *p[] = {
      timezone, key_name && key_id > 0 ? key : NULL, key_name, days[0], days[1], days[2], days[3]};
  PGresult *r;
  int rc = store_exec(&r, "retention_run", 7, p);
  if (rc != RL_OK)
    return rc;
  rc = one_row(out, r, run_cols, R_COUNT, R_ID, run_json);
  return rc == RL_ENOTFOUND ? RL_OK : rc;
}

int store_retention_list(json_t **out, int *more, long long *last_id, long long before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", before > 0 ? before : (long long)INT64_MAX);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {b, l};
  PGresult *r;
  int rc = store_exec(&r, "retention_list", 2, p);
  if (rc != RL_OK)
    return rc;
  return list_rows(out, more, last_id, r, limit, run_cols, R_COUNT, R_ID, run_json);
}

int store_retention_last(json_t **out)
{
  PGresult *r;
  int rc = store_exec(&r, "retention_last", 0, NULL);
  if (rc != RL_OK)
    return rc;
  rc = one_row(out, r, run_cols, R_COUNT, R_ID, run_json);
  if (rc == RL_ENOTFOUND) {
    *out = json_null();
    return RL_OK;
  }
  return rc;
}
