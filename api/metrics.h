/* Prometheus metrics: requests by route and status, latency histogram,
 * database reconnects. Lock-free counters. */
#ifndef RL_API_METRICS_H
#define RL_API_METRICS_H

#include <stddef.h>

/* route: index in the route table, or -1 for requests that matched none. */
void rl_metrics_observe(int route, unsigned status, double seconds);

/* The metrics in Prometheus text format; caller frees. */
char *rl_metrics_render(size_t *len);

#endif
