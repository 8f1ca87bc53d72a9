/* Webhook subscriptions and the events list on the shared server (which
 * delivers nothing: tests/process/test_webhook_delivery.c sends). The
 * subscriptions made here point at a URL that fails at once and are
 * deleted at the end, so that later servers with workers do not keep
 * trying them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/device_support.h"
#include "tests/integration/loan_support.h"
#include "tests/integration/webhook_support.h"

/* Subscriptions other than the dead-URL ones the other tests here make at
 * the same time. */
static long wh_count(void)
{
  return ds_count("SELECT count(*) FROM webhook_subscriptions WHERE url NOT LIKE '" WH_DEAD_URL
                  "%%'");
}

/* Whether a 400 names this field with this code. */
static int has_error(const struct th_resp *r, const char *field, const char *code)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    const char *c = json_string_value(json_object_get(e, "code"));
    if (f && c && strcmp(f, field) == 0 && strcmp(c, code) == 0)
      return 1;
  }
  return 0;
}

static void assert_invalid(const char *body, const char *field, const char *code)
{
  long before = wh_count();
  struct th_resp *r = wh_post(NULL, body);
  cr_assert(th_is_problem(r, 400), "%s: %ld %s", body, r->status, r->body);
  cr_assert(has_error(r, field, code), "%s: expected %s %s in %s", body, field, code, r->body);
  th_free(r);
  cr_assert_eq(wh_count(), before, "nothing stored for %s", body);
}

Test(webhooks, crud_with_etag_and_the_secret_shown_once)
{
  /* An own server, to read its log (debug: the most it writes). No
   * workers: it must not take other tests' deliveries. */
  char url[64], log[128];
  snprintf(log, sizeof log, "/tmp/rl-webhooks-%d.log", (int)getpid());
  unlink(log);
  char log_env[160];
  snprintf(log_env, sizeof log_env, "RL_TEST_SERVER_LOG_FILE=%s", log);
  const char *env[] = {"REPAIRD_OUTBOX_WORKERS=0", "REPAIRD_LOG_LEVEL=debug", log_env, NULL};
  pid_t pid = th_server_start(url, sizeof url, env);
  cr_assert_gt(pid, 0, "an own server starts");

  const char *create_hdr[] = {"Idempotency-Key: wh-create-once", NULL};
  const char *body =
      "{\"url\":\"" WH_DEAD_URL "/crud\",\"event_types\":[\"device.received\",\"loan.started\"],"
      "\"description\":\"Inventaire de la ville\"}";
  struct th_resp *c = th_request_to(url, "POST", "/api/v1/webhooks", th_admin_key(), body,
                                    strlen(body), create_hdr);
  cr_assert_eq(c->status, 201, "%s", c->body);
  char secret[64];
  snprintf(secret, sizeof secret, "%s", th_str(c, "secret"));
  cr_assert(strncmp(secret, "whsec_", 6) == 0 && strlen(secret) == 50, "secret: %s", secret);
  cr_assert_str_eq(th_header(c, "Cache-Control"), "no-store");
  long long id = json_integer_value(json_object_get(c->json, "id"));
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/webhooks/%lld", id);
  cr_assert_str_eq(th_header(c, "Location"), loc);
  cr_assert_str_eq(th_str(c, "url"), WH_DEAD_URL "/crud");
  cr_assert_str_eq(th_str(c, "description"), "Inventaire de la ville");
  cr_assert(json_is_true(json_object_get(c->json, "enabled")));
  cr_assert(json_is_null(json_object_get(c->json, "disabled_reason")));
  cr_assert_eq(json_array_size(json_object_get(c->json, "event_types")), 2);
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(c, "ETag"));
  th_free(c);

  /* Never again: not in GET, the list, a PATCH's reply, the stored
   * Idempotency-Key replies, nor the log. */
  struct th_resp *g = th_request_to(url, "GET", loc, th_admin_key(), NULL, 0, NULL);
  cr_assert_eq(g->status, 200, "%s", g->body);
  cr_assert_str_eq(th_header(g, "ETag"), etag, "the created reply's ETag is the object's");
  cr_assert_null(json_object_get(g->json, "secret"));
  cr_assert_null(strstr(g->body, secret));
  th_free(g);
  const char *inm[] = {NULL, NULL};
  char inm_h[96];
  snprintf(inm_h, sizeof inm_h, "If-None-Match: %s", etag);
  inm[0] = inm_h;
  g = th_request_to(url, "GET", loc, th_admin_key(), NULL, 0, inm);
  cr_assert_eq(g->status, 304);
  th_free(g);
  struct th_resp *l =
      th_request_to(url, "GET", "/api/v1/webhooks?limit=500", th_admin_key(), NULL, 0, NULL);
  cr_assert_eq(l->status, 200, "%s", l->body);
  cr_assert_null(strstr(l->body, secret));
  cr_assert_not_null(strstr(l->body, "Inventaire de la ville"));
  th_free(l);

  /* A stale If-Match is 412 and changes nothing. */
  char im_old[96], im_new[96];
  snprintf(im_old, sizeof im_old, "If-Match: %s", etag);
  const char *hdr_old[] = {im_old, "Content-Type: application/merge-patch+json", NULL};
  const char *p1 = "{\"description\":\"Parc informatique\"}";
  struct th_resp *p = th_request_to(url, "PATCH", loc, th_admin_key(), p1, strlen(p1), hdr_old);
  cr_assert_eq(p->status, 200, "%s", p->body);
  cr_assert_str_eq(th_str(p, "description"), "Parc informatique");
  cr_assert_null(strstr(p->body, secret));
  snprintf(im_new, sizeof im_new, "If-Match: %s", th_header(p, "ETag"));
  cr_assert_str_neq(th_header(p, "ETag"), etag);
  th_free(p);
  const char *p2 = "{\"description\":\"Trop tard\"}";
  p = th_request_to(url, "PATCH", loc, th_admin_key(), p2, strlen(p2), hdr_old);
  cr_assert(th_is_problem(p, 412), "%ld %s", p->status, p->body);
  th_free(p);

  /* Disabling says who; enabling clears it and the failing time. */
  const char *hdr_new[] = {im_new, NULL};
  const char *p3 = "{\"enabled\":false}";
  p = th_request_to(url, "PATCH", loc, th_admin_key(), p3, strlen(p3), hdr_new);
  cr_assert_eq(p->status, 200, "%s", p->body);
  cr_assert(json_is_false(json_object_get(p->json, "enabled")));
  cr_assert_str_eq(th_str(p, "disabled_reason"), "admin");
  cr_assert(json_is_string(json_object_get(p->json, "disabled_at")));
  th_free(p);
  char q[400];
  snprintf(q, sizeof q, "UPDATE webhook_subscriptions SET failing_since = now() WHERE id = %lld",
           id);
  cr_assert_not_null(th_sql(q));
  const char *p4 = "{\"enabled\":true,\"event_types\":[\"*\"]}";
  p = th_request_to(url, "PATCH", loc, th_admin_key(), p4, strlen(p4), NULL);
  cr_assert_eq(p->status, 200, "%s", p->body);
  cr_assert(json_is_true(json_object_get(p->json, "enabled")));
  cr_assert(json_is_null(json_object_get(p->json, "disabled_reason")));
  cr_assert(json_is_null(json_object_get(p->json, "disabled_at")));
  cr_assert(json_is_null(json_object_get(p->json, "failing_since")));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(p->json, "event_types"), 0)),
                   "*");
  th_free(p);
  /* A bad patch changes nothing. */
  const char *p5 = "{\"url\":\"http://example.org/x\",\"event_types\":[\"device.lost\"]}";
  p = th_request_to(url, "PATCH", loc, th_admin_key(), p5, strlen(p5), NULL);
  cr_assert(th_is_problem(p, 400), "%ld %s", p->status, p->body);
  cr_assert(has_error(p, "url", "not_https") && has_error(p, "event_types", "unknown_event_type"),
            "%s", p->body);
  th_free(p);

  /* Rotation: a new secret, shown once; the old one signs for a day. */
  char rot[96];
  snprintf(rot, sizeof rot, "%s/rotate-secret", loc);
  struct th_resp *rr = th_request_to(url, "POST", rot, th_admin_key(), NULL, 0, NULL);
  cr_assert_eq(rr->status, 200, "%s", rr->body);
  char secret2[64];
  snprintf(secret2, sizeof secret2, "%s", th_str(rr, "secret"));
  cr_assert(strncmp(secret2, "whsec_", 6) == 0 && strcmp(secret2, secret) != 0);
  cr_assert_str_eq(th_header(rr, "Cache-Control"), "no-store");
  double until = ds_time(th_str(rr, "previous_secret_until"));
  cr_assert(until > (double)time(NULL) + 23.9 * 3600 && until < (double)time(NULL) + 24.1 * 3600,
            "the old secret signs for 24 h: %s", rr->body);
  th_free(rr);
  snprintf(q, sizeof q,
           "SELECT previous_secret = '%s' AND secret = '%s' FROM webhook_subscriptions"
           " WHERE id = %lld",
           secret, secret2, id);
  cr_assert_str_eq(th_sql(q), "t");
  g = th_request_to(url, "GET", loc, th_admin_key(), NULL, 0, NULL);
  cr_assert_null(strstr(g->body, secret2));
  cr_assert_null(strstr(g->body, secret));
  th_free(g);

  /* No stored reply, no log line holds either secret. */
  snprintf(q, sizeof q,
           "SELECT count(*) FROM idempotency_keys k WHERE k::text LIKE '%%%s%%'"
           " OR k::text LIKE '%%%s%%'",
           secret + 6, secret2 + 6);
  cr_assert_str_eq(th_sql(q), "0");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
  FILE *f = fopen(log, "r");
  cr_assert_not_null(f, "the server wrote its log");
  char line[8192];
  int lines = 0;
  while (fgets(line, sizeof line, f)) {
    lines++;
    cr_assert_null(strstr(line, secret + 6), "a secret in the log: %s", line);
    cr_assert_null(strstr(line, secret2 + 6), "a secret in the log: %s", line);
  }
  fclose(f);
  unlink(log);
  cr_assert_gt(lines, 5, "the log has the requests' lines");

  wh_delete(NULL, id);
  struct th_resp *gone = wh_req(NULL, "GET", "/api/v1/webhooks/%lld", id);
  cr_assert(th_is_problem(gone, 404));
  th_free(gone);
  gone = wh_req(NULL, "DELETE", "/api/v1/webhooks/%lld", id);
  cr_assert(th_is_problem(gone, 404));
  th_free(gone);
}

Test(webhooks, bad_subscriptions_are_400_naming_each_problem_and_store_nothing)
{
  /* Formats, all at once. */
  long before = wh_count();
  struct th_resp *r = wh_post(NULL, "{\"url\":5,\"event_types\":\"device.received\","
                                    "\"description\":[],\"enabled\":\"yes\",\"id\":3,"
                                    "\"secret\":\"whsec_x\",\"colour\":\"red\"}");
  cr_assert(th_is_problem(r, 400), "%s", r->body);
  cr_assert(has_error(r, "url", "not_a_string") && has_error(r, "event_types", "not_an_array") &&
                has_error(r, "description", "not_a_string") &&
                has_error(r, "enabled", "not_a_boolean") && has_error(r, "id", "read_only") &&
                has_error(r, "secret", "read_only") && has_error(r, "colour", "unknown_field"),
            "%s", r->body);
  th_free(r);
  r = wh_post(NULL, "{}");
  cr_assert(has_error(r, "url", "required") && has_error(r, "event_types", "required"), "%s",
            r->body);
  th_free(r);
  cr_assert_eq(wh_count(), before);

  /* The URL and the types, together. */
  r = wh_post(NULL, "{\"url\":\"http://example.org/hook\",\"event_types\":[\"device.recieved\"]}");
  cr_assert(th_is_problem(r, 400), "%s", r->body);
  cr_assert(has_error(r, "url", "not_https"), "http is refused by default: %s", r->body);
  cr_assert(has_error(r, "event_types", "unknown_event_type"), "%s", r->body);
  cr_assert_not_null(strstr(r->body, "device.status_changed"), "the known types are listed");
  cr_assert_not_null(strstr(r->body, "\"suggestion\":\"device.received\""), "%s", r->body);
  th_free(r);

  static const char *const private_hosts[] = {"127.0.0.1",         "10.1.2.3",        "172.16.0.1",
                                              "192.168.1.10",      "169.254.169.254", "100.64.0.1",
                                              "0.0.0.0",           "[::1]",           "[fc00::1]",
                                              "[fe80::1]",         "192.0.2.1",       "224.0.0.1",
                                              "[::ffff:127.0.0.1]"};
  for (size_t i = 0; i < sizeof private_hosts / sizeof *private_hosts; i++) {
    char body[256];
    snprintf(body, sizeof body, "{\"url\":\"https://%s/hook\",\"event_types\":[\"*\"]}",
             private_hosts[i]);
    assert_invalid(body, "url", "private_address");
  }
  assert_invalid("{\"url\":\"https://user:pw@example.org/hook\",\"event_types\":[\"*\"]}", "url",
                 "credentials_in_url");
  assert_invalid("{\"url\":\"https://user@example.org/hook\",\"event_types\":[\"*\"]}", "url",
                 "credentials_in_url");
  assert_invalid("{\"url\":\"not a url\",\"event_types\":[\"*\"]}", "url", "bad_url");
  assert_invalid("{\"url\":\"https:///path\",\"event_types\":[\"*\"]}", "url", "bad_url");
  assert_invalid("{\"url\":\"ftp://example.org/x\",\"event_types\":[\"*\"]}", "url", "not_https");
  assert_invalid("{\"url\":\"\",\"event_types\":[\"*\"]}", "url", "empty");
  assert_invalid("{\"url\":\"https://example.org/\\n\",\"event_types\":[\"*\"]}", "url",
                 "control_characters");
  char longer[2300];
  int n = snprintf(longer, sizeof longer, "{\"url\":\"https://example.org/");
  while (n < 2060)
    longer[n++] = 'a';
  snprintf(longer + n, sizeof longer - (size_t)n, "\",\"event_types\":[\"*\"]}");
  assert_invalid(longer, "url", "too_long");
  assert_invalid("{\"url\":\"https://example.org/h\",\"event_types\":[]}", "event_types",
                 "item_count");
  assert_invalid("{\"url\":\"https://example.org/h\",\"event_types\":[\"*\",\"loan.started\"]}",
                 "event_types", "wildcard_alone");
  assert_invalid(
      "{\"url\":\"https://example.org/h\",\"event_types\":[\"loan.started\",\"loan.started\"]}",
      "event_types", "listed_twice");
  assert_invalid("{\"url\":\"https://example.org/h\",\"event_types\":[\"webhook.test\"]}",
                 "event_types", "unknown_event_type");
  assert_invalid("{\"url\":\"https://example.org/h\",\"event_types\":[\"' OR 1=1 --\"]}",
                 "event_types", "unknown_event_type");
  char desc[700];
  n = snprintf(desc, sizeof desc,
               "{\"url\":\"https://example.org/h\",\"event_types\":[\"*\"],"
               "\"description\":\"");
  while (n < 620)
    desc[n++] = 'd';
  snprintf(desc + n, sizeof desc - (size_t)n, "\"}");
  assert_invalid(desc, "description", "too_long");

  /* The server is still up, and a good one goes in. */
  long long id =
      wh_create(NULL, "https://hooks.example.org:8443/repair?x=1", "[\"part.low_stock\"]", NULL);
  wh_delete(NULL, id);
}

Test(webhooks, admin_only)
{
  long long id = wh_create(NULL, WH_DEAD_URL "/roles", "[\"*\"]", NULL);
  static const char *const roles[] = {"volunteer", "reader"};
  for (int i = 0; i < 2; i++) {
    const char *key = th_key(roles[i]);
    char path[128];
    struct th_resp *r = th_req("GET", "/api/v1/webhooks", key, NULL, NULL);
    cr_assert(th_is_problem(r, 403), "%s GET list: %ld", roles[i], r->status);
    th_free(r);
    r = th_req("POST", "/api/v1/webhooks", key,
               "{\"url\":\"https://example.org/h\",\"event_types\":[\"*\"]}", NULL);
    cr_assert(th_is_problem(r, 403), "%s POST: %ld", roles[i], r->status);
    th_free(r);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld", id);
    r = th_req("GET", path, key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    r = th_req("PATCH", path, key, "{\"enabled\":false}", NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    r = th_req("DELETE", path, key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld/rotate-secret", id);
    r = th_req("POST", path, key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld/test", id);
    r = th_req("POST", path, key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    snprintf(path, sizeof path, "/api/v1/webhooks/%lld/deliveries", id);
    r = th_req("GET", path, key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
    r = th_req("GET", "/api/v1/events", key, NULL, NULL);
    cr_assert(th_is_problem(r, 403));
    th_free(r);
  }
  struct th_resp *r = th_req("GET", "/api/v1/webhooks", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 401));
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT enabled FROM webhook_subscriptions WHERE id = %lld", id), "t");
  wh_delete(NULL, id);
}

Test(webhooks, test_event_goes_to_its_subscription_and_deliveries_are_listed)
{
  long long id = wh_create(NULL, WH_DEAD_URL "/test", "[\"loan.started\"]", NULL);
  struct th_resp *r = wh_req(NULL, "POST", "/api/v1/webhooks/%lld/test", id);
  cr_assert_eq(r->status, 202, "%s", r->body);
  cr_assert_str_eq(th_str(r, "type"), "webhook.test");
  char uid[64];
  snprintf(uid, sizeof uid, "%s", th_str(r, "id") ? th_str(r, "id") : "");
  cr_assert(strncmp(uid, "evt_", 4) == 0, "%s", r->body);
  cr_assert_eq(
      json_integer_value(json_object_get(json_object_get(r->json, "data"), "subscription")), id);
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/events/%s", uid);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM events WHERE uid = '%s' AND subscription_id = %lld", uid, id),
      1, "the test event is for this subscription only");
  th_free(r);

  /* This server sends nothing: no delivery yet, in the list's shape. */
  r = wh_req(NULL, "GET", "/api/v1/webhooks/%lld/deliveries?status=pending&limit=10", id);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert(json_is_array(json_object_get(r->json, "items")));
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/webhooks/%lld/deliveries?status=lost", id);
  cr_assert(th_is_problem(r, 400) && has_error(r, "status", "not_one_of"), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/webhooks/%lld/deliveries/999999999", id);
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "POST", "/api/v1/webhooks/%lld/deliveries/999999999/redeliver", id);
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/webhooks/999999999/deliveries");
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "POST", "/api/v1/webhooks/999999999/test");
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "POST", "/api/v1/webhooks/nope/rotate-secret");
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  wh_delete(NULL, id);
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE uid = '%s'", uid), 0,
               "a subscription's test events go with it");
}

/* --- events ----------------------------------------------------------------- */

static char g_site[80];

static void events_setup(void) { ds_site(g_site, sizeof g_site, 1); }

static json_t *data_of(const struct th_resp *r) { return json_object_get(r->json, "data"); }

static const char *str_at(const json_t *o, const char *a, const char *b)
{
  const json_t *v = json_object_get(o, a);
  return json_string_value(b ? json_object_get(v, b) : v);
}

/* The device object of an event payload, as the triggers build it. */
static void assert_device(const json_t *dev, const char *code, const char *kind, const char *status)
{
  cr_assert_str_eq(str_at(dev, "code", NULL), code);
  cr_assert_str_eq(str_at(dev, "kind", NULL), kind);
  cr_assert_str_eq(str_at(dev, "category", NULL), "laptop");
  cr_assert_str_eq(str_at(dev, "site", NULL), g_site);
  cr_assert_str_eq(str_at(dev, "status", NULL), status);
  cr_assert(json_is_string(json_object_get(dev, "brand")));
  cr_assert(json_object_get(dev, "model") != NULL);
  cr_assert(json_is_string(json_object_get(dev, "received_at")));
  cr_assert_eq(json_object_size(dev), 8, "device members: %s", json_dumps(dev, 0));
}

Test(webhooks, every_event_type_is_written_with_its_payload, .init = events_setup)
{
  /* device.received and device.status_changed */
  char code[CODE_CAP];
  ds_device(code, "donation", g_site, "Dell");
  struct th_resp *e = wh_event("device.received", code);
  assert_device(json_object_get(data_of(e), "device"), code, "donation", "received");
  cr_assert_eq(json_object_size(data_of(e)), 1);
  th_free(e);
  static const char *const to_diag[] = {"diagnosing", NULL};
  ds_drive(code, to_diag);
  e = wh_event("device.status_changed", code);
  assert_device(json_object_get(data_of(e), "device"), code, "donation", "diagnosing");
  cr_assert_str_eq(str_at(data_of(e), "from", NULL), "received");
  cr_assert_str_eq(str_at(data_of(e), "to", NULL), "diagnosing");
  cr_assert(json_is_string(json_object_get(data_of(e), "at")));
  th_free(e);

  /* repair.recorded */
  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r =
      th_req("POST", path, ds_vol(),
             "{\"outcome\":\"fixed\",\"minutes\":35,\"problem\":\"Écran noir\"}", NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  long long repair = json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  e = wh_event("repair.recorded", code);
  json_t *rep = json_object_get(data_of(e), "repair");
  cr_assert_eq(json_integer_value(json_object_get(rep, "id")), repair);
  cr_assert_str_eq(str_at(rep, "device", NULL), code);
  cr_assert_str_eq(str_at(rep, "outcome", NULL), "fixed");
  cr_assert_eq(json_integer_value(json_object_get(rep, "minutes")), 35);
  cr_assert(json_is_null(json_object_get(rep, "barrier")));
  cr_assert(json_is_null(json_object_get(rep, "session_id")));
  cr_assert(json_is_null(json_object_get(rep, "next_steps")));
  cr_assert(json_is_string(json_object_get(rep, "created_at")));
  cr_assert_null(strstr(e->body, "cran noir"), "the problem a person wrote is not in it");
  th_free(e);

  /* loan.started, loan.renewed, loan.returned */
  char loaner[CODE_CAP], member[NUMBER_CAP];
  ls_device(loaner, "laptop", g_site);
  ls_member(member, -1);
  long loan = ls_lend_ok(loaner, member, "");
  char subject[32];
  snprintf(subject, sizeof subject, "%ld", loan);
  e = wh_event("loan.started", subject);
  json_t *l = json_object_get(data_of(e), "loan");
  cr_assert_eq(json_integer_value(json_object_get(l, "id")), loan);
  cr_assert_str_eq(str_at(l, "device", NULL), loaner);
  cr_assert_str_eq(str_at(l, "category", NULL), "laptop");
  cr_assert_str_eq(str_at(l, "site", NULL), g_site);
  cr_assert_eq(json_integer_value(json_object_get(l, "renewals")), 0);
  cr_assert(json_is_string(json_object_get(l, "start_date")));
  cr_assert(json_is_string(json_object_get(l, "due_date")));
  cr_assert(json_is_null(json_object_get(l, "returned_at")));
  cr_assert(json_is_null(json_object_get(l, "return_condition")));
  cr_assert_eq(json_object_size(l), 9, "loan members: %s", e->body);
  cr_assert_null(strstr(e->body, member), "the member's number is not in it");
  th_free(e);
  r = ls_renew(loan, "{}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  e = wh_event("loan.renewed", subject);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(data_of(e), "loan"), "renewals")),
               1);
  th_free(e);
  r = ls_return(loan, "{\"condition\":\"needs_check\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  e = wh_event("loan.returned", subject);
  l = json_object_get(data_of(e), "loan");
  cr_assert_str_eq(str_at(l, "return_condition", NULL), "needs_check");
  cr_assert(json_is_string(json_object_get(l, "returned_at")));
  th_free(e);

  /* loan.due_soon and loan.overdue: the workers' schedule, run here by
   * hand (this server has no worker). */
  char loaner2[CODE_CAP];
  ls_device(loaner2, "laptop", g_site);
  char member2[NUMBER_CAP];
  ls_member(member2, -1);
  char extra[64];
  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", ls_date(1));
  long loan2 = ls_lend_ok(loaner2, member2, extra);
  snprintf(subject, sizeof subject, "%ld", loan2);
  cr_assert_not_null(th_sql("SELECT events_schedule('Europe/Paris', 2)"));
  e = wh_event("loan.due_soon", subject);
  cr_assert_eq(json_integer_value(json_object_get(data_of(e), "days_left")), 1, "%s", e->body);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(data_of(e), "loan"), "id")),
               loan2);
  th_free(e);
  cr_assert_not_null(ds_sql("UPDATE loans SET start_date = start_date - 10,"
                            " due_date = (now() AT TIME ZONE 'Europe/Paris')::date - 2"
                            " WHERE id = %ld",
                            loan2));
  cr_assert_not_null(th_sql("SELECT events_schedule('Europe/Paris', 2)"));
  cr_assert_not_null(th_sql("SELECT events_schedule('Europe/Paris', 2)"));
  e = wh_event("loan.overdue", subject);
  cr_assert_eq(json_integer_value(json_object_get(data_of(e), "days_overdue")), 2, "%s", e->body);
  th_free(e);
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE type = 'loan.overdue'"
                        " AND subject = '%s'",
                        subject),
               1, "written once however often the schedule runs");

  /* part.low_stock */
  const char *sku = th_unique("WH-");
  r = th_reqf("POST", "/api/v1/parts", ds_admin(),
              "{\"sku\":\"%s\",\"name\":\"Nappe %s\",\"unit\":\"piece\",\"low_stock\":2}", sku,
              sku);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", sku);
  r = th_reqf("POST", path, ds_vol(),
              "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":4,\"source\":\"donated\"}",
              g_site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  cr_assert_null(wh_event_uid("part.low_stock", sku), "no alert while the stock is above");
  r = th_reqf("POST", path, ds_vol(), "{\"type\":\"scrapped\",\"site\":\"%s\",\"quantity\":3}",
              g_site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  e = wh_event("part.low_stock", sku);
  json_t *d = data_of(e);
  cr_assert_str_eq(str_at(d, "part", "sku"), sku);
  cr_assert_str_eq(str_at(d, "part", "unit"), "piece");
  cr_assert(json_is_string(json_object_get(json_object_get(d, "part"), "name")));
  cr_assert_str_eq(str_at(d, "site", NULL), g_site);
  cr_assert_eq(json_number_value(json_object_get(d, "quantity")), 1, "%s", e->body);
  cr_assert_eq(json_number_value(json_object_get(d, "low_stock")), 2, "%s", e->body);
  cr_assert(json_is_string(json_object_get(d, "at")));
  th_free(e);
}

Test(webhooks, events_carry_no_personal_data, .init = events_setup)
{
  char name[64], email[96], phone[32], mname[64], memail[96], mphone[32];
  snprintf(name, sizeof name, "Zoé %s", th_unique("Owner"));
  snprintf(email, sizeof email, "%s@example.org", th_unique("owner"));
  snprintf(phone, sizeof phone, "+33 6 %s", th_unique("") + 1);
  snprintf(mname, sizeof mname, "Awa %s", th_unique("Member"));
  snprintf(memail, sizeof memail, "%s@example.org", th_unique("member"));
  snprintf(phone, sizeof phone, "+33 6 11 %04d", (int)(getpid() % 10000));
  snprintf(mphone, sizeof mphone, "+33 7 22 %04d", (int)(getpid() % 10000));
  long first = atol(th_sql("SELECT coalesce(max(id), 0) FROM events"));

  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"HP\",\"owner\":{\"name\":\"%s\",\"email\":\"%s\","
                              "\"phone\":\"%s\"},\"notes\":\"appeler %s\"}",
                              g_site, name, email, phone, name);
  cr_assert_eq(r->status, 201, "%s", r->body);
  char code[CODE_CAP];
  snprintf(code, sizeof code, "%s", th_str(r, "code"));
  th_free(r);
  static const char *const path[] = {"diagnosing", "in_repair", "repaired", NULL};
  ds_drive(code, path);
  r = th_reqf("POST", "/api/v1/members", ds_vol(),
              "{\"contact\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}", mname, memail,
              mphone);
  cr_assert_eq(r->status, 201, "%s", r->body);
  char number[NUMBER_CAP];
  snprintf(number, sizeof number, "%s", th_str(r, "number"));
  th_free(r);
  char loaner[CODE_CAP];
  ls_device(loaner, "laptop", g_site);
  long loan = ls_lend_ok(loaner, number, ",\"checkout_condition\":\"rayure\"");
  r = ls_return(loan, "{\"condition\":\"ok\",\"note\":\"rendu par Awa\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);

  cr_assert_gt(ds_count("SELECT count(*) FROM events WHERE id > %ld", first), 6);
  const char *values[] = {name, email, phone, mname, memail, mphone, "Awa", "rayure", NULL};
  for (const char *const *v = values; *v; v++) {
    cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE id > %ld AND"
                          " (data::text ILIKE '%%%s%%' OR subject ILIKE '%%%s%%')",
                          first, *v, *v),
                 0, "no event holds %s", *v);
  }
  r = wh_req(NULL, "GET", "/api/v1/events?limit=100");
  cr_assert_eq(r->status, 200);
  for (const char *const *v = values; *v; v++)
    cr_assert_null(strstr(r->body, *v), "the events list holds %s", *v);
  cr_assert_not_null(strstr(r->body, code), "the device's events are listed");
  th_free(r);
}

Test(webhooks, events_list_filters_and_pages, .init = events_setup)
{
  char since[40];
  snprintf(since, sizeof since, "%s", th_sql("SELECT rl_rfc3339(now() - interval '1 second')"));
  char codes[3][CODE_CAP];
  for (int i = 0; i < 3; i++)
    ds_device(codes[i], "donation", g_site, "Pager");
  char until[40];
  snprintf(until, sizeof until, "%s", th_sql("SELECT rl_rfc3339(now() + interval '1 second')"));

  /* Newest first, one a page, the cursor walking back. Other tests write
   * events meanwhile: only the order of ours is known. */
  char path[256], cursor[64] = "";
  int seen = 0;
  long long last = 0;
  for (int page = 0; page < 200 && seen < 3; page++) {
    snprintf(path, sizeof path, "/api/v1/events?type=device.received&since=%s&until=%s&limit=1%s%s",
             since, until, cursor[0] ? "&cursor=" : "", cursor);
    struct th_resp *r = wh_req(NULL, "GET", "%s", path);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert_eq(json_array_size(items), 1, "%s", r->body);
    json_t *ev = json_array_get(items, 0);
    cr_assert_str_eq(str_at(ev, "type", NULL), "device.received");
    long long id = atoll(ds_sql("SELECT id FROM events WHERE uid = '%s'", str_at(ev, "id", NULL)));
    cr_assert(last == 0 || id < last, "newest first");
    last = id;
    const char *subject = str_at(ev, "subject", NULL);
    if (strcmp(subject, codes[2 - seen]) == 0)
      seen++;
    const char *next = th_str(r, "next_cursor");
    snprintf(cursor, sizeof cursor, "%s", next ? next : "");
    th_free(r);
    if (!next)
      break;
  }
  cr_assert_eq(seen, 3, "our three events, newest first");

  /* until before them: none of ours. */
  snprintf(path, sizeof path, "/api/v1/events?type=device.received&until=%s&limit=500", since);
  struct th_resp *r = wh_req(NULL, "GET", "%s", path);
  cr_assert_eq(r->status, 200, "%s", r->body);
  for (int i = 0; i < 3; i++)
    cr_assert_null(strstr(r->body, codes[i]));
  th_free(r);
  /* Another type: none of ours. */
  snprintf(path, sizeof path, "/api/v1/events?type=loan.started&since=%s&limit=500", since);
  r = wh_req(NULL, "GET", "%s", path);
  cr_assert_eq(r->status, 200, "%s", r->body);
  for (int i = 0; i < 3; i++)
    cr_assert_null(strstr(r->body, codes[i]));
  th_free(r);

  r = wh_req(NULL, "GET", "/api/v1/events?type=device.lost&since=yesterday&cursor=x&limit=0");
  cr_assert(th_is_problem(r, 400), "%s", r->body);
  cr_assert(has_error(r, "type", "not_one_of") && has_error(r, "since", "not_a_time") &&
                has_error(r, "limit", "out_of_range"),
            "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/events?since=%s&until=%s", until, since);
  r = wh_req(NULL, "GET", "%s", path);
  cr_assert(th_is_problem(r, 400) && has_error(r, "until", "from_after_to"), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/events?cursor=abc");
  cr_assert(th_is_problem(r, 400) && has_error(r, "cursor", "not_a_cursor"), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/events/evt_00000000000000000000000000000000");
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
  r = wh_req(NULL, "GET", "/api/v1/events/1");
  cr_assert(th_is_problem(r, 404), "%s", r->body);
  th_free(r);
}
