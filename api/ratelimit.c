/* Fixed one-minute windows in a hashed table of counters, with striped locks.
 * Two addresses sharing a slot share a budget; the table is large enough that
 * this is rare, and it never lets a single address past its limit. The
 * same table counts each address's long replies under way. */
#include "api/ratelimit.h"
#include "core/hash.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#define SLOTS 8192
#define STRIPES 64

struct slot {
  unsigned long long addr;
  long window;
  unsigned count;
};

static struct slot g_slots[SLOTS];
/* Under way per slot (rl_concurrent_take), under the same striped locks. */
static unsigned g_running[SLOTS];
static pthread_mutex_t g_locks[STRIPES];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
  for (size_t i = 0; i < STRIPES; i++)
    pthread_mutex_init(&g_locks[i], NULL);
}

static unsigned long long addr_key(const struct rl_netaddr *addr)
{
  if (addr->family == AF_INET)
    return rl_fnv1a(RL_FNV_OFFSET, addr->bytes, 4);
  if (addr->family == AF_INET6) /* a /64 is one client */
    return rl_fnv1a(RL_FNV_OFFSET, addr->bytes, 8);
  return RL_FNV_OFFSET;
}

int rl_ratelimit_take(const struct rl_netaddr *addr, unsigned per_minute, unsigned *retry_after)
{
  pthread_once(&g_once, init_locks);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long window = ts.tv_sec / 60;
  unsigned long long key = addr_key(addr);
  size_t i = (size_t)(key % SLOTS);
  pthread_mutex_t *lock = &g_locks[i % STRIPES];
  int rc = 0;
  pthread_mutex_lock(lock);
  struct slot *s = &g_slots[i];
  /* A new window starts afresh; within a window, an address that lands on
   * a slot another one uses shares its budget (never resets it). */
  if (s->window != window) {
    s->addr = key;
    s->window = window;
    s->count = 0;
  }
  if (s->count >= per_minute) {
    rc = -1;
    *retry_after = (unsigned)(60 - ts.tv_sec % 60);
  } else {
    s->count++;
  }
  pthread_mutex_unlock(lock);
  return rc;
}

int rl_concurrent_take(const struct rl_netaddr *addr, unsigned max, unsigned *slot)
{
  pthread_once(&g_once, init_locks);
  size_t i = (size_t)(addr_key(addr) % SLOTS);
  int rc = -1;
  pthread_mutex_lock(&g_locks[i % STRIPES]);
  if (g_running[i] < max) {
    g_running[i]++;
    rc = 0;
  }
  pthread_mutex_unlock(&g_locks[i % STRIPES]);
  *slot = (unsigned)i;
  return rc;
}

void rl_concurrent_release(unsigned slot)
{
  size_t i = slot % SLOTS;
  pthread_mutex_lock(&g_locks[i % STRIPES]);
  if (g_running[i] > 0)
    g_running[i]--;
  pthread_mutex_unlock(&g_locks[i % STRIPES]);
}
