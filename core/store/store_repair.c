/* Prepared statements and row mapping for repairs. The device moves a
 * repair's outcome causes go through store_device_move, in the same
 * transaction. */
#include "core/store/store_repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define REPAIR_COLS                                                                                \
  "r.id, d.code AS device, r.session_id, r.problem, r.diagnosis, r.actions, r.outcome,"            \
  " r.barrier, r.next_steps, r.minutes, r.repairer, r.created_at, r.updated_at, r.version,"        \
  " (SELECT coalesce(json_agg(json_build_object('sku', p.sku, 'quantity',"                         \
  " trim_scale(-m.quantity)) ORDER BY m.id), '[]')::text FROM part_movements m"                    \
  " JOIN parts p ON p.id = m.part_id WHERE m.repair_id = r.id AND m.type = 'used') AS parts"

const struct store_stmt store_repair_stmts[] = {
    {"repair_insert",
     "WITH r AS (INSERT INTO repairs (device_id, session_id, problem, diagnosis, actions,"
     " outcome, barrier, next_steps, minutes, repairer) VALUES ($1::bigint, $2::bigint, $3, $4,"
     " $5, $6, $7, $8, $9::int, $10) RETURNING *)"
     " SELECT " REPAIR_COLS " FROM r JOIN devices d ON d.id = r.device_id",
     0},
    {"repair_get",
     "SELECT " REPAIR_COLS ", d.status AS device_status, d.kind AS device_kind,"
     " d.id AS device_id, d.version AS device_version, d.site_id AS device_site_id,"
     " (SELECT slug FROM sites WHERE id = d.site_id) AS device_site"
     " FROM repairs r JOIN devices d ON d.id = r.device_id WHERE r.id = $1::bigint",
     STORE_RETRY_SAFE},
    {"repair_get_lock",
     "SELECT " REPAIR_COLS ", d.status AS device_status, d.kind AS device_kind,"
     " d.id AS device_id, d.version AS device_version, d.site_id AS device_site_id,"
     " (SELECT slug FROM sites WHERE id = d.site_id) AS device_site"
     " FROM repairs r JOIN devices d ON d.id = r.device_id WHERE r.id = $1::bigint FOR UPDATE",
     0},
    {"repair_update",
     "WITH r AS (UPDATE repairs SET session_id = $2::bigint, problem = $3, diagnosis = $4,"
     " actions = $5, outcome = $6, barrier = $7, next_steps = $8, minutes = $9::int,"
     " repairer = $10, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint RETURNING *)"
     " SELECT " REPAIR_COLS " FROM r JOIN devices d ON d.id = r.device_id",
     0},
    {"repair_list",
     "SELECT " REPAIR_COLS " FROM devices d LEFT JOIN repairs r ON r.device_id = d.id"
     " AND r.id > $2::bigint WHERE d.code_body = $1 ORDER BY r.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"repair_list_by_session",
     "SELECT " REPAIR_COLS " FROM repair_sessions rs LEFT JOIN (repairs r JOIN devices d"
     " ON d.id = r.device_id) ON r.session_id = rs.id AND r.id > $2::bigint"
     " WHERE rs.id = $1::bigint ORDER BY r.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_repair_violations[] = {
    {"repairs_session_id_fkey", RL_EINVALID, "session_id", "unknown_session",
     "is not a repair session"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_ID,
  C_DEVICE,
  C_SESSION,
  C_PROBLEM,
  C_DIAGNOSIS,
  C_ACTIONS,
  C_OUTCOME,
  C_BARRIER,
  C_NEXT,
  C_MINUTES,
  C_REPAIRER,
  C_CREATED,
  C_UPDATED,
  C_VERSION,
  C_DEV_STATUS,
  C_DEV_KIND,
  C_DEV_ID,
  C_DEV_VERSION,
  C_DEV_SITE,
  C_DEV_SITE_ID,
  C_PARTS,
  C_COUNT
};
static const char *const col_names[C_COUNT] = {
    "id",          "device",         "session_id",    "problem",     "diagnosis", "actions",
    "outcome",     "barrier",        "next_steps",    "minutes",     "repairer",  "created_at",
    "updated_at",  "version",        "device_status", "device_kind", "device_id", "device_version",
    "device_site", "device_site_id", "parts",
};

static json_t *repair_json(const PGresult *r, int row, const int *c)
{
  const char *parts = store_value(r, row, c[C_PARTS]);
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id",
      store_json_int(r, row, c[C_ID]), "device", store_json_str(r, row, c[C_DEVICE]), "session_id",
      store_json_int(r, row, c[C_SESSION]), "problem", store_json_str(r, row, c[C_PROBLEM]),
      "diagnosis", store_json_str(r, row, c[C_DIAGNOSIS]), "actions",
      store_json_str(r, row, c[C_ACTIONS]), "outcome", store_json_str(r, row, c[C_OUTCOME]),
      "barrier", store_json_str(r, row, c[C_BARRIER]), "next_steps",
      store_json_str(r, row, c[C_NEXT]), "minutes", store_json_int(r, row, c[C_MINUTES]),
      "repairer", store_json_str(r, row, c[C_REPAIRER]), "created_at",
      store_json_time(r, row, c[C_CREATED]), "updated_at", store_json_time(r, row, c[C_UPDATED]),
      "parts", parts ? json_loads(parts, 0, NULL) : json_array());
}

/* The one repair a statement returned. */
static int one(json_t **out, int *version, PGresult *r, int none, int *c)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  store_cols(r, col_names, c, C_COUNT);
  *out = repair_json(r, 0, c);
  *version = (int)strtol(PQgetvalue(r, 0, c[C_VERSION]), NULL, 10);
  if (*out == NULL) {
    PQclear(r);
    return RL_ENOMEM;
  }
  return RL_OK;
}

static void fields_params(const char **p, const struct store_repair_fields *f)
{
  p[0] = f->session_id;
  p[1] = f->problem;
  p[2] = f->diagnosis;
  p[3] = f->actions;
  p[4] = f->outcome;
  p[5] = f->barrier;
  p[6] = f->next_steps;
  p[7] = f->minutes;
  p[8] = f->repairer;
}

int store_repair_insert(json_t **out, int *version, const struct store_device_ref *dev,
                        const struct store_repair_fields *f)
{
  char did[24];
  snprintf(did, sizeof did, "%lld", (long long)dev->id);
  const char *p[10] = {did};
  fields_params(p + 1, f);
  PGresult *r;
  int c[C_COUNT];
  int rc = store_exec(&r, "repair_insert", 10, p);
  if (rc == RL_OK && (rc = one(out, version, r, RL_EDB, c)) == RL_OK)
    PQclear(r);
  return rc;
}

int store_repair_update(json_t **out, int *version, int64_t id, const struct store_repair_fields *f)
{
  char rid[24];
  snprintf(rid, sizeof rid, "%lld", (long long)id);
  const char *p[10] = {rid};
  fields_params(p + 1, f);
  PGresult *r;
  int c[C_COUNT];
  int rc = store_exec(&r, "repair_update", 10, p);
  if (rc == RL_OK && (rc = one(out, version, r, RL_ENOTFOUND, c)) == RL_OK)
    PQclear(r);
  return rc;
}

int store_repair_get(json_t **out, int *version, struct store_repair_device *dev, int64_t id,
                     int lock)
{
  char rid[24];
  snprintf(rid, sizeof rid, "%lld", (long long)id);
  const char *p[] = {rid};
  PGresult *r;
  int c[C_COUNT];
  int rc = store_exec(&r, lock ? "repair_get_lock" : "repair_get", 1, p);
  if (rc != RL_OK || (rc = one(out, version, r, RL_ENOTFOUND, c)) != RL_OK)
    return rc;
  snprintf(dev->status, sizeof dev->status, "%s", PQgetvalue(r, 0, c[C_DEV_STATUS]));
  snprintf(dev->kind, sizeof dev->kind, "%s", PQgetvalue(r, 0, c[C_DEV_KIND]));
  dev->ref.id = strtoll(PQgetvalue(r, 0, c[C_DEV_ID]), NULL, 10);
  dev->ref.version = (int)strtol(PQgetvalue(r, 0, c[C_DEV_VERSION]), NULL, 10);
  snprintf(dev->site, sizeof dev->site, "%s", PQgetvalue(r, 0, c[C_DEV_SITE]));
  dev->ref.site_id = strtoll(PQgetvalue(r, 0, c[C_DEV_SITE_ID]), NULL, 10);
  PQclear(r);
  return RL_OK;
}

/* A page of repairs; the first row has a NULL id when the parent (device
 * or session) exists but has no (more) repairs, and there is no row when it
 * does not exist. */
static int list_page(json_t **out, int64_t *next_after, const char *stmt, const char *parent,
                     int64_t after, int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {parent, a, l};
  PGresult *r;
  int rc = store_exec(&r, stmt, 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit && store_value(r, i, c[C_ID]) != NULL; i++) {
    last = strtoll(PQgetvalue(r, i, c[C_ID]), NULL, 10);
    json_array_append_new(arr, repair_json(r, i, c));
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_repair_list(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                      int limit)
{
  return list_page(out, next_after, "repair_list", code_body, after, limit);
}

int store_repair_list_by_session(json_t **out, int64_t *next_after, int64_t session_id,
                                 int64_t after, int limit)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)session_id);
  return list_page(out, next_after, "repair_list_by_session", sid, after, limit);
}
