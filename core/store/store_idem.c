/* Prepared statements for idempotency_keys. */
#include "core/store/store_idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_idem_stmts[] = {
    /* In one statement: claim the key (or take over a claim abandoned for
     * a minute: its request died with no reply stored), or read the existing
     * claim. The SELECT sees the snapshot from before the INSERT, so it
     * returns the existing row exactly when the INSERT claimed nothing. */
    {"idem_claim",
     "WITH ins AS (INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint)"
     " VALUES ($1::bigint, $2, $3) ON CONFLICT (api_key_id, idem_key) DO UPDATE"
     " SET fingerprint = EXCLUDED.fingerprint, created_at = now()"
     " WHERE idempotency_keys.status IS NULL"
     " AND idempotency_keys.created_at < now() - interval '1 minute' RETURNING 1)"
     " SELECT true, NULL, NULL::int, NULL, NULL, NULL FROM ins"
     " UNION ALL SELECT false, fingerprint, status, location, body, etag FROM idempotency_keys"
     " WHERE api_key_id = $1::bigint AND idem_key = $2 AND NOT EXISTS (SELECT 1 FROM ins)"},
    {"idem_finish", "UPDATE idempotency_keys SET status = $3::int, location = $4, body = $5,"
                    " etag = $6"
                    " WHERE api_key_id = $1::bigint AND idem_key = $2"},
    {"idem_release", "DELETE FROM idempotency_keys"
                     " WHERE api_key_id = $1::bigint AND idem_key = $2 AND status IS NULL"},
    {NULL, NULL},
};

int store_idem_claim(int *claimed, struct store_idem_reply *replay, int64_t key_id,
                     const char *key, const char *fingerprint)
{
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)key_id);
  const char *p[] = {id, key, fingerprint};
  PGresult *r;
  memset(replay, 0, sizeof *replay);
  *claimed = 0;
  int rc = store_exec(&r, "idem_claim", 3, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    /* Another request claimed it after this statement's snapshot. */
    PQclear(r);
    return RL_EINFLIGHT;
  }
  if (PQgetvalue(r, 0, 0)[0] == 't') {
    *claimed = 1;
  } else if (strcmp(PQgetvalue(r, 0, 1), fingerprint) != 0) {
    rc = RL_EIDEMPOTENCY;
  } else if (PQgetisnull(r, 0, 2)) {
    rc = RL_EINFLIGHT;
  } else {
    replay->status = atoi(PQgetvalue(r, 0, 2));
    const char *loc = store_value(r, 0, 3);
    const char *body = store_value(r, 0, 4);
    const char *etag = store_value(r, 0, 5);
    replay->etag = etag ? strdup(etag) : NULL;
    replay->location = loc ? strdup(loc) : NULL;
    replay->body = body ? strdup(body) : NULL;
  }
  PQclear(r);
  return rc;
}

int store_idem_finish(int64_t key_id, const char *key, int status, const char *location,
                      const char *etag, const char *body, size_t body_len)
{
  char id[24], st[12];
  snprintf(id, sizeof id, "%lld", (long long)key_id);
  snprintf(st, sizeof st, "%d", status);
  char *b = body ? strndup(body, body_len) : NULL;
  const char *p[] = {id, key, st, location, b, etag};
  int rc = store_exec_cmd("idem_finish", 6, p);
  free(b);
  return rc;
}

int store_idem_release(int64_t key_id, const char *key)
{
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)key_id);
  const char *p[] = {id, key};
  return store_exec_cmd("idem_release", 2, p);
}
