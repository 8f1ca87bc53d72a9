/* Counters behind /metrics. */
#include "api/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "api/routes.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/stock.h"
#include "core/store/pool.h"

static const unsigned statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                    409, 412, 413, 415, 422, 429, 500, 503};
#define N_STATUS (sizeof statuses / sizeof statuses[0])
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1,    2.5,   5};
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])

/* One row of counters per route and a last one for "no route"; the last
 * status slot is "other". Sized once from the route table, before any
 * request, so that a route added to the table is always counted. */
typedef atomic_ulong status_counts[N_STATUS + 1];
static status_counts *g_requests;
static size_t g_rows;
static atomic_ulong g_buckets[N_BUCKETS + 1];
static atomic_ulong g_sum_us;
static atomic_ulong g_count;

int rl_metrics_init(void)
{
  size_t rows = rl_routes_count + 1;
  status_counts *t = calloc(rows, sizeof *t);
  if (t == NULL)
    return RL_ENOMEM;
  for (size_t r = 0; r < rows; r++)
    for (size_t s = 0; s <= N_STATUS; s++)
      atomic_init(&t[r][s], 0);
  g_requests = t;
  g_rows = rows;
  return RL_OK;
}

void rl_metrics_observe(int route, unsigned status, double seconds)
{
  size_t r = (route < 0 || (size_t)route >= g_rows - 1) ? g_rows - 1 : (size_t)route;
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

char *rl_metrics_render(size_t *len)
{
  struct rl_buf b = {0};
  rl_buf_add(&b, "# HELP repaird_requests_total HTTP requests by route and status.\n"
                 "# TYPE repaird_requests_total counter\n");
  for (size_t r = 0; r < g_rows; r++) {
    for (size_t s = 0; s <= N_STATUS; s++) {
      unsigned long v = atomic_load_explicit(&g_requests[r][s], memory_order_relaxed);
      if (v == 0)
        continue;
      if (r == g_rows - 1)
        rl_buf_add(&b, "repaird_requests_total{route=\"unmatched\"");
      else
        rl_buf_printf(&b, "repaird_requests_total{route=\"%s %s\"", rl_routes[r].method,
                      rl_routes[r].path);
      if (s == N_STATUS)
        rl_buf_printf(&b, ",status=\"other\"} %lu\n", v);
      else
        rl_buf_printf(&b, ",status=\"%u\"} %lu\n", statuses[s], v);
    }
  }
  rl_buf_add(&b, "# HELP repaird_request_duration_seconds Time to answer a request.\n"
                 "# TYPE repaird_request_duration_seconds histogram\n");
  unsigned long cum = 0;
  for (size_t i = 0; i < N_BUCKETS; i++) {
    cum += atomic_load_explicit(&g_buckets[i], memory_order_relaxed);
    rl_buf_printf(&b, "repaird_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[i], cum);
  }
  cum += atomic_load_explicit(&g_buckets[N_BUCKETS], memory_order_relaxed);
  rl_buf_printf(&b, "repaird_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
  rl_buf_printf(&b, "repaird_request_duration_seconds_sum %.6f\n",
                (double)atomic_load(&g_sum_us) / 1e6);
  rl_buf_printf(&b, "repaird_request_duration_seconds_count %lu\n", atomic_load(&g_count));
  rl_buf_printf(&b,
                "# HELP repaird_db_reconnects_total Database connections opened after one was "
                "lost.\n"
                "# TYPE repaird_db_reconnects_total counter\n"
                "repaird_db_reconnects_total %lu\n",
                store_pool_reconnects());
  rl_buf_printf(&b,
                "# HELP repaird_part_low_stock_alerts_total Movements that took a site's stock "
                "of a part to or below its threshold.\n"
                "# TYPE repaird_part_low_stock_alerts_total counter\n"
                "repaird_part_low_stock_alerts_total %lu\n",
                stock_alerts_total());
  return rl_buf_take(&b, len);
}
