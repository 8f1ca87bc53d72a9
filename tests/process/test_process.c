/* The service as a process: graceful stop with a request in flight, the
 * database going away and coming back, migrations run twice, a database
 * with pending migrations, bad settings. Each test starts its own repaird. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

/* Runs a command line through sh; returns its exit status, output in out. */
static int sh(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t cap, const char *fmt, ...)
{
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  if (p == NULL)
    return -1;
  size_t n = 0;
  if (out) {
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
  } else {
    char tmp[4096];
    while (fread(tmp, 1, sizeof tmp, p) > 0) {
    }
  }
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(process, sigterm_finishes_the_request_in_flight_then_exits_0)
{
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(pid, 0);
  int port = atoi(strrchr(url, ':') + 1);

  /* A request whose body is still arriving when the signal comes. */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
  char body[128];
  int blen =
      snprintf(body, sizeof body, "{\"name\":\"%s\",\"role\":\"reader\"}", th_unique("inflight"));
  char head[512];
  int hlen = snprintf(head, sizeof head,
                      "POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %d\r\n"
                      "Connection: close\r\n\r\n",
                      th_admin_key(), blen);
  cr_assert_eq(write(s, head, (size_t)hlen), hlen);
  cr_assert_eq(write(s, body, 10), 10);
  sleep_ms(300);
  kill(pid, SIGTERM);
  sleep_ms(300);
  cr_assert_eq(write(s, body + 10, (size_t)blen - 10), blen - 10);
  char reply[4096];
  size_t n = 0;
  ssize_t got;
  while ((got = read(s, reply + n, sizeof reply - 1 - n)) > 0)
    n += (size_t)got;
  reply[n] = '\0';
  close(s);
  cr_assert(strncmp(reply, "HTTP/1.1 201", 12) == 0, "reply: %.80s", reply);

  int st = th_server_stop(pid, SIGTERM);
  cr_assert_eq(st, 0, "exit status %d", st);
  /* New connections are refused once it is gone. */
  struct th_resp *r = th_request_to(url, "GET", "/healthz", NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 0);
  th_free(r);
}

Test(process, database_outage_gives_503_then_recovers_without_restart, .timeout = 120)
{
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(pid, 0);
  const char *key = th_admin_key();
  struct th_resp *r = th_request_to(url, "GET", "/api/v1/categories/kettle", key, NULL, 0, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);

  cr_assert_eq(sh(NULL, 0, "%s stop", getenv("RL_TEST_PG_SCRIPT")), 0);
  for (int i = 0; i < 3; i++) {
    r = th_request_to(url, "GET", "/api/v1/categories/kettle", NULL, NULL, 0, NULL);
    cr_assert(th_is_problem(r, 401), "auth is checked first");
    th_free(r);
    r = th_request_to(url, "GET", "/api/v1/categories/toaster",
                      "rlk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 0, NULL);
    cr_assert(th_is_problem(r, 503), "while down: %ld %s", r->status, r->body);
    cr_assert_not_null(th_header(r, "Retry-After"));
    th_free(r);
  }
  r = th_request_to(url, "GET", "/api/v1/sites", key, NULL, 0, NULL);
  cr_assert(th_is_problem(r, 503), "a database read while down: %ld", r->status);
  th_free(r);
  r = th_request_to(url, "GET", "/readyz", NULL, NULL, 0, NULL);
  cr_assert(th_is_problem(r, 503));
  th_free(r);
  r = th_request_to(url, "GET", "/healthz", NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 200, "the process itself is alive");
  th_free(r);

  cr_assert_eq(sh(NULL, 0, "%s start", getenv("RL_TEST_PG_SCRIPT")), 0);
  long status = 0;
  /* Sites are read from the database on every request (categories are
   * served from memory once loaded). */
  for (int i = 0; i < 100 && status != 200; i++) {
    r = th_request_to(url, "GET", "/api/v1/sites?limit=1", key, NULL, 0, NULL);
    status = r->status;
    th_free(r);
    if (status != 200)
      sleep_ms(100);
  }
  cr_assert_eq(status, 200, "no recovery after the database came back");
  status = 0;
  for (int i = 0; i < 50 && status != 200; i++) {
    r = th_request_to(url, "GET", "/readyz", NULL, NULL, 0, NULL);
    status = r->status;
    th_free(r);
    if (status != 200)
      sleep_ms(100);
  }
  cr_assert_eq(status, 200, "/readyz does not recover");
  r = th_request_to(url, "GET", "/metrics", NULL, NULL, 0, NULL);
  const char *m = strstr(r->body, "\nrepaird_db_reconnects_total ");
  cr_assert_not_null(m);
  cr_assert_gt(atol(m + strlen("\nrepaird_db_reconnects_total ")), 0, "%s", r->body);
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

Test(process, migrate_twice_is_a_no_op)
{
  char out[4096];
  const char *before = th_sql("SELECT count(*) FROM schema_migrations");
  cr_assert_not_null(before);
  char count[32];
  snprintf(count, sizeof count, "%s", before);
  int rc = sh(out, sizeof out, "DATABASE_URL='%s' %s migrate 2>&1", getenv("RL_TEST_DATABASE_URL"),
              getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 0, "%s", out);
  cr_assert_str_eq(out, "", "a second migrate applied something: %s", out);
  cr_assert_str_eq(th_sql("SELECT count(*) FROM schema_migrations"), count);
}

Test(process, serve_refuses_a_database_with_pending_migrations)
{
  const char *db = th_unique("pending");
  char sql[128];
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
  cr_assert_not_null(th_sql(sql));
  char url[1024];
  snprintf(url, sizeof url, "%s", getenv("RL_TEST_DATABASE_URL"));
  char *slash = strstr(url, ":///");
  cr_assert_not_null(slash);
  char rest[1024];
  snprintf(rest, sizeof rest, "%s", strchr(slash + 4, '?'));
  snprintf(slash + 4, sizeof url - (size_t)(slash + 4 - url), "%s%s", db, rest);
  char out[4096];
  int rc = sh(out, sizeof out, "DATABASE_URL='%s' REPAIRD_LISTEN=127.0.0.1:1 %s serve 2>&1", url,
              getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 1, "%s", out);
  cr_assert_not_null(strstr(out, "0001_core.sql"), "%s", out);
  cr_assert_not_null(strstr(out, "repaird migrate"), "%s", out);
  rc = sh(out, sizeof out, "DATABASE_URL='%s' %s migrate 2>&1", url, getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 0, "%s", out);
  cr_assert_not_null(strstr(out, "applied 0002_categories.sql"), "%s", out);
}

Test(process, bad_setting_stops_startup_with_one_line)
{
  char out[4096];
  int rc = sh(out, sizeof out, "REPAIRD_THREADS=lots %s serve 2>&1", getenv("RL_TEST_BIN"));
  cr_assert_eq(rc, 2);
  cr_assert_not_null(strstr(out, "REPAIRD_THREADS"));
  cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "more than one line: %s", out);
}

Test(process, keys_cli_create_list_revoke)
{
  char out[4096];
  const char *bin = getenv("RL_TEST_BIN"), *db = getenv("RL_TEST_DATABASE_URL");
  int rc =
      sh(out, sizeof out, "DATABASE_URL='%s' %s keys create --role reader --name cli-key", db, bin);
  cr_assert_eq(rc, 0);
  char *last = strstr(out, "\nrlk_");
  cr_assert_not_null(last, "%s", out);
  char key[64];
  snprintf(key, sizeof key, "%.47s", last + 1);
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(pid, 0);
  struct th_resp *r = th_request_to(url, "GET", "/api/v1/categories/iron", key, NULL, 0, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  th_server_stop(pid, SIGTERM);
  rc = sh(out, sizeof out, "DATABASE_URL='%s' %s keys list | grep cli-key | cut -f1", db, bin);
  cr_assert_eq(rc, 0);
  int id = atoi(out);
  cr_assert_gt(id, 0);
  rc = sh(out, sizeof out, "DATABASE_URL='%s' %s keys revoke %d", db, bin, id);
  cr_assert_eq(rc, 0);
  rc = sh(out, sizeof out, "DATABASE_URL='%s' %s keys create --role root --name x 2>&1", db, bin);
  cr_assert_eq(rc, 2);
}

/* The access log names the route of tracking lookups, never their path: a
 * tracking token is a capability. A device code is printed on the device,
 * so the device page's path is logged like any other. */
Test(process, access_log_keeps_tracking_tokens_out)
{
  char dir[] = "/tmp/rl-log-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char file[64];
  snprintf(file, sizeof file, "%s/server.log", dir);
  setenv("RL_TEST_SERVER_LOG_FILE", file, 1);
  const char *env[] = {"REPAIRD_LOG_LEVEL=info", NULL};
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, env);
  cr_assert_gt(pid, 0);
  const char *token = "Zz9-secret-token_000000000";
  char path[96];
  snprintf(path, sizeof path, "/t/%s", token);
  struct th_resp *r = th_request_to(url, "GET", path, NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 404);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/track/%s", token);
  r = th_request_to(url, "GET", path, NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 404);
  th_free(r);
  r = th_request_to(url, "GET", "/d/RL-LOGS-0000", NULL, NULL, 0, NULL);
  cr_assert_geq(r->status, 400);
  th_free(r);
  /* Refused before a route took them: a method the path does not have,
   * and a body framed two ways (curl sends its Content-Length beside the
   * Transfer-Encoding), refused before the body is read. */
  snprintf(path, sizeof path, "/u/%s", token);
  r = th_request_to(url, "PUT", path, NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 405);
  th_free(r);
  const char *gzip[] = {"Transfer-Encoding: gzip", NULL};
  r = th_request_to(url, "POST", path, NULL, "x", 1, gzip);
  cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
  char log[65536];
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f);
  size_t n = fread(log, 1, sizeof log - 1, f);
  fclose(f);
  log[n] = '\0';
  cr_assert_not_null(strstr(log, "\"route\":\"/t/:token\",\"path\":\"/t/:token\""),
                     "no access line: %s", log);
  cr_assert_not_null(
      strstr(log, "\"route\":\"/api/v1/track/:token\",\"path\":\"/api/v1/track/:token\""),
      "no access line: %s", log);
  cr_assert_not_null(strstr(log, "\"route\":\"\",\"path\":\"/u/:token\",\"status\":405"),
                     "no line for the refused method: %s", log);
  cr_assert_not_null(strstr(log, "\"route\":\"/u/:token\",\"path\":\"/u/:token\",\"status\":400"),
                     "no line for the refused framing: %s", log);
  cr_assert_null(strstr(log, token), "the token is in the log");
  cr_assert_not_null(strstr(log, "\"route\":\"/d/:code\",\"path\":\"/d/RL-LOGS-0000\""),
                     "the device page's path is not logged: %s", log);
  unlink(file);
  rmdir(dir);
}
