/* The outbox's queue statements (core/store/store_outbox.h). */
#include "core/store/store_outbox.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_outbox_stmts[] = {
    {"outbox_fanout", "SELECT events_fanout($1::int, $2::boolean) AS n", 0},
    {"outbox_schedule",
     "WITH w AS (UPDATE webhook_deliveries SET status = 'pending', lease_until = NULL,"
     " next_at = now() WHERE status = 'sending' AND lease_until < now()),"
     " m AS (UPDATE email_messages SET status = 'pending', lease_until = NULL, next_at = now()"
     " WHERE status = 'sending' AND lease_until < now()),"
     /* Bounded, so that a pass after a long stop stays short. */
     " old AS (DELETE FROM events WHERE id IN (SELECT e.id FROM events e"
     " WHERE e.at < now() - make_interval(secs => $3::double precision) AND e.dispatched"
     " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id"
     " AND d.status IN ('pending', 'sending'))"
     /* A time-based event stays while events_schedule would write its key
      * again (its loan open, 13 days late at most). */
     " AND NOT EXISTS (SELECT 1 FROM loans l WHERE e.once_key IS NOT NULL"
     " AND l.id = e.loan_id AND l.returned_at IS NULL"
     " AND l.due_date >= (rl_now() AT TIME ZONE $1)::date - 13)"
     " ORDER BY e.id LIMIT 10000))"
     " SELECT events_schedule($1, $2::int) AS n",
     0},
    {"outbox_claim_webhooks",
     "WITH due AS (SELECT d.id FROM webhook_deliveries d"
     " JOIN webhook_subscriptions s ON s.id = d.subscription_id"
     " JOIN events e ON e.id = d.event_id"
     " WHERE d.status = 'pending' AND d.next_at <= now()"
     " AND (s.enabled OR e.subscription_id = s.id)"
     " ORDER BY d.next_at LIMIT $1::int FOR UPDATE OF d SKIP LOCKED)"
     " UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1,"
     " lease_until = now() + make_interval(secs => $2::double precision)"
     " FROM due, webhook_subscriptions s, events e"
     " WHERE d.id = due.id AND s.id = d.subscription_id AND e.id = d.event_id"
     " RETURNING d.id, d.attempts, s.url, s.secret,"
     " CASE WHEN s.previous_until > now() THEN s.previous_secret END AS previous_secret,"
     " e.uid, e.type,"
     " jsonb_build_object('type', e.type, 'timestamp', rl_rfc3339(e.at), 'data', e.data)::text"
     " AS body",
     0},
    {"outbox_record_webhook",
     /* $8: succeeded, retry, failed, gone or release. The delivery must
      * still be this worker's: sending, at this attempt. */
     "WITH d AS (UPDATE webhook_deliveries SET"
     " status = CASE $8 WHEN 'succeeded' THEN 'succeeded' WHEN 'retry' THEN 'pending'"
     " WHEN 'release' THEN 'pending' ELSE 'failed' END,"
     " attempts = CASE WHEN $8 = 'release' THEN attempts - 1 ELSE attempts END,"
     " lease_until = NULL,"
     " next_at = CASE WHEN $8 IN ('retry', 'release')"
     " THEN now() + make_interval(secs => $9::double precision) ELSE next_at END,"
     " finished_at = CASE WHEN $8 IN ('succeeded', 'failed', 'gone') THEN now() END"
     " WHERE id = $1::bigint AND status = 'sending' AND attempts = $2::int"
     " RETURNING id, subscription_id),"
     " a AS (INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms,"
     " http_status, error, response_head) SELECT id, $2::int,"
     " to_timestamp($3::double precision), $4::int, $5::int, $6, $7 FROM d"
     " WHERE $8 <> 'release'),"
     /* failing_since is NULL until the first failure: "failing too long"
      * must then be false, not NULL (enabled is NOT NULL). */
     " s AS (UPDATE webhook_subscriptions s SET"
     " failing_since = CASE WHEN $8 = 'succeeded' THEN NULL"
     " ELSE coalesce(s.failing_since, now()) END,"
     " enabled = NOT ($8 = 'gone' OR ($8 <> 'succeeded' AND coalesce("
     " s.failing_since < now() - make_interval(secs => $10::double precision), false))),"
     " disabled_reason = CASE WHEN $8 = 'gone' THEN 'gone' WHEN $8 <> 'succeeded' AND"
     " s.failing_since < now() - make_interval(secs => $10::double precision)"
     " THEN 'failing' END,"
     " disabled_at = CASE WHEN $8 = 'gone' OR ($8 <> 'succeeded' AND"
     " s.failing_since < now() - make_interval(secs => $10::double precision))"
     " THEN now() END,"
     " version = s.version + CASE WHEN $8 = 'gone' OR ($8 <> 'succeeded' AND"
     " s.failing_since < now() - make_interval(secs => $10::double precision))"
     " THEN 1 ELSE 0 END"
     " FROM d WHERE s.id = d.subscription_id AND s.enabled AND $8 <> 'release'"
     /* A success when nothing was failing changes nothing: the row every
      * delivery of the subscription would otherwise rewrite is left alone. */
     " AND ($8 <> 'succeeded' OR s.failing_since IS NOT NULL)"
     " RETURNING s.id, s.enabled),"
     /* Disabled: its other pending deliveries wait out of the claims' way
      * (enabling it again makes them due). */
     " park AS (UPDATE webhook_deliveries w SET next_at = 'infinity' FROM s"
     " WHERE w.subscription_id = s.id AND NOT s.enabled AND w.status = 'pending'"
     " AND w.id <> $1::bigint)"
     " SELECT count(*) AS n FROM d",
     0},
    /* Before each attempt of a claimed batch: the lease is the worker's
     * still (a late worker never sends what another took back), and it
     * covers this attempt. */
    {"outbox_renew_webhook",
     "UPDATE webhook_deliveries SET lease_until = now() + make_interval(secs =>"
     " $3::double precision) WHERE id = $1::bigint AND status = 'sending'"
     " AND attempts = $2::int RETURNING 1",
     0},
    {NULL, NULL, 0},
};

static int count_of(long *n, PGresult *r)
{
  const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : NULL;
  *n = v ? strtol(v, NULL, 10) : 0;
  PQclear(r);
  return RL_OK;
}

int store_outbox_fanout(long *n, int limit, int mail)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit);
  const char *p[] = {l, mail ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "outbox_fanout", 2, p);
  return rc == RL_OK ? count_of(n, r) : rc;
}

int store_outbox_schedule(long *n, const char *tz, unsigned due_days, unsigned retention_s)
{
  char d[16], k[24];
  snprintf(d, sizeof d, "%u", due_days);
  snprintf(k, sizeof k, "%u", retention_s);
  const char *p[] = {tz, d, k};
  PGresult *r;
  int rc = store_exec(&r, "outbox_schedule", 3, p);
  return rc == RL_OK ? count_of(n, r) : rc;
}

int store_outbox_renew(int *held, const char *statement, long long job_id, int attempt,
                       unsigned lease_s)
{
  char id[24], at[16], l[16];
  snprintf(id, sizeof id, "%lld", job_id);
  snprintf(at, sizeof at, "%d", attempt);
  snprintf(l, sizeof l, "%u", lease_s);
  const char *p[] = {id, at, l};
  PGresult *r;
  *held = 0;
  int rc = store_exec(&r, statement, 3, p);
  if (rc != RL_OK)
    return rc;
  *held = PQntuples(r) == 1;
  PQclear(r);
  return RL_OK;
}

int store_outbox_renew_webhook(int *held, const struct webhook_job *job, unsigned lease_s)
{
  return store_outbox_renew(held, "outbox_renew_webhook", job->id, job->attempt, lease_s);
}

void webhook_job_free(struct webhook_job *job)
{
  free(job->url);
  free(job->secret);
  free(job->previous_secret);
  free(job->msg_id);
  free(job->type);
  free(job->body);
  memset(job, 0, sizeof *job);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static const char *const claim_cols[] = {"id",  "attempts", "url", "secret", "previous_secret",
                                         "uid", "type",     "body"};
enum { K_ID, K_ATTEMPTS, K_URL, K_SECRET, K_PREVIOUS, K_UID, K_TYPE, K_BODY, K_COUNT };

int store_outbox_claim_webhooks(struct webhook_job **jobs, int *n, int max, unsigned lease_s)
{
  *jobs = NULL;
  *n = 0;
  char m[16], l[16];
  snprintf(m, sizeof m, "%d", max);
  snprintf(l, sizeof l, "%u", lease_s);
  const char *p[] = {m, l};
  PGresult *r;
  int rc = store_exec(&r, "outbox_claim_webhooks", 2, p);
  if (rc != RL_OK)
    return rc;
  int rows = PQntuples(r);
  if (rows == 0) {
    PQclear(r);
    return RL_OK;
  }
  struct webhook_job *j = calloc((size_t)rows, sizeof *j);
  if (j == NULL) {
    PQclear(r);
    return RL_ENOMEM;
  }
  int c[K_COUNT];
  store_cols(r, claim_cols, c, K_COUNT);
  int ok = 1;
  for (int i = 0; i < rows; i++) {
    j[i].id = strtoll(store_value(r, i, c[K_ID]), NULL, 10);
    j[i].attempt = (int)strtol(store_value(r, i, c[K_ATTEMPTS]), NULL, 10);
    j[i].url = dup_or_null(store_value(r, i, c[K_URL]));
    j[i].secret = dup_or_null(store_value(r, i, c[K_SECRET]));
    j[i].previous_secret = dup_or_null(store_value(r, i, c[K_PREVIOUS]));
    j[i].msg_id = dup_or_null(store_value(r, i, c[K_UID]));
    j[i].type = dup_or_null(store_value(r, i, c[K_TYPE]));
    j[i].body = dup_or_null(store_value(r, i, c[K_BODY]));
    if (!j[i].url || !j[i].secret || !j[i].msg_id || !j[i].type || !j[i].body)
      ok = 0;
  }
  PQclear(r);
  *jobs = j;
  *n = rows;
  /* Jobs left out of memory are released by their leases running out. */
  return ok ? RL_OK : RL_ENOMEM;
}

static const char *const outcome_names[] = {"succeeded", "retry", "failed", "gone", "release"};

int store_outbox_record_webhook(const struct webhook_job *job, const struct webhook_attempt *a,
                                enum webhook_outcome outcome, double retry_s,
                                unsigned disable_after_s)
{
  char id[24], at[16], st[32], dur[24], code[8], rs[32], da[16];
  snprintf(id, sizeof id, "%lld", job->id);
  snprintf(at, sizeof at, "%d", job->attempt);
  snprintf(st, sizeof st, "%.6f", a->started_at);
  snprintf(dur, sizeof dur, "%ld", a->duration_ms < 0 ? 0 : a->duration_ms);
  snprintf(code, sizeof code, "%d", a->http_status);
  snprintf(rs, sizeof rs, "%.3f", outcome == WEBHOOK_RELEASE ? 0.0 : retry_s);
  snprintf(da, sizeof da, "%u", disable_after_s);
  const char *p[] = {id,
                     at,
                     st,
                     dur,
                     a->http_status >= 100 && a->http_status <= 599 ? code : NULL,
                     a->error,
                     a->response_head,
                     outcome_names[outcome],
                     rs,
                     da};
  PGresult *r;
  int rc = store_exec(&r, "outbox_record_webhook", 10, p);
  if (rc == RL_OK)
    PQclear(r);
  return rc;
}
