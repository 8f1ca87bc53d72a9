/* Idempotency-Key records: the first request with a key claims it; its reply
 * is stored so that a replay gets the same reply without doing the work again. */
#ifndef RL_CORE_STORE_IDEM_H
#define RL_CORE_STORE_IDEM_H

#include <stddef.h>
#include <stdint.h>

struct store_idem_reply {
  int status;
  char *location; /* malloc'd or NULL */
  char *etag;     /* malloc'd or NULL */
  char *body;     /* malloc'd or NULL */
};

/* Claims (key_id, key) for a request with this fingerprint. RL_OK with
 * *claimed = 1 when this request is the first; RL_OK with *claimed = 0 and
 * *replay filled (caller frees its strings) when a finished reply exists;
 * RL_EIDEMPOTENCY when the key was used with another fingerprint;
 * RL_EINFLIGHT when the first request is still running. */
int store_idem_claim(int *claimed, struct store_idem_reply *replay, int64_t key_id,
                     const char *key, const char *fingerprint);

/* Stores the reply of a claimed key. */
int store_idem_finish(int64_t key_id, const char *key, int status, const char *location,
                      const char *etag, const char *body, size_t body_len);

/* Releases a claimed key whose request failed, so that it can be retried. */
int store_idem_release(int64_t key_id, const char *key);

#endif
