/* The service's edges as a process sees them: the listening socket is not
 * shared with a second repaird, and the public rate limit's client address
 * comes from X-Forwarded-For only through a trusted proxy. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/helpers/th.h"

/* Runs a command line through sh; returns its exit status (-1 if it did
 * not exit), its output (stdout and stderr) in out. */
static int run(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t cap, const char *fmt, ...)
{
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  if (p == NULL)
    return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(edges, second_server_on_a_taken_port_fails_at_startup, .timeout = 120)
{
  char url[64];
  pid_t first = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(first, 0, "the first repaird did not start");
  const char *port = strrchr(url, ':') + 1;

  /* `timeout` ends a second server that wrongly got the port: exit 124. */
  char out[4096];
  int rc = run(out, sizeof out,
               "DATABASE_URL='%s' REPAIRD_LISTEN=127.0.0.1:%s REPAIRD_LOG_LEVEL=warn "
               "timeout 30 %s serve 2>&1",
               getenv("RL_TEST_DATABASE_URL"), port, getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 1, "the second repaird exited with %d: %s", rc, out);
  cr_assert_not_null(strstr(out, "cannot listen on 127.0.0.1:"), "%s", out);
  cr_assert_not_null(strstr(out, "already in use"), "%s", out);
  cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "not one line: %s", out);

  for (int i = 0; i < 20; i++) {
    struct th_resp *r = th_request_to(url, "GET", "/healthz", NULL, NULL, 0, NULL);
    cr_assert_eq(r->status, 200, "the first repaird stopped answering: %ld", r->status);
    th_free(r);
  }
  cr_assert_eq(th_server_stop(first, SIGTERM), 0);
}

/* A public lookup that no token opens (404 within the limit, 429 past it),
 * with this X-Forwarded-For. */
static long lookup(const char *url, const char *xff)
{
  char h[128];
  snprintf(h, sizeof h, "X-Forwarded-For: %s", xff);
  const char *extra[] = {h, NULL};
  struct th_resp *r =
      th_request_to(url, "GET", "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                    NULL, 0, extra);
  long status = r->status;
  cr_assert(status == 404 || status == 429, "lookup: %ld %s", status, r->body);
  th_free(r);
  return status;
}

static pid_t start_with(char *url, size_t cap, const char *limit, const char *trusted)
{
  static char lim[64], tr[128];
  snprintf(lim, sizeof lim, "REPAIRD_PUBLIC_RATE_LIMIT=%s", limit);
  snprintf(tr, sizeof tr, "REPAIRD_TRUSTED_PROXIES=%s", trusted);
  const char *extra[] = {lim, tr, NULL};
  pid_t pid = th_server_start(url, cap, extra);
  cr_assert_gt(pid, 0, "repaird did not start");
  return pid;
}

/* Without trusted proxies, a client that writes a new X-Forwarded-For on
 * every request still spends its own address's budget. (A window boundary
 * can reset the count once, so eight requests against a limit of three
 * must see a 429 either way.) */
Test(edges, untrusted_peer_cannot_pick_its_bucket_with_x_forwarded_for, .timeout = 120)
{
  char url[64];
  pid_t pid = start_with(url, sizeof url, "3", "");
  int limited = 0;
  for (int i = 1; i <= 8; i++) {
    char xff[64];
    snprintf(xff, sizeof xff, "203.0.113.%d", i);
    limited += lookup(url, xff) == 429;
  }
  cr_assert_geq(limited, 1, "eight addresses named in X-Forwarded-For got eight buckets");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

/* Behind a trusted proxy (here the test itself, 127.0.0.1), each client
 * that X-Forwarded-For names has its own budget; one client past it is
 * limited, however the proxies before it are listed. */
Test(edges, trusted_proxy_gives_each_forwarded_client_its_bucket, .timeout = 120)
{
  char url[64];
  pid_t pid = start_with(url, sizeof url, "2", "127.0.0.1/32, 10.0.0.0/8");
  for (int i = 1; i <= 12; i++) {
    char xff[64];
    snprintf(xff, sizeof xff, "198.51.100.%d", i);
    cr_assert_eq(lookup(url, xff), 404, "client %s was limited: buckets are shared", xff);
  }
  /* One client through one or two trusted hops is one bucket. */
  const char *same[] = {"203.0.113.50",         "6.6.6.6, 203.0.113.50, 10.1.2.3",
                        "203.0.113.50:4711",    "203.0.113.50",
                        "7.7.7.7,203.0.113.50", "203.0.113.50"};
  int limited = 0;
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
    limited += lookup(url, same[i]) == 429;
  cr_assert_geq(limited, 1, "one forwarded client was never limited");
  /* A proxy that appends its own header line, after one the client spelled
   * in lower case: the lines are one list, read from the right. */
  limited = 0;
  for (int i = 1; i <= 6; i++) {
    char mine[64];
    snprintf(mine, sizeof mine, "x-forwarded-for: 9.9.9.%d", i);
    const char *extra[] = {mine, "X-Forwarded-For: 203.0.113.70", NULL};
    struct th_resp *r =
        th_request_to(url, "GET", "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                      NULL, 0, extra);
    limited += r->status == 429;
    th_free(r);
  }
  cr_assert_geq(limited, 1, "the client's own header line picked its bucket");
  /* A header that is not a list of addresses counts against the proxy. */
  limited = 0;
  for (int i = 0; i < 6; i++)
    limited += lookup(url, i % 2 ? "unknown" : "203.0.113.60, _hidden") == 429;
  cr_assert_geq(limited, 1, "malformed X-Forwarded-For picked fresh buckets");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

Test(edges, bad_trusted_proxies_stop_startup_with_one_line)
{
  char out[4096];
  int rc = run(out, sizeof out, "REPAIRD_TRUSTED_PROXIES=10.0.0.1/8 %s serve 2>&1",
               getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 2, "%s", out);
  cr_assert_not_null(strstr(out, "REPAIRD_TRUSTED_PROXIES"), "%s", out);
  cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "not one line: %s", out);
}
