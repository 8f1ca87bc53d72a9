/* Who is calling: an API key checked against the database, with a short
 * per-thread cache so that a busy key costs no extra round trip on most
 * requests. */
#ifndef RL_CORE_AUTH_H
#define RL_CORE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/apikey.h"

struct rl_principal {
  int64_t key_id;
  enum rl_role role;
  char name[104];
};

/* How long a checked key is trusted without asking the database again, in
 * milliseconds. A key revoked through this process is forgotten at once;
 * through another instance, within this time. */
#define RL_AUTH_CACHE_MS 2000

/* Checks a presented key. RL_OK with *out filled, RL_EUNAUTHORIZED (unknown,
 * malformed or revoked), or RL_EUNAVAILABLE. */
int rl_auth_key(struct rl_principal *out, const char *key, size_t len);

/* Makes every thread forget its cached keys (after a revocation). */
void rl_auth_forget_all(void);

#endif
