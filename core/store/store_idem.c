/* Prepared statements for idempotency_keys. */
#include "core/store/store_idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_idem_stmts[] = {
    /* The advisory lock is the claim: held until the transaction ends, it
     * tells a second request with the same key that the first is still
     * running. The row read may predate a reply committed just before the
     * lock was taken; store_idem_store's unique key catches that case. */
    {"idem_take",
     "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0)) AS locked,"
     " k.fingerprint, k.status, k.location, k.etag, k.body"
     " FROM (VALUES (1)) one LEFT JOIN idempotency_keys k"
     " ON k.api_key_id = $1::bigint AND k.idem_key = $2 AND k.expires_at > now()",
     0},
    {"idem_drop_expired",
     "DELETE FROM idempotency_keys WHERE api_key_id = $1::bigint AND idem_key = $2"
     " AND expires_at <= now()",
     0},
    {"idem_store",
     "INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint, status, location, etag,"
     " body, expires_at) VALUES ($1::bigint, $2, $3, $4::int, $5, $6, $7,"
     " now() + $8::int * interval '1 second')",
     0},
    {"idem_purge",
     "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY (SELECT ctid FROM idempotency_keys"
     " WHERE expires_at <= now() LIMIT $1::int))",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void store_idem_reply_free(struct store_idem_reply *r)
{
  free(r->fingerprint);
  free(r->location);
  free(r->etag);
  free(r->body);
  memset(r, 0, sizeof *r);
}

int store_idem_take(int *found, struct store_idem_reply *stored, int64_t key_id, const char *key)
{
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)key_id);
  const char *p[] = {id, key};
  PGresult *r;
  memset(stored, 0, sizeof *stored);
  *found = 0;
  int rc = store_exec(&r, "idem_take", 2, p);
  if (rc != RL_OK)
    return rc;
  static const char *const names[] = {"locked",   "fingerprint", "status",
                                      "location", "etag",        "body"};
  int c[6];
  store_cols(r, names, c, 6);
  if (PQgetvalue(r, 0, c[0])[0] != 't') {
    rc = RL_EINFLIGHT;
  } else if (store_value(r, 0, c[1]) != NULL) {
    *found = 1;
    stored->fingerprint = dup_or_null(store_value(r, 0, c[1]));
    stored->status = (int)strtol(PQgetvalue(r, 0, c[2]), NULL, 10);
    stored->location = dup_or_null(store_value(r, 0, c[3]));
    stored->etag = dup_or_null(store_value(r, 0, c[4]));
    stored->body = dup_or_null(store_value(r, 0, c[5]));
    if (stored->fingerprint == NULL) {
      store_idem_reply_free(stored);
      rc = RL_ENOMEM;
    }
  }
  PQclear(r);
  return rc;
}

int store_idem_store(int64_t key_id, const char *key, const char *fingerprint,
                     const struct store_idem_reply *reply, unsigned ttl_s)
{
  char id[24], st[12], ttl[16];
  snprintf(id, sizeof id, "%lld", (long long)key_id);
  snprintf(st, sizeof st, "%d", reply->status);
  snprintf(ttl, sizeof ttl, "%u", ttl_s);
  const char *drop[] = {id, key};
  int rc = store_exec_deferred("idem_drop_expired", 2, drop);
  if (rc != RL_OK)
    return rc;
  const char *p[] = {id, key, fingerprint, st, reply->location, reply->etag, reply->body, ttl};
  rc = store_exec_cmd("idem_store", 8, p);
  return rc == RL_EDUPLICATE ? RL_ERETRY : rc;
}

int store_idem_purge(long *deleted, int limit)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit);
  const char *p[] = {l};
  PGresult *r;
  *deleted = 0;
  int rc = store_exec(&r, "idem_purge", 1, p);
  if (rc == RL_OK) {
    *deleted = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
  }
  return rc;
}
