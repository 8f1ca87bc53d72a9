/* Publishing to the city's portal, against a stand-in portal
 * (tests/tools/portal.py) that checks method, path, the secret's header
 * and the multipart fields: what each attempt records, the failures and
 * their retries, the secret kept out of everything, bad targets, roles. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/publish_support.h"

/* The secret appears nowhere in the database's publishing rows. */
static void assert_secret_not_stored(void)
{
  char q[512];
  snprintf(q, sizeof q,
           "SELECT (SELECT count(*) FROM publish_attempts a WHERE a::text LIKE '%%%s%%')"
           " + (SELECT count(*) FROM publish_targets t WHERE t::text LIKE '%%%s%%')",
           ps_secret(), ps_secret());
  cr_assert_str_eq(th_sql(q), "0", "the secret is in no attempt or target row");
}

static void assert_no_secret(const struct th_resp *r)
{
  cr_assert(strstr(r->body, ps_secret()) == NULL, "the secret is not in the reply: %s", r->body);
  cr_assert(r->headers == NULL || strstr(r->headers, ps_secret()) == NULL);
}

static void publish_succeeds(const char *kind, const char *source)
{
  struct portal p;
  ps_portal_start(&p, kind, strcmp(kind, "datagouv") == 0 ? "ds-1" : NULL, "res-1", "ok");
  long long id = ps_target(&p, kind, source, "");
  struct th_resp *r = ps_publish_done(id);
  assert_no_secret(r);
  cr_assert_str_eq(th_str(r, "status"), "success", "%s", r->body);
  cr_assert_str_eq(th_str(r, "trigger"), "manual");
  cr_assert_eq(ps_int(r, "attempt"), 1);
  cr_assert_eq(ps_int(r, "http_status"), 200);
  cr_assert_eq(ps_int(r, "target"), id);
  cr_assert(json_is_null(json_object_get(r->json, "next_retry_at")), "no retry after a success");
  cr_assert_not_null(th_str(r, "queued_at"));

  int n;
  json_t *got = ps_portal_last(&p, &n);
  cr_assert_eq(n, 1, "the portal received one upload");
  cr_assert_eq(json_array_size(json_object_get(got, "problems")), 0, "the portal found: %s",
               json_dumps(json_object_get(got, "problems"), 0));
  cr_assert_str_eq(json_string_value(json_object_get(got, "file_sha256")), th_str(r, "sha256"),
                   "the sha256 recorded is that of the bytes the portal received");
  cr_assert_eq(json_integer_value(json_object_get(got, "file_size")), ps_int(r, "bytes"));
  cr_assert_gt(ps_int(r, "bytes"), 10, "the dataset has a header at least");
  json_decref(got);

  /* The attempt is listed for its target, newest first, and readable alone. */
  char path[128];
  snprintf(path, sizeof path, "/api/v1/publishing/attempts?target=%lld", id);
  struct th_resp *l = th_req("GET", path, th_admin_key(), NULL, NULL);
  cr_assert_eq(l->status, 200, "%s", l->body);
  json_t *items = json_object_get(l->json, "items");
  cr_assert_eq(json_array_size(items), 1);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
               ps_int(r, "id"));
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/publishing/attempts/%lld", ps_int(r, "id"));
  struct th_resp *g = th_req("GET", loc, th_admin_key(), NULL, NULL);
  cr_assert_eq(g->status, 200, "%s", g->body);
  cr_assert_str_eq(th_str(g, "sha256"), th_str(r, "sha256"));
  th_free(g);
  th_free(l);
  th_free(r);
  assert_secret_not_stored();
  ps_portal_stop(&p);
}

Test(publishing, datagouv_upload_is_recorded_with_the_bytes_sent)
{
  publish_succeeds("datagouv", "ords-csv");
}

Test(publishing, ckan_upload_is_recorded_with_the_bytes_sent)
{
  publish_succeeds("ckan", "impact-csv");
}

/* A refusal is the attempt's outcome: recorded, with a retry a minute on. */
static void publish_fails(const char *mode, long code)
{
  struct portal p;
  ps_portal_start(&p, "datagouv", "ds-1", "res-1", mode);
  long long id = ps_target(&p, "datagouv", "ords-csv", "");
  struct th_resp *r = ps_publish_done(id);
  assert_no_secret(r);
  cr_assert_str_eq(th_str(r, "status"), "failed", "%s", r->body);
  cr_assert_eq(ps_int(r, "http_status"), code);
  cr_assert_not_null(th_str(r, "error"));
  char want[32];
  snprintf(want, sizeof want, "%ld", code);
  cr_assert(strstr(th_str(r, "error"), want) != NULL, "the error says %s: %s", want, r->body);
  cr_assert_not_null(th_str(r, "next_retry_at"), "a retry is scheduled");
  char q[256];
  snprintf(q, sizeof q,
           "SELECT extract(epoch FROM next_retry_at - finished_at)::int FROM publish_attempts"
           " WHERE id = %lld",
           ps_int(r, "id"));
  cr_assert_str_eq(th_sql(q), "60", "the first retry is a minute after");
  snprintf(q, sizeof q,
           "SELECT retry_number FROM publish_targets WHERE id = %lld AND retry_at ="
           " (SELECT next_retry_at FROM publish_attempts WHERE id = %lld)",
           id, ps_int(r, "id"));
  cr_assert_str_eq(th_sql(q), "2", "the target waits for attempt 2 at that time");
  th_free(r);
  assert_secret_not_stored();
  ps_portal_stop(&p);
}

Test(publishing, a_401_is_recorded_as_failed_and_retried) { publish_fails("401", 401); }

Test(publishing, a_500_is_recorded_as_failed_and_retried) { publish_fails("500", 500); }

/* While an upload of the target runs, publish now queues one that waits
 * for it; calling again while it waits is answered the same attempt; it
 * runs once the upload ends. */
Test(publishing, a_publication_waits_for_the_running_one_and_is_queued_once)
{
  struct portal p;
  ps_portal_start(&p, "ckan", NULL, "res-1", "ok");
  long long id = ps_target(&p, "ckan", "ords-csv", "");
  char q[256];
  snprintf(q, sizeof q,
           "INSERT INTO publish_attempts (target_id, trigger, attempt) VALUES (%lld, 'monthly', 1)"
           " RETURNING id",
           id);
  const char *running = th_sql(q);
  cr_assert_not_null(running);
  char aid[32];
  snprintf(aid, sizeof aid, "%s", running);
  struct th_resp *r = ps_publish(id);
  cr_assert_eq(r->status, 202, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "status"), "queued");
  long long queued = ps_int(r, "id");
  th_free(r);
  r = ps_publish(id);
  cr_assert_eq(r->status, 202, "%ld %s", r->status, r->body);
  cr_assert_eq(ps_int(r, "id"), queued, "the waiting attempt is answered again");
  th_free(r);
  snprintf(q, sizeof q,
           "SELECT count(*) FROM publish_attempts WHERE target_id = %lld AND status = 'queued'",
           id);
  cr_assert_str_eq(th_sql(q), "1", "one queue entry");
  /* The publisher was woken twice; give it time to (wrongly) upload. */
  nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
  int n;
  json_decref(ps_portal_last(&p, &n));
  cr_assert_eq(n, 0, "nothing was sent while the other upload runs");
  snprintf(q, sizeof q, "SELECT status FROM publish_attempts WHERE id = %lld", queued);
  cr_assert_str_eq(th_sql(q), "queued");
  snprintf(q, sizeof q,
           "UPDATE publish_attempts SET status = 'failed', finished_at = now() WHERE id = %s"
           " RETURNING 1",
           aid);
  th_sql(q);
  /* Asking again wakes the publisher, which now takes the waiting one. */
  r = ps_publish(id);
  cr_assert_eq(r->status, 202, "%s", r->body);
  cr_assert_eq(ps_int(r, "id"), queued);
  char loc[96];
  snprintf(loc, sizeof loc, "%s", th_header(r, "Location"));
  th_free(r);
  r = ps_attempt_wait(loc);
  cr_assert_str_eq(th_str(r, "status"), "success", "%s", r->body);
  th_free(r);
  json_decref(ps_portal_last(&p, &n));
  cr_assert_eq(n, 1, "one upload");
  ps_portal_stop(&p);
}

Test(publishing, bad_targets_are_400_naming_the_field)
{
  static const char *const bad[][3] = {
      {"\"kind\":\"ftp\",\"base_url\":\"https://data.example.org\",\"dataset_id\":\"d\"", "kind",
       "not_one_of"},
      {"\"kind\":\"datagouv\",\"base_url\":\"http://data.example.org\",\"dataset_id\":\"d\"",
       "base_url", "not_https"},
      {"\"kind\":\"datagouv\",\"base_url\":\"ftp://127.0.0.1\",\"dataset_id\":\"d\"", "base_url",
       "not_https"},
      {"\"kind\":\"datagouv\",\"base_url\":\"http://127.0.0.1.example.org\",\"dataset_id\":\"d\"",
       "base_url", "not_https"},
      {"\"kind\":\"datagouv\",\"base_url\":\"https://data.example.org\"", "dataset_id",
       "required_for_kind"},
      {"\"kind\":\"ckan\",\"base_url\":\"https://ckan.example.org\",\"dataset_id\":\"d\"",
       "dataset_id", "not_for_kind"},
      {"\"kind\":\"datagouv\",\"base_url\":\"https://data.example.org\",\"dataset_id\":\"a/../b\"",
       "dataset_id", "bad_id"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *name = th_unique("bad-");
    struct th_resp *r = th_reqf("POST", "/api/v1/publishing/targets", th_admin_key(),
                                "{\"name\":\"%s\",%s,\"resource_id\":\"r\",\"source\":\"ords-csv\","
                                "\"secret_env\":\"REPAIRD_PORTAL_X\"}",
                                name, bad[i][0]);
    cr_assert(th_is_problem(r, 400), "%zu: %ld %s", i, r->status, r->body);
    cr_assert(strstr(r->body, bad[i][1]) && strstr(r->body, bad[i][2]), "%zu names %s %s: %s", i,
              bad[i][1], bad[i][2], r->body);
    th_free(r);
    char q[160];
    snprintf(q, sizeof q, "SELECT count(*) FROM publish_targets WHERE name = '%s'", name);
    cr_assert_str_eq(th_sql(q), "0", "nothing stored");
  }
  static const char *const bad_other[][3] = {
      {"\"source\":\"sites-csv\",\"secret_env\":\"REPAIRD_PORTAL_X\"", "source", "unknown_source"},
      {"\"source\":\"ords-csv\"", "secret_env", "secret_required"},
      {"\"source\":\"ords-csv\",\"secret_env\":\"DATABASE_URL\"", "secret_env", "bad_secret_env"},
      {"\"source\":\"ords-csv\",\"secret_env\":\"REPAIRD_PORTAL_X\",\"secret_file\":\"k\"",
       "secret_file", "secret_both"},
      {"\"source\":\"ords-csv\",\"secret_file\":\"../../etc/passwd\"", "secret_file",
       "bad_secret_file"},
      {"\"source\":\"ords-csv\",\"secret_env\":\"REPAIRD_PORTAL_X\",\"id\":4", "id", ""},
  };
  for (size_t i = 0; i < sizeof bad_other / sizeof bad_other[0]; i++) {
    struct th_resp *r =
        th_reqf("POST", "/api/v1/publishing/targets", th_admin_key(),
                "{\"name\":\"%s\",\"kind\":\"ckan\",\"base_url\":\"https://ckan.example.org\","
                "\"resource_id\":\"r\",%s}",
                th_unique("bad-"), bad_other[i][0]);
    cr_assert(th_is_problem(r, 400), "%zu: %ld %s", i, r->status, r->body);
    cr_assert(strstr(r->body, bad_other[i][1]) && strstr(r->body, bad_other[i][2]),
              "%zu names %s %s: %s", i, bad_other[i][1], bad_other[i][2], r->body);
    th_free(r);
  }
  /* Missing ids and kind: each named at once. */
  struct th_resp *r = th_reqf("POST", "/api/v1/publishing/targets", th_admin_key(),
                              "{\"name\":\"%s\",\"base_url\":\"https://x.example.org\","
                              "\"source\":\"ords-csv\",\"secret_env\":\"REPAIRD_PORTAL_X\"}",
                              th_unique("bad-"));
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "\"resource_id\"") && strstr(r->body, "\"kind\""), "%s", r->body);
  th_free(r);
}

Test(publishing, a_target_is_edited_with_if_match_and_checked_whole)
{
  struct portal p = {0};
  snprintf(p.base, sizeof p.base, "https://data.example.org/");
  long long id = ps_target(&p, "datagouv", "ords-csv", "");
  char path[96];
  snprintf(path, sizeof path, "/api/v1/publishing/targets/%lld", id);
  struct th_resp *g = th_req("GET", path, th_admin_key(), NULL, NULL);
  cr_assert_eq(g->status, 200, "%s", g->body);
  cr_assert_str_eq(th_str(g, "base_url"), "https://data.example.org", "the trailing / is gone");
  char etag[64], stale[80], first_etag[48];
  snprintf(first_etag, sizeof first_etag, "%s", th_header(g, "ETag"));
  snprintf(etag, sizeof etag, "If-Match: %s", first_etag);
  snprintf(stale, sizeof stale, "If-Match: \"999\"");
  const char *h_ok[] = {etag, NULL}, *h_stale[] = {stale, NULL};
  struct th_resp *r = th_req("PATCH", path, th_admin_key(), "{\"kind\":\"ckan\"}", h_ok);
  cr_assert(th_is_problem(r, 400), "a CKAN target has no dataset id: %ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "not_for_kind"), "%s", r->body);
  th_free(r);
  r = th_req("PATCH", path, th_admin_key(), "{\"kind\":\"ckan\",\"dataset_id\":null}", h_stale);
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("PATCH", path, th_admin_key(), "{\"kind\":\"ckan\",\"dataset_id\":null}", h_ok);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "kind"), "ckan");
  cr_assert(json_is_null(json_object_get(r->json, "dataset_id")));
  cr_assert_str_neq(th_header(r, "ETag"), first_etag);
  th_free(r);
  th_free(g);
  r = th_req("GET", "/api/v1/publishing/targets/999999999", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = ps_publish(999999999);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(publishing, only_admin_keys_may_publish)
{
  static const char *const paths[][2] = {
      {"GET", "/api/v1/publishing/targets"},
      {"POST", "/api/v1/publishing/targets"},
      {"GET", "/api/v1/publishing/targets/1"},
      {"PATCH", "/api/v1/publishing/targets/1"},
      {"POST", "/api/v1/publishing/targets/1/publish"},
      {"GET", "/api/v1/publishing/attempts"},
      {"GET", "/api/v1/publishing/attempts/1"},
  };
  const char *keys[] = {th_key("volunteer"), th_key("reader")};
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
      int body = strcmp(paths[i][0], "GET") != 0 && strstr(paths[i][1], "publish/") == NULL &&
                 strstr(paths[i][1], "/publish") == NULL;
      struct th_resp *r = th_req(paths[i][0], paths[i][1], keys[k], body ? "{}" : NULL, NULL);
      cr_assert(th_is_problem(r, 403), "%s %s: %ld", paths[i][0], paths[i][1], r->status);
      th_free(r);
    }
  struct th_resp *r = th_req("GET", "/api/v1/publishing/targets", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 401));
  th_free(r);
}
