/* Prepared statements and row mapping for repairs. A repair and the device
 * moves its outcome causes are one statement. */
#include "core/store/store_repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define REPAIR_COLS                                                                        \
  "r.id, d.code, r.session_id, r.problem, r.diagnosis, r.actions, r.outcome, r.barrier,"   \
  " r.next_steps, r.minutes, r.repairer, r.created_at, r.updated_at, r.version"
#define MOVE_EVENTS                                                                        \
  " e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, from_status,"   \
  " to_status, note) SELECT d.id, $13, $14::bigint, 'transition', m.f, m.t,"              \
  " 'repair outcome' FROM d, unnest($15::text[], $16::text[]) WITH ORDINALITY AS m(f, t, n)" \
  " ORDER BY m.n)"

const struct store_stmt store_repair_stmts[] = {
    {"repair_insert",
     "WITH d AS (UPDATE devices SET status = $3, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint AND version = $2::int RETURNING id, code),"
     " r AS (INSERT INTO repairs (device_id, session_id, problem, diagnosis, actions, outcome,"
     " barrier, next_steps, minutes, repairer) SELECT d.id, $4::bigint, $5, $6, $7, $8, $9,"
     " $10, $11::int, $12 FROM d RETURNING *)," MOVE_EVENTS
     " SELECT " REPAIR_COLS " FROM r JOIN d ON d.id = r.device_id"},
    {"repair_get",
     "SELECT " REPAIR_COLS ", d.status, d.kind, d.id, d.version"
     " FROM repairs r JOIN devices d ON d.id = r.device_id WHERE r.id = $1::bigint"},
    {"repair_update",
     "WITH d AS (UPDATE devices SET status = $3, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint AND version = $2::int RETURNING id, code),"
     " r AS (UPDATE repairs SET session_id = $4::bigint, problem = $5, diagnosis = $6,"
     " actions = $7, outcome = $8, barrier = $9, next_steps = $10, minutes = $11::int,"
     " repairer = $12, version = version + 1, updated_at = now()"
     " WHERE id = $17::bigint AND device_id IN (SELECT id FROM d) RETURNING *)," MOVE_EVENTS
     " SELECT " REPAIR_COLS " FROM r JOIN d ON d.id = r.device_id"},
    {"repair_list",
     "SELECT " REPAIR_COLS " FROM devices d LEFT JOIN repairs r ON r.device_id = d.id"
     " AND r.id > $2::bigint WHERE d.code_body = $1 ORDER BY r.id LIMIT $3::int"},
    {NULL, NULL},
};

static json_t *repair_json(const PGresult *r, int row)
{
  return json_pack("{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id",
                   store_json_int(r, row, 0), "device", store_json_str(r, row, 1), "session_id",
                   store_json_int(r, row, 2), "problem", store_json_str(r, row, 3), "diagnosis",
                   store_json_str(r, row, 4), "actions", store_json_str(r, row, 5), "outcome",
                   store_json_str(r, row, 6), "barrier", store_json_str(r, row, 7), "next_steps",
                   store_json_str(r, row, 8), "minutes", store_json_int(r, row, 9), "repairer",
                   store_json_str(r, row, 10), "created_at", store_json_time(r, row, 11),
                   "updated_at", store_json_time(r, row, 12));
}

static int write_repair(json_t **out, int *version, const char *stmt, int64_t id,
                        const struct store_device_ref *dev, const struct store_repair_fields *f,
                        const struct store_moves *m, const struct store_actor *actor)
{
  char did[24], ver[16], kid[24], rid[24];
  snprintf(did, sizeof did, "%lld", (long long)dev->id);
  snprintf(ver, sizeof ver, "%d", dev->version);
  snprintf(kid, sizeof kid, "%lld", (long long)actor->key_id);
  snprintf(rid, sizeof rid, "%lld", (long long)id);
  const char *p[] = {did,          ver,           m->status,   f->session_id, f->problem,
                     f->diagnosis, f->actions,    f->outcome,  f->barrier,    f->next_steps,
                     f->minutes,   f->repairer,   actor->name, kid,           m->from,
                     m->to,        rid};
  PGresult *r;
  int rc = store_exec(&r, stmt, id > 0 ? 17 : 16, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ECONFLICT;
  }
  *out = repair_json(r, 0);
  *version = atoi(PQgetvalue(r, 0, 13));
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_repair_insert(json_t **out, int *version, const struct store_device_ref *dev,
                        const struct store_repair_fields *f, const struct store_moves *m,
                        const struct store_actor *actor)
{
  return write_repair(out, version, "repair_insert", 0, dev, f, m, actor);
}

int store_repair_update(json_t **out, int *version, int64_t id,
                        const struct store_device_ref *dev, const struct store_repair_fields *f,
                        const struct store_moves *m, const struct store_actor *actor)
{
  return write_repair(out, version, "repair_update", id, dev, f, m, actor);
}

int store_repair_get(json_t **out, int *version, char *dev_status, size_t status_cap,
                     char *dev_kind, size_t kind_cap, struct store_device_ref *dev, int64_t id)
{
  char rid[24];
  snprintf(rid, sizeof rid, "%lld", (long long)id);
  const char *p[] = {rid};
  PGresult *r;
  int rc = store_exec(&r, "repair_get", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  *out = repair_json(r, 0);
  *version = atoi(PQgetvalue(r, 0, 13));
  snprintf(dev_status, status_cap, "%s", PQgetvalue(r, 0, 14));
  snprintf(dev_kind, kind_cap, "%s", PQgetvalue(r, 0, 15));
  dev->id = strtoll(PQgetvalue(r, 0, 16), NULL, 10);
  dev->version = atoi(PQgetvalue(r, 0, 17));
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_repair_list(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                      int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {code_body, a, l};
  PGresult *r;
  int rc = store_exec(&r, "repair_list", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit && !PQgetisnull(r, i, 0); i++) {
    last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    json_array_append_new(arr, repair_json(r, i));
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
