/* Prepared statements and row mapping for publication targets and their
 * attempts. Times are the programme's clock (rl_now()), so that a test can
 * move the schedule into the next month. */
#include "core/store/store_publish.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define TARGET_COLS                                                                                \
  "id, name, kind, base_url, dataset_id, resource_id, source, active, secret_env, secret_file,"    \
  " created_at, updated_at, version"
#define ATTEMPT_COLS                                                                               \
  "id, target_id, trigger, attempt, status, started_at, finished_at, http_status, bytes, sha256,"  \
  " error, next_retry_at, queued_at"

/* One lock id for the publisher's decisions across instances (the
 * migrations take 7306195). */
#define PUBLISH_LOCK_ID "7306196"

const struct store_stmt store_publish_stmts[] = {
    {"pub_target_insert",
     "INSERT INTO publish_targets (name, kind, base_url, dataset_id, resource_id, source, active,"
     " secret_env, secret_file, monthly_done)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7::boolean, $8, $9,"
     " to_char(rl_now() AT TIME ZONE $10, 'YYYY-MM')) RETURNING " TARGET_COLS,
     0},
    {"pub_target_get", "SELECT " TARGET_COLS " FROM publish_targets WHERE id = $1::bigint",
     STORE_RETRY_SAFE},
    {"pub_target_get_lock",
     "SELECT " TARGET_COLS " FROM publish_targets WHERE id = $1::bigint FOR UPDATE", 0},
    {"pub_target_list",
     "SELECT " TARGET_COLS " FROM publish_targets WHERE id > $1::bigint ORDER BY id LIMIT $2::int",
     STORE_RETRY_SAFE},
    {"pub_target_update",
     "UPDATE publish_targets SET name = $2, kind = $3, base_url = $4, dataset_id = $5,"
     " resource_id = $6, source = $7, active = $8::boolean, secret_env = $9, secret_file = $10,"
     " version = version + 1, updated_at = rl_now() WHERE id = $1::bigint RETURNING " TARGET_COLS,
     0},
    /* A new claim starts afresh: any retry due is the claim's to replace. */
    {"pub_attempt_claim",
     "WITH t AS (UPDATE publish_targets SET retry_at = NULL, retry_number = NULL,"
     " monthly_done = coalesce($4, monthly_done) WHERE id = $1::bigint RETURNING id)"
     " INSERT INTO publish_attempts (target_id, trigger, attempt)"
     " SELECT id, $2, $3::int FROM t RETURNING " ATTEMPT_COLS,
     0},
    /* Publish now: a queued manual attempt, or the one already waiting
     * (created false). A manual publication starts a series of its own:
     * any retry due is dropped. The second branch reads the waiting one
     * when the insert met it; a waiting one committed after this
     * statement's snapshot is found by the caller's next try. */
    {"pub_attempt_enqueue",
     "WITH t AS (UPDATE publish_targets SET retry_at = NULL, retry_number = NULL"
     " WHERE id = $1::bigint RETURNING id),"
     " i AS (INSERT INTO publish_attempts (target_id, trigger, attempt, status, queued_at)"
     " SELECT id, 'manual', 1, 'queued', rl_now() FROM t"
     " ON CONFLICT (target_id) WHERE status = 'queued' DO NOTHING RETURNING *)"
     " SELECT " ATTEMPT_COLS ", true AS created, true AS target FROM i"
     " UNION ALL SELECT " ATTEMPT_COLS ", false, true FROM publish_attempts"
     " WHERE target_id = $1::bigint AND status = 'queued' AND NOT EXISTS (SELECT 1 FROM i)"
     " UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
     " NULL, false, false WHERE NOT EXISTS (SELECT 1 FROM t)",
     0},
    /* The oldest queued attempt whose target has no upload running, taken
     * by one instance only (SKIP LOCKED: another instance's claim in
     * flight is passed over, not waited for). */
    {"pub_attempt_take_queued",
     "UPDATE publish_attempts a SET status = 'running', started_at = rl_now()"
     " WHERE a.id = (SELECT q.id FROM publish_attempts q WHERE q.status = 'queued'"
     " AND NOT EXISTS (SELECT 1 FROM publish_attempts r WHERE r.target_id = q.target_id"
     " AND r.status = 'running') ORDER BY q.id LIMIT 1 FOR UPDATE SKIP LOCKED)"
     " AND a.status = 'queued' RETURNING " ATTEMPT_COLS,
     0},
    {"pub_attempt_finish",
     "WITH a AS (UPDATE publish_attempts SET status = $2, finished_at = rl_now(),"
     " http_status = $3::int, bytes = $4::bigint, sha256 = $5, error = $6,"
     " next_retry_at = rl_now() + $7::int * interval '1 second'"
     " WHERE id = $1::bigint AND status = 'running' RETURNING *),"
     " t AS (UPDATE publish_targets p SET retry_at = a.next_retry_at, retry_number = a.attempt + 1"
     " FROM a WHERE p.id = a.target_id AND a.next_retry_at IS NOT NULL RETURNING p.id)"
     " SELECT " ATTEMPT_COLS " FROM a",
     0},
    {"pub_lock", "SELECT pg_try_advisory_xact_lock(" PUBLISH_LOCK_ID ") AS got", 0},
    {"pub_attempt_abandon",
     "WITH a AS (UPDATE publish_attempts SET status = 'failed', finished_at = rl_now(),"
     " error = 'abandoned: the instance uploading it stopped before it finished',"
     " next_retry_at = rl_now() + ($2::int[])[attempt] * interval '1 second'"
     " WHERE status = 'running' AND started_at < rl_now() - $1::int * interval '1 second'"
     " RETURNING *),"
     " t AS (UPDATE publish_targets p SET retry_at = a.next_retry_at, retry_number = a.attempt + 1"
     " FROM a WHERE p.id = a.target_id AND a.next_retry_at IS NOT NULL RETURNING p.id)"
     " SELECT count(*) AS n FROM a",
     0},
    /* The month is the programme's, in its zone; a target with an upload
     * running is not due (its claim decides what comes next). */
    {"pub_due",
     "WITH m AS (SELECT to_char(rl_now() AT TIME ZONE $1, 'YYYY-MM') AS month)"
     " SELECT p.id, CASE WHEN p.monthly_done IS DISTINCT FROM m.month THEN 'monthly'"
     " ELSE 'retry' END AS trigger,"
     " CASE WHEN p.monthly_done IS DISTINCT FROM m.month THEN 1 ELSE p.retry_number END"
     " AS attempt, m.month"
     " FROM publish_targets p, m WHERE p.active"
     " AND (p.monthly_done IS DISTINCT FROM m.month OR p.retry_at <= rl_now())"
     " AND NOT EXISTS (SELECT 1 FROM publish_attempts a WHERE a.target_id = p.id"
     " AND a.status IN ('running', 'queued'))"
     " ORDER BY p.id LIMIT $2::int FOR UPDATE OF p SKIP LOCKED",
     0},
    {"pub_attempt_get", "SELECT " ATTEMPT_COLS " FROM publish_attempts WHERE id = $1::bigint",
     STORE_RETRY_SAFE},
    {"pub_attempt_list",
     "SELECT " ATTEMPT_COLS " FROM publish_attempts WHERE ($1::bigint IS NULL OR target_id = $1)"
     " AND id < $2::bigint ORDER BY id DESC LIMIT $3::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_publish_violations[] = {
    {"publish_targets_name_key", RL_EDUPLICATE, "name", "duplicate_name",
     "is taken by another publication target"},
    {"publish_attempts_running", RL_ECONFLICT, NULL, "publication_running",
     "a publication of this target is running"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  T_ID,
  T_NAME,
  T_KIND,
  T_BASE,
  T_DATASET,
  T_RESOURCE,
  T_SOURCE,
  T_ACTIVE,
  T_ENV,
  T_FILE,
  T_CREATED,
  T_UPDATED,
  T_VERSION,
  T_COUNT
};
static const char *const target_cols[T_COUNT] = {
    "id",     "name",       "kind",        "base_url",   "dataset_id", "resource_id", "source",
    "active", "secret_env", "secret_file", "created_at", "updated_at", "version"};

static json_t *target_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[T_ID]),
      "name", store_json_str(r, row, c[T_NAME]), "kind", store_json_str(r, row, c[T_KIND]),
      "base_url", store_json_str(r, row, c[T_BASE]), "dataset_id",
      store_json_str(r, row, c[T_DATASET]), "resource_id", store_json_str(r, row, c[T_RESOURCE]),
      "source", store_json_str(r, row, c[T_SOURCE]), "active", store_json_bool(r, row, c[T_ACTIVE]),
      "secret_env", store_json_str(r, row, c[T_ENV]), "secret_file",
      store_json_str(r, row, c[T_FILE]), "created_at", store_json_time(r, row, c[T_CREATED]),
      "updated_at", store_json_time(r, row, c[T_UPDATED]));
}

static int one_target(json_t **out, int *version, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[T_COUNT];
  store_cols(r, target_cols, c, T_COUNT);
  *out = target_json(r, 0, c);
  if (version)
    *version = (int)strtol(PQgetvalue(r, 0, c[T_VERSION]), NULL, 10);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

enum {
  A_ID,
  A_TARGET,
  A_TRIGGER,
  A_ATTEMPT,
  A_STATUS,
  A_STARTED,
  A_FINISHED,
  A_HTTP,
  A_BYTES,
  A_SHA,
  A_ERROR,
  A_RETRY,
  A_QUEUED,
  A_COUNT
};
static const char *const attempt_cols[A_COUNT] = {
    "id",          "target_id", "trigger", "attempt", "status",        "started_at", "finished_at",
    "http_status", "bytes",     "sha256",  "error",   "next_retry_at", "queued_at"};

static json_t *attempt_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id",
      store_json_int(r, row, c[A_ID]), "target", store_json_int(r, row, c[A_TARGET]), "trigger",
      store_json_str(r, row, c[A_TRIGGER]), "attempt", store_json_int(r, row, c[A_ATTEMPT]),
      "status", store_json_str(r, row, c[A_STATUS]), "started_at",
      store_json_time(r, row, c[A_STARTED]), "finished_at", store_json_time(r, row, c[A_FINISHED]),
      "http_status", store_json_int(r, row, c[A_HTTP]), "bytes", store_json_int(r, row, c[A_BYTES]),
      "sha256", store_json_str(r, row, c[A_SHA]), "error", store_json_str(r, row, c[A_ERROR]),
      "next_retry_at", store_json_time(r, row, c[A_RETRY]), "queued_at",
      store_json_time(r, row, c[A_QUEUED]));
}

static int one_attempt(json_t **out, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[A_COUNT];
  store_cols(r, attempt_cols, c, A_COUNT);
  *out = attempt_json(r, 0, c);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_target_insert(json_t **out, int *version, const struct store_target_fields *f,
                        const char *tz)
{
  const char *p[] = {f->name,
                     f->kind,
                     f->base_url,
                     f->dataset_id,
                     f->resource_id,
                     f->source,
                     f->active ? "true" : "false",
                     f->secret_env,
                     f->secret_file,
                     tz};
  PGresult *r;
  int rc = store_exec(&r, "pub_target_insert", 10, p);
  return rc == RL_OK ? one_target(out, version, r) : rc;
}

int store_target_get(json_t **out, int *version, long long id, int lock)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, lock ? "pub_target_get_lock" : "pub_target_get", 1, p);
  return rc == RL_OK ? one_target(out, version, r) : rc;
}

int store_target_list(json_t **out, int *more, long long after, int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {a, l};
  PGresult *r;
  int rc = store_exec(&r, "pub_target_list", 2, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[T_COUNT];
  store_cols(r, target_cols, c, T_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, target_json(r, i, c));
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_target_update(json_t **out, int *new_version, long long id,
                        const struct store_target_fields *f)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", id);
  const char *p[] = {i,
                     f->name,
                     f->kind,
                     f->base_url,
                     f->dataset_id,
                     f->resource_id,
                     f->source,
                     f->active ? "true" : "false",
                     f->secret_env,
                     f->secret_file};
  PGresult *r;
  int rc = store_exec(&r, "pub_target_update", 10, p);
  return rc == RL_OK ? one_target(out, new_version, r) : rc;
}

int store_attempt_claim(json_t **out, long long target_id, const char *trigger, int attempt,
                        const char *month)
{
  char t[24], a[16];
  snprintf(t, sizeof t, "%lld", target_id);
  snprintf(a, sizeof a, "%d", attempt);
  const char *p[] = {t, trigger, a, month};
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_claim", 4, p);
  return rc == RL_OK ? one_attempt(out, r) : rc;
}

int store_attempt_enqueue(json_t **out, int *created, long long target_id)
{
  char t[24];
  snprintf(t, sizeof t, "%lld", target_id);
  const char *p[] = {t};
  /* A waiting attempt committed between the insert's check and the read
   * of it is seen by the next statement's snapshot. */
  for (int tries = 0; tries < 3; tries++) {
    PGresult *r;
    int rc = store_exec(&r, "pub_attempt_enqueue", 1, p);
    if (rc != RL_OK)
      return rc;
    if (PQntuples(r) == 1 && PQgetvalue(r, 0, PQfnumber(r, "target"))[0] != 't') {
      PQclear(r);
      return RL_ENOTFOUND;
    }
    if (PQntuples(r) == 1) {
      *created = PQgetvalue(r, 0, PQfnumber(r, "created"))[0] == 't';
      return one_attempt(out, r);
    }
    PQclear(r);
  }
  return RL_ECONFLICT;
}

int store_attempt_take_queued(json_t **out)
{
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_take_queued", 0, NULL);
  return rc == RL_OK ? one_attempt(out, r) : rc;
}

int store_attempt_finish(json_t **out, long long attempt_id, const struct store_outcome *o)
{
  char id[24], http[16], bytes[24], delay[24];
  snprintf(id, sizeof id, "%lld", attempt_id);
  snprintf(http, sizeof http, "%ld", o->http_status);
  snprintf(bytes, sizeof bytes, "%lld", o->bytes);
  snprintf(delay, sizeof delay, "%ld", o->retry_delay_s);
  const char *p[] = {
      id,        o->status, o->http_status > 0 ? http : NULL,    o->bytes >= 0 ? bytes : NULL,
      o->sha256, o->error,  o->retry_delay_s >= 0 ? delay : NULL};
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_finish", 7, p);
  return rc == RL_OK ? one_attempt(out, r) : rc;
}

int store_publish_lock(int *got)
{
  PGresult *r;
  int rc = store_exec(&r, "pub_lock", 0, NULL);
  if (rc != RL_OK)
    return rc;
  *got = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return RL_OK;
}

int store_attempt_abandon(long *n, long stale_s, const char *delays)
{
  char s[24];
  snprintf(s, sizeof s, "%ld", stale_s);
  const char *p[] = {s, delays};
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_abandon", 2, p);
  if (rc != RL_OK)
    return rc;
  *n = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
  PQclear(r);
  return RL_OK;
}

int store_publish_due(json_t **out, const char *tz, int limit)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit);
  const char *p[] = {tz, l};
  PGresult *r;
  int rc = store_exec(&r, "pub_due", 2, p);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"id", "trigger", "attempt", "month"};
  int c[4];
  store_cols(r, names, c, 4);
  json_t *arr = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(arr, json_pack("{s:o s:o s:o s:o}", "id", store_json_int(r, i, c[0]),
                                         "trigger", store_json_str(r, i, c[1]), "attempt",
                                         store_json_int(r, i, c[2]), "month",
                                         store_json_str(r, i, c[3])));
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_attempt_get(json_t **out, long long id)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_get", 1, p);
  return rc == RL_OK ? one_attempt(out, r) : rc;
}

int store_attempt_list(json_t **out, int *more, long long target, long long before, int limit)
{
  char t[24], b[24], l[16];
  snprintf(t, sizeof t, "%lld", target);
  snprintf(b, sizeof b, "%lld", before > 0 ? before : (long long)INT64_MAX);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {target > 0 ? t : NULL, b, l};
  PGresult *r;
  int rc = store_exec(&r, "pub_attempt_list", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[A_COUNT];
  store_cols(r, attempt_cols, c, A_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, attempt_json(r, i, c));
  PQclear(r);
  *out = arr;
  return RL_OK;
}
