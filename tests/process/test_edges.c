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
