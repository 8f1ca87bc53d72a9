/* The service's frame, over HTTP: health, auth on every route, errors and
 * limits, API keys, idempotency, categories. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers/th.h"

Test(ops, healthz_readyz_metrics_openapi_are_public)
{
  struct th_resp *r = th_req("GET", "/healthz", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "status"), "ok");
  th_free(r);
  r = th_req("GET", "/readyz", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = th_req("GET", "/metrics", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_not_null(
      strstr(r->body, "repaird_requests_total{route=\"GET /healthz\",status=\"200\"}"));
  cr_assert_not_null(strstr(r->body, "repaird_request_duration_seconds_bucket{le=\"+Inf\"}"));
  cr_assert_not_null(strstr(r->body, "repaird_db_reconnects_total"));
  th_free(r);
  r = th_req("GET", "/openapi.yaml", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert(strncmp(r->body, "openapi: 3.1", 12) == 0);
  cr_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
  th_free(r);
}

Test(ops, request_id_is_echoed_or_generated)
{
  const char *h[] = {"X-Request-Id: abc-123", NULL};
  struct th_resp *r = th_req("GET", "/healthz", NULL, NULL, h);
  cr_assert_str_eq(th_header(r, "X-Request-Id"), "abc-123");
  th_free(r);
  const char *bad[] = {"X-Request-Id: <script>", NULL};
  r = th_req("GET", "/healthz", NULL, NULL, bad);
  cr_assert_str_neq(th_header(r, "X-Request-Id"), "<script>");
  cr_assert_geq(strlen(th_header(r, "X-Request-Id")), 16);
  th_free(r);
}

/* Every route that needs a key, and the least role it needs. */
static const struct {
  const char *method, *path, *role;
} protected_routes[] = {
    {"GET", "/api/v1/keys", "admin"},
    {"POST", "/api/v1/keys", "admin"},
    {"GET", "/api/v1/keys/999999", "admin"},
    {"DELETE", "/api/v1/keys/999999", "admin"},
    {"GET", "/api/v1/categories", "reader"},
    {"GET", "/api/v1/categories/laptop", "reader"},
    {"GET", "/api/v1/sites", "reader"},
    {"POST", "/api/v1/sites", "admin"},
    {"GET", "/api/v1/sites/none", "reader"},
    {"PATCH", "/api/v1/sites/none", "admin"},
    {"GET", "/api/v1/devices", "reader"},
    {"POST", "/api/v1/devices", "volunteer"},
    {"GET", "/api/v1/devices/RL-4K7Q-9M2R", "reader"},
    {"PATCH", "/api/v1/devices/RL-4K7Q-9M2R", "volunteer"},
    {"POST", "/api/v1/devices/RL-4K7Q-9M2R/transitions", "volunteer"},
    {"GET", "/api/v1/devices/RL-4K7Q-9M2R/history", "reader"},
    {"GET", "/api/v1/devices/RL-4K7Q-9M2R/label", "volunteer"},
    {"GET", "/api/v1/devices/RL-4K7Q-9M2R/receipt", "volunteer"},
    {"POST", "/api/v1/labels", "volunteer"},
    {"GET", "/api/v1/devices/RL-4K7Q-9M2R/repairs", "reader"},
    {"POST", "/api/v1/devices/RL-4K7Q-9M2R/repairs", "volunteer"},
    {"GET", "/api/v1/repairs/999999", "reader"},
    {"PATCH", "/api/v1/repairs/999999", "volunteer"},
    {"GET", "/api/v1/sessions", "reader"},
    {"POST", "/api/v1/sessions", "volunteer"},
    {"GET", "/api/v1/sessions/999999", "reader"},
    {"PATCH", "/api/v1/sessions/999999", "volunteer"},
};

static int rank(const char *role)
{
  return strcmp(role, "admin") == 0 ? 3 : strcmp(role, "volunteer") == 0 ? 2 : 1;
}

Test(auth, matrix_for_every_route)
{
  const char *roles[] = {"reader", "volunteer", "admin"};
  for (size_t i = 0; i < sizeof protected_routes / sizeof protected_routes[0]; i++) {
    const char *m = protected_routes[i].method, *p = protected_routes[i].path;
    const char *body = strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 ? "{}" : NULL;
    struct th_resp *r = th_req(m, p, NULL, body, NULL);
    cr_assert(th_is_problem(r, 401), "%s %s without key: %ld", m, p, r->status);
    cr_assert_not_null(th_header(r, "WWW-Authenticate"));
    th_free(r);
    r = th_req(m, p, "rlk_0000000000000000000000000000000000000000000", body, NULL);
    cr_assert(th_is_problem(r, 401), "%s %s with a wrong key: %ld", m, p, r->status);
    th_free(r);
    for (int k = 0; k < 3; k++) {
      r = th_req(m, p, th_key(roles[k]), body, NULL);
      if (rank(roles[k]) < rank(protected_routes[i].role))
        cr_assert(th_is_problem(r, 403), "%s %s as %s: %ld", m, p, roles[k], r->status);
      else
        cr_assert(r->status != 401 && r->status != 403, "%s %s as %s: %ld", m, p, roles[k],
                  r->status);
      th_free(r);
    }
  }
}

Test(errors, unknown_route_is_404_problem)
{
  struct th_resp *r = th_req("GET", "/api/v1/nothing-here", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

Test(errors, wrong_method_is_405_with_allow)
{
  struct th_resp *r = th_req("PUT", "/api/v1/keys", th_admin_key(), "{}", NULL);
  cr_assert(th_is_problem(r, 405));
  const char *allow = th_header(r, "Allow");
  cr_assert_not_null(allow);
  cr_assert_not_null(strstr(allow, "GET"));
  cr_assert_not_null(strstr(allow, "POST"));
  th_free(r);
}

/* Keys whose name starts with "bad-": no request in these tests may store one. */
static long count_keys(void)
{
  const char *v = th_sql("SELECT count(*) FROM api_keys WHERE name LIKE 'bad-%'");
  return v ? atol(v) : -1;
}

Test(errors, body_over_the_limit_is_413_and_stores_nothing)
{
  long before = count_keys();
  size_t n = 1024 * 1024 + 100;
  char *big = malloc(n + 1);
  memset(big, ' ', n);
  memcpy(big, "{\"name\":\"bad-big\",\"role\":\"reader\"}", 34);
  big[n] = '\0';
  struct th_resp *r = th_request_to(NULL, "POST", "/api/v1/keys", th_admin_key(), big, n, NULL);
  cr_assert(th_is_problem(r, 413), "got %ld", r->status);
  th_free(r);
  free(big);
  cr_assert_eq(count_keys(), before);
}

Test(errors, non_json_body_is_415)
{
  const char *h[] = {"Content-Type: text/plain", NULL};
  struct th_resp *r =
      th_req("POST", "/api/v1/keys", th_admin_key(), "{\"name\":\"x\",\"role\":\"reader\"}", h);
  cr_assert(th_is_problem(r, 415));
  th_free(r);
}

static void expect_400(const char *body, size_t len, const char *why)
{
  long before = count_keys();
  struct th_resp *r = th_request_to(NULL, "POST", "/api/v1/keys", th_admin_key(), body, len, NULL);
  cr_assert(th_is_problem(r, 400), "%s: got %ld %s", why, r->status, r->body);
  th_free(r);
  cr_assert_eq(count_keys(), before, "%s: something was stored", why);
}

Test(errors, malformed_bodies_are_400)
{
  expect_400("{\"name\":", 8, "truncated JSON");
  expect_400("", 0, "empty body");
  expect_400("{\"name\":\"bad-\xc3\x28\",\"role\":\"reader\"}", 33, "invalid UTF-8");
  expect_400("{\"name\":\"bad-a\",\"name\":\"bad-b\",\"role\":\"reader\"}", 46, "duplicate member");
  char deep[200];
  size_t n = 0;
  n += (size_t)sprintf(deep, "{\"name\":\"bad-d\",\"role\":\"reader\",\"x\":");
  for (int i = 0; i < 33; i++)
    deep[n++] = '[';
  for (int i = 0; i < 33; i++)
    deep[n++] = ']';
  deep[n++] = '}';
  deep[n] = '\0';
  expect_400(deep, n, "nested 34 deep");
  expect_400("[1,2,3]", 7, "not an object");
  const char *sql = "{\"name\":\"bad-x\",\"role\":\"reader'; DROP TABLE api_keys;--\"}";
  expect_400(sql, strlen(sql), "SQL in enum");
}

Test(errors, validation_names_every_bad_field)
{
  struct th_resp *r = th_req("POST", "/api/v1/keys", th_admin_key(),
                             "{\"name\":42,\"role\":\"root\",\"id\":5,\"colour\":\"red\"}", NULL);
  cr_assert(th_is_problem(r, 400));
  json_t *errors = json_object_get(r->json, "errors");
  cr_assert_eq(json_array_size(errors), 4, "%s", r->body);
  const char *want[] = {"name", "role", "id", "colour"};
  for (int i = 0; i < 4; i++) {
    int found = 0;
    size_t k;
    json_t *e;
    json_array_foreach(errors, k, e) {
      found |= strcmp(json_string_value(json_object_get(e, "field")), want[i]) == 0;
    }
    cr_assert(found, "no error for %s", want[i]);
  }
  th_free(r);
  char name[150];
  memset(name, 'n', 101);
  name[101] = '\0';
  r = th_reqf("POST", "/api/v1/keys", th_admin_key(), "{\"name\":\"%s\",\"role\":\"reader\"}",
              name);
  cr_assert(th_is_problem(r, 400), "overlong name accepted");
  th_free(r);
}

Test(keys, create_list_revoke)
{
  struct th_resp *r = th_reqf("POST", "/api/v1/keys", th_admin_key(),
                              "{\"name\":\"%s\",\"role\":\"volunteer\"}", th_unique("desk"));
  cr_assert_eq(r->status, 201, "%s", r->body);
  const char *loc = th_header(r, "Location");
  cr_assert_not_null(loc);
  char location[128];
  snprintf(location, sizeof location, "%s", loc);
  char secret[128];
  snprintf(secret, sizeof secret, "%s", th_str(r, "key"));
  cr_assert_eq(strlen(secret), 47);
  cr_assert_str_eq(th_str(r, "role"), "volunteer");
  cr_assert(strncmp(th_str(r, "prefix"), secret, 12) == 0);
  th_free(r);

  /* The secret is stored only as a hash. */
  char q[512];
  snprintf(q, sizeof q, "SELECT count(*) FROM api_keys WHERE key_hash = '%s' OR prefix = '%s'",
           secret, secret);
  cr_assert_str_eq(th_sql(q), "0");

  r = th_req("GET", "/api/v1/categories/laptop", secret, NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);

  r = th_req("GET", "/api/v1/keys?limit=500", th_admin_key(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(strstr(r->body, secret), "a listing shows a secret");
  cr_assert(json_is_array(json_object_get(r->json, "items")));
  th_free(r);

  r = th_req("DELETE", location, th_admin_key(), NULL, NULL);
  cr_assert_eq(r->status, 204);
  th_free(r);
  r = th_req("GET", "/api/v1/categories/laptop", secret, NULL, NULL);
  cr_assert(th_is_problem(r, 401), "a revoked key still works: %ld", r->status);
  th_free(r);
  r = th_req("GET", location, th_admin_key(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_not_null(th_str(r, "revoked_at"), "the key does not show as revoked");
  cr_assert_null(th_str(r, "key"));
  th_free(r);
  r = th_req("DELETE", "/api/v1/keys/987654321", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
  r = th_req("DELETE", "/api/v1/keys/abc", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

Test(keys, list_pages_with_cursor)
{
  for (int i = 0; i < 3; i++) {
    struct th_resp *r = th_reqf("POST", "/api/v1/keys", th_admin_key(),
                                "{\"name\":\"%s\",\"role\":\"reader\"}", th_unique("page"));
    th_free(r);
  }
  struct th_resp *r = th_req("GET", "/api/v1/keys?limit=2", th_admin_key(), NULL, NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 2);
  const char *next = th_str(r, "next_cursor");
  cr_assert_not_null(next);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/keys?limit=2&cursor=%s", next);
  long first_id = json_integer_value(
      json_object_get(json_array_get(json_object_get(r->json, "items"), 1), "id"));
  th_free(r);
  r = th_req("GET", path, th_admin_key(), NULL, NULL);
  long next_id = json_integer_value(
      json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
  cr_assert_gt(next_id, first_id);
  th_free(r);
  r = th_req("GET", "/api/v1/keys?limit=0", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 400));
  th_free(r);
  r = th_req("GET", "/api/v1/keys?limit=501", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 400));
  th_free(r);
  r = th_req("GET", "/api/v1/keys?cursor=xyz", th_admin_key(), NULL, NULL);
  cr_assert(th_is_problem(r, 400));
  th_free(r);
}

Test(idempotency, replay_returns_the_same_reply_and_mismatch_is_422)
{
  char hdr[128];
  snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", th_unique("idem"));
  const char *h[] = {hdr, NULL};
  char body[128];
  const char *name = th_unique("idem-site-");
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Idempotent\"}", name);
  char q[160];
  snprintf(q, sizeof q, "SELECT count(*) FROM sites WHERE slug = '%s'", name);
  struct th_resp *a = th_req("POST", "/api/v1/sites", th_admin_key(), body, h);
  cr_assert_eq(a->status, 201);
  struct th_resp *b = th_req("POST", "/api/v1/sites", th_admin_key(), body, h);
  cr_assert_eq(b->status, 201);
  cr_assert_str_eq(a->body, b->body);
  cr_assert_str_eq(th_header(b, "Idempotent-Replayed"), "true");
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(a, "ETag"));
  cr_assert_str_eq(th_header(b, "ETag"), etag, "the replay lost the ETag");
  snprintf(etag, sizeof etag, "%s", th_header(a, "Location"));
  cr_assert_str_eq(th_header(b, "Location"), etag, "the replay lost the Location");
  cr_assert_str_eq(th_sql(q), "1", "the replay created a second site");
  th_free(a);
  th_free(b);
  struct th_resp *c = th_req("POST", "/api/v1/sites", th_admin_key(),
                             "{\"slug\":\"other-idem\",\"name\":\"Other\"}", h);
  cr_assert(th_is_problem(c, 422));
  th_free(c);
  cr_assert_str_eq(th_sql(q), "1");
}

Test(categories, list_all_pages)
{
  char path[256] = "/api/v1/categories?limit=20";
  int total = 0, pages = 0;
  for (;;) {
    struct th_resp *r = th_req("GET", path, th_key("reader"), NULL, NULL);
    cr_assert_eq(r->status, 200);
    total += (int)json_array_size(json_object_get(r->json, "items"));
    pages++;
    const char *next = th_str(r, "next_cursor");
    if (next == NULL) {
      cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
      th_free(r);
      break;
    }
    snprintf(path, sizeof path, "/api/v1/categories?limit=20&cursor=%s", next);
    th_free(r);
  }
  cr_assert_eq(total, 54);
  cr_assert_eq(pages, 3);
}

Test(categories, one_with_etag)
{
  struct th_resp *r =
      th_req("GET", "/api/v1/categories/laptop-medium", th_key("reader"), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "name_fr"), "Ordinateur portable (moyen)");
  cr_assert_str_eq(th_str(r, "ords_product_category"), "Laptop");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "ords_product_category_id")), 16);
  cr_assert_float_eq(json_real_value(json_object_get(r->json, "weight_kg")), 1.83, 1e-9);
  cr_assert_float_eq(json_real_value(json_object_get(r->json, "co2e_kg")), 265.32, 1e-9);
  cr_assert(json_is_true(json_object_get(r->json, "powered")));
  char etag[64];
  snprintf(etag, sizeof etag, "If-None-Match: %s", th_header(r, "ETag"));
  th_free(r);
  const char *h[] = {etag, NULL};
  r = th_req("GET", "/api/v1/categories/laptop-medium", th_key("reader"), NULL, h);
  cr_assert_eq(r->status, 304);
  th_free(r);
  r = th_req("GET", "/api/v1/categories/misc", th_key("reader"), NULL, NULL);
  cr_assert(json_is_null(json_object_get(r->json, "weight_kg")));
  th_free(r);
  r = th_req("GET", "/api/v1/categories/no-such-thing", th_key("reader"), NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

/* ulfius merges a query parameter into a path parameter of the same name;
 * path segments must come from the path alone, and such a parameter is
 * refused like any other the operation does not take. */
Test(categories, query_parameter_cannot_override_the_path)
{
  struct th_resp *r =
      th_req("GET", "/api/v1/categories/laptop?slug=kettle", th_key("reader"), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "field")), "slug");
  cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "unknown_parameter");
  cr_assert_null(strstr(r->body, "Kettle"), "the query's category was served");
  th_free(r);
  r = th_req("GET", "/api/v1/categories/laptop", th_key("reader"), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "slug"), "laptop");
  th_free(r);
  r = th_req("GET", "/api/v1/categories/lap%74op", th_key("reader"), NULL, NULL);
  cr_assert_eq(r->status, 200, "percent-encoded path not decoded");
  th_free(r);
}

/* Found in review: a long method overflowed the access log line. */
Test(errors, a_very_long_method_is_refused_and_the_server_stays_up)
{
  char method[3001];
  memset(method, 'A', 3000);
  method[3000] = '\0';
  struct th_resp *r = th_req(method, "/healthz", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 405), "got %ld", r->status);
  th_free(r);
  r = th_req(method, "/no/such/path", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 404), "got %ld", r->status);
  th_free(r);
  r = th_req("GET", "/healthz", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
}

Test(errors, nul_in_a_path_segment_names_nothing)
{
  struct th_resp *r = th_req("GET", "/api/v1/categories/laptop%00x", th_key("reader"), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "got %ld", r->status);
  th_free(r);
}

Test(errors, weak_if_match_never_matches)
{
  const char *slug = th_unique("weak-");
  struct th_resp *r =
      th_reqf("POST", "/api/v1/sites", th_admin_key(), "{\"slug\":\"%s\",\"name\":\"Weak\"}", slug);
  cr_assert_eq(r->status, 201);
  char hdr[96], path[128];
  snprintf(hdr, sizeof hdr, "If-Match: W/%s", th_header(r, "ETag"));
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  const char *h[] = {hdr, NULL};
  r = th_req("PATCH", path, th_admin_key(), "{\"name\":\"Changed\"}", h);
  cr_assert(th_is_problem(r, 412), "got %ld", r->status);
  th_free(r);
}

/* An expired stored reply is not replayed: the request runs anew and its
 * reply replaces the old one. */
Test(idempotency, an_expired_reply_is_not_replayed)
{
  const char *key = th_unique("expired");
  const char *slug = th_unique("expired-");
  char body[128], sql[1024];
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Expired\"}", slug);
  snprintf(sql, sizeof sql,
           "INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint, status, body,"
           " expires_at) SELECT id, '%s', encode(sha256(convert_to('POST /api/v1/sites' ||"
           " chr(10) || '%s', 'UTF8')), 'hex'), 418, '{}', now() - interval '1 second'"
           " FROM api_keys WHERE name = 'test-admin' RETURNING 1",
           key, body);
  cr_assert_str_eq(th_sql(sql), "1");
  char hdr[128];
  snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
  const char *h[] = {hdr, NULL};
  struct th_resp *r = th_req("POST", "/api/v1/sites", th_admin_key(), body, h);
  cr_assert_eq(r->status, 201, "got %ld %s", r->status, r->body);
  cr_assert_null(th_header(r, "Idempotent-Replayed"));
  th_free(r);
  snprintf(sql, sizeof sql,
           "SELECT status || ' ' || (expires_at > now() + interval '23 hours')"
           " FROM idempotency_keys WHERE idem_key = '%s'",
           key);
  cr_assert_str_eq(th_sql(sql), "201 true", "the new reply replaces the expired one");
}

/* While another request holds the key (its transaction runs), the same key
 * is answered 409 at once, and nothing is done twice. */
Test(idempotency, a_key_in_flight_is_409)
{
  const char *key = th_unique("inflight");
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT pg_advisory_lock(hashtextextended(id::text || ':' || '%s', 0)) FROM api_keys"
           " WHERE name = 'test-admin'; SELECT pg_sleep(1.5)",
           key);
  pid_t holder = th_sql_background(sql);
  cr_assert_gt(holder, 0);
  /* Held once another session can no longer take it. */
  char probe[512];
  snprintf(probe, sizeof probe,
           "SELECT pg_try_advisory_lock(hashtextextended(id::text || ':' || '%s', 0)) FROM"
           " api_keys WHERE name = 'test-admin'",
           key);
  for (int i = 0; i < 100 && strcmp(th_sql(probe), "t") == 0; i++)
    usleep(10000);
  const char *slug = th_unique("inflight-");
  char body[128], hdr[128];
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"In flight\"}", slug);
  snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
  const char *h[] = {hdr, NULL};
  struct th_resp *r = th_req("POST", "/api/v1/sites", th_admin_key(), body, h);
  cr_assert(th_is_problem(r, 409), "got %ld %s", r->status, r->body);
  th_free(r);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sites WHERE slug = '%s'", slug);
  cr_assert_str_eq(th_sql(sql), "0");
  cr_assert_eq(th_sql_wait(holder), 0);
  /* psql has exited, but its server process may not have released the
   * lock yet (it ends after the client has gone): wait until it has. */
  snprintf(probe, sizeof probe,
           "SELECT pg_try_advisory_lock(k) AND pg_advisory_unlock(k) FROM (SELECT"
           " hashtextextended(id::text || ':' || '%s', 0) AS k FROM api_keys"
           " WHERE name = 'test-admin') AS l",
           key);
  for (int i = 0; i < 200 && strcmp(th_sql(probe), "t") != 0; i++)
    usleep(10000);
  r = th_req("POST", "/api/v1/sites", th_admin_key(), body, h);
  cr_assert_eq(r->status, 201, "once the holder is done, the key is free: %ld", r->status);
  th_free(r);
}
