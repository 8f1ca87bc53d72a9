/* Idempotency in one transaction with the work it guards. */
#include "core/idem.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/store_idem.h"

#define PURGE_BATCH 1000

struct idem_tx {
  int64_t key_id;
  const char *key, *fingerprint;
  unsigned ttl_s;
  idem_work work;
  void *ctx;
  enum idem_outcome outcome;
  struct idem_replay replay;
};

void idem_replay_free(struct idem_replay *r)
{
  free(r->location);
  free(r->etag);
  free(r->body);
  memset(r, 0, sizeof *r);
}

static int idem_tx_run(void *arg)
{
  struct idem_tx *t = arg;
  idem_replay_free(&t->replay);
  t->outcome = IDEM_STORED;

  int found;
  struct store_idem_reply stored;
  int rc = store_idem_take(&found, &stored, t->key_id, t->key);
  if (rc != RL_OK)
    return rc;
  if (found) {
    rc = strcmp(stored.fingerprint, t->fingerprint) == 0 ? RL_OK : RL_EIDEMPOTENCY;
    if (rc == RL_OK) {
      t->outcome = IDEM_REPLAYED;
      t->replay = (struct idem_replay){stored.status, stored.location, stored.etag, stored.body};
      stored.location = stored.etag = stored.body = NULL;
    }
    store_idem_reply_free(&stored);
    return rc;
  }

  store_tx_mark();
  struct idem_reply reply = {0, NULL, NULL, NULL};
  t->work(t->ctx, &reply);
  if (reply.status >= 500) {
    t->outcome = IDEM_NOT_STORED; /* roll everything back; the caller sends the work's reply */
    return RL_EUNAVAILABLE;
  }
  if (reply.status >= 400 && (rc = store_tx_rollback_to_mark()) != RL_OK)
    return rc;
  struct store_idem_reply keep = {reply.status, NULL, (char *)reply.location, (char *)reply.etag,
                                  (char *)reply.body};
  store_tx_commit_next();
  return store_idem_store(t->key_id, t->key, t->fingerprint, &keep, t->ttl_s);
}

int idem_run(enum idem_outcome *outcome, struct idem_replay *replay, int64_t key_id,
             const char *key, const char *fingerprint, unsigned ttl_s, idem_work work, void *ctx)
{
  struct idem_tx t = {key_id, key, fingerprint, ttl_s, work, ctx, IDEM_STORED, {0}};
  memset(replay, 0, sizeof *replay);
  int rc = store_tx_run(STORE_READ_COMMITTED, idem_tx_run, &t);
  *outcome = t.outcome;
  if (t.outcome == IDEM_NOT_STORED)
    rc = RL_OK;
  if (rc == RL_OK && t.outcome == IDEM_REPLAYED)
    *replay = t.replay;
  else
    idem_replay_free(&t.replay);
  return rc;
}

int idem_purge(long *deleted)
{
  *deleted = 0;
  for (;;) {
    long n = 0;
    int rc = store_idem_purge(&n, PURGE_BATCH);
    if (rc != RL_OK)
      return rc;
    *deleted += n;
    if (n < PURGE_BATCH)
      return RL_OK;
  }
}
