/* API key checks with a small per-thread cache. Threads share nothing but an
 * epoch counter that a revocation bumps, so no lock is taken per request. */
#include "core/auth.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/store/store_apikey.h"

#define CACHE_SLOTS 16

/* The presented key itself is kept (in this thread's memory only) so that a
 * hit costs a comparison, not a SHA-256. */
struct cache_entry {
  char key[RL_APIKEY_LEN + 1];
  struct rl_principal who;
  long long expires_ms;
};

static atomic_ulong g_epoch;
static _Thread_local struct cache_entry tl_cache[CACHE_SLOTS];
static _Thread_local unsigned long tl_epoch;
static _Thread_local unsigned tl_next;

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rl_auth_forget_all(void) { atomic_fetch_add(&g_epoch, 1); }

int rl_auth_key(struct rl_principal *out, const char *key, size_t len)
{
  if (!rl_apikey_well_formed(key, len))
    return RL_EUNAUTHORIZED;

  unsigned long epoch = atomic_load(&g_epoch);
  if (epoch != tl_epoch) {
    memset(tl_cache, 0, sizeof tl_cache);
    tl_epoch = epoch;
  }
  long long now = now_ms();
  for (unsigned i = 0; i < CACHE_SLOTS; i++) {
    if (tl_cache[i].expires_ms > now && memcmp(tl_cache[i].key, key, RL_APIKEY_LEN) == 0) {
      *out = tl_cache[i].who;
      return RL_OK;
    }
  }

  char hash[RL_APIKEY_HASH_HEX + 1];
  rl_apikey_hash(hash, key, len);
  struct rl_principal who;
  memset(&who, 0, sizeof who);
  int rc = store_apikey_authenticate(&who.key_id, &who.role, who.name, sizeof who.name, hash);
  if (rc != RL_OK)
    return rc;
  struct cache_entry *e = &tl_cache[tl_next++ % CACHE_SLOTS];
  memcpy(e->key, key, RL_APIKEY_LEN);
  e->key[RL_APIKEY_LEN] = '\0';
  e->who = who;
  e->expires_ms = now + RL_AUTH_CACHE_MS;
  *out = who;
  return RL_OK;
}
