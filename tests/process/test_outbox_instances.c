/* Two instances on one database share the outbox: every event is
 * delivered once (by webhook-id), signed so that the standardwebhooks
 * package verifies it, in one attempt; and the time-based loan events are
 * written once each although both instances run the schedule. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/loan_support.h"
#include "tests/process/outbox_support.h"

static struct ob_receiver g_rx;
static pid_t g_pid[2] = {-1, -1};
static char g_url[2][64], g_site[96], g_secret[OB_SECRET_CAP];
static long long g_sub;

static void reset_clock(void) { th_sql("UPDATE clock_shift SET shift = interval '0'"); }

/* A test that crashed ran no .fini: the clock goes back when the run ends. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
  (void)stats;
  reset_clock();
}

/* The receiver, one subscription to it, and two servers with two workers
 * each; extra: more settings for both. */
static void start_with(const char *const *extra)
{
  reset_clock();
  ob_quiet();
  ob_receiver_start(&g_rx);
  ob_secret(g_secret);
  ob_receiver_secret(&g_rx, "two", g_secret);
  g_sub = ob_subscribe(&g_rx, "two", g_secret);
  for (int i = 0; i < 2; i++)
    g_pid[i] = ob_server(g_url[i], sizeof g_url[i], "2", extra);
  setenv("RL_TEST_URL", g_url[0], 1);
  ds_site(g_site, sizeof g_site, 1);
}

static void start(void) { start_with(NULL); }

static void start_scheduled(void)
{
  static const char *const env[] = {"REPAIRD_OUTBOX_SCHEDULE=1s", "REPAIRD_TIMEZONE=Europe/Paris",
                                    "REPAIRD_NOTIFY_DUE_DAYS=2", NULL};
  start_with(env);
}

static void stop(void)
{
  reset_clock();
  for (int i = 0; i < 2; i++) {
    if (g_pid[i] > 0)
      cr_expect_eq(th_server_stop(g_pid[i], SIGTERM), 0, "server %d exits 0", i);
    g_pid[i] = -1;
  }
  ob_receiver_stop(&g_rx);
  th_sql("UPDATE webhook_subscriptions SET enabled = false, disabled_reason = 'admin',"
         " disabled_at = now() WHERE enabled");
}

Test(outbox_instances, every_event_is_delivered_once_by_one_of_two_instances, .init = start,
     .fini = stop, .timeout = 180)
{
  enum { N = 300 };
  static char codes[N][CODE_CAP];
  char xmin[24];
  snprintf(xmin, sizeof xmin, "%s",
           ds_sql("SELECT xmin FROM webhook_subscriptions WHERE id = %lld", g_sub));
  const char *bases[] = {g_url[0], g_url[1]};
  ob_intake_many(bases, 2, g_site, N, 24, codes);

  long done = ob_wait_count(N, 90,
                            "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                            " AND status = 'succeeded'",
                            g_sub);
  cr_assert_eq(done, N, "%ld of %d deliveries succeeded", done, N);
  ob_sleep_ms(1000); /* a second sending would have arrived by now */
  cr_assert_eq(
      ds_count("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld", g_sub), N,
      "one delivery an event, no more");
  cr_assert_eq(ds_count("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                        " AND (status <> 'succeeded' OR attempts <> 1)",
                        g_sub),
               0, "all succeeded at the first attempt");
  cr_assert_eq(ds_count("SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d"
                        " ON d.id = a.delivery_id WHERE d.subscription_id = %lld"
                        " AND a.attempt = 1 AND a.http_status = 200",
                        g_sub),
               N, "one attempt recorded each, answered 200");
  /* Successes of a subscription that is not failing leave its row alone:
   * every worker would otherwise rewrite (and lock) that one row. */
  cr_assert_str_eq(ds_sql("SELECT xmin FROM webhook_subscriptions WHERE id = %lld", g_sub), xmin,
                   "the subscription was rewritten by its successes");

  /* What the receiver saw: each event of the site once, verified. */
  json_t *got = ob_received(&g_rx, "two"), *seen = json_object(), *rec;
  size_t i;
  int unverified = 0;
  json_array_foreach(got, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    cr_assert_not_null(id);
    if (!json_is_true(json_object_get(rec, "verified")))
      unverified++;
    json_t *n = json_object_get(seen, id);
    json_object_set_new(seen, id, json_integer(n ? json_integer_value(n) + 1 : 1));
  }
  cr_assert_eq(unverified, 0, "%d deliveries failed the standardwebhooks check", unverified);
  cr_assert_eq(json_array_size(got), (size_t)N, "%zu requests for %d events", json_array_size(got),
               N);
  cr_assert_eq(json_object_size(seen), (size_t)N, "%zu distinct webhook-ids",
               json_object_size(seen));
  /* The ids are those of the site's events, and the bodies say so. */
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE type = 'device.received'"
                        " AND data->'device'->>'site' = '%s'",
                        g_site),
               N);
  json_array_foreach(got, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    json_t *body = json_object_get(rec, "body");
    const char *code = json_string_value(
        json_object_get(json_object_get(json_object_get(body, "data"), "device"), "code"));
    cr_assert_str_eq(json_string_value(json_object_get(body, "type")), "device.received");
    cr_assert_not_null(code);
    if (i % 25 == 0)
      cr_assert_str_eq(ds_sql("SELECT uid FROM events WHERE type = 'device.received'"
                              " AND subject = '%s'",
                              code),
                       id, "the webhook-id is the event's uid");
  }
  json_decref(seen);
  json_decref(got);
}

/* ---- time-based events ---- */

/* Puts the programme's clock at this instant (as test_loan_clock.c does:
 * a shift of whole seconds). */
static void clock_at(const char *when)
{
  const char *v = ds_sql("UPDATE clock_shift SET shift = extract(epoch FROM timestamptz '%s'"
                         " - now()) * interval '1 second' RETURNING 1",
                         when);
  cr_assert(v && strcmp(v, "1") == 0, "setting the clock to %s", when);
}

static long ev_loan(const char *type, long loan)
{
  return ds_count("SELECT count(*) FROM events WHERE type = '%s' AND loan_id = %ld", type, loan);
}

/* Waits until the loan has want events of the type, then three schedule
 * passes more, and checks it still has want. */
static void assert_events_settle(const char *when, long loan, long soon, long overdue)
{
  clock_at(when);
  long n = ob_wait_count(soon + overdue, 60,
                         "SELECT count(*) FROM events WHERE loan_id = %ld"
                         " AND type IN ('loan.due_soon', 'loan.overdue')",
                         loan);
  cr_assert_eq(n, soon + overdue, "at %s: %ld time-based events", when, n);
  ob_sleep_ms(3500);
  cr_assert_eq(ev_loan("loan.due_soon", loan), soon, "at %s", when);
  cr_assert_eq(ev_loan("loan.overdue", loan), overdue, "at %s", when);
}

Test(outbox_instances, time_based_events_are_written_once_by_two_schedulers,
     .init = start_scheduled, .fini = stop, .timeout = 180)
{
  clock_at("2027-05-01 12:00 Europe/Paris");
  char dev[CODE_CAP], mem[NUMBER_CAP], back[CODE_CAP], mem2[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long loan = ls_lend_ok(dev, mem, ",\"due_date\":\"2027-05-20\"");
  /* The same due date, given back: nothing time-based for it. */
  ls_device(back, "laptop", g_site);
  ls_member(mem2, -1);
  long returned = ls_lend_ok(back, mem2, ",\"due_date\":\"2027-05-20\"");
  struct th_resp *r = ls_return(returned, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);

  assert_events_settle("2027-05-17 12:00 Europe/Paris", loan, 0, 0);
  assert_events_settle("2027-05-18 12:00 Europe/Paris", loan, 1, 0);
  cr_assert_str_eq(ds_sql("SELECT data->>'days_left' FROM events WHERE type = 'loan.due_soon'"
                          " AND loan_id = %ld",
                          loan),
                   "2");
  assert_events_settle("2027-05-19 12:00 Europe/Paris", loan, 1, 0);
  assert_events_settle("2027-05-21 12:00 Europe/Paris", loan, 1, 1);
  assert_events_settle("2027-05-23 12:00 Europe/Paris", loan, 1, 1);
  assert_events_settle("2027-05-27 12:00 Europe/Paris", loan, 1, 2);
  cr_assert_str_eq(ds_sql("SELECT string_agg(data->>'days_overdue', ',' ORDER BY id)"
                          " FROM events WHERE type = 'loan.overdue' AND loan_id = %ld",
                          loan),
                   "1,7");
  assert_events_settle("2027-06-02 12:00 Europe/Paris", loan, 1, 2);
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE loan_id = %ld"
                        " AND type IN ('loan.due_soon', 'loan.overdue')",
                        returned),
               0, "nothing for the loan given back");

  /* Each was delivered once. */
  long want = ds_count("SELECT count(*) FROM events e JOIN webhook_deliveries d"
                       " ON d.event_id = e.id AND d.subscription_id = %lld"
                       " WHERE e.loan_id = %ld",
                       g_sub, loan);
  cr_assert_eq(want, 4, "loan.started, due_soon, overdue twice: %ld", want);
  long done = ob_wait_count(0, 30,
                            "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %lld"
                            " AND status <> 'succeeded'",
                            g_sub);
  cr_assert_eq(done, 0, "%ld deliveries not succeeded", done);
  json_t *got = ob_received(&g_rx, "two"), *rec;
  size_t i;
  int soon = 0, overdue = 0;
  json_array_foreach(got, i, rec) {
    json_t *body = json_object_get(rec, "body");
    const char *type = json_string_value(json_object_get(body, "type"));
    json_t *l = json_object_get(json_object_get(body, "data"), "loan");
    if (json_integer_value(json_object_get(l, "id")) != loan || type == NULL)
      continue;
    cr_assert(json_is_true(json_object_get(rec, "verified")), "%s", type);
    soon += strcmp(type, "loan.due_soon") == 0;
    overdue += strcmp(type, "loan.overdue") == 0;
  }
  json_decref(got);
  cr_assert_eq(soon, 1);
  cr_assert_eq(overdue, 2);
}

static void start_short_retention(void)
{
  static const char *const env[] = {"REPAIRD_OUTBOX_SCHEDULE=1s", "REPAIRD_TIMEZONE=Europe/Paris",
                                    "REPAIRD_EVENTS_RETENTION=1d", NULL};
  start_with(env);
}

/* An event older than REPAIRD_EVENTS_RETENTION is deleted once delivered;
 * a time-based one must not be while the schedule would write it again
 * (its loan still open, days 1 to 13 late), or the loan is reported
 * overdue once more each pass. The clock is put 3 days back so that the
 * event is written 3 days old. */
Test(outbox_instances, a_time_based_event_is_not_written_again_after_the_retention,
     .init = start_short_retention, .fini = stop, .timeout = 150)
{
  cr_assert_not_null(th_sql("UPDATE clock_shift SET shift = - interval '10 days'"));
  char due[16], dev[CODE_CAP], mem[NUMBER_CAP], extra[64];
  snprintf(due, sizeof due, "%s",
           th_sql("SELECT ((now() AT TIME ZONE 'Europe/Paris') - interval '4 days')::date"));
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", due);
  long loan = ls_lend_ok(dev, mem, extra);
  cr_assert_not_null(th_sql("UPDATE clock_shift SET shift = - interval '3 days'"));

  long n = ob_wait_count(1, 60,
                         "SELECT count(*) FROM webhook_deliveries d JOIN events e"
                         " ON e.id = d.event_id WHERE e.loan_id = %ld AND e.type = 'loan.overdue'"
                         " AND d.status = 'succeeded'",
                         loan);
  cr_assert_eq(n, 1, "the overdue event is delivered");
  char first[24];
  snprintf(first, sizeof first, "%s",
           ds_sql("SELECT id FROM events WHERE loan_id = %ld AND type = 'loan.overdue'", loan));
  ob_sleep_ms(4000); /* four passes of the schedule, each with the retention's delete */
  cr_assert_str_eq(ds_sql("SELECT coalesce(string_agg(id::text, ','), 'none') FROM events"
                          " WHERE loan_id = %ld AND type = 'loan.overdue'",
                          loan),
                   first, "the overdue event was deleted and written again");
  json_t *got = ob_received(&g_rx, "two"), *rec;
  size_t i;
  int overdue = 0;
  json_array_foreach(got, i, rec) {
    json_t *body = json_object_get(rec, "body");
    json_t *l = json_object_get(json_object_get(body, "data"), "loan");
    overdue += json_integer_value(json_object_get(l, "id")) == loan &&
               strcmp(json_string_value(json_object_get(body, "type")), "loan.overdue") == 0;
  }
  json_decref(got);
  cr_assert_eq(overdue, 1, "the receiver was told %d times that the loan is overdue", overdue);
}
