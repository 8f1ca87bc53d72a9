/* /metrics counts every route of the table, however long it grows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/metrics.h"
#include "api/routes.h"
#include "core/error.h"

Test(metrics, every_route_of_the_table_has_its_counters)
{
  cr_assert_eq(rl_metrics_init(), RL_OK);
  for (size_t r = 0; r < rl_routes_count; r++)
    rl_metrics_observe((int)r, 200, 0.002);
  rl_metrics_observe(0, 299, 0.2);
  rl_metrics_observe(-1, 404, 0.0001);
  size_t len = 0;
  char *text = rl_metrics_render(&len);
  cr_assert_not_null(text);
  cr_assert_eq(len, strlen(text));
  for (size_t r = 0; r < rl_routes_count; r++) {
    char want[256];
    snprintf(want, sizeof want, "repaird_requests_total{route=\"%s %s\",status=\"200\"} 1\n",
             rl_routes[r].method, rl_routes[r].path);
    cr_assert_not_null(strstr(text, want), "no %s in\n%s", want, text);
  }
  char other[256];
  snprintf(other, sizeof other, "{route=\"%s %s\",status=\"other\"} 1\n", rl_routes[0].method,
           rl_routes[0].path);
  cr_assert_not_null(strstr(text, other), "%s", text);
  cr_assert_not_null(strstr(text, "{route=\"unmatched\",status=\"404\"} 1\n"), "%s", text);
  char count[64];
  snprintf(count, sizeof count, "repaird_request_duration_seconds_count %zu\n",
           rl_routes_count + 2);
  cr_assert_not_null(strstr(text, count), "%s", text);
  cr_assert_not_null(strstr(text, "repaird_request_duration_seconds_bucket{le=\"+Inf\"}"));
  free(text);
}
