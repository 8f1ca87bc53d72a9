/* Repair café sessions over HTTP: create, read, list, patch, bad input, and
 * the figures of a session (devices seen, fixed, repairable, end of life,
 * waste and CO2e avoided) against worked examples of the Restart Project's
 * method: factor set restart-2021-d0.5 (displacement 0.5; Misc 32.06679233
 * kg CO2e/kg powered, 17.70147059 unpowered). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static struct th_resp *ss_create(const char *starts, const char *ends, const char *more)
{
  return th_reqf("POST", "/api/v1/sessions", ds_vol(),
                 "{\"site\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"%s%s}", g_site, starts,
                 ends, more ? "," : "", more ? more : "");
}

static long long ss_new(void)
{
  struct th_resp *r = ss_create("2026-04-11T09:00:00Z", "2026-04-11T13:00:00Z",
                                "\"volunteers\":6,\"notes\":\"spring café\"");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long id = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

static struct th_resp *ss_get(long long id)
{
  char path[64];
  snprintf(path, sizeof path, "/api/v1/sessions/%lld", id);
  return th_req("GET", path, ds_reader(), NULL, NULL);
}

/* A device on g_site; weight_json: a JSON number or NULL (not sent). */
static void ss_device(char *code, const char *category, const char *weight_json)
{
  char w[48] = "";
  if (weight_json)
    snprintf(w, sizeof w, ",\"weight_kg\":%s", weight_json);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"%s\",\"site\":\"%s\","
                              "\"brand\":\"Acme\",\"owner\":{\"name\":\"Sam\"}%s}",
                              category, g_site, w);
  cr_assert_eq(r->status, 201, "intake %s: %ld %s", category, r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static long long ss_repair(const char *code, long long session, const char *outcome)
{
  char path[128], body[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  if (session > 0)
    snprintf(body, sizeof body, "{\"session_id\":%lld,\"outcome\":\"%s\"%s}", session, outcome,
             strcmp(outcome, "end_of_life") == 0 ? ",\"barrier\":\"too_worn_out\"" : "");
  else
    snprintf(body, sizeof body, "{\"outcome\":\"%s\"}", outcome);
  struct th_resp *r = th_req("POST", path, ds_vol(), body, NULL);
  cr_assert_eq(r->status, 201, "%s on %s: %ld %s", outcome, code, r->status, r->body);
  long long id = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

/* The session's figures (caller owns). */
static json_t *ss_figures(long long id)
{
  struct th_resp *r = ss_get(id);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *f = json_incref(json_object_get(r->json, "figures"));
  cr_assert(json_is_object(f), "no figures: %s", r->body);
  th_free(r);
  return f;
}

static void expect_figures(long long id, long seen, long fixed, long repairable, long eol,
                           double waste, double co2e)
{
  json_t *f = ss_figures(id);
  char *text = json_dumps(f, JSON_COMPACT);
  cr_assert_eq(json_integer_value(json_object_get(f, "devices_seen")), seen, "%s", text);
  cr_assert_eq(json_integer_value(json_object_get(f, "fixed")), fixed, "%s", text);
  cr_assert_eq(json_integer_value(json_object_get(f, "repairable")), repairable, "%s", text);
  cr_assert_eq(json_integer_value(json_object_get(f, "end_of_life")), eol, "%s", text);
  json_t *w = json_object_get(f, "waste_kg"), *c = json_object_get(f, "co2e_kg");
  cr_assert(json_is_number(w) && json_is_number(c), "%s", text);
  cr_assert(fabs(json_number_value(w) - waste) < 1e-6, "waste_kg: want %.8f, %s", waste, text);
  cr_assert(fabs(json_number_value(c) - co2e) < 1e-6, "co2e_kg: want %.8f, %s", co2e, text);
  free(text);
  json_decref(f);
}

Test(sessions, create_read_list, .init = setup)
{
  struct th_resp *r = ss_create("2026-04-11T09:00:00Z", "2026-04-11T13:30:00+02:00",
                                "\"volunteers\":6,\"notes\":\"spring café\"");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long id = (long long)json_integer_value(json_object_get(r->json, "id"));
  cr_assert_gt(id, 0);
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/sessions/%lld", id);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_str_eq(th_str(r, "site"), g_site);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "volunteers")), 6);
  cr_assert_str_eq(th_str(r, "notes"), "spring café");
  cr_assert_eq(ds_time(th_str(r, "starts_at")), ds_time("2026-04-11T09:00:00Z"), "%s", r->body);
  cr_assert_eq(ds_time(th_str(r, "ends_at")), ds_time("2026-04-11T11:30:00Z"),
               "times come back in UTC: %s", r->body);
  json_t *f = json_object_get(r->json, "figures");
  cr_assert_eq(json_integer_value(json_object_get(f, "devices_seen")), 0, "%s", r->body);
  cr_assert_eq(json_number_value(json_object_get(f, "waste_kg")), 0.0);
  th_free(r);

  r = ss_get(id);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "site"), g_site);
  th_free(r);

  /* Without volunteers: 0. */
  r = ss_create("2026-04-12T09:00:00Z", "2026-04-12T12:00:00Z", NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "volunteers")), 0);
  long long id2 = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);

  char path[160];
  snprintf(path, sizeof path, "/api/v1/sessions?site=%s", g_site);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2, "%s", r->body);
  long long a = (long long)json_integer_value(json_object_get(json_array_get(items, 0), "id"));
  long long b = (long long)json_integer_value(json_object_get(json_array_get(items, 1), "id"));
  cr_assert((a == id && b == id2) || (a == id2 && b == id), "%s", r->body);
  th_free(r);

  snprintf(path, sizeof path, "/api/v1/sessions?site=%s&from=2026-04-12&to=2026-04-12", g_site);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), id2);
  th_free(r);

  r = th_req("GET", "/api/v1/sessions?from=yesterday", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "from"), "%s", r->body);
  th_free(r);

  r = th_req("GET", "/api/v1/sessions/999999999999", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(sessions, ends_before_it_starts_is_400, .init = setup)
{
  const char *pairs[][2] = {
      {"2026-04-11T13:00:00Z", "2026-04-11T09:00:00Z"},
      {"2026-04-11T09:00:00Z", "2026-04-11T09:00:00Z"},
      {"2026-04-11T09:00:00Z", "2026-04-11T10:00:00+02:00"},
  };
  for (size_t i = 0; i < 3; i++) {
    struct th_resp *r = ss_create(pairs[i][0], pairs[i][1], NULL);
    cr_assert(th_is_problem(r, 400), "%s..%s: %ld %s", pairs[i][0], pairs[i][1], r->status,
              r->body);
    cr_assert(ds_names_field(r, "ends_at"), "%s", r->body);
    th_free(r);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM repair_sessions rs JOIN sites s ON s.id ="
                        " rs.site_id WHERE s.slug = '%s'",
                        g_site),
               0);

  /* PATCH too, and nothing changes. */
  long long id = ss_new();
  char path[64];
  snprintf(path, sizeof path, "/api/v1/sessions/%lld", id);
  struct th_resp *r =
      th_req("PATCH", path, ds_vol(), "{\"ends_at\":\"2026-04-11T08:00:00Z\"}", NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "ends_at"), "%s", r->body);
  th_free(r);
  r = ss_get(id);
  cr_assert_eq(ds_time(th_str(r, "ends_at")), ds_time("2026-04-11T13:00:00Z"));
  th_free(r);
}

Test(sessions, bad_input_is_400_naming_the_field, .init = setup)
{
  struct {
    const char *body, *field;
  } cases[] = {
      {"{\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:00Z\"}", "site"},
      {"{\"site\":\"%s\",\"ends_at\":\"2026-04-11T13:00:00Z\"}", "starts_at"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\"}", "ends_at"},
      {"{\"site\":\"no-such-site-xyz\",\"starts_at\":\"2026-04-11T09:00:00Z\","
       "\"ends_at\":\"2026-04-11T13:00:00Z\"}",
       "site"},
      {"{\"site\":\"%s\",\"starts_at\":\"tomorrow\",\"ends_at\":\"2026-04-11T13:00:00Z\"}",
       "starts_at"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\"}",
       "starts_at"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-02-30T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\"}",
       "starts_at"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":1775912400}",
       "ends_at"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"volunteers\":-1}",
       "volunteers"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"volunteers\":1001}",
       "volunteers"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"volunteers\":\"4\"}",
       "volunteers"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"volunteers\":2.5}",
       "volunteers"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"notes\":\"\"}",
       "notes"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"notes\":5}",
       "notes"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"hours\":4}",
       "hours"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"id\":4}",
       "id"},
      {"{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\","
       "\"figures\":{}}",
       "figures"},
      {"{\"site\":null,\"starts_at\":\"2026-04-11T09:00:00Z\",\"ends_at\":\"2026-04-11T13:00:"
       "00Z\"}",
       "site"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char body[512];
    if (strstr(cases[i].body, "%s"))
      snprintf(body, sizeof body, cases[i].body, g_site);
    else
      snprintf(body, sizeof body, "%s", cases[i].body);
    struct th_resp *r = th_req("POST", "/api/v1/sessions", ds_vol(), body, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", body, r->status, r->body);
    cr_assert(ds_names_field(r, cases[i].field), "%s should name %s: %s", body, cases[i].field,
              r->body);
    th_free(r);
  }
  const char *malformed[] = {"[]", "{", "null"};
  for (size_t i = 0; i < 3; i++) {
    struct th_resp *r = th_req("POST", "/api/v1/sessions", ds_vol(), malformed[i], NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", malformed[i], r->status, r->body);
    th_free(r);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM repair_sessions rs JOIN sites s ON s.id ="
                        " rs.site_id WHERE s.slug = '%s'",
                        g_site),
               0, "bad input stored a session");

  struct th_resp *r = th_reqf("POST", "/api/v1/sessions", ds_reader(),
                              "{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\","
                              "\"ends_at\":\"2026-04-11T13:00:00Z\"}",
                              g_site);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(sessions, patch_with_etag, .init = setup)
{
  long long id = ss_new();
  struct th_resp *r = ss_get(id);
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  th_free(r);
  char path[64];
  snprintf(path, sizeof path, "/api/v1/sessions/%lld", id);
  char im[96];
  snprintf(im, sizeof im, "If-Match: %s", etag);
  const char *h[] = {im, NULL};
  r = th_req("PATCH", path, ds_vol(), "{\"volunteers\":9,\"notes\":null}", h);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "volunteers")), 9);
  cr_assert(json_is_null(json_object_get(r->json, "notes")), "%s", r->body);
  cr_assert_eq(ds_time(th_str(r, "starts_at")), ds_time("2026-04-11T09:00:00Z"));
  cr_assert(json_is_object(json_object_get(r->json, "figures")), "%s", r->body);
  cr_assert_str_neq(th_header(r, "ETag"), etag);
  th_free(r);
  /* The old ETag no longer matches. */
  r = th_req("PATCH", path, ds_vol(), "{\"volunteers\":1}", h);
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT volunteers FROM repair_sessions WHERE id = %lld", id), "9");
  /* Unknown field, unknown site, unknown session. */
  r = th_req("PATCH", path, ds_vol(), "{\"room\":\"B\"}", NULL);
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "room"));
  th_free(r);
  r = th_req("PATCH", path, ds_vol(), "{\"site\":\"no-such-site-xyz\"}", NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "site"), "%s", r->body);
  th_free(r);
  r = th_req("PATCH", "/api/v1/sessions/999999999999", ds_vol(), "{\"volunteers\":1}", NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(sessions, figures_one_fixed_medium_laptop, .init = setup)
{
  long long s = ss_new();
  char code[CODE_CAP];
  ss_device(code, "laptop-medium", NULL);
  ss_repair(code, s, "fixed");
  /* 1.83 kg; 265.32 × 0.5 = 132.66 kg CO2e. */
  expect_figures(s, 1, 1, 0, 0, 1.83, 132.66);
  json_t *f = ss_figures(s);
  cr_assert_str_eq(json_string_value(json_object_get(f, "factor_version")), "restart-2021-d0.5");
  json_decref(f);
}

Test(sessions, figures_measured_weight_replaces_the_default, .init = setup)
{
  long long s = ss_new();
  char code[CODE_CAP];
  ss_device(code, "laptop-medium", "2.5");
  ss_repair(code, s, "fixed");
  expect_figures(s, 1, 1, 0, 0, 2.5, 132.66);
}

Test(sessions, figures_misc_by_weight, .init = setup)
{
  long long s = ss_new();
  char powered[CODE_CAP], unpowered[CODE_CAP];
  ss_device(powered, "misc", "2");
  ss_repair(powered, s, "fixed");
  expect_figures(s, 1, 1, 0, 0, 2.0, 2 * 32.06679233 * 0.5);

  long long s2 = ss_new();
  ss_device(unpowered, "misc-unpowered", "3");
  ss_repair(unpowered, s2, "fixed");
  expect_figures(s2, 1, 1, 0, 0, 3.0, 3 * 17.70147059 * 0.5);

  /* A misc device without a measured weight has no figures to give. */
  long long s3 = ss_new();
  char unweighed[CODE_CAP];
  ss_device(unweighed, "misc", NULL);
  ss_repair(unweighed, s3, "fixed");
  expect_figures(s3, 1, 1, 0, 0, 0.0, 0.0);
  json_t *f = ss_figures(s3);
  cr_assert_eq(json_integer_value(json_object_get(f, "fixed_without_weight")), 1);
  json_decref(f);
}

Test(sessions, figures_count_each_device_once_with_its_last_outcome, .init = setup)
{
  long long s = ss_new();
  /* Tried twice in the session: repairable, then fixed → one fixed device. */
  char twice[CODE_CAP];
  ss_device(twice, "laptop-medium", NULL);
  ss_repair(twice, s, "repairable");
  ss_repair(twice, s, "fixed");
  expect_figures(s, 1, 1, 0, 0, 1.83, 132.66);

  /* Fixed, then a later attempt in the session says repairable: it counts
   * as repairable, with no waste avoided. */
  long long s2 = ss_new();
  char later[CODE_CAP];
  ss_device(later, "laptop-medium", NULL);
  ss_repair(later, s2, "fixed");
  ss_repair(later, s2, "repairable");
  expect_figures(s2, 1, 0, 1, 0, 0.0, 0.0);
}

Test(sessions, figures_mixed_session, .init = setup)
{
  long long s = ss_new(), other = ss_new();
  char a[CODE_CAP], b[CODE_CAP], c[CODE_CAP], d[CODE_CAP], e[CODE_CAP], f[CODE_CAP], g[CODE_CAP];
  ss_device(a, "laptop-medium", NULL); /* fixed: 1.83 / 132.66 */
  ss_repair(a, s, "fixed");
  ss_device(b, "misc", "2"); /* fixed: 2 / 32.06679233 */
  ss_repair(b, s, "fixed");
  ss_device(c, "laptop-medium", "2.5"); /* end of life: counted, no waste */
  ss_repair(c, s, "end_of_life");
  ss_device(d, "laptop-medium", NULL); /* repairable: counted, no waste */
  ss_repair(d, s, "repairable");
  ss_device(e, "laptop-medium", NULL); /* unknown: seen only */
  ss_repair(e, s, "unknown");
  ss_device(f, "laptop-medium", NULL); /* fixed outside any session */
  ss_repair(f, 0, "fixed");
  ss_device(g, "laptop-medium", NULL); /* fixed in another session */
  ss_repair(g, other, "fixed");
  expect_figures(s, 5, 2, 1, 1, 1.83 + 2.0, 132.66 + 32.06679233);
  expect_figures(other, 1, 1, 0, 0, 1.83, 132.66);

  /* Moving f's repair into the session by PATCH counts it there. */
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", f);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  long long rid = (long long)json_integer_value(
      json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", rid);
  r = th_reqf("PATCH", path, ds_vol(), "{\"session_id\":%lld}", s);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  expect_figures(s, 6, 3, 1, 1, 1.83 * 2 + 2.0, 132.66 * 2 + 32.06679233);
}

static struct th_resp *ss_repair_req(const char *code, long long session)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  return th_reqf("POST", path, ds_vol(), "{\"session_id\":%lld,\"outcome\":\"fixed\"}", session);
}

Test(sessions, a_repair_is_at_the_sessions_site_and_not_before_it, .init = setup)
{
  char other[96], code[CODE_CAP], there[CODE_CAP];
  ds_site(other, sizeof other, 1);
  ss_device(code, "kettle", NULL);
  ds_device(there, "donation", other, "Elsewhere");
  long long past = ss_new();

  struct th_resp *r = ss_repair_req(there, past);
  cr_assert(th_is_problem(r, 422), "another site's session: %ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "session_id"));
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM repairs r JOIN devices d ON d.id = r.device_id"
                        " WHERE d.code = '%s'",
                        there),
               0);
  cr_assert_str_eq(ds_sql("SELECT status FROM devices WHERE code = '%s'", there), "received",
                   "a refused repair moves nothing");

  r = ss_create("2099-06-01T09:00:00Z", "2099-06-01T12:00:00Z", NULL);
  cr_assert_eq(r->status, 201);
  long long future = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  r = ss_repair_req(code, future);
  cr_assert(th_is_problem(r, 422), "a session not begun: %ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "session_id"));
  th_free(r);

  r = ss_repair_req(code, past);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long id = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  /* Moving an existing repair into a session is checked the same way. */
  char path[64];
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", id);
  r = th_reqf("PATCH", path, ds_vol(), "{\"session_id\":%lld}", future);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT session_id FROM repairs WHERE id = %lld", id), past);
}

Test(sessions, lists_its_repairs, .init = setup)
{
  long long id = ss_new();
  char a[CODE_CAP], b[CODE_CAP];
  ss_device(a, "kettle", NULL);
  ss_device(b, "lamp", NULL);
  long long r1 = ss_repair(a, id, "fixed");
  long long r2 = ss_repair(b, id, "repairable");
  char path[96];
  snprintf(path, sizeof path, "/api/v1/sessions/%lld/repairs?limit=1", id);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), r1);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "device")), a);
  const char *next = th_str(r, "next_cursor");
  cr_assert_not_null(next);
  snprintf(path, sizeof path, "/api/v1/sessions/%lld/repairs?cursor=%s", id, next);
  th_free(r);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), r2);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);

  long long empty = ss_new();
  snprintf(path, sizeof path, "/api/v1/sessions/%lld/repairs", empty);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0);
  th_free(r);
  r = th_req("GET", "/api/v1/sessions/999999999/repairs", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld", r->status);
  th_free(r);
}
