/* The read log when its writes cannot go through: reads of personal data
 * made while the writer is held (the table locked), then the database
 * stopped and started again, all arrive, each once; and reads made just
 * before SIGTERM are in the table once the process has exited (the stop
 * writes the queue first). The queue's bound (a full queue refuses the
 * reply) is tested in tests/unit/test_read_log.c. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/integration/read_log_support.h"

static pid_t g_pid = -1, g_locker = -1;
static char g_url[64];

static void pg(const char *verb)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", getenv("RL_TEST_PG_SCRIPT"), verb);
  cr_assert_eq(system(cmd), 0, "scripts/pg %s", verb);
}

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static void start(void)
{
  /* One request thread: its connection is open (and its statements
   * prepared) before the table is locked. */
  static const char *const env[] = {"REPAIRD_THREADS=1", "REPAIRD_LOG_LEVEL=warn", NULL};
  g_pid = th_server_start(g_url, sizeof g_url, env);
  cr_assert_gt(g_pid, 0);
  setenv("RL_TEST_URL", g_url, 1);
}

static void stop(void)
{
  /* A test that failed with the database stopped leaves it running. */
  char cmd[600];
  snprintf(cmd, sizeof cmd, "%s start >/dev/null 2>&1", getenv("RL_TEST_PG_SCRIPT"));
  if (system(cmd) != 0)
    cr_log_warn("scripts/pg start failed after the test");
  if (g_pid > 0)
    th_server_stop(g_pid, SIGKILL);
  g_pid = -1;
  if (g_locker > 0)
    th_sql_wait(g_locker);
  g_locker = -1;
}

/* Holds an exclusive lock on personal_reads for seconds s, in the
 * background, and returns once it is held: the writer's inserts wait. */
static void hold_the_table(int s)
{
  char q[256];
  snprintf(q, sizeof q,
           "BEGIN; LOCK TABLE personal_reads IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(%d);"
           " COMMIT;",
           s);
  g_locker = th_sql_background(q);
  cr_assert_gt(g_locker, 0);
  for (int i = 0; i < 100; i++) {
    const char *n = th_sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                           " WHERE c.relname = 'personal_reads' AND l.granted"
                           " AND l.mode = 'AccessExclusiveLock'");
    if (n && strcmp(n, "1") == 0)
      return;
    sleep_ms(50);
  }
  cr_assert_fail("the lock was not taken");
}

/* Personal reads as key; copies their request ids. */
static void reads(char rid[][72], const struct rk_key *key, const struct rk_scenario *s)
{
  char paths[3][160];
  snprintf(paths[0], sizeof paths[0], "/api/v1/devices/%s", s->code);
  snprintf(paths[1], sizeof paths[1], "/api/v1/members/%s", s->number);
  snprintf(paths[2], sizeof paths[2], "/api/v1/devices?site=%s", s->site);
  for (int i = 0; i < 3; i++) {
    struct th_resp *r = th_req("GET", paths[i], key->secret, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", paths[i], r->status, r->body);
    snprintf(rid[i], 72, "%s", th_header(r, "X-Request-Id"));
    th_free(r);
  }
}

/* How many rows the table holds for this request id; -1 on failure. */
static long rows_for(const char *rid)
{
  return ds_count("SELECT count(*) FROM personal_reads WHERE request_id = '%s'", rid);
}

static void expect_recorded(char rid[][72], const struct rk_scenario *s)
{
  static const char *const routes[] = {"/api/v1/devices/:code", "/api/v1/members/:number",
                                       "/api/v1/devices"};
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(rows_for(rid[i]), 1, "request %s recorded once", rid[i]);
    cr_assert_str_eq(ds_sql("SELECT route FROM personal_reads WHERE request_id = '%s'", rid[i]),
                     routes[i]);
  }
  char want[64];
  snprintf(want, sizeof want, "|%s", s->number);
  cr_assert_str_eq(ds_sql("SELECT array_to_string(devices, ',') || '|' ||"
                          " array_to_string(members, ',') FROM personal_reads"
                          " WHERE request_id = '%s'",
                          rid[1]),
                   want);
  snprintf(want, sizeof want, "%s|", s->code);
  cr_assert_str_eq(ds_sql("SELECT array_to_string(devices, ',') || '|' ||"
                          " array_to_string(members, ',') FROM personal_reads"
                          " WHERE request_id = '%s'",
                          rid[0]),
                   want);
}

Test(read_log_outage, reads_while_the_database_is_away_arrive_after, .init = start, .fini = stop,
     .timeout = 120)
{
  struct rk_scenario s;
  rk_scenario(&s);
  struct rk_key vol;
  rk_new_key(&vol, "volunteer");
  char warm[3][72], rid[3][72];
  reads(warm, &vol, &s);
  json_t *items = rk_reads_of(vol.id);
  cr_assert_eq(json_array_size(items), 3, "the writer writes");
  json_decref(items);

  hold_the_table(60);
  reads(rid, &vol, &s);
  sleep_ms(500); /* the writer has tried, and waits on the lock */
  pg("stop");
  th_sql_wait(g_locker);
  g_locker = -1;
  struct th_resp *r = th_request_to(g_url, "GET", "/healthz", NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 200, "the process lives on");
  th_free(r);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.code);
  r = th_req("GET", path, vol.secret, NULL, NULL);
  cr_assert(th_is_problem(r, 503), "%ld %s", r->status, r->body);
  th_free(r);
  sleep_ms(1500); /* the writer backs off, trying again */
  pg("start");

  long n = 0;
  for (int i = 0; i < 100 && n != 3; i++) {
    sleep_ms(200);
    n = 0;
    for (int k = 0; k < 3; k++)
      n += rows_for(rid[k]) > 0;
  }
  cr_assert_eq(n, 3, "the reads made before the outage are recorded after it");
  expect_recorded(rid, &s);
  cr_assert_eq(th_server_stop(g_pid, SIGTERM), 0);
  g_pid = -1;
}

Test(read_log_outage, sigterm_writes_the_queue_before_exit, .init = start, .fini = stop,
     .timeout = 120)
{
  struct rk_scenario s;
  rk_scenario(&s);
  struct rk_key vol;
  rk_new_key(&vol, "volunteer");
  char warm[3][72], rid[3][72];
  reads(warm, &vol, &s);
  json_t *items = rk_reads_of(vol.id);
  cr_assert_eq(json_array_size(items), 3);
  json_decref(items);

  /* The writer is held for two seconds: the reads are still queued when
   * the signal comes. */
  hold_the_table(2);
  reads(rid, &vol, &s);
  cr_assert_eq(th_server_stop(g_pid, SIGTERM), 0, "a clean exit");
  g_pid = -1;
  th_sql_wait(g_locker);
  g_locker = -1;
  expect_recorded(rid, &s);
}
