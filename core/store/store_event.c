/* Prepared statements and row mapping for reading events
 * (core/store/store_event.h). */
#include "core/store/store_event.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define EVENT_COLS "id, uid, type, subject, at, data::text AS data"

const struct store_stmt store_event_stmts[] = {
    {"ev_list",
     "SELECT " EVENT_COLS " FROM events WHERE id < $1::bigint"
     " AND ($2::text IS NULL OR type = $2) AND ($3::timestamptz IS NULL OR at >= $3)"
     " AND ($4::timestamptz IS NULL OR at < $4) ORDER BY id DESC LIMIT $5::int",
     STORE_RETRY_SAFE},
    {"ev_get", "SELECT " EVENT_COLS " FROM events WHERE uid = $1", STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

enum { E_ID, E_UID, E_TYPE, E_SUBJECT, E_AT, E_DATA, E_COUNT };
static const char *const event_cols[E_COUNT] = {"id", "uid", "type", "subject", "at", "data"};

static json_t *event_json(const PGresult *r, int row, const int *c)
{
  const char *data = store_value(r, row, c[E_DATA]);
  json_t *d = data ? json_loads(data, 0, NULL) : NULL;
  return json_pack("{s:o s:o s:o s:o s:o}", "id", store_json_str(r, row, c[E_UID]), "type",
                   store_json_str(r, row, c[E_TYPE]), "subject",
                   store_json_str(r, row, c[E_SUBJECT]), "at", store_json_time(r, row, c[E_AT]),
                   "data", d ? d : json_null());
}

int store_event_list(json_t **out, int *more, long long *last_id, const char *type,
                     const char *since, const char *until, long long before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", before > 0 ? before : (long long)INT64_MAX);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {b, type, since, until, l};
  PGresult *r;
  int rc = store_exec(&r, "ev_list", 5, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  *last_id = 0;
  int c[E_COUNT];
  store_cols(r, event_cols, c, E_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++) {
    json_array_append_new(arr, event_json(r, i, c));
    *last_id = strtoll(PQgetvalue(r, i, c[E_ID]), NULL, 10);
  }
  PQclear(r);
  *out = arr;
  return arr ? RL_OK : RL_ENOMEM;
}

int store_event_get(json_t **out, const char *uid)
{
  const char *p[] = {uid};
  PGresult *r;
  int rc = store_exec(&r, "ev_get", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[E_COUNT];
  store_cols(r, event_cols, c, E_COUNT);
  *out = event_json(r, 0, c);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}
