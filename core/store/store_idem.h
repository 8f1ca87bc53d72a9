/* Idempotency-Key records: the reply of the first request with a key,
 * stored in the same transaction as its work, so that a replay gets the
 * same reply without doing the work again. */
#ifndef RL_CORE_STORE_IDEM_H
#define RL_CORE_STORE_IDEM_H

#include <stddef.h>
#include <stdint.h>

struct store_idem_reply {
  int status;
  char *fingerprint; /* malloc'd */
  char *location;    /* malloc'd or NULL */
  char *etag;        /* malloc'd or NULL */
  char *body;        /* malloc'd or NULL */
};

/* Inside a transaction: takes (key_id, key) for this transaction, and reads
 * its stored reply if one has not expired. RL_EINFLIGHT when another
 * transaction holds the key; RL_OK with *found = 0, or *found = 1 and
 * *stored filled (caller frees with store_idem_reply_free). */
int store_idem_take(int *found, struct store_idem_reply *stored, int64_t key_id, const char *key);

/* Inside the same transaction: stores the reply, kept for ttl_s seconds
 * (an expired reply of the same key is replaced). RL_ERETRY when another
 * transaction stored one meanwhile: run again to replay it. */
int store_idem_store(int64_t key_id, const char *key, const char *fingerprint,
                     const struct store_idem_reply *reply, unsigned ttl_s);

/* Deletes up to `limit` expired replies; *deleted says how many. */
int store_idem_purge(long *deleted, int limit);

void store_idem_reply_free(struct store_idem_reply *r);

#endif
