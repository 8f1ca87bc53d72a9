/* A per-process cache of rendered impact slices (the bytes of
 * /opendata/impact.json and .csv), keyed by the query and the rollup's
 * version (store_impact_version: a counter bumped in the transaction of
 * every change to the rollup, the factor sets or the site slugs), so that
 * a slice is rendered once per change instead of once per request, and a
 * committed change is never answered with the old bytes: a reader that
 * sees the change reads the new version, which no entry has yet.
 *
 * Bounded: IMPACT_CACHE_ENTRIES entries and IMPACT_CACHE_BYTES of bodies
 * at most, the least recently used going first; a body larger than
 * IMPACT_CACHE_ENTRY_MAX is not kept. Thread-safe: the request threads
 * share it under one mutex, held for lookups and copies only. */
#ifndef RL_CORE_IMPACT_CACHE_H
#define RL_CORE_IMPACT_CACHE_H

#include <stddef.h>

#define IMPACT_CACHE_ENTRIES 64
#define IMPACT_CACHE_BYTES ((size_t)16 * 1024 * 1024)
#define IMPACT_CACHE_ENTRY_MAX ((size_t)2 * 1024 * 1024)
#define IMPACT_CACHE_KEY_MAX 256

/* What a hit gives: the body (caller frees), its ETag (quoted) and its
 * Last-Modified (seconds since 1970). */
struct impact_cached {
  char *data;
  size_t len;
  char etag[24];
  long long modified;
};

/* A copy of the entry for key at version; 0, or -1 when there is none
 * (or no memory for the copy). */
int impact_cache_get(struct impact_cached *out, const char *key, long long version);

/* Keeps a copy of data for key at version (an older entry for key is
 * replaced; an entry of a newer version is kept). etag: the body's. */
void impact_cache_put(const char *key, long long version, const char *data, size_t len,
                      const char *etag, long long modified);

/* Empties it (tests, and the end of the process for leak checkers). */
void impact_cache_clear(void);

#endif
