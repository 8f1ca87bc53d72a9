/* Counters behind /metrics. */
#include "api/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/store/pool.h"

#define MAX_ROUTES 96
static const unsigned statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
                                    412, 413, 415, 422, 429, 500, 503};
#define N_STATUS (sizeof statuses / sizeof statuses[0])
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1,    2.5,   5};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

/* Slot MAX_ROUTES is "no route"; the last status slot is "other". */
static atomic_ulong g_requests[MAX_ROUTES + 1][N_STATUS + 1];
static atomic_ulong g_buckets[N_BUCKETS + 1];
static atomic_ulong g_sum_us;
static atomic_ulong g_count;

void rl_metrics_observe(int route, unsigned status, double seconds)
{
  size_t r = (route < 0 || route >= MAX_ROUTES) ? MAX_ROUTES : (size_t)route;
  size_t s = N_STATUS;
  for (size_t i = 0; i < N_STATUS; i++)
    if (statuses[i] == status)
      s = i;
  atomic_fetch_add_explicit(&g_requests[r][s], 1, memory_order_relaxed);
  size_t b = 0;
  while (b < N_BUCKETS && seconds > buckets[b])
    b++;
  atomic_fetch_add_explicit(&g_buckets[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&g_sum_us, (unsigned long)(seconds * 1e6), memory_order_relaxed);
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
}

struct buf {
  char *p;
  size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap * 2 + (size_t)n;
    char *p = realloc(b->p, cap);
    if (p == NULL)
      return;
    b->p = p;
    b->cap = cap;
  }
}

char *rl_metrics_render(size_t *len)
{
  struct buf b = {malloc(8192), 0, 8192};
  if (b.p == NULL)
    return NULL;
  put(&b, "# HELP repaird_requests_total HTTP requests by route and status.\n"
          "# TYPE repaird_requests_total counter\n");
  size_t nroutes = rl_routes_count < MAX_ROUTES ? rl_routes_count : MAX_ROUTES;
  for (size_t r = 0; r <= MAX_ROUTES; r++) {
    if (r >= nroutes && r != MAX_ROUTES)
      continue;
    char label[200];
    if (r == MAX_ROUTES)
      snprintf(label, sizeof label, "unmatched");
    else
      snprintf(label, sizeof label, "%s %s", rl_routes[r].method, rl_routes[r].path);
    for (size_t s = 0; s <= N_STATUS; s++) {
      unsigned long v = atomic_load_explicit(&g_requests[r][s], memory_order_relaxed);
      if (v == 0)
        continue;
      char status[8];
      if (s == N_STATUS)
        snprintf(status, sizeof status, "other");
      else
        snprintf(status, sizeof status, "%u", statuses[s]);
      put(&b, "repaird_requests_total{route=\"%s\",status=\"%s\"} %lu\n", label, status, v);
    }
  }
  put(&b, "# HELP repaird_request_duration_seconds Time to answer a request.\n"
          "# TYPE repaird_request_duration_seconds histogram\n");
  unsigned long cum = 0;
  for (size_t i = 0; i < N_BUCKETS; i++) {
    cum += atomic_load_explicit(&g_buckets[i], memory_order_relaxed);
    put(&b, "repaird_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[i], cum);
  }
  cum += atomic_load_explicit(&g_buckets[N_BUCKETS], memory_order_relaxed);
  put(&b, "repaird_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
  put(&b, "repaird_request_duration_seconds_sum %.6f\n",
      (double)atomic_load(&g_sum_us) / 1e6);
  put(&b, "repaird_request_duration_seconds_count %lu\n", atomic_load(&g_count));
  put(&b, "# HELP repaird_db_reconnects_total Database connections opened after one was lost.\n"
          "# TYPE repaird_db_reconnects_total counter\n"
          "repaird_db_reconnects_total %lu\n",
      store_pool_reconnects());
  *len = b.len;
  return b.p;
}
