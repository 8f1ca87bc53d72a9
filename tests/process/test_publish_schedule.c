/* The publisher thread of a server of its own (a pass every second, an
 * upload allowed two seconds): a stalled portal times out in that time;
 * the monthly publication runs once when the programme's clock enters the
 * next month, and not again after a restart; a failure is retried after
 * 1 min, then 5 min, and stops once it succeeds; the secret, read from a
 * file, is never in the server's log. The clock (clock_shift) is shared:
 * put back to 0 at the start and end of each test. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/integration/publish_support.h"

static pid_t g_pid = -1;
static char g_url[64], g_log[128], g_dir[128];

static void reset_clock(void) { th_sql("UPDATE clock_shift SET shift = interval '0'"); }

static void start_server(void)
{
  static char log_env[160], dir_env[160];
  snprintf(log_env, sizeof log_env, "RL_TEST_SERVER_LOG_FILE=%s", g_log);
  snprintf(dir_env, sizeof dir_env, "REPAIRD_PORTAL_SECRETS_DIR=%s", g_dir);
  const char *env[] = {"REPAIRD_PUBLISH_INTERVAL=1",
                       "REPAIRD_PUBLISH_TIMEOUT=2",
                       "REPAIRD_TIMEZONE=Europe/Paris",
                       "REPAIRD_LOG_LEVEL=debug",
                       dir_env,
                       NULL};
  /* The helper reads the log file's name from its own environment. */
  putenv(log_env);
  g_pid = th_server_start(g_url, sizeof g_url, env);
  cr_assert_gt(g_pid, 0, "the server starts");
  setenv("RL_TEST_URL", g_url, 1);
}

static void start(void)
{
  reset_clock();
  /* Targets left active by earlier runs would be published too. */
  th_sql("UPDATE publish_targets SET active = false");
  snprintf(g_log, sizeof g_log, "/tmp/rl-publish-%d.log", (int)getpid());
  snprintf(g_dir, sizeof g_dir, "/tmp/rl-secrets-%d", (int)getpid());
  unlink(g_log);
  mkdir(g_dir, 0700);
  char path[192];
  snprintf(path, sizeof path, "%s/portal.key", g_dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fprintf(f, "%s\n", ps_secret());
  fclose(f);
  start_server();
}

static void stop(void)
{
  reset_clock();
  th_sql("UPDATE publish_targets SET active = false");
  if (g_pid > 0) {
    th_server_stop(g_pid, SIGTERM);
    g_pid = -1;
  }
  char path[192];
  snprintf(path, sizeof path, "%s/portal.key", g_dir);
  unlink(path);
  rmdir(g_dir);
}

/* The secret is nowhere in what the server wrote. */
static void assert_log_clean(void)
{
  FILE *f = fopen(g_log, "r");
  cr_assert_not_null(f, "the server's log is kept");
  char line[8192];
  long lines = 0;
  while (fgets(line, sizeof line, f)) {
    lines++;
    cr_assert(strstr(line, ps_secret()) == NULL, "the secret is in the log: %s", line);
  }
  fclose(f);
  cr_assert_gt(lines, 0, "the log has lines (debug)");
}

static void clock_shift(const char *interval)
{
  char q[160];
  snprintf(q, sizeof q, "UPDATE clock_shift SET shift = interval '%s' RETURNING 1", interval);
  cr_assert_str_eq(th_sql(q), "1");
}

/* Waits up to ten seconds for the count query to give want. */
static void wait_count(const char *q, const char *want, const char *what)
{
  const char *v = th_sql(q);
  for (int i = 0; i < 100 && (v == NULL || strcmp(v, want) != 0); i++) {
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
    v = th_sql(q);
  }
  cr_assert(v && strcmp(v, want) == 0, "%s: %s, not %s", what, v ? v : "NULL", want);
}

static long long file_target(const struct portal *p, int active)
{
  struct th_resp *r =
      th_reqf("POST", "/api/v1/publishing/targets", th_admin_key(),
              "{\"name\":\"%s\",\"kind\":\"ckan\",\"base_url\":\"%s\",\"resource_id\":\"res-1\","
              "\"source\":\"ords-csv\",\"secret_file\":\"portal.key\",\"active\":%s}",
              th_unique("sched-"), p->base, active ? "true" : "false");
  cr_assert_eq(r->status, 201, "%s", r->body);
  long long id = json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

Test(publish_schedule, a_stalled_portal_times_out_in_the_time_allowed, .init = start, .fini = stop)
{
  struct portal p;
  ps_portal_start(&p, "ckan", NULL, "res-1", "stall");
  long long id = file_target(&p, 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct th_resp *q = ps_publish(id);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  cr_assert_eq(q->status, 202, "%s", q->body);
  cr_assert(s < 1, "the request does not wait for the upload: %.1f s", s);
  char loc[96];
  snprintf(loc, sizeof loc, "%s", th_header(q, "Location"));
  th_free(q);
  struct th_resp *r = ps_attempt_wait(loc);
  cr_assert_str_eq(th_str(r, "status"), "timeout", "%s", r->body);
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT extract(epoch FROM finished_at - started_at) BETWEEN 1.5 AND 6"
           " FROM publish_attempts WHERE id = %lld",
           ps_int(r, "id"));
  cr_assert_str_eq(th_sql(sql), "t", "the upload gave up after the 2 s allowed");
  cr_assert_not_null(th_str(r, "next_retry_at"), "a timeout is retried like a failure");
  cr_assert(strstr(r->body, ps_secret()) == NULL);
  th_free(r);
  int n;
  json_t *got = ps_portal_last(&p, &n);
  cr_assert_eq(n, 1);
  cr_assert_eq(json_array_size(json_object_get(got, "problems")), 0, "the upload was well formed");
  json_decref(got);
  ps_portal_stop(&p);
  assert_log_clean();
}

Test(publish_schedule, monthly_once_then_retries_with_growing_delays, .init = start, .fini = stop)
{
  struct portal p;
  ps_portal_start(&p, "ckan", NULL, "res-1", "500");
  long long id = file_target(&p, 1);
  char q[512];
  snprintf(q, sizeof q, "SELECT count(*) FROM publish_attempts WHERE target_id = %lld", id);
  struct timespec wait = {3, 0};
  nanosleep(&wait, NULL);
  cr_assert_str_eq(th_sql(q), "0", "this month counts as published when the target is made");

  /* Into the first day of next month, in the programme's zone. */
  clock_shift("0");
  char shift[200];
  snprintf(shift, sizeof shift,
           "UPDATE clock_shift SET shift = (date_trunc('month', now() AT TIME ZONE"
           " 'Europe/Paris') + interval '1 month 2 hours') AT TIME ZONE 'Europe/Paris' - now()"
           " RETURNING 1");
  cr_assert_str_eq(th_sql(shift), "1");
  snprintf(q, sizeof q,
           "SELECT count(*) FROM publish_attempts WHERE target_id = %lld AND trigger = 'monthly'"
           " AND status = 'failed' AND http_status = 500",
           id);
  wait_count(q, "1", "the monthly publication ran, and the portal failed it");
  snprintf(q, sizeof q,
           "SELECT extract(epoch FROM next_retry_at - finished_at)::int FROM publish_attempts"
           " WHERE target_id = %lld AND attempt = 1",
           id);
  cr_assert_str_eq(th_sql(q), "60");

  /* Two minutes on: the retry, attempt 2, fails too and waits longer. */
  th_sql("UPDATE clock_shift SET shift = shift + interval '2 minutes' RETURNING 1");
  snprintf(q, sizeof q,
           "SELECT count(*) FROM publish_attempts WHERE target_id = %lld AND trigger = 'retry'"
           " AND attempt = 2 AND status = 'failed'",
           id);
  wait_count(q, "1", "the first retry ran");
  snprintf(q, sizeof q,
           "SELECT extract(epoch FROM next_retry_at - finished_at)::int FROM publish_attempts"
           " WHERE target_id = %lld AND attempt = 2",
           id);
  cr_assert_str_eq(th_sql(q), "300", "the second retry waits five minutes");

  /* The portal is back: the next retry succeeds, and nothing follows it. */
  ps_portal_mode(&p, "ok");
  th_sql("UPDATE clock_shift SET shift = shift + interval '6 minutes' RETURNING 1");
  snprintf(q, sizeof q,
           "SELECT count(*) FROM publish_attempts WHERE target_id = %lld AND trigger = 'retry'"
           " AND attempt = 3 AND status = 'success'",
           id);
  wait_count(q, "1", "the second retry succeeded");
  snprintf(q, sizeof q, "SELECT retry_at IS NULL FROM publish_targets WHERE id = %lld", id);
  cr_assert_str_eq(th_sql(q), "t", "no retry after a success");

  /* A restart in the same month publishes nothing again. */
  cr_assert_eq(th_server_stop(g_pid, SIGTERM), 0);
  start_server();
  nanosleep(&wait, NULL);
  snprintf(q, sizeof q, "SELECT count(*) FROM publish_attempts WHERE target_id = %lld", id);
  cr_assert_str_eq(th_sql(q), "3", "three attempts in all, one monthly");
  int n;
  json_t *last = ps_portal_last(&p, &n);
  cr_assert_eq(n, 3, "the portal received three uploads");
  cr_assert_eq(json_array_size(json_object_get(last, "problems")), 0);
  snprintf(q, sizeof q,
           "SELECT sha256 FROM publish_attempts WHERE target_id = %lld AND attempt = 3", id);
  cr_assert_str_eq(th_sql(q), json_string_value(json_object_get(last, "file_sha256")));
  json_decref(last);
  ps_portal_stop(&p);
  assert_log_clean();
}
