/* The per-address limit on the public, key-less lookups (tracking JSON,
 * tracking page, device page), on a private repaird started with
 * REPAIRD_PUBLIC_RATE_LIMIT=5: five lookups a minute pass, the sixth gets a
 * 429 problem+json with Retry-After, and calls with a key are not counted. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"

/* The limiter counts in fixed one-minute windows of the system's monotonic
 * clock; start a burst well inside one so that it cannot straddle two. */
static void wait_for_fresh_window(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long into = ts.tv_sec % 60;
  if (into >= 45) {
    struct timespec d = {60 - into, 200 * 1000 * 1000};
    nanosleep(&d, NULL);
  }
}

static pid_t start_limited(char *url, size_t cap, const char *limit)
{
  static char env[64];
  snprintf(env, sizeof env, "REPAIRD_PUBLIC_RATE_LIMIT=%s", limit);
  const char *extra[] = {env, NULL};
  pid_t pid = th_server_start(url, cap, extra);
  cr_assert_gt(pid, 0, "repaird did not start");
  return pid;
}

static void assert_limited(const struct th_resp *r, const char *what)
{
  cr_assert(th_is_problem(r, 429), "%s: %ld %s", what, r->status, r->body);
  const char *ra = th_header(r, "Retry-After");
  cr_assert_not_null(ra, "%s: no Retry-After", what);
  char *end = NULL;
  long secs = strtol(ra, &end, 10);
  cr_assert(end != ra && *end == '\0', "%s: Retry-After is not delta-seconds: %s", what, ra);
  cr_assert(secs >= 1 && secs <= 60, "%s: Retry-After %ld", what, secs);
}

Test(ratelimit, sixth_public_lookup_in_a_minute_is_429_with_retry_after, .timeout = 120)
{
  wait_for_fresh_window();
  char url[64];
  pid_t pid = start_limited(url, sizeof url, "5");
  const char *token = "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  for (int i = 1; i <= 5; i++) {
    struct th_resp *r = th_request_to(url, "GET", token, NULL, NULL, 0, NULL);
    cr_assert_eq(r->status, 404, "lookup %d is within the limit: %ld %s", i, r->status, r->body);
    th_free(r);
  }
  struct th_resp *r = th_request_to(url, "GET", token, NULL, NULL, 0, NULL);
  assert_limited(r, "6th tracking lookup");
  th_free(r);

  /* The budget is per address, across the three public views. */
  r = th_request_to(url, "GET", "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0,
                    NULL);
  assert_limited(r, "tracking page");
  th_free(r);
  r = th_request_to(url, "GET", "/d/RL-0000-0000", NULL, NULL, 0, NULL);
  assert_limited(r, "device page");
  th_free(r);

  /* Calls with a key, and health checks, are not limited. */
  for (int i = 0; i < 20; i++) {
    r = th_request_to(url, "GET", "/api/v1/categories/laptop-medium", th_admin_key(), NULL, 0,
                      NULL);
    cr_assert_eq(r->status, 200, "keyed call %d: %ld %s", i, r->status, r->body);
    th_free(r);
  }
  r = th_request_to(url, "GET", "/healthz", NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  /* Still limited afterwards: keyed calls did not reset anything. */
  r = th_request_to(url, "GET", token, NULL, NULL, 0, NULL);
  assert_limited(r, "after keyed calls");
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

Test(ratelimit, keyed_api_calls_do_not_use_the_public_budget, .timeout = 120)
{
  wait_for_fresh_window();
  char url[64];
  pid_t pid = start_limited(url, sizeof url, "5");
  for (int i = 0; i < 30; i++) {
    struct th_resp *r =
        th_request_to(url, "GET", "/api/v1/categories/kettle", th_admin_key(), NULL, 0, NULL);
    cr_assert_eq(r->status, 200, "keyed call %d: %ld", i, r->status);
    th_free(r);
  }
  /* The public budget is untouched: five lookups still pass. */
  for (int i = 1; i <= 5; i++) {
    struct th_resp *r = th_request_to(url, "GET", "/d/RL-0000-0000", NULL, NULL, 0, NULL);
    cr_assert_eq(r->status, 404, "public lookup %d: %ld %s", i, r->status, r->body);
    th_free(r);
  }
  struct th_resp *r = th_request_to(url, "GET", "/d/RL-0000-0000", NULL, NULL, 0, NULL);
  assert_limited(r, "6th device page");
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

Test(ratelimit, bad_setting_stops_startup)
{
  char out[4096];
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "REPAIRD_PUBLIC_RATE_LIMIT=lots DATABASE_URL='%s' %s serve 2>&1",
           getenv("RL_TEST_DATABASE_URL"), getenv("RL_TEST_BIN"));
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d: %s", st, out);
  cr_assert_not_null(strstr(out, "REPAIRD_PUBLIC_RATE_LIMIT"), "%s", out);
}
