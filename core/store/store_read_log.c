/* Statements of the record of reads of personal data
 * (core/store/store_read_log.h). */
#include "core/store/store_read_log.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* One row per batch entry, unpacked from JSON: an array of text arrays of
 * varying lengths has no other simple encoding as one parameter (unnest of
 * two-dimensional arrays would need them all of one length). Not
 * STORE_RETRY_SAFE: the writer decides what a lost batch means. */
const struct store_stmt store_read_log_stmts[] = {
    {"read_log_insert",
     "INSERT INTO personal_reads (at, api_key_id, method, route, request_id, devices, members)"
     " SELECT to_timestamp(r.at_us / 1e6) + (rl_now() - now()), r.key_id, r.method, r.route,"
     " r.request_id, coalesce(r.devices, '{}'), coalesce(r.members, '{}')"
     " FROM json_to_recordset($1::json) AS r(at_us bigint, key_id bigint, method text,"
     " route text, request_id text, devices text[], members text[])",
     0},
    {NULL, NULL, 0},
};

int store_read_log_insert(const json_t *rows)
{
  char *text = json_dumps(rows, JSON_COMPACT);
  if (text == NULL)
    return RL_ENOMEM;
  const char *p[] = {text};
  int rc = store_exec_cmd("read_log_insert", 1, p);
  free(text);
  return rc;
}

#define READ_COLS                                                                                  \
  "r.id, r.at, r.api_key_id, k.name AS key_name, k.role AS key_role, r.method, r.route,"           \
  " r.request_id, array_to_json(r.devices)::text AS devices,"                                      \
  " array_to_json(r.members)::text AS members"

enum { C_ID, C_AT, C_KEY, C_KEY_NAME, C_KEY_ROLE, C_METHOD, C_ROUTE, C_REQ, C_DEV, C_MEM, C_COUNT };
static const char *const read_cols[C_COUNT] = {
    "id",     "at",    "api_key_id", "key_name", "key_role",
    "method", "route", "request_id", "devices",  "members",
};

static json_t *json_array_text(const PGresult *r, int row, int col)
{
  const char *v = store_value(r, row, col);
  json_t *a = v ? json_loads(v, 0, NULL) : NULL;
  if (json_is_array(a))
    return a;
  json_decref(a);
  return json_array();
}

static json_t *read_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:{s:o s:o s:o} s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[C_ID]), "at",
      store_json_time(r, row, c[C_AT]), "key", "id", store_json_int(r, row, c[C_KEY]), "name",
      store_json_str(r, row, c[C_KEY_NAME]), "role", store_json_str(r, row, c[C_KEY_ROLE]),
      "method", store_json_str(r, row, c[C_METHOD]), "route", store_json_str(r, row, c[C_ROUTE]),
      "request_id", store_json_str(r, row, c[C_REQ]), "devices", json_array_text(r, row, c[C_DEV]),
      "members", json_array_text(r, row, c[C_MEM]));
}

int store_read_log_list(json_t **out, int *more, long long *last_id,
                        const struct store_read_log_query *q)
{
  /* Each filter is a condition only when given, so that each shape gets a
   * plan that uses its index (a record's through GIN). A code or number
   * that names nothing matches nothing: ARRAY[NULL] is contained in no
   * array. */
  static const char *const conds[] = {
      "r.api_key_id = $%d::bigint",
      "r.devices @> ARRAY[(SELECT code FROM devices WHERE code_body = $%d)]",
      "r.members @> ARRAY[(SELECT number FROM members WHERE number_body = $%d)]",
      "r.at >= $%d::timestamptz",
      "r.at < $%d::timestamptz",
      "r.id < $%d::bigint",
  };
  char key[24], before[24], lim[16];
  snprintf(key, sizeof key, "%lld", q->key_id);
  snprintf(before, sizeof before, "%lld", (long long)q->before);
  snprintf(lim, sizeof lim, "%d", q->limit + 1);
  const char *given[] = {
      q->key_id > 0 ? key : NULL,    q->device, q->member, q->since, q->until,
      q->before > 0 ? before : NULL,
  };
  const char *p[8];
  int np = 0;
  unsigned mask = 0;
  char sql[1536];
  size_t len = (size_t)snprintf(sql, sizeof sql,
                                "SELECT " READ_COLS " FROM personal_reads r"
                                " JOIN api_keys k ON k.id = r.api_key_id");
  for (unsigned i = 0; i < sizeof given / sizeof given[0]; i++) {
    if (given[i] == NULL)
      continue;
    mask |= 1u << i;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s ", np ? "AND" : "WHERE");
    len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], np + 1);
    p[np++] = given[i];
  }
  snprintf(sql + len, sizeof sql - len, " ORDER BY r.id DESC LIMIT $%d::int", np + 1);
  p[np++] = lim;
  char name[32];
  snprintf(name, sizeof name, "read_log_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  int c[C_COUNT];
  store_cols(r, read_cols, c, C_COUNT);
  *more = n > q->limit;
  *last_id = 0;
  json_t *arr = json_array();
  for (int i = 0; arr && i < n && i < q->limit; i++) {
    json_array_append_new(arr, read_json(r, i, c));
    *last_id = strtoll(PQgetvalue(r, i, c[C_ID]), NULL, 10);
  }
  PQclear(r);
  *out = arr;
  return arr ? RL_OK : RL_ENOMEM;
}
