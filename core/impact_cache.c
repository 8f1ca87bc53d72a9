/* The cache of rendered impact slices (core/impact_cache.h): a small
 * array scanned under one mutex. 64 entries compared by a hash first cost
 * well under a microsecond, next to a body copy of up to a few hundred kB. */
#include "core/impact_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

struct entry {
  unsigned long long hash; /* of key; 0: free */
  char key[IMPACT_CACHE_KEY_MAX];
  long long version;
  char *data;
  size_t len;
  char etag[24];
  long long modified;
  unsigned long long used; /* g_clock at the last hit or put */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry g_entries[IMPACT_CACHE_ENTRIES];
static size_t g_bytes;
static unsigned long long g_clock;

static unsigned long long key_hash(const char *key)
{
  unsigned long long h = rl_fnv1a(RL_FNV_OFFSET, key, strlen(key));
  return h ? h : 1;
}

static struct entry *find(const char *key, unsigned long long h)
{
  for (size_t i = 0; i < IMPACT_CACHE_ENTRIES; i++)
    if (g_entries[i].hash == h && strcmp(g_entries[i].key, key) == 0)
      return &g_entries[i];
  return NULL;
}

static void drop(struct entry *e)
{
  g_bytes -= e->len;
  free(e->data);
  memset(e, 0, sizeof *e);
}

int impact_cache_get(struct impact_cached *out, const char *key, long long version)
{
  unsigned long long h = key_hash(key);
  int rc = -1;
  pthread_mutex_lock(&g_lock);
  struct entry *e = find(key, h);
  if (e != NULL && e->version == version) {
    out->data = malloc(e->len ? e->len : 1);
    if (out->data != NULL) {
      memcpy(out->data, e->data, e->len);
      out->len = e->len;
      memcpy(out->etag, e->etag, sizeof out->etag);
      out->modified = e->modified;
      e->used = ++g_clock;
      rc = 0;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

void impact_cache_put(const char *key, long long version, const char *data, size_t len,
                      const char *etag, long long modified)
{
  if (strlen(key) >= IMPACT_CACHE_KEY_MAX || len > IMPACT_CACHE_ENTRY_MAX)
    return;
  char *copy = malloc(len ? len : 1);
  if (copy == NULL)
    return;
  memcpy(copy, data, len);
  unsigned long long h = key_hash(key);
  pthread_mutex_lock(&g_lock);
  struct entry *e = find(key, h);
  if (e != NULL && e->version > version) {
    /* A reader of an older version finished last: keep the newer. */
    pthread_mutex_unlock(&g_lock);
    free(copy);
    return;
  }
  if (e != NULL)
    drop(e);
  /* Room: a free entry, and the bytes, the least recently used going. */
  for (;;) {
    struct entry *lru = NULL, *free_one = NULL;
    for (size_t i = 0; i < IMPACT_CACHE_ENTRIES; i++) {
      struct entry *x = &g_entries[i];
      if (x->hash == 0) {
        if (free_one == NULL)
          free_one = x;
      } else if (lru == NULL || x->used < lru->used) {
        lru = x;
      }
    }
    if (free_one != NULL && g_bytes + len <= IMPACT_CACHE_BYTES) {
      e = free_one;
      break;
    }
    if (lru == NULL) { /* cannot be: a full table, or bytes in use */
      pthread_mutex_unlock(&g_lock);
      free(copy);
      return;
    }
    drop(lru);
  }
  e->hash = h;
  snprintf(e->key, sizeof e->key, "%s", key);
  e->version = version;
  e->data = copy;
  e->len = len;
  snprintf(e->etag, sizeof e->etag, "%s", etag);
  e->modified = modified;
  e->used = ++g_clock;
  g_bytes += len;
  pthread_mutex_unlock(&g_lock);
}

void impact_cache_clear(void)
{
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < IMPACT_CACHE_ENTRIES; i++)
    if (g_entries[i].hash != 0)
      drop(&g_entries[i]);
  pthread_mutex_unlock(&g_lock);
}
