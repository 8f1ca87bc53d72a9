/* Webhook deliveries end to end: a repaird of the test's own, with the
 * settings under test, delivering to the test receiver
 * (tests/tools/webhook_receiver.mjs), which verifies every signature with
 * the official standardwebhooks package. Each test first disables the
 * subscriptions it did not make, so that nothing else is delivered. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/webhook_support.h"

#define SCHEDULE "1s,2s,3s"

static char g_url[64];
static pid_t g_server;
static struct receiver g_rv;
static char g_site[64];

static void disable_others(void)
{
  cr_assert_not_null(th_sql("UPDATE webhook_subscriptions SET enabled = false,"
                            " disabled_reason = 'admin', disabled_at = now() WHERE enabled"));
}

static void start_server(const char *const *extra)
{
  const char *env[16] = {"REPAIRD_WEBHOOK_ALLOW_HTTP=1", "REPAIRD_OUTBOX_POLL_MS=50",
                         "REPAIRD_DELIVERY_SCHEDULE=" SCHEDULE, "REPAIRD_WEBHOOK_TIMEOUT=2",
                         "REPAIRD_WEBHOOK_CONNECT_TIMEOUT=1"};
  int n = 5;
  int networks = 0;
  for (const char *const *e = extra; e && *e && n < 15; e++) {
    env[n++] = *e;
    networks |= strncmp(*e, "REPAIRD_WEBHOOK_ALLOW_NETWORKS=", 31) == 0;
  }
  if (!networks && n < 15)
    env[n++] = "REPAIRD_WEBHOOK_ALLOW_NETWORKS=127.0.0.1/32";
  env[n] = NULL;
  g_server = th_server_start(g_url, sizeof g_url, env);
  cr_assert_gt(g_server, 0, "repaird starts");
}

static void setup_with(const char *const *extra)
{
  disable_others();
  wh_receiver_start(&g_rv);
  start_server(extra);
  snprintf(g_site, sizeof g_site, "%s", th_unique("wh-"));
  char body[160];
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Site %s\"}", g_site, g_site);
  struct th_resp *r =
      th_request_to(g_url, "POST", "/api/v1/sites", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
}

static void setup(void) { setup_with(NULL); }

static void stop(void)
{
  if (g_server > 0)
    cr_assert_eq(th_server_stop(g_server, SIGTERM), 0, "repaird stops cleanly");
  g_server = 0;
  wh_receiver_stop(&g_rv);
}

/* The receiver's URL for name. */
static const char *hook_url(const char *name)
{
  static char url[160];
  snprintf(url, sizeof url, "%s/hook/%s", g_rv.base, name);
  return url;
}

/* Registers a device; copies its code (32 bytes). */
static void intake(char *code)
{
  char body[256];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Hook\"}",
           g_site);
  struct th_resp *r =
      th_request_to(g_url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  snprintf(code, 32, "%s", th_str(r, "code"));
  th_free(r);
}

/* A subscription of name's receiver to device.received, its secret set in
 * the receiver. */
static long long subscribe(const char *name, char *secret)
{
  char s[64];
  long long id = wh_create(g_url, hook_url(name), "[\"device.received\"]", s);
  char secrets[96];
  snprintf(secrets, sizeof secrets, "[\"%s\"]", s);
  wh_receiver_secrets(&g_rv, name, secrets);
  if (secret)
    snprintf(secret, 64, "%s", s);
  return id;
}

static struct th_resp *deliveries(long long id)
{
  return wh_req(g_url, "GET", "/api/v1/webhooks/%lld/deliveries", id);
}

/* The subscription's only delivery once its status is `status` (waits up
 * to ms); caller frees. */
static json_t *wait_delivery(long long id, const char *status, long ms)
{
  for (long waited = 0;; waited += 50) {
    struct th_resp *r = deliveries(id);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = json_object_get(r->json, "items");
    json_t *d = json_incref(json_array_get(items, 0));
    size_t n = json_array_size(items);
    th_free(r);
    const char *st = json_string_value(json_object_get(d, "status"));
    if (n == 1 && st && strcmp(st, status) == 0)
      return d;
    cr_assert(waited < ms, "the delivery is %s after %ld ms (it is %s)", status, ms,
              st ? st : "absent");
    json_decref(d);
    wh_sleep_ms(50);
  }
}

static struct th_resp *subscription(long long id)
{
  struct th_resp *r = wh_req(g_url, "GET", "/api/v1/webhooks/%lld", id);
  cr_assert_eq(r->status, 200, "%s", r->body);
  return r;
}

static const char *rec_str(const json_t *rec, const char *member)
{
  return json_string_value(json_object_get(rec, member));
}

Test(webhook_delivery, a_delivery_is_signed_as_standard_webhooks_says, .init = setup, .fini = stop)
{
  long long id = subscribe("signed", NULL);
  char code[32];
  intake(code);
  json_t *got = wh_wait_received(&g_rv, "signed", 1, 5000);
  cr_assert_eq(json_array_size(got), 1, "one delivery arrived");
  json_t *rec = json_array_get(got, 0);
  cr_assert(json_is_true(json_object_get(rec, "verified")), "the receiver verified it: %s",
            rec_str(rec, "problem"));
  cr_assert_str_eq(rec_str(rec, "id"), wh_event_uid("device.received", code),
                   "webhook-id is the event's id");
  cr_assert_str_eq(rec_str(rec, "content_type"), "application/json");
  json_t *body = json_object_get(rec, "body");
  cr_assert_str_eq(rec_str(body, "type"), "device.received");
  cr_assert(json_is_string(json_object_get(body, "timestamp")));
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(body, "data"), "device"), "code")),
                   code);
  cr_assert_eq(json_object_size(body), 3, "the envelope is type, timestamp, data");
  double ts = atof(rec_str(rec, "timestamp"));
  cr_assert(fabs(ts - (double)time(NULL)) < 30, "webhook-timestamp is now");
  json_decref(got);

  json_t *d = wait_delivery(id, "succeeded", 3000);
  cr_assert_eq(json_integer_value(json_object_get(d, "attempts")), 1);
  cr_assert_str_eq(rec_str(d, "event_type"), "device.received");
  json_t *last = json_object_get(d, "last_attempt");
  cr_assert_eq(json_integer_value(json_object_get(last, "http_status")), 200);
  cr_assert_str_eq(rec_str(last, "response_head"), "ok");
  cr_assert(json_is_null(json_object_get(last, "error")));
  cr_assert(json_is_null(json_object_get(d, "next_at")));
  struct th_resp *one = wh_req(g_url, "GET", "/api/v1/webhooks/%lld/deliveries/%lld", id,
                               (long long)json_integer_value(json_object_get(d, "id")));
  cr_assert_eq(one->status, 200, "%s", one->body);
  cr_assert_eq(json_array_size(json_object_get(one->json, "attempt_history")), 1);
  th_free(one);
  json_decref(d);
  struct th_resp *r = wh_req(g_url, "GET", "/api/v1/webhooks/%lld/deliveries?status=failed", id);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0);
  th_free(r);
  wh_delete(g_url, id);
}

Test(webhook_delivery, retries_follow_the_schedule_then_fail_and_a_redelivery_keeps_the_id,
     .init = setup, .fini = stop, .timeout = 60)
{
  wh_receiver_mode(&g_rv, "retry", "500");
  long long id = subscribe("retry", NULL);
  char code[32];
  intake(code);
  /* 1 + 3 attempts, 1 s, 2 s and 3 s apart (each ±20 %), then failed. */
  json_t *got = wh_wait_received(&g_rv, "retry", 4, 15000);
  cr_assert_eq(json_array_size(got), 4, "four attempts arrived");
  static const double steps[] = {1, 2, 3};
  for (int i = 0; i < 3; i++) {
    double gap =
        (double)(json_integer_value(json_object_get(json_array_get(got, (size_t)i + 1), "at")) -
                 json_integer_value(json_object_get(json_array_get(got, (size_t)i), "at"))) /
        1000.0;
    cr_assert(gap >= steps[i] * 0.8 - 0.05 && gap <= steps[i] * 1.2 + 0.5,
              "retry %d came %.3f s after the attempt before (schedule %.0f s ±20 %%)", i + 1, gap,
              steps[i]);
  }
  const char *first_id = rec_str(json_array_get(got, 0), "id");
  char webhook_id[64];
  snprintf(webhook_id, sizeof webhook_id, "%s", first_id);
  for (size_t i = 0; i < 4; i++) {
    cr_assert_str_eq(rec_str(json_array_get(got, i), "id"), webhook_id, "one webhook-id");
    cr_assert(json_is_true(json_object_get(json_array_get(got, i), "verified")));
  }
  json_decref(got);
  json_t *d = wait_delivery(id, "failed", 3000);
  cr_assert_eq(json_integer_value(json_object_get(d, "attempts")), 4);
  cr_assert(json_is_string(json_object_get(d, "finished_at")));
  json_t *last = json_object_get(d, "last_attempt");
  cr_assert_eq(json_integer_value(json_object_get(last, "http_status")), 500);
  cr_assert_str_eq(rec_str(last, "response_head"), "answer 500");
  long long did = json_integer_value(json_object_get(d, "id"));
  json_decref(d);
  struct th_resp *s = subscription(id);
  cr_assert(json_is_string(json_object_get(s->json, "failing_since")), "%s", s->body);
  cr_assert(json_is_true(json_object_get(s->json, "enabled")), "5 days are not over");
  th_free(s);
  wh_sleep_ms(1500);
  got = wh_received(&g_rv, "retry");
  cr_assert_eq(json_array_size(got), 4, "nothing more after the schedule is spent");
  json_decref(got);

  /* Sent again: the same message, so the same webhook-id. */
  wh_receiver_mode(&g_rv, "retry", "ok");
  struct th_resp *r =
      wh_req(g_url, "POST", "/api/v1/webhooks/%lld/deliveries/%lld/redeliver", id, did);
  cr_assert_eq(r->status, 202, "%s", r->body);
  th_free(r);
  got = wh_wait_received(&g_rv, "retry", 5, 5000);
  cr_assert_eq(json_array_size(got), 5);
  cr_assert_str_eq(rec_str(json_array_get(got, 4), "id"), webhook_id);
  cr_assert(json_is_true(json_object_get(json_array_get(got, 4), "verified")));
  json_decref(got);
  d = wait_delivery(id, "succeeded", 3000);
  cr_assert_eq(json_integer_value(json_object_get(d, "attempts")), 5);
  json_decref(d);
  s = subscription(id);
  cr_assert(json_is_null(json_object_get(s->json, "failing_since")), "a success clears it");
  th_free(s);
  r = wh_req(g_url, "GET", "/api/v1/webhooks/%lld/deliveries/%lld", id, did);
  cr_assert_eq(json_array_size(json_object_get(r->json, "attempt_history")), 5, "%s", r->body);
  th_free(r);
  wh_delete(g_url, id);
}

Test(webhook_delivery, a_stalled_receiver_times_out, .init = setup, .fini = stop, .timeout = 30)
{
  wh_receiver_mode(&g_rv, "stall", "stall");
  long long id = subscribe("stall", NULL);
  char code[32];
  intake(code);
  json_t *d = NULL;
  for (int i = 0; i < 100; i++) {
    struct th_resp *r = deliveries(id);
    d = json_incref(json_array_get(json_object_get(r->json, "items"), 0));
    th_free(r);
    if (d && json_is_object(json_object_get(d, "last_attempt")))
      break;
    json_decref(d);
    d = NULL;
    wh_sleep_ms(100);
  }
  cr_assert_not_null(d, "an attempt was recorded");
  json_t *last = json_object_get(d, "last_attempt");
  cr_assert_str_eq(rec_str(last, "error"), "timeout");
  cr_assert(json_is_null(json_object_get(last, "http_status")));
  json_int_t ms = json_integer_value(json_object_get(last, "duration_ms"));
  cr_assert(ms >= 1900 && ms <= 3500, "the attempt took the 2 s allowed: %lld ms", (long long)ms);
  json_decref(d);
  json_t *got = wh_received(&g_rv, "stall");
  cr_assert_geq(json_array_size(got), 1, "the receiver had the request");
  json_decref(got);
  wh_delete(g_url, id);
}

Test(webhook_delivery, gone_disables_the_subscription, .init = setup, .fini = stop)
{
  wh_receiver_mode(&g_rv, "gone", "410");
  long long id = subscribe("gone", NULL);
  char code[32];
  intake(code);
  json_t *d = wait_delivery(id, "failed", 5000);
  cr_assert_eq(json_integer_value(json_object_get(d, "attempts")), 1, "410 is not retried");
  cr_assert_eq(
      json_integer_value(json_object_get(json_object_get(d, "last_attempt"), "http_status")), 410);
  json_decref(d);
  struct th_resp *s = subscription(id);
  cr_assert(json_is_false(json_object_get(s->json, "enabled")), "%s", s->body);
  cr_assert_str_eq(th_str(s, "disabled_reason"), "gone");
  th_free(s);
  intake(code);
  wh_sleep_ms(1000);
  json_t *got = wh_received(&g_rv, "gone");
  cr_assert_eq(json_array_size(got), 1, "nothing more to a subscription that is gone");
  json_decref(got);
  wh_delete(g_url, id);
}

static void setup_failing(void)
{
  const char *env[] = {"REPAIRD_WEBHOOK_DISABLE_AFTER=2s",
                       "REPAIRD_DELIVERY_SCHEDULE=1s,1s,1s,1s,1s,1s,1s,1s", NULL};
  setup_with(env);
}

Test(webhook_delivery, failing_for_too_long_disables_the_subscription, .init = setup_failing,
     .fini = stop, .timeout = 30)
{
  wh_receiver_mode(&g_rv, "failing", "500");
  long long id = subscribe("failing", NULL);
  char code[32];
  intake(code);
  struct th_resp *s = NULL;
  for (int i = 0; i < 100; i++) {
    th_free(s);
    s = subscription(id);
    if (json_is_false(json_object_get(s->json, "enabled")))
      break;
    wh_sleep_ms(100);
  }
  cr_assert(json_is_false(json_object_get(s->json, "enabled")), "disabled: %s", s->body);
  cr_assert_str_eq(th_str(s, "disabled_reason"), "failing");
  th_free(s);
  json_t *got = wh_received(&g_rv, "failing");
  size_t n = json_array_size(got);
  json_decref(got);
  cr_assert(n >= 3 && n <= 5, "failed for 2 s at 1 s apart: %zu attempts", n);
  wh_sleep_ms(1500);
  got = wh_received(&g_rv, "failing");
  cr_assert_eq(json_array_size(got), n, "nothing more once disabled");
  json_decref(got);
  wh_delete(g_url, id);
}

Test(webhook_delivery, a_rotated_secret_signs_beside_the_new_one, .init = setup, .fini = stop)
{
  char old[64];
  long long id = subscribe("rotate", old);
  struct th_resp *r = wh_req(g_url, "POST", "/api/v1/webhooks/%lld/rotate-secret", id);
  cr_assert_eq(r->status, 200, "%s", r->body);
  char fresh[64];
  snprintf(fresh, sizeof fresh, "%s", th_str(r, "secret"));
  th_free(r);
  char code[32];
  /* A receiver that knows only the old secret still verifies... */
  intake(code);
  json_t *got = wh_wait_received(&g_rv, "rotate", 1, 5000);
  cr_assert_eq(json_array_size(got), 1);
  json_t *rec = json_array_get(got, 0);
  cr_assert(json_is_true(json_object_get(rec, "verified")), "%s", rec_str(rec, "problem"));
  cr_assert_not_null(strchr(rec_str(rec, "signature"), ' '), "two signatures: %s",
                     rec_str(rec, "signature"));
  json_decref(got);
  /* ...and one that knows only the new one. */
  char secrets[96];
  snprintf(secrets, sizeof secrets, "[\"%s\"]", fresh);
  wh_receiver_secrets(&g_rv, "rotate", secrets);
  intake(code);
  got = wh_wait_received(&g_rv, "rotate", 2, 5000);
  cr_assert_eq(json_array_size(got), 2);
  rec = json_array_get(got, 1);
  cr_assert(json_is_true(json_object_get(rec, "verified")), "%s", rec_str(rec, "problem"));
  json_decref(got);
  /* Once the overlap is over, only the new one signs. */
  char q[160];
  snprintf(q, sizeof q,
           "UPDATE webhook_subscriptions SET previous_until = now() - interval '1 second'"
           " WHERE id = %lld",
           id);
  cr_assert_not_null(th_sql(q));
  snprintf(secrets, sizeof secrets, "[\"%s\"]", old);
  wh_receiver_secrets(&g_rv, "rotate", secrets);
  intake(code);
  got = wh_wait_received(&g_rv, "rotate", 3, 5000);
  cr_assert_eq(json_array_size(got), 3);
  rec = json_array_get(got, 2);
  cr_assert(json_is_false(json_object_get(rec, "verified")), "the old secret no longer signs");
  cr_assert_null(strchr(rec_str(rec, "signature"), ' '), "one signature");
  json_decref(got);
  wh_delete(g_url, id);
}

Test(webhook_delivery, a_test_event_arrives, .init = setup, .fini = stop)
{
  long long id = subscribe("ping", NULL);
  struct th_resp *r = wh_req(g_url, "POST", "/api/v1/webhooks/%lld/test", id);
  cr_assert_eq(r->status, 202, "%s", r->body);
  char uid[64];
  snprintf(uid, sizeof uid, "%s", th_str(r, "id"));
  th_free(r);
  json_t *got = wh_wait_received(&g_rv, "ping", 1, 5000);
  cr_assert_eq(json_array_size(got), 1);
  json_t *rec = json_array_get(got, 0);
  cr_assert(json_is_true(json_object_get(rec, "verified")));
  cr_assert_str_eq(rec_str(rec, "id"), uid);
  json_t *body = json_object_get(rec, "body");
  cr_assert_str_eq(rec_str(body, "type"), "webhook.test");
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(body, "data"), "subscription")),
               id);
  json_decref(got);
  json_decref(wait_delivery(id, "succeeded", 3000));
  wh_delete(g_url, id);
}

static void setup_no_networks(void)
{
  const char *env[] = {"REPAIRD_WEBHOOK_ALLOW_NETWORKS=", NULL};
  setup_with(env);
}

Test(webhook_delivery, a_host_name_that_resolves_to_loopback_is_refused_at_connect,
     .init = setup_no_networks, .fini = stop)
{
  char url[160];
  snprintf(url, sizeof url, "http://localhost:%s/hook/local", strrchr(g_rv.base, ':') + 1);
  long long id = wh_create(g_url, url, "[\"device.received\"]", NULL);
  char code[32];
  intake(code);
  json_t *d = NULL;
  for (int i = 0; i < 60; i++) {
    struct th_resp *r = deliveries(id);
    d = json_incref(json_array_get(json_object_get(r->json, "items"), 0));
    th_free(r);
    if (d && json_is_object(json_object_get(d, "last_attempt")))
      break;
    json_decref(d);
    d = NULL;
    wh_sleep_ms(100);
  }
  cr_assert_not_null(d, "an attempt was recorded");
  cr_assert_str_eq(rec_str(json_object_get(d, "last_attempt"), "error"), "address_refused");
  cr_assert_str_eq(rec_str(d, "status"), "pending", "retried later, like any failure");
  json_decref(d);
  json_t *got = wh_received(&g_rv, "local");
  cr_assert_eq(json_array_size(got), 0, "the receiver got nothing");
  json_decref(got);
  wh_delete(g_url, id);
}

Test(webhook_delivery, a_disabled_subscription_gets_nothing, .init = setup, .fini = stop)
{
  long long id = subscribe("off", NULL);
  struct th_resp *r;
  char path[64];
  snprintf(path, sizeof path, "/api/v1/webhooks/%lld", id);
  const char *off = "{\"enabled\":false}";
  r = th_request_to(g_url, "PATCH", path, th_admin_key(), off, strlen(off), NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  char code[32];
  intake(code);
  wh_sleep_ms(1200);
  json_t *got = wh_received(&g_rv, "off");
  cr_assert_eq(json_array_size(got), 0, "a disabled subscription gets nothing");
  json_decref(got);
  r = deliveries(id);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0, "%s", r->body);
  th_free(r);
  wh_delete(g_url, id);
}

/* Events written while no instance delivered (REPAIRD_OUTBOX_WORKERS=0
 * everywhere, or the workers stopped) are turned into deliveries later:
 * only for the subscriptions that existed when they happened. */
static void setup_quiet(void)
{
  const char *env[] = {"REPAIRD_OUTBOX_WORKERS=0", NULL};
  setup_with(env);
}

Test(webhook_delivery, a_new_subscription_gets_no_event_from_before_it, .init = setup_quiet,
     .fini = stop)
{
  char before[32], after[32];
  intake(before);
  wh_sleep_ms(20);
  long long id = subscribe("late", NULL);
  /* The same database, now with workers. */
  cr_assert_eq(th_server_stop(g_server, SIGTERM), 0);
  g_server = 0;
  start_server(NULL);
  intake(after);
  json_t *got = wh_wait_received(&g_rv, "late", 1, 5000);
  wh_sleep_ms(800);
  json_decref(got);
  got = wh_received(&g_rv, "late");
  cr_assert_eq(json_array_size(got), 1, "one delivery, not the backlog: %zu", json_array_size(got));
  const json_t *dev = json_object_get(
      json_object_get(json_object_get(json_array_get(got, 0), "body"), "data"), "device");
  cr_assert_str_eq(json_string_value(json_object_get(dev, "code")), after);
  json_decref(got);
  cr_assert_str_eq(th_sql("SELECT count(*) FROM events WHERE NOT dispatched"
                          " AND type = 'device.received'"),
                   "0", "the earlier event was dispatched all the same");
  wh_delete(g_url, id);
}
