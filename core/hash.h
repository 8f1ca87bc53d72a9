/* FNV-1a, 64-bit: a fast, stable fingerprint for ETags and hash tables.
 * Not for secrets (API keys use SHA-256). */
#ifndef RL_CORE_HASH_H
#define RL_CORE_HASH_H

#include <stddef.h>

#define RL_FNV_OFFSET 1469598103934665603ULL

/* Continues hash h over data[0..n); start with RL_FNV_OFFSET. */
static inline unsigned long long rl_fnv1a(unsigned long long h, const void *data, size_t n)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

#endif
