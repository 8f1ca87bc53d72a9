/* The record of who read personal data: an entry for each reply that
 * carried an owner's or a member's contact (or a member's notes) to a
 * volunteer or admin key, with the exact records and the route's pattern,
 * none for readers; the admins' list, its filters and cursor, and its
 * refusals. */
#include "tests/integration/read_log_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* The request id the reply was sent with. */
static void request_id_of(char *out, size_t cap, const struct th_resp *r)
{
  const char *id = th_header(r, "X-Request-Id");
  cr_assert_not_null(id);
  snprintf(out, cap, "%s", id);
}

/* Calls path as key; the reply must be status; copies its request id. */
static void call(char *rid, const char *key, const char *method, const char *path, const char *body,
                 long status)
{
  struct th_resp *r = th_req(method, path, key, body, NULL);
  cr_assert_eq(r->status, status, "%s %s: %ld %.300s", method, path, r->status, r->body);
  request_id_of(rid, 72, r);
  th_free(r);
}

static void expect_entry(const json_t *e, const char *method, const char *route, const char *rid,
                         const char *device, const char *member, long long key_id)
{
  char *text = json_dumps(e, JSON_COMPACT);
  cr_assert_str_eq(json_string_value(json_object_get(e, "method")), method, "%s", text);
  cr_assert_str_eq(json_string_value(json_object_get(e, "route")), route, "%s", text);
  cr_assert_str_eq(json_string_value(json_object_get(e, "request_id")), rid, "%s", text);
  cr_assert(rk_only(json_object_get(e, "devices"), device), "devices: %s", text);
  cr_assert(rk_only(json_object_get(e, "members"), member), "members: %s", text);
  const json_t *key = json_object_get(e, "key");
  cr_assert_eq(json_integer_value(json_object_get(key, "id")), key_id, "%s", text);
  cr_assert_str_eq(json_string_value(json_object_get(key, "role")), "volunteer", "%s", text);
  cr_assert_not_null(json_string_value(json_object_get(key, "name")), "%s", text);
  cr_assert_gt(ds_time(json_string_value(json_object_get(e, "at"))), 0, "%s", text);
  free(text);
}

/* A code as a person might type it: lower case, no dashes. */
static void sloppy(char *out, size_t cap, const char *code)
{
  size_t n = 0;
  for (const char *p = code; *p && n + 1 < cap; p++)
    if (*p != '-')
      out[n++] = (char)tolower((unsigned char)*p);
  out[n] = '\0';
}

Test(read_log, each_personal_reply_is_recorded_with_its_records)
{
  struct rk_scenario s;
  rk_scenario(&s);
  struct rk_key vol;
  rk_new_key(&vol, "volunteer");
  char rid[12][72], path[512], enc[256], code_typed[32];
  int n = 0;

  sloppy(code_typed, sizeof code_typed, s.code);
  snprintf(path, sizeof path, "/api/v1/devices/%s", code_typed);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 0 */
  ds_urlenc(enc, sizeof enc, s.owner_email);
  snprintf(path, sizeof path, "/api/v1/devices?site=%s", s.site);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 1 */
  snprintf(path, sizeof path, "/api/v1/members/%s", s.number);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 2 */
  ds_urlenc(enc, sizeof enc, s.member_email);
  snprintf(path, sizeof path, "/api/v1/members?q=%s", enc);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 3 */
  snprintf(path, sizeof path, "/api/v1/members/%s/history", s.number);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 4 */
  snprintf(path, sizeof path, "/api/v1/loans/%ld/agreement?name=true", s.loan);
  call(rid[n++], vol.secret, "GET", path, NULL, 200); /* 5 */
  char body[512];
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Again\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\"}}",
           s.site, s.owner_name, s.owner_email);
  struct th_resp *r = th_req("POST", "/api/v1/devices", vol.secret, body, NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  char second[CODE_CAP];
  snprintf(second, sizeof second, "%s", th_str(r, "code"));
  request_id_of(rid[n++], 72, r); /* 6 */
  th_free(r);

  /* Carrying nothing personal: not recorded. The agreement without the
   * name, a device without an owner, a problem, a 304. */
  char ignored[72];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/agreement", s.loan);
  call(ignored, vol.secret, "GET", path, NULL, 200);
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.lent);
  call(ignored, vol.secret, "GET", path, NULL, 200);
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.code);
  call(ignored, vol.secret, "GET", "/api/v1/devices?limit=0", NULL, 400);
  r = th_req("GET", path, vol.secret, NULL, NULL);
  char etag[96], inm[128];
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  th_free(r);
  snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
  const char *h[] = {inm, NULL};
  r = th_req("GET", path, vol.secret, NULL, h);
  cr_assert_eq(r->status, 304, "%ld", r->status);
  th_free(r);

  json_t *items = rk_reads_of(vol.id);
  char *all = json_dumps(items, JSON_COMPACT);
  /* Newest first: the GET of the device that had a body (before the
   * 304), then the seven. */
  size_t got = json_array_size(items);
  cr_assert_eq(got, 8, "only the replies that carried personal data: %s", all);
  size_t base = 1;
  expect_entry(json_array_get(items, base + 6), "GET", "/api/v1/devices/:code", rid[0], s.code,
               NULL, vol.id);
  expect_entry(json_array_get(items, base + 5), "GET", "/api/v1/devices", rid[1], s.code, NULL,
               vol.id);
  expect_entry(json_array_get(items, base + 4), "GET", "/api/v1/members/:number", rid[2], NULL,
               s.number, vol.id);
  expect_entry(json_array_get(items, base + 3), "GET", "/api/v1/members", rid[3], NULL, s.number,
               vol.id);
  expect_entry(json_array_get(items, base + 2), "GET", "/api/v1/members/:number/history", rid[4],
               NULL, s.number, vol.id);
  expect_entry(json_array_get(items, base + 1), "GET", "/api/v1/loans/:id/agreement", rid[5], NULL,
               s.number, vol.id);
  expect_entry(json_array_get(items, base + 0), "POST", "/api/v1/devices", rid[6], second, NULL,
               vol.id);
  const json_t *dev = json_array_get(items, 0);
  cr_assert_str_eq(json_string_value(json_object_get(dev, "route")), "/api/v1/devices/:code", "%s",
                   all);
  cr_assert(rk_only(json_object_get(dev, "devices"), s.code), "%s", all);
  /* No value, no query string anywhere in the record. */
  const char *values[] = {s.owner_name,
                          s.owner_email,
                          s.owner_phone,
                          s.owner_digits,
                          s.member_name,
                          s.member_email,
                          s.member_phone,
                          s.member_digits,
                          s.member_notes,
                          s.member_note,
                          "?",
                          "q="};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert_null(strstr(all, values[i]), "%s is in the record: %s", values[i], all);
  free(all);
  json_decref(items);
  /* In the table: no value either, and the route pattern. */
  cr_assert_eq(ds_count("SELECT count(*) FROM personal_reads WHERE api_key_id = %lld"
                        " AND route LIKE '%%?%%'",
                        vol.id),
               0);
}

Test(read_log, readers_replies_are_not_recorded)
{
  struct rk_scenario s;
  rk_scenario(&s);
  struct rk_key reader;
  rk_new_key(&reader, "reader");
  char path[160], rid[72];
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.code);
  call(rid, reader.secret, "GET", path, NULL, 200);
  call(rid, reader.secret, "GET", "/api/v1/devices?limit=5", NULL, 200);
  snprintf(path, sizeof path, "/api/v1/members/%s", s.number);
  call(rid, reader.secret, "GET", path, NULL, 200);
  snprintf(path, sizeof path, "/api/v1/members/%s/history", s.number);
  call(rid, reader.secret, "GET", path, NULL, 200);
  json_t *items = rk_reads_of(reader.id);
  cr_assert_eq(json_array_size(items), 0);
  json_decref(items);
  cr_assert_eq(ds_count("SELECT count(*) FROM personal_reads WHERE api_key_id = %lld", reader.id),
               0);
}

Test(read_log, filters_by_key_record_and_time_with_a_cursor)
{
  struct rk_scenario s;
  rk_scenario(&s);
  struct rk_key a, b;
  rk_new_key(&a, "volunteer");
  rk_new_key(&b, "volunteer");
  char path[160], rid[4][72];
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.code);
  call(rid[0], a.secret, "GET", path, NULL, 200);
  snprintf(path, sizeof path, "/api/v1/members/%s", s.number);
  call(rid[1], a.secret, "GET", path, NULL, 200);
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.code);
  call(rid[2], b.secret, "GET", path, NULL, 200);

  /* By device, in another spelling: the two reads of it are the newest
   * (the scenario's intake and moves came before), and every entry names
   * it. */
  char typed[32], q[256];
  sloppy(typed, sizeof typed, s.code);
  snprintf(q, sizeof q, "?device=%s", typed);
  struct th_resp *r = rk_reads(q);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_geq(json_array_size(items), 2, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[2]);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "request_id")),
                   rid[0]);
  size_t i;
  json_t *e;
  json_array_foreach(items, i, e)
    cr_assert(rk_only(json_object_get(e, "devices"), s.code), "%s", r->body);
  th_free(r);

  /* By member, and by key and device together. */
  snprintf(q, sizeof q, "?member=%s", s.number);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_geq(json_array_size(items), 1, "%s", r->body);
  json_array_foreach(items, i, e)
    cr_assert(rk_only(json_object_get(e, "members"), s.number), "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[1]);
  th_free(r);
  snprintf(q, sizeof q, "?key=%lld&device=%s", b.id, s.code);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[2]);
  const char *at = json_string_value(json_object_get(json_array_get(items, 0), "at"));
  char at_enc[96];
  ds_urlenc(at_enc, sizeof at_enc, at);
  th_free(r);

  /* The cursor: a page of one, then the next, then none. */
  snprintf(q, sizeof q, "?key=%lld&limit=1", a.id);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[1]);
  const char *next = th_str(r, "next_cursor");
  cr_assert_not_null(next, "%s", r->body);
  snprintf(q, sizeof q, "?key=%lld&limit=1&cursor=%s", a.id, next);
  th_free(r);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[0]);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")), "%s", r->body);
  th_free(r);

  /* By time: since the last read keeps it, until it keeps the earlier. */
  snprintf(q, sizeof q, "?device=%s&since=%s", s.code, at_enc);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "request_id")),
                   rid[2]);
  th_free(r);
  snprintf(q, sizeof q, "?key=%lld&until=%s", a.id, at_enc);
  r = rk_reads(q);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2, "%s", r->body);
  snprintf(q, sizeof q, "?key=%lld&until=%s", b.id, at_enc);
  th_free(r);
  r = rk_reads(q);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0, "%s", r->body);
  th_free(r);

  /* A device or member that names nothing: nothing. */
  char unknown[CODE_CAP];
  ls_unknown_code(unknown);
  snprintf(q, sizeof q, "?device=%s", unknown);
  r = rk_reads(q);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0, "%s", r->body);
  th_free(r);
}

Test(read_log, only_admins_list_it_and_bad_filters_are_400)
{
  struct th_resp *r = th_req("GET", "/api/v1/privacy/reads", ds_vol(), NULL, NULL);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/privacy/reads", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/privacy/reads", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 401), "%ld %s", r->status, r->body);
  th_free(r);

  static const struct {
    const char *query, *field, *code;
  } bad[] = {
      {"?key=abc", "key", NULL},
      {"?key=0", "key", "out_of_range"},
      {"?device=not%20a%20code!", "device", "not_a_device_code"},
      {"?member=zz", "member", NULL},
      {"?since=yesterday", "since", NULL},
      {"?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until", "from_after_to"},
      {"?cursor=abc", "cursor", "not_a_cursor"},
      {"?limit=0", "limit", "out_of_range"},
      {"?limit=501", "limit", "out_of_range"},
      {"?owner=x", "owner", "unknown_parameter"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = rk_reads(bad[i].query);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i].query, r->status, r->body);
    cr_assert(ds_names_field(r, bad[i].field), "%s: %s", bad[i].query, r->body);
    if (bad[i].code) {
      json_t *errors = json_object_get(r->json, "errors");
      size_t j;
      json_t *e;
      int found = 0;
      json_array_foreach(errors, j, e)
        found |= strcmp(json_string_value(json_object_get(e, "code")), bad[i].code) == 0;
      cr_assert(found, "%s: %s", bad[i].query, r->body);
    }
    th_free(r);
  }
}
