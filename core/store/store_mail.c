/* E-mail statements (core/store/store_mail.h). */
#include "core/store/store_mail.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"
#include "core/store/store_outbox.h"

/* Whether a due message still goes, and why not: the contact is read now,
 * so an erased contact (no row), a removed address or a consent taken back
 * cancels it; so does a message that is no longer true. */
#define MAIL_VERDICT                                                                               \
  "CASE WHEN i.email IS NULL THEN 'no_address' WHEN NOT coalesce(i.notify, false)"                 \
  " THEN 'no_consent' WHEN NOT i.still_true THEN 'outdated' END"

const struct store_stmt store_mail_stmts[] = {
    {"mail_claim",
     "WITH due AS (SELECT id FROM email_messages WHERE status = 'pending' AND next_at <= now()"
     " ORDER BY next_at LIMIT $1::int FOR UPDATE SKIP LOCKED),"
     " i AS (SELECT m.id,"
     " CASE WHEN m.kind = 'repair_finished' THEN o.email ELSE mc.email END AS email,"
     " CASE WHEN m.kind = 'repair_finished' THEN o.name ELSE mc.name END AS name,"
     " CASE WHEN m.kind = 'repair_finished' THEN o.notify ELSE mc.notify END AS notify,"
     " CASE WHEN m.kind = 'repair_finished' THEN o.unsubscribe_token"
     " ELSE mc.unsubscribe_token END AS unsubscribe_token,"
     " CASE WHEN m.kind = 'repair_finished' THEN d.status IN ('repaired', 'unrepairable')"
     " ELSE l.returned_at IS NULL AND (e.id IS NULL OR l.due_date::text ="
     " e.data->'loan'->>'due_date') END AS still_true,"
     " d.code, d.brand, d.model, d.status AS device_status, c.name_fr, c.name_en,"
     " CASE WHEN m.kind = 'repair_finished' THEN d.tracking_token ELSE l.token END AS token,"
     " l.due_date::text AS due_date,"
     " abs(l.due_date - (rl_now() AT TIME ZONE $3)::date) AS days,"
     " s.name AS site_name, s.address AS site_address, s.opening_hours AS site_hours"
     " FROM due JOIN email_messages m ON m.id = due.id"
     " LEFT JOIN loans l ON l.id = m.loan_id"
     " JOIN devices d ON d.id = coalesce(m.device_id, l.device_id)"
     " JOIN categories c ON c.slug = d.category"
     " JOIN sites s ON s.id = coalesce(l.site_id, d.site_id)"
     " LEFT JOIN device_owners o ON m.kind = 'repair_finished' AND o.device_id = d.id"
     " LEFT JOIN member_contacts mc ON mc.member_id = l.member_id"
     " LEFT JOIN events e ON e.id = m.event_id),"
     " u AS (UPDATE email_messages m SET"
     " status = CASE WHEN " MAIL_VERDICT " IS NULL THEN 'sending' ELSE 'cancelled' END,"
     " attempts = m.attempts + CASE WHEN " MAIL_VERDICT " IS NULL THEN 1 ELSE 0 END,"
     " lease_until = CASE WHEN " MAIL_VERDICT " IS NULL"
     " THEN now() + make_interval(secs => $2::double precision) END,"
     " finished_at = CASE WHEN " MAIL_VERDICT " IS NULL THEN NULL ELSE now() END,"
     " last_error = coalesce(" MAIL_VERDICT ", m.last_error)"
     " FROM i WHERE m.id = i.id RETURNING m.id, m.status, m.attempts, m.kind, m.language,"
     " m.message_id)"
     " SELECT u.id, u.attempts, u.kind, u.language, u.message_id, i.email, i.name,"
     " i.unsubscribe_token, i.code, i.brand, i.model, i.device_status, i.name_fr, i.name_en,"
     " i.token, i.due_date, i.days, i.site_name, i.site_address, i.site_hours"
     " FROM u JOIN i ON i.id = u.id WHERE u.status = 'sending'",
     0},
    {"mail_record",
     /* $3: sent, retry, failed or release. The message must still be this
      * worker's: sending, at this attempt. */
     "UPDATE email_messages SET"
     " status = CASE $3 WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'pending' END,"
     " attempts = CASE WHEN $3 = 'release' THEN attempts - 1 ELSE attempts END,"
     " lease_until = NULL,"
     " next_at = CASE WHEN $3 IN ('retry', 'release')"
     " THEN now() + make_interval(secs => $4::double precision) ELSE next_at END,"
     " finished_at = CASE WHEN $3 IN ('sent', 'failed') THEN now() END,"
     " message_id = coalesce($5, message_id),"
     " last_error = CASE $3 WHEN 'sent' THEN NULL WHEN 'release' THEN last_error ELSE $6 END"
     " WHERE id = $1::bigint AND status = 'sending' AND attempts = $2::int",
     0},
    /* As outbox_renew_webhook: before each attempt of a claimed batch. */
    {"mail_renew",
     "UPDATE email_messages SET lease_until = now() + make_interval(secs => $3::double precision)"
     " WHERE id = $1::bigint AND status = 'sending' AND attempts = $2::int RETURNING 1",
     0},
    {"mail_list_device",
     "SELECT d.id AS owner_id, m.id, m.kind, m.language, m.status, m.attempts, m.created_at,"
     " m.finished_at, m.last_error"
     " FROM devices d LEFT JOIN email_messages m ON m.device_id = d.id AND m.id > $2::bigint"
     " WHERE d.code_body = $1 ORDER BY m.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"mail_list_loan",
     "SELECT l.id AS owner_id, m.id, m.kind, m.language, m.status, m.attempts, m.created_at,"
     " m.finished_at, m.last_error"
     " FROM loans l LEFT JOIN email_messages m ON m.loan_id = l.id AND m.id > $2::bigint"
     " WHERE l.id = $1::bigint ORDER BY m.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"mail_unsubscribe_get",
     "SELECT o.language, o.notify FROM device_owners o WHERE o.unsubscribe_token = $1"
     " UNION ALL SELECT m.language, c.notify FROM member_contacts c"
     " JOIN members m ON m.id = c.member_id WHERE c.unsubscribe_token = $1",
     STORE_RETRY_SAFE},
    {"mail_unsubscribe",
     "WITH o AS (UPDATE device_owners SET notify = false, updated_at = now()"
     " WHERE unsubscribe_token = $1 RETURNING language),"
     " c AS (UPDATE member_contacts SET notify = false, updated_at = rl_now()"
     " WHERE unsubscribe_token = $1 RETURNING member_id)"
     " SELECT language FROM o UNION ALL"
     " SELECT m.language FROM c JOIN members m ON m.id = c.member_id",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void mail_job_free(struct mail_job *job)
{
  char **strings[] = {
      &job->kind,        &job->language, &job->to,       &job->name,      &job->unsubscribe_token,
      &job->message_id,  &job->code,     &job->brand,    &job->model,     &job->category_fr,
      &job->category_en, &job->token,    &job->due_date, &job->site_name, &job->site_address,
      &job->site_hours};
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
    free(*strings[i]);
  memset(job, 0, sizeof *job);
}

static const char *const claim_cols[] = {
    "id",           "attempts",          "kind",  "language", "message_id", "email",
    "name",         "unsubscribe_token", "code",  "brand",    "model",      "device_status",
    "name_fr",      "name_en",           "token", "due_date", "days",       "site_name",
    "site_address", "site_hours"};
enum {
  K_ID,
  K_ATTEMPTS,
  K_KIND,
  K_LANGUAGE,
  K_MESSAGE_ID,
  K_EMAIL,
  K_NAME,
  K_UNSUB,
  K_CODE,
  K_BRAND,
  K_MODEL,
  K_STATUS,
  K_NAME_FR,
  K_NAME_EN,
  K_TOKEN,
  K_DUE,
  K_DAYS,
  K_SITE,
  K_ADDRESS,
  K_HOURS,
  K_COUNT
};

static int job_from_row(struct mail_job *j, const PGresult *r, int i, const int *c)
{
  j->id = strtoll(store_value(r, i, c[K_ID]), NULL, 10);
  j->attempt = (int)strtol(store_value(r, i, c[K_ATTEMPTS]), NULL, 10);
  const char *days = store_value(r, i, c[K_DAYS]);
  j->days = days ? (int)strtol(days, NULL, 10) : 0;
  const char *status = store_value(r, i, c[K_STATUS]);
  j->repaired = status && strcmp(status, "repaired") == 0;
  struct {
    char **to;
    int col;
  } s[] = {{&j->kind, K_KIND},
           {&j->language, K_LANGUAGE},
           {&j->message_id, K_MESSAGE_ID},
           {&j->to, K_EMAIL},
           {&j->name, K_NAME},
           {&j->unsubscribe_token, K_UNSUB},
           {&j->code, K_CODE},
           {&j->brand, K_BRAND},
           {&j->model, K_MODEL},
           {&j->category_fr, K_NAME_FR},
           {&j->category_en, K_NAME_EN},
           {&j->token, K_TOKEN},
           {&j->due_date, K_DUE},
           {&j->site_name, K_SITE},
           {&j->site_address, K_ADDRESS},
           {&j->site_hours, K_HOURS}};
  int ok = 1;
  for (size_t k = 0; k < sizeof s / sizeof *s; k++) {
    const char *v = store_value(r, i, c[s[k].col]);
    *s[k].to = dup_or_null(v);
    if (v && !*s[k].to)
      ok = 0;
  }
  return ok && j->kind && j->language && j->to && j->unsubscribe_token;
}

int store_mail_claim(struct mail_job **jobs, int *n, int max, unsigned lease_s, const char *tz)
{
  *jobs = NULL;
  *n = 0;
  char m[16], l[16];
  snprintf(m, sizeof m, "%d", max);
  snprintf(l, sizeof l, "%u", lease_s);
  const char *p[] = {m, l, tz};
  PGresult *r;
  int rc = store_exec(&r, "mail_claim", 3, p);
  if (rc != RL_OK)
    return rc;
  int rows = PQntuples(r);
  if (rows == 0) {
    PQclear(r);
    return RL_OK;
  }
  struct mail_job *j = calloc((size_t)rows, sizeof *j);
  if (j == NULL) {
    PQclear(r);
    return RL_ENOMEM;
  }
  int c[K_COUNT];
  store_cols(r, claim_cols, c, K_COUNT);
  int ok = 1;
  for (int i = 0; i < rows; i++)
    if (!job_from_row(&j[i], r, i, c))
      ok = 0;
  PQclear(r);
  *jobs = j;
  *n = rows;
  /* Jobs left out of memory are released by their leases running out. */
  return ok ? RL_OK : RL_ENOMEM;
}

int store_mail_renew(int *held, const struct mail_job *job, unsigned lease_s)
{
  return store_outbox_renew(held, "mail_renew", job->id, job->attempt, lease_s);
}

static const char *const outcome_names[] = {"sent", "retry", "failed", "release"};

int store_mail_record(const struct mail_job *job, enum mail_outcome outcome, double retry_s,
                      const char *message_id, const char *error)
{
  char id[24], at[16], rs[32];
  snprintf(id, sizeof id, "%lld", job->id);
  snprintf(at, sizeof at, "%d", job->attempt);
  snprintf(rs, sizeof rs, "%.3f", outcome == MAIL_RELEASE ? 0.0 : retry_s);
  const char *p[] = {id, at, outcome_names[outcome], rs, message_id, error};
  return store_exec_cmd("mail_record", 6, p);
}

static const char *const list_cols[] = {"owner_id",   "id",          "kind",
                                        "language",   "status",      "attempts",
                                        "created_at", "finished_at", "last_error"};
enum {
  L_OWNER,
  L_ID,
  L_KIND,
  L_LANGUAGE,
  L_STATUS,
  L_ATTEMPTS,
  L_CREATED,
  L_FINISHED,
  L_ERROR,
  L_COUNT
};

static int list_of(json_t **items, int64_t *next, PGresult *r, int limit)
{
  *next = 0;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[L_COUNT];
  store_cols(r, list_cols, c, L_COUNT);
  json_t *a = json_array();
  /* One row more than a page is asked for: it says that another page
   * follows (and is not shown). */
  int rows = PQntuples(r);
  int shown = rows > limit ? limit : rows;
  for (int i = 0; a && i < shown; i++) {
    if (store_value(r, i, c[L_ID]) == NULL)
      continue; /* the device or loan, with no message (after the cursor) */
    const char *status = store_value(r, i, c[L_STATUS]);
    int sent = status && strcmp(status, "sent") == 0;
    json_t *o = json_pack(
        "{s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, i, c[L_ID]), "kind",
        store_json_str(r, i, c[L_KIND]), "language", store_json_str(r, i, c[L_LANGUAGE]), "status",
        store_json_str(r, i, c[L_STATUS]), "attempts", store_json_int(r, i, c[L_ATTEMPTS]),
        "created_at", store_json_time(r, i, c[L_CREATED]), "sent_at",
        sent ? store_json_time(r, i, c[L_FINISHED]) : json_null(), "finished_at",
        store_json_time(r, i, c[L_FINISHED]), "last_error", store_json_str(r, i, c[L_ERROR]));
    if (o == NULL || json_array_append_new(a, o) != 0) {
      json_decref(a);
      a = NULL;
    }
  }
  if (a && rows > limit && store_value(r, limit - 1, c[L_ID]) != NULL)
    *next = strtoll(store_value(r, limit - 1, c[L_ID]), NULL, 10);
  PQclear(r);
  *items = a;
  return a ? RL_OK : RL_ENOMEM;
}

int store_mail_list_device(json_t **items, int64_t *next, const char *code_body, int64_t after,
                           int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {code_body, a, l};
  PGresult *r;
  int rc = store_exec(&r, "mail_list_device", 3, p);
  return rc == RL_OK ? list_of(items, next, r, limit) : rc;
}

int store_mail_list_loan(json_t **items, int64_t *next, int64_t loan_id, int64_t after, int limit)
{
  char id[24], a[24], l[16];
  snprintf(id, sizeof id, "%lld", (long long)loan_id);
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {id, a, l};
  PGresult *r;
  int rc = store_exec(&r, "mail_list_loan", 3, p);
  return rc == RL_OK ? list_of(items, next, r, limit) : rc;
}

static const char *language_of(const char *v) { return v && strcmp(v, "en") == 0 ? "en" : "fr"; }

int store_mail_unsubscribe_get(const char **language, int *notify, const char *token)
{
  const char *p[] = {token};
  PGresult *r;
  int rc = store_exec(&r, "mail_unsubscribe_get", 1, p);
  if (rc != RL_OK)
    return rc;
  rc = PQntuples(r) > 0 ? RL_OK : RL_ENOTFOUND;
  if (rc == RL_OK) {
    *language = language_of(PQgetvalue(r, 0, 0));
    *notify = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
  }
  PQclear(r);
  return rc;
}

int store_mail_unsubscribe(const char **language, const char *token)
{
  const char *p[] = {token};
  PGresult *r;
  int rc = store_exec(&r, "mail_unsubscribe", 1, p);
  if (rc != RL_OK)
    return rc;
  rc = PQntuples(r) > 0 ? RL_OK : RL_ENOTFOUND;
  if (rc == RL_OK)
    *language = language_of(PQgetvalue(r, 0, 0));
  PQclear(r);
  return rc;
}
