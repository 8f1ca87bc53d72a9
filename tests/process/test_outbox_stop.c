/* The delivery workers when things stop: the database going away while
 * deliveries flow (the process lives on, deliveries resume, leases of the
 * attempts the outage cut are put back), and SIGTERM with an attempt in
 * flight (a prompt exit 0, the delivery released uncounted, delivered by
 * the next server). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/process/outbox_support.h"

static struct ob_receiver g_rx;
static pid_t g_pid = -1;
static char g_url[64], g_site[96], g_secret[OB_SECRET_CAP];
static long long g_sub;

static void pg(const char *verb)
{
  char cmd[600];
  snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", getenv("RL_TEST_PG_SCRIPT"), verb);
  cr_assert_eq(system(cmd), 0, "scripts/pg %s", verb);
}

static void start(void)
{
  ob_quiet();
  ob_receiver_start(&g_rx);
  ob_secret(g_secret);
  ob_receiver_secret(&g_rx, "stop", g_secret);
  g_sub = ob_subscribe(&g_rx, "stop", g_secret);
}

static void stop(void)
{
  /* A test that failed with the database stopped leaves it running for the
   * next (scripts/pg start does nothing when it runs). */
  char cmd[600];
  snprintf(cmd, sizeof cmd, "%s start >/dev/null 2>&1", getenv("RL_TEST_PG_SCRIPT"));
  if (system(cmd) != 0)
    cr_log_warn("scripts/pg start failed after the test");
  if (g_pid > 0)
    th_server_stop(g_pid, SIGKILL);
  g_pid = -1;
  ob_receiver_stop(&g_rx);
  th_sql("UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'admin',"
         " disabled_at = now() WHERE enabled");
}

static long deliveries(const char *status)
{
  return ds_count("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                  " AND status = '%s'",
                  g_sub, status);
}

static long healthz(void)
{
  struct th_resp *r = th_request_to(g_url, "GET", "/healthz", NULL, NULL, 0, NULL);
  long st = r->status;
  th_free(r);
  return st;
}

Test(outbox_stop, database_outage_while_delivering, .init = start, .fini = stop, .timeout = 240)
{
  enum { N = 400 };
  static char codes[N][CODE_CAP];
  /* Slow answers keep each worker inside an attempt most of the time, so
   * that the outage cuts some. The shortest timeouts make the shortest
   * lease (connect + whole attempt + 60 s). */
  ob_receiver_mode(&g_rx, "stop", "slow20");
  static const char *const env[] = {"REPAIRD_OUTBOX_SCHEDULE=1s", "REPAIRD_WEBHOOK_TIMEOUT=2s",
                                    "REPAIRD_WEBHOOK_CONNECT_TIMEOUT=1s",
                                    "REPAIRD_DELIVERY_SCHEDULE=1s,1s,1s,1s,1s", NULL};
  g_pid = ob_server(g_url, sizeof g_url, "2", env);
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
  const char *bases[] = {g_url};
  ob_intake_many(bases, 1, g_site, N, 16, codes);
  long flowing = 0;
  for (int i = 0; i < 200 && flowing < 40; i++) {
    flowing = deliveries("succeeded");
    ob_sleep_ms(50);
  }
  cr_assert_geq(flowing, 40, "deliveries flow before the outage");

  pg("stop");
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(healthz(), 200, "the process answers while the database is away");
    ob_sleep_ms(500);
  }
  pg("start");

  long sending = deliveries("sending");
  long pending =
      ob_wait_count(0, 150,
                    "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                    " AND status <> 'succeeded'",
                    g_sub);
  cr_assert_eq(pending, 0, "%ld deliveries never succeeded (%ld were held when it came back)",
               pending, sending);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld", g_sub), N);
  cr_assert_eq(healthz(), 200);

  /* Every event arrived, verified; some perhaps twice: an attempt the
   * receiver answered whose record the outage lost is made again when its
   * lease runs out (at least once, never lost). */
  json_t *got = ob_received(&g_rx, "stop"), *seen = json_object(), *rec;
  size_t i;
  long unverified = 0;
  json_array_foreach(got, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    cr_assert_not_null(id);
    unverified += !json_is_true(json_object_get(rec, "verified"));
    json_object_set_new(seen, id, json_true());
  }
  long dups = (long)json_array_size(got) - (long)json_object_size(seen);
  long retried = ds_count("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                          " AND attempts > 1",
                          g_sub);
  cr_log_info("outage: %zu requests for %d events, %ld duplicates; %ld deliveries held when the"
              " database came back, %ld took more than one attempt",
              json_array_size(got), N, dups, sending, retried);
  cr_assert_eq(unverified, 0);
  cr_assert_eq(json_object_size(seen), (size_t)N, "%zu of %d events arrived",
               json_object_size(seen), N);
  /* A duplicate is an attempt the receiver answered whose record the
   * outage lost: at most one a worker, since a worker that cannot record
   * sends nothing more of its batch (the rest waits for its leases). */
  cr_assert_leq(dups, 2, "%ld duplicates with 2 workers", dups);
  cr_assert_eq(deliveries("sending"), 0, "every lease the outage cut was put back");
  json_decref(seen);
  json_decref(got);

  int st = th_server_stop(g_pid, SIGTERM);
  g_pid = -1;
  cr_assert_eq(st, 0, "exit status %d after the outage", st);
}

Test(outbox_stop, sigterm_releases_the_attempt_in_flight, .init = start, .fini = stop,
     .timeout = 60)
{
  ob_receiver_mode(&g_rx, "stop", "slow5000");
  g_pid = ob_server(g_url, sizeof g_url, "1", NULL); /* REPAIRD_WEBHOOK_TIMEOUT: 15 s */
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
  char dev[CODE_CAP];
  ds_device(dev, "donation", g_site, "Stopped");
  /* Fanned out by the worker within a poll or two. */
  long long delivery = 0;
  for (int i = 0; i < 100 && delivery == 0; i++) {
    const char *id = ds_sql("SELECT d.id FROM webhook_deliveries d JOIN events e"
                            " ON e.id = d.event_id WHERE e.subject = '%s'",
                            dev);
    delivery = id ? atoll(id) : 0;
    if (delivery == 0)
      ob_sleep_ms(50);
  }
  cr_assert_gt(delivery, 0, "the event became a delivery");
  json_t *got = NULL;
  for (int i = 0; i < 100; i++) {
    json_decref(got);
    got = ob_received(&g_rx, "stop");
    if (json_array_size(got) > 0)
      break;
    ob_sleep_ms(50);
  }
  cr_assert_eq(json_array_size(got), 1, "the attempt reached the receiver");
  json_decref(got);
  const char *held = ds_sql("SELECT status || ' ' || attempts FROM webhook_deliveries"
                            " WHERE id = %lld",
                            delivery);
  cr_assert_str_eq(held, "sending 1", "delivery %lld: %s", delivery, held);

  double t0 = ob_now();
  int st = th_server_stop(g_pid, SIGTERM);
  double took = ob_now() - t0;
  g_pid = -1;
  cr_assert_eq(st, 0, "exit status %d", st);
  cr_log_info("SIGTERM with an attempt in flight: exit %d after %.2f s", st, took);
  cr_assert_lt(took, 3.0, "stopping took %.1f s with an attempt in flight", took);
  const char *state = ds_sql("SELECT status || ' ' || attempts || ' ' || (lease_until IS NULL)"
                             " || ' ' || (next_at <= now()) FROM webhook_deliveries"
                             " WHERE id = %lld",
                             delivery);
  cr_assert_str_eq(state, "pending 0 true true",
                   "released, the attempt not counted, due at once: %s (status, attempts,"
                   " no lease, due)",
                   state);
  cr_assert_eq(ds_count("SELECT count(*) FROM webhook_attempts WHERE delivery_id = %lld", delivery),
               0, "no attempt recorded");

  /* The next server delivers it. */
  ob_receiver_mode(&g_rx, "stop", "ok");
  g_pid = ob_server(g_url, sizeof g_url, "1", NULL);
  long done = ob_wait_count(1, 20,
                            "SELECT count(*) FROM webhook_deliveries WHERE id = %lld"
                            " AND status = 'succeeded' AND attempts = 1",
                            delivery);
  cr_assert_eq(done, 1);
  got = ob_received(&g_rx, "stop");
  cr_assert_eq(json_array_size(got), 2);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(got, 0), "id")),
                   json_string_value(json_object_get(json_array_get(got, 1), "id")),
                   "the same webhook-id again");
  cr_assert(json_is_true(json_object_get(json_array_get(got, 1), "verified")));
  json_decref(got);
  st = th_server_stop(g_pid, SIGTERM);
  g_pid = -1;
  cr_assert_eq(st, 0);
}
