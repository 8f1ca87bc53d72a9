/* Per-client-address request limit for the public pages and lookups, so
 * tracking tokens cannot be guessed by brute force. Kept in this process:
 * behind a load balancer each instance limits on its own. */
#ifndef RL_API_RATELIMIT_H
#define RL_API_RATELIMIT_H

#include "core/netaddr.h"

/* Counts one request from addr (the client, see rl_client_address) against
 * a limit of per_minute requests in a one-minute window. Returns 0 when
 * allowed, -1 when over the limit (then *retry_after is the seconds until
 * the window ends). */
int rl_ratelimit_take(const struct rl_netaddr *addr, unsigned per_minute, unsigned *retry_after);

/* Long replies (streamed exports) under way at once per client address:
 * takes one of max for addr; 0 and *slot (to give back with
 * rl_concurrent_release, from any thread), or -1 when addr has max under
 * way already. Two addresses sharing a slot share the max. */
int rl_concurrent_take(const struct rl_netaddr *addr, unsigned max, unsigned *slot);
void rl_concurrent_release(unsigned slot);

#endif
