/* Prometheus metrics: requests by route and status, latency histogram,
 * database reconnects. Lock-free counters. */
#ifndef RL_API_METRICS_H
#define RL_API_METRICS_H

#include <stddef.h>

/* Sizes the counters from the route table; call it once, before the first
 * rl_metrics_observe. Returns RL_OK or RL_ENOMEM. The counters live as long
 * as the process. */
int rl_metrics_init(void);

/* route: index in the route table, or -1 for requests that matched none. */
void rl_metrics_observe(int route, unsigned status, double seconds);

/* The metrics in Prometheus text format and their length in *len; caller
 * frees. NULL when memory ran out. */
char *rl_metrics_render(size_t *len);

#endif
