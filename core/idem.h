/* Idempotency-Key: the first request with a key does its work and stores
 * its reply in one transaction; a replay gets that reply; the same key with
 * another request, or while the first still runs, is refused. Knows nothing
 * of HTTP: a reply is a status, a body and two header values. */
#ifndef RL_CORE_IDEM_H
#define RL_CORE_IDEM_H

#include <stddef.h>
#include <stdint.h>

struct idem_reply {
  int status;
  const char *location, *etag; /* borrowed, or NULL */
  const char *body;            /* borrowed: what to store (personal data already removed) */
};

/* The work a key guards: runs inside the transaction and fills *reply
 * (pointers valid until the next run or until idem_run returns). It may be
 * run more than once (after a serialization failure); each run starts
 * afresh. A reply of 500 or more is not stored, and what the work wrote is
 * undone; a reply of 400 to 499 is stored, and what the work wrote is
 * undone too. */
typedef void (*idem_work)(void *ctx, struct idem_reply *reply);

enum idem_outcome {
  IDEM_STORED,     /* the work ran and its reply is stored with it */
  IDEM_NOT_STORED, /* the work ran and failed (5xx): nothing of it was kept */
  IDEM_REPLAYED,   /* *replay holds the stored reply */
};

/* A stored reply, malloc'd strings (free with idem_replay_free). */
struct idem_replay {
  int status;
  char *location, *etag, *body;
};

/* Runs work once per (key_id, key). fingerprint identifies the request
 * (method, path, body). ttl_s: how long the reply is kept. Returns RL_OK with
 * *outcome, RL_EIDEMPOTENCY (same key, other fingerprint), RL_EINFLIGHT
 * (first request still running), or a store error (RL_EINDOUBT when the
 * connection was lost during COMMIT; the work's reply must not be sent). */
int idem_run(enum idem_outcome *outcome, struct idem_replay *replay, int64_t key_id,
             const char *key, const char *fingerprint, unsigned ttl_s, idem_work work, void *ctx);

void idem_replay_free(struct idem_replay *r);

/* Deletes expired stored replies, a batch at a time, until none is left;
 * *deleted says how many. */
int idem_purge(long *deleted);

#endif
