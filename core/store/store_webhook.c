/* Prepared statements and row mapping for webhook subscriptions and their
 * deliveries (core/store/store_webhook.h). Times are the database's now(),
 * as the outbox workers use. */
#include "core/store/store_webhook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* Never the secrets: only until when a rotation's old one still signs. */
#define SUB_COLS                                                                                   \
  "id, url, description, to_jsonb(event_types)::text AS event_types, enabled, disabled_reason,"    \
  " disabled_at, failing_since, CASE WHEN previous_until > now() THEN previous_until END"          \
  " AS previous_secret_until, created_at, updated_at, version"
#define TYPES_OF(p) "ARRAY(SELECT jsonb_array_elements_text(" p "::jsonb))"

const struct store_stmt store_webhook_stmts[] = {
    {"wh_insert",
     "INSERT INTO webhook_subscriptions (url, event_types, description, enabled,"
     " disabled_reason, disabled_at, secret) VALUES ($1, " TYPES_OF(
         "$2") ", $3, $4::boolean,"
               " CASE WHEN $4::boolean THEN NULL ELSE 'admin' END,"
               " CASE WHEN $4::boolean THEN NULL ELSE now() END, $5) RETURNING " SUB_COLS,
     0},
    {"wh_get", "SELECT " SUB_COLS " FROM webhook_subscriptions WHERE id = $1::bigint",
     STORE_RETRY_SAFE},
    {"wh_get_lock",
     "SELECT " SUB_COLS " FROM webhook_subscriptions WHERE id = $1::bigint FOR UPDATE", 0},
    {"wh_list",
     "SELECT " SUB_COLS " FROM webhook_subscriptions WHERE id > $1::bigint ORDER BY id"
     " LIMIT $2::int",
     STORE_RETRY_SAFE},
    /* In SET, `enabled` is the value before the change. */
    /* A disabled subscription's pending deliveries wait at next_at
     * 'infinity', out of the claims' way; enabling makes them due. */
    {"wh_update",
     "WITH s AS (UPDATE webhook_subscriptions SET url = $2, event_types = " TYPES_OF(
         "$3") ","
               " description = $4, enabled = $5::boolean,"
               " disabled_reason = CASE WHEN $5::boolean THEN NULL WHEN enabled THEN 'admin'"
               " ELSE disabled_reason END,"
               " disabled_at = CASE WHEN $5::boolean THEN NULL WHEN enabled THEN now() ELSE "
               "disabled_at END,"
               " failing_since = CASE WHEN $5::boolean AND NOT enabled THEN NULL ELSE "
               "failing_since END,"
               " version = version + 1, updated_at = now() WHERE id = $1::bigint "
               "RETURNING *),"
               " p AS (UPDATE webhook_deliveries d SET next_at = CASE WHEN s.enabled"
               " THEN now() ELSE 'infinity' END FROM s WHERE d.subscription_id = s.id"
               " AND d.status = 'pending' AND (s.enabled = (d.next_at = 'infinity')))"
               " SELECT " SUB_COLS " FROM s",
     0},
    {"wh_delete", "DELETE FROM webhook_subscriptions WHERE id = $1::bigint RETURNING id", 0},
    {"wh_rotate",
     "UPDATE webhook_subscriptions SET previous_secret = secret,"
     " previous_until = now() + make_interval(secs => $3::double precision), secret = $2,"
     " version = version + 1, updated_at = now() WHERE id = $1::bigint RETURNING " SUB_COLS,
     0},
    {"wh_test_event",
     "INSERT INTO events (type, subject, data, subscription_id)"
     " SELECT 'webhook.test', s.id::text, jsonb_build_object('subscription', s.id), s.id"
     " FROM webhook_subscriptions s WHERE s.id = $1::bigint RETURNING uid",
     0},
    {"wh_delivery_list",
     "SELECT d.id, d.subscription_id, e.uid, e.type, d.status, d.attempts,"
     " CASE WHEN d.status = 'pending' THEN d.next_at END AS next_at, d.created_at,"
     " d.finished_at, a.attempt, a.started_at, a.http_status, a.duration_ms, a.error,"
     " a.response_head"
     " FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
     " LEFT JOIN LATERAL (SELECT * FROM webhook_attempts x WHERE x.delivery_id = d.id"
     " ORDER BY x.attempt DESC LIMIT 1) a ON true"
     " WHERE d.subscription_id = $1::bigint AND ($2::text IS NULL OR d.status = $2)"
     " AND d.id < $3::bigint AND ($4::bigint IS NULL OR d.id = $4)"
     " ORDER BY d.id DESC LIMIT $5::int",
     STORE_RETRY_SAFE},
    {"wh_attempts",
     "SELECT attempt, started_at, duration_ms, http_status, error, response_head"
     " FROM webhook_attempts WHERE delivery_id = $1::bigint ORDER BY attempt",
     STORE_RETRY_SAFE},
    /* A test event goes to its subscription even when it is disabled, as
     * the workers send it. */
    {"wh_redeliver",
     "WITH d AS (SELECT d.id, d.status, (s.enabled OR e.subscription_id = s.id) AS sendable"
     " FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id"
     " JOIN events e ON e.id = d.event_id"
     " WHERE d.id = $2::bigint AND d.subscription_id = $1::bigint FOR UPDATE OF d),"
     " u AS (UPDATE webhook_deliveries w SET status = 'pending', next_at = now(),"
     " finished_at = NULL FROM d WHERE w.id = d.id AND d.status <> 'sending' AND d.sendable"
     " RETURNING w.id)"
     " SELECT d.status, d.sendable, EXISTS (SELECT 1 FROM u) AS done FROM d",
     0},
    {NULL, NULL, 0},
};

enum {
  S_ID,
  S_URL,
  S_DESC,
  S_TYPES,
  S_ENABLED,
  S_REASON,
  S_DISABLED_AT,
  S_FAILING,
  S_PREVIOUS,
  S_CREATED,
  S_UPDATED,
  S_VERSION,
  S_COUNT
};
static const char *const sub_cols[S_COUNT] = {
    "id",          "url",           "description",
    "event_types", "enabled",       "disabled_reason",
    "disabled_at", "failing_since", "previous_secret_until",
    "created_at",  "updated_at",    "version"};

static json_t *sub_json(const PGresult *r, int row, const int *c)
{
  const char *types = store_value(r, row, c[S_TYPES]);
  json_t *t = types ? json_loads(types, 0, NULL) : NULL;
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[S_ID]), "url",
      store_json_str(r, row, c[S_URL]), "description", store_json_str(r, row, c[S_DESC]),
      "event_types", t ? t : json_array(), "enabled", store_json_bool(r, row, c[S_ENABLED]),
      "disabled_reason", store_json_str(r, row, c[S_REASON]), "disabled_at",
      store_json_time(r, row, c[S_DISABLED_AT]), "failing_since",
      store_json_time(r, row, c[S_FAILING]), "previous_secret_until",
      store_json_time(r, row, c[S_PREVIOUS]), "created_at", store_json_time(r, row, c[S_CREATED]),
      "updated_at", store_json_time(r, row, c[S_UPDATED]));
}

static int one_sub(json_t **out, int *version, PGresult *r)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[S_COUNT];
  store_cols(r, sub_cols, c, S_COUNT);
  *out = sub_json(r, 0, c);
  if (version)
    *version = (int)strtol(PQgetvalue(r, 0, c[S_VERSION]), NULL, 10);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

static void id_text(char *buf, size_t cap, long long id) { snprintf(buf, cap, "%lld", id); }

int store_webhook_insert(json_t **out, int *version, const struct store_webhook_fields *f,
                         const char *secret)
{
  const char *p[] = {f->url, f->event_types, f->description, f->enabled ? "true" : "false", secret};
  PGresult *r;
  int rc = store_exec(&r, "wh_insert", 5, p);
  return rc == RL_OK ? one_sub(out, version, r) : rc;
}

int store_webhook_get(json_t **out, int *version, long long id, int lock)
{
  char i[24];
  id_text(i, sizeof i, id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, lock ? "wh_get_lock" : "wh_get", 1, p);
  return rc == RL_OK ? one_sub(out, version, r) : rc;
}

int store_webhook_list(json_t **out, int *more, long long after, int limit)
{
  char a[24], l[16];
  id_text(a, sizeof a, after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {a, l};
  PGresult *r;
  int rc = store_exec(&r, "wh_list", 2, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[S_COUNT];
  store_cols(r, sub_cols, c, S_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, sub_json(r, i, c));
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_webhook_update(json_t **out, int *version, long long id,
                         const struct store_webhook_fields *f)
{
  char i[24];
  id_text(i, sizeof i, id);
  const char *p[] = {i, f->url, f->event_types, f->description, f->enabled ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "wh_update", 5, p);
  return rc == RL_OK ? one_sub(out, version, r) : rc;
}

int store_webhook_delete(long long id)
{
  char i[24];
  id_text(i, sizeof i, id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, "wh_delete", 1, p);
  if (rc != RL_OK)
    return rc;
  rc = PQntuples(r) == 1 ? RL_OK : RL_ENOTFOUND;
  PQclear(r);
  return rc;
}

int store_webhook_rotate(json_t **out, int *version, long long id, const char *secret,
                         unsigned overlap_s)
{
  char i[24], o[16];
  id_text(i, sizeof i, id);
  snprintf(o, sizeof o, "%u", overlap_s);
  const char *p[] = {i, secret, o};
  PGresult *r;
  int rc = store_exec(&r, "wh_rotate", 3, p);
  return rc == RL_OK ? one_sub(out, version, r) : rc;
}

int store_webhook_test_event(char **uid, long long id)
{
  *uid = NULL;
  char i[24];
  id_text(i, sizeof i, id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, "wh_test_event", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 1)
    *uid = strdup(PQgetvalue(r, 0, 0));
  rc = PQntuples(r) == 0 ? RL_ENOTFOUND : *uid ? RL_OK : RL_ENOMEM;
  PQclear(r);
  return rc;
}

enum {
  D_ID,
  D_SUB,
  D_UID,
  D_TYPE,
  D_STATUS,
  D_ATTEMPTS,
  D_NEXT,
  D_CREATED,
  D_FINISHED,
  D_ATTEMPT,
  D_STARTED,
  D_HTTP,
  D_DURATION,
  D_ERROR,
  D_HEAD,
  D_COUNT
};
static const char *const delivery_cols[D_COUNT] = {
    "id",         "subscription_id", "uid",         "type",        "status",
    "attempts",   "next_at",         "created_at",  "finished_at", "attempt",
    "started_at", "http_status",     "duration_ms", "error",       "response_head"};

/* One attempt from columns attempt, started_at … response_head at c[0..5]. */
static json_t *attempt_json(const PGresult *r, int row, const int *c)
{
  return json_pack("{s:o s:o s:o s:o s:o s:o}", "attempt", store_json_int(r, row, c[0]),
                   "started_at", store_json_time(r, row, c[1]), "http_status",
                   store_json_int(r, row, c[2]), "duration_ms", store_json_int(r, row, c[3]),
                   "error", store_json_str(r, row, c[4]), "response_head",
                   store_json_str(r, row, c[5]));
}

static json_t *delivery_json(const PGresult *r, int row, const int *c)
{
  int a[6] = {c[D_ATTEMPT], c[D_STARTED], c[D_HTTP], c[D_DURATION], c[D_ERROR], c[D_HEAD]};
  json_t *last = store_value(r, row, c[D_ATTEMPT]) ? attempt_json(r, row, a) : json_null();
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[D_ID]),
      "subscription", store_json_int(r, row, c[D_SUB]), "event", store_json_str(r, row, c[D_UID]),
      "event_type", store_json_str(r, row, c[D_TYPE]), "status",
      store_json_str(r, row, c[D_STATUS]), "attempts", store_json_int(r, row, c[D_ATTEMPTS]),
      "next_at", store_json_time(r, row, c[D_NEXT]), "created_at",
      store_json_time(r, row, c[D_CREATED]), "finished_at", store_json_time(r, row, c[D_FINISHED]),
      "last_attempt", last);
}

static int deliveries(json_t **out, int *more, long long subscription, const char *status,
                      long long before, long long only, int limit)
{
  char s[24], b[24], o[24], l[16];
  id_text(s, sizeof s, subscription);
  id_text(b, sizeof b, before > 0 ? before : (long long)INT64_MAX);
  id_text(o, sizeof o, only);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {s, status, b, only > 0 ? o : NULL, l};
  PGresult *r;
  int rc = store_exec(&r, "wh_delivery_list", 5, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[D_COUNT];
  store_cols(r, delivery_cols, c, D_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, delivery_json(r, i, c));
  PQclear(r);
  *out = arr;
  return arr ? RL_OK : RL_ENOMEM;
}

int store_delivery_list(json_t **out, int *more, long long subscription, const char *status,
                        long long before, int limit)
{
  return deliveries(out, more, subscription, status, before, 0, limit);
}

int store_delivery_get(json_t **out, long long subscription, long long id)
{
  json_t *arr;
  int more;
  int rc = deliveries(&arr, &more, subscription, NULL, 0, id, 1);
  if (rc != RL_OK)
    return rc;
  json_t *d = json_incref(json_array_get(arr, 0));
  json_decref(arr);
  if (d == NULL)
    return RL_ENOTFOUND;
  char i[24];
  id_text(i, sizeof i, id);
  const char *p[] = {i};
  PGresult *r;
  rc = store_exec(&r, "wh_attempts", 1, p);
  if (rc != RL_OK) {
    json_decref(d);
    return rc;
  }
  static const char *const names[] = {"attempt",     "started_at", "http_status",
                                      "duration_ms", "error",      "response_head"};
  int c[6];
  store_cols(r, names, c, 6);
  json_t *history = json_array();
  for (int k = 0; k < PQntuples(r); k++)
    json_array_append_new(history, attempt_json(r, k, c));
  PQclear(r);
  json_object_set_new(d, "attempt_history", history);
  *out = d;
  return RL_OK;
}

int store_delivery_redeliver(const char **why, long long subscription, long long id)
{
  *why = NULL;
  char s[24], i[24];
  id_text(s, sizeof s, subscription);
  id_text(i, sizeof i, id);
  const char *p[] = {s, i};
  PGresult *r;
  int rc = store_exec(&r, "wh_redeliver", 2, p);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"status", "sendable", "done"};
  int c[3];
  store_cols(r, names, c, 3);
  if (PQntuples(r) == 0) {
    rc = RL_ENOTFOUND;
  } else if (strcmp(PQgetvalue(r, 0, c[2]), "t") == 0) {
    rc = RL_OK;
  } else {
    rc = RL_ECONFLICT;
    *why = strcmp(PQgetvalue(r, 0, c[0]), "sending") == 0
               ? "an attempt of this delivery is under way; try again when it has ended"
               : "the subscription is disabled: enable it first (PATCH enabled: true)";
  }
  PQclear(r);
  return rc;
}
