/* Device intake over HTTP: what is stored, what each role sees, replays,
 * every kind of bad input, and lookups by what a person types. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int current_year(void)
{
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

static int code_shaped(const char *c)
{
  if (c == NULL || strlen(c) != 12 || strncmp(c, "RL-", 3) != 0 || c[7] != '-')
    return 0;
  char body[9];
  memcpy(body, c + 3, 4);
  memcpy(body + 4, c + 8, 4);
  body[8] = '\0';
  for (int i = 0; i < 8; i++)
    if (strchr(ds_alphabet, body[i]) == NULL)
      return 0;
  return 1;
}

Test(intake, donation_is_registered)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *brand = th_unique("Fairphone-");
  struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"mobile\",\"site\":\"%s\","
                              "\"brand\":\"%s\",\"model\":\"FP3\",\"serial\":\"SN-1\","
                              "\"year_of_manufacture\":2019,\"weight_kg\":0.19,"
                              "\"problem\":\"cracked screen\",\"notes\":\"box included\"}",
                              site, brand);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  const char *code = th_str(r, "code");
  cr_assert(code_shaped(code), "code %s", code);
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/devices/%s", code);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_str_eq(th_str(r, "status"), "received");
  cr_assert_str_eq(th_str(r, "kind"), "donation");
  cr_assert_str_eq(th_str(r, "category"), "mobile");
  cr_assert_str_eq(th_str(r, "site"), site);
  cr_assert_str_eq(th_str(r, "brand"), brand);
  cr_assert_str_eq(th_str(r, "model"), "FP3");
  cr_assert_str_eq(th_str(r, "serial"), "SN-1");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "year_of_manufacture")), 2019);
  cr_assert_float_eq(json_number_value(json_object_get(r->json, "weight_kg")), 0.19, 1e-9);
  cr_assert_str_eq(th_str(r, "problem"), "cracked screen");
  cr_assert_str_eq(th_str(r, "notes"), "box included");
  double at = ds_time(th_str(r, "received_at"));
  cr_assert_gt(at, 0, "received_at %s", th_str(r, "received_at"));
  cr_assert_lt(abs((int)(at - (double)time(NULL))), 300, "received_at is now");
  cr_assert_null(json_object_get(r->json, "tracking_token"), "a donation has no tracking token");
  cr_assert_null(json_object_get(r->json, "owner"));
  char want[160];
  snprintf(want, sizeof want, "%s|donation|received|%s|mobile", code, site);
  cr_assert_str_eq(ds_sql("SELECT d.code||'|'||kind||'|'||status||'|'||s.slug||'|'||category"
                          " FROM devices d JOIN sites s ON s.id = d.site_id WHERE brand = '%s'",
                          brand),
                   want);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM devices WHERE brand = '%s' AND tracking_token IS NULL", brand),
      1);
  th_free(r);

  r = th_req("GET", loc, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "brand"), brand);
  th_free(r);
}

Test(intake, repair_gets_a_tracking_token_and_owner_is_kept_apart)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *brand = th_unique("Seb-");
  const char *u = th_unique("");
  char name[64], email[64], phone[32];
  snprintf(name, sizeof name, "Amina Owner%s", u);
  snprintf(email, sizeof email, "amina%s@example.org", u);
  snprintf(phone, sizeof phone, "+33 6 %s", u);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\","
                              "\"brand\":\"%s\",\"owner\":{\"name\":\"%s\",\"email\":\"%s\","
                              "\"phone\":\"%s\"}}",
                              site, brand, name, email, phone);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  const char *token = th_str(r, "tracking_token");
  cr_assert_not_null(token);
  cr_assert_geq(strlen(token), 22, "128 bits need at least 22 base64url characters: %s", token);
  for (const char *p = token; *p; p++)
    cr_assert(isalnum((unsigned char)*p) || *p == '-' || *p == '_', "not URL-safe: %s", token);
  json_t *owner = json_object_get(r->json, "owner");
  cr_assert_str_eq(json_string_value(json_object_get(owner, "name")), name);
  cr_assert_str_eq(json_string_value(json_object_get(owner, "email")), email);
  cr_assert_str_eq(json_string_value(json_object_get(owner, "phone")), phone);
  char code[CODE_CAP], tok[64];
  snprintf(code, sizeof code, "%s", th_str(r, "code"));
  snprintf(tok, sizeof tok, "%s", token);
  th_free(r);

  /* The devices row holds no personal data; device_owners does. */
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE code = '%s' AND tracking_token = '%s'",
                        code, tok),
               1);
  char want[256];
  snprintf(want, sizeof want, "%s|%s|%s", name, email, phone);
  cr_assert_str_eq(ds_sql("SELECT o.name||'|'||o.email||'|'||o.phone FROM device_owners o"
                          " JOIN devices d ON d.id = o.device_id WHERE d.code = '%s'",
                          code),
                   want);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM devices d WHERE d.code = '%s' AND"
               " (row_to_json(d)::text LIKE '%%%s%%' OR row_to_json(d)::text LIKE '%%%s%%')",
               code, email, u),
      0, "the owner's contact is copied into the devices row");

  /* Two repairs never share a token. */
  char other[CODE_CAP];
  ds_device(other, "repair", site, brand);
  cr_assert_eq(
      ds_count("SELECT count(DISTINCT tracking_token) FROM devices WHERE brand = '%s'", brand), 2);
}

/* The reader sees neither owner nor token anywhere, checked by value. */
Test(intake, reader_never_sees_owner_or_token)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *u = th_unique("");
  char brand[64], name[64], email[64], phone[32];
  snprintf(brand, sizeof brand, "Privacy%s", u);
  snprintf(name, sizeof name, "Zoe Secretname%s", u);
  snprintf(email, sizeof email, "zoe%s@example.net", u);
  snprintf(phone, sizeof phone, "01 45 %s", u);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"toaster\",\"site\":\"%s\","
                              "\"brand\":\"%s\",\"owner\":{\"name\":\"%s\",\"email\":\"%s\","
                              "\"phone\":\"%s\"}}",
                              site, brand, name, email, phone);
  cr_assert_eq(r->status, 201);
  char code[CODE_CAP], token[64];
  snprintf(code, sizeof code, "%s", th_str(r, "code"));
  snprintf(token, sizeof token, "%s", th_str(r, "tracking_token"));
  th_free(r);
  /* An edit of the owner and a move, so that history has more to show. */
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  r = th_reqf("PATCH", path, ds_vol(), "{\"owner\":{\"phone\":\"%s 9\"},\"notes\":\"n\"}", phone);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  r = ds_move(code, "diagnosing");
  cr_assert_eq(r->status, 200);
  th_free(r);

  char list[256], hist[160];
  snprintf(list, sizeof list, "/api/v1/devices?site=%s", site);
  snprintf(hist, sizeof hist, "/api/v1/devices/%s/history", code);
  const char *paths[] = {path, list, hist};
  const char *secrets[] = {name, email, phone, token, "Secretname"};
  for (int i = 0; i < 3; i++) {
    /* The volunteer does see them (so the check below can fail). */
    if (i < 2) {
      r = th_req("GET", paths[i], ds_vol(), NULL, NULL);
      cr_assert_eq(r->status, 200);
      cr_assert_not_null(strstr(r->body, email), "volunteer GET %s lacks the owner", paths[i]);
      cr_assert_not_null(strstr(r->body, token));
      th_free(r);
    }
    r = th_req("GET", paths[i], ds_reader(), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld", paths[i], r->status);
    cr_assert_not_null(strstr(r->body, i == 2 ? "diagnosing" : brand), "%s: %s", paths[i], r->body);
    for (int s = 0; s < 5; s++)
      cr_assert_null(strstr(r->body, secrets[s]), "reader GET %s shows \"%s\": %s", paths[i],
                     secrets[s], r->body);
    cr_assert_null(strstr(r->body, "\"owner\":"), "%s", paths[i]);
    cr_assert_null(strstr(r->body, "tracking_token"), "%s", paths[i]);
    th_free(r);
  }
  /* Nor through a search on the owner's name. */
  char q[256], enc[128];
  ds_urlenc(enc, sizeof enc, name);
  snprintf(q, sizeof q, "/api/v1/devices?q=%s", enc);
  r = th_req("GET", q, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(strstr(r->body, code), "a search by owner name finds the device");
  th_free(r);
}

Test(intake, idempotency_key_replays_and_refuses_another_body)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *brand = th_unique("Idem-");
  char body[256], key[128];
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"%s\"}", site,
           brand);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("idem-"));
  const char *h[] = {key, NULL};
  struct th_resp *a = th_req("POST", "/api/v1/devices", ds_vol(), body, h);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  char loc[128];
  snprintf(loc, sizeof loc, "%s", th_header(a, "Location"));
  struct th_resp *b = th_req("POST", "/api/v1/devices", ds_vol(), body, h);
  cr_assert_eq(b->status, 201, "%ld %s", b->status, b->body);
  cr_assert_str_eq(b->body, a->body, "a replay returns the stored reply");
  cr_assert_str_eq(th_header(b, "Location"), loc);
  th_free(a);
  th_free(b);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE brand = '%s'", brand), 1);

  const char *brand2 = th_unique("Idem2-");
  char body2[256];
  snprintf(body2, sizeof body2,
           "{\"kind\":\"repair\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"%s\"}", site,
           brand2);
  struct th_resp *c = th_req("POST", "/api/v1/devices", ds_vol(), body2, h);
  cr_assert(th_is_problem(c, 422), "%ld %s", c->status, c->body);
  th_free(c);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE brand = '%s'", brand2), 0);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE brand = '%s'", brand), 1);
}

Test(intake, readers_cannot_register)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *brand = th_unique("Reader-");
  struct th_resp *r = th_reqf("POST", "/api/v1/devices", ds_reader(),
                              "{\"kind\":\"donation\",\"category\":\"lamp\",\"site\":\"%s\","
                              "\"brand\":\"%s\"}",
                              site, brand);
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE brand = '%s'", brand), 0);
}

/* ---- Bad input: each is a 400 naming the field, and nothing is stored. */

static char g_site[96], g_closed[96], g_u[64];

static long stored(void)
{
  return ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                  " WHERE s.slug IN ('%s', '%s') OR d.brand LIKE '%%%s%%'",
                  g_site, g_closed, g_u);
}

static void setup_bad(void)
{
  ds_site(g_site, sizeof g_site, 1);
  ds_site(g_closed, sizeof g_closed, 0);
  snprintf(g_u, sizeof g_u, "%s", th_unique("bad"));
}

/* Posts {kind, category, site, brand} with one member replaced or added:
 * member is `"name":value` text; replace names the member it replaces. */
static void expect_bad(const char *kind, const char *replace, const char *member, const char *field)
{
  char body[12000];
  size_t n = (size_t)snprintf(body, sizeof body, "{");
  const char *names[] = {"kind", "category", "site", "brand"};
  char brand[96];
  snprintf(brand, sizeof brand, "\"B%s\"", g_u);
  const char *values[] = {kind, "\"laptop\"", NULL, brand};
  char site[128];
  snprintf(site, sizeof site, "\"%s\"", g_site);
  values[2] = site;
  for (int i = 0; i < 4; i++) {
    if (replace && strcmp(replace, names[i]) == 0)
      continue;
    n += (size_t)snprintf(body + n, sizeof body - n, "%s\"%s\":%s", n > 1 ? "," : "", names[i],
                          values[i]);
  }
  if (member)
    n += (size_t)snprintf(body + n, sizeof body - n, "%s%s", n > 1 ? "," : "", member);
  snprintf(body + n, sizeof body - n, "}");
  long before = stored();
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
  cr_assert(th_is_problem(r, 400), "%.300s: %ld %s", body, r->status, r->body);
  if (field)
    cr_assert(ds_names_field(r, field), "%.300s: errors do not name %s: %s", body, field, r->body);
  th_free(r);
  cr_assert_eq(stored(), before, "%.300s: something was stored", body);
}

static char *repeat(char c, size_t n, const char *tail)
{
  char *s = malloc(n + strlen(tail) + 3);
  s[0] = '"';
  memset(s + 1, c, n);
  strcpy(s + 1 + n, tail);
  strcat(s, "\"");
  return s;
}

Test(intake_bad, wrong_types_empty_and_missing, .init = setup_bad)
{
  expect_bad("\"donation\"", "kind", "\"kind\":1", "kind");
  expect_bad("\"donation\"", "kind", "\"kind\":\"gift\"", "kind");
  expect_bad("\"donation\"", "kind", "\"kind\":\"\"", "kind");
  expect_bad("\"donation\"", "kind", NULL, "kind");
  expect_bad("\"donation\"", "category", "\"category\":7", "category");
  expect_bad("\"donation\"", "category", "\"category\":\"\"", "category");
  expect_bad("\"donation\"", "category", NULL, "category");
  expect_bad("\"donation\"", "site", "\"site\":[]", "site");
  expect_bad("\"donation\"", "site", "\"site\":\"\"", "site");
  expect_bad("\"donation\"", "site", NULL, "site");
  expect_bad("\"donation\"", "brand", "\"brand\":5", "brand");
  expect_bad("\"donation\"", "brand", "\"brand\":\"\"", "brand");
  expect_bad("\"donation\"", "brand", "\"brand\":null", "brand");
  expect_bad("\"donation\"", "brand", NULL, "brand");
  expect_bad("\"donation\"", NULL, "\"model\":5", "model");
  expect_bad("\"donation\"", NULL, "\"model\":\"\"", "model");
  expect_bad("\"donation\"", NULL, "\"serial\":true", "serial");
  expect_bad("\"donation\"", NULL, "\"serial\":\"\"", "serial");
  expect_bad("\"donation\"", NULL, "\"year_of_manufacture\":\"2001\"", "year_of_manufacture");
  expect_bad("\"donation\"", NULL, "\"year_of_manufacture\":2001.5", "year_of_manufacture");
  expect_bad("\"donation\"", NULL, "\"weight_kg\":\"1.2\"", "weight_kg");
  expect_bad("\"donation\"", NULL, "\"problem\":{}", "problem");
  expect_bad("\"donation\"", NULL, "\"problem\":\"\"", "problem");
  expect_bad("\"donation\"", NULL, "\"notes\":[\"a\"]", "notes");
  expect_bad("\"donation\"", NULL, "\"notes\":\"\"", "notes");
  expect_bad("\"repair\"", NULL, "\"owner\":\"Jean\"", "owner");
}

Test(intake_bad, lengths_and_ranges, .init = setup_bad)
{
  char *brand101 = repeat('b', 101 - strlen(g_u), g_u);
  char member[8192];
  snprintf(member, sizeof member, "\"brand\":%s", brand101);
  expect_bad("\"donation\"", "brand", member, "brand");
  free(brand101);
  char *m101 = repeat('m', 101, "");
  snprintf(member, sizeof member, "\"model\":%s", m101);
  expect_bad("\"donation\"", NULL, member, "model");
  snprintf(member, sizeof member, "\"serial\":%s", m101);
  expect_bad("\"donation\"", NULL, member, "serial");
  free(m101);
  char *n4001 = repeat('n', 4001, "");
  snprintf(member, sizeof member, "\"notes\":%s", n4001);
  expect_bad("\"donation\"", NULL, member, "notes");
  free(n4001);
  char *p2001 = repeat('p', 2001, "");
  snprintf(member, sizeof member, "\"problem\":%s", p2001);
  expect_bad("\"donation\"", NULL, member, "problem");
  free(p2001);
  expect_bad("\"donation\"", NULL, "\"weight_kg\":0", "weight_kg");
  expect_bad("\"donation\"", NULL, "\"weight_kg\":-1.5", "weight_kg");
  expect_bad("\"donation\"", NULL, "\"weight_kg\":0.0001", "weight_kg");
  expect_bad("\"donation\"", NULL, "\"weight_kg\":2001", "weight_kg");
  snprintf(member, sizeof member, "\"year_of_manufacture\":%d", current_year() + 1);
  expect_bad("\"donation\"", NULL, member, "year_of_manufacture");
  expect_bad("\"donation\"", NULL, "\"year_of_manufacture\":1899", "year_of_manufacture");
  expect_bad("\"donation\"", NULL, "\"year_of_manufacture\":-2000", "year_of_manufacture");
}

Test(intake_bad, references_fields_and_owner, .init = setup_bad)
{
  expect_bad("\"donation\"", "category", "\"category\":\"spaceship\"", "category");
  expect_bad("\"donation\"", "site", "\"site\":\"no-such-site-at-all\"", "site");
  char member[256];
  snprintf(member, sizeof member, "\"site\":\"%s\"", g_closed);
  expect_bad("\"donation\"", "site", member, "site");
  expect_bad("\"donation\"", NULL, "\"colour\":\"red\"", "colour");
  expect_bad("\"donation\"", NULL, "\"code\":\"RL-0000-0000\"", "code");
  expect_bad("\"donation\"", NULL, "\"status\":\"available\"", "status");
  expect_bad("\"repair\"", NULL, "\"tracking_token\":\"abcdefabcdefabcdefabcd\"", "tracking_token");
  expect_bad("\"donation\"", NULL, "\"received_at\":\"2020-01-01T00:00:00Z\"", "received_at");
  expect_bad("\"donation\"", NULL, "\"owner\":{\"name\":\"Jean Dupont\"}", "owner");
  expect_bad("\"repair\"", NULL, "\"owner\":{\"email\":\"not-an-email\"}", "owner.email");
  expect_bad("\"repair\"", NULL, "\"owner\":{\"email\":\"a@b@c\"}", "owner.email");
  expect_bad("\"repair\"", NULL, "\"owner\":{\"phone\":\"call me\"}", "owner.phone");
  expect_bad("\"repair\"", NULL, "\"owner\":{\"name\":\"\"}", "owner.name");
  expect_bad("\"repair\"", NULL, "\"owner\":{\"address\":\"1 rue X\"}", "owner.address");
  /* Every bad field is reported at once. */
  char body[512];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"\","
           "\"weight_kg\":-1,\"status\":\"x\"}",
           g_site);
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "brand") && ds_names_field(r, "weight_kg") &&
                ds_names_field(r, "status"),
            "%s", r->body);
  th_free(r);
}

Test(intake_bad, malformed_bodies_and_text, .init = setup_bad)
{
  long before = stored();
  char body[512];
  const struct {
    const char *fmt, *why;
  } cases[] = {
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B%s",
       "truncated"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B%s\",}",
       "trailing comma"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\xc3\x28%s\"}",
       "invalid UTF-8"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\xff%s\"}",
       "byte 0xff"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\ud800%s\"}",
       "lone surrogate"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\u0000%s\"}",
       "NUL"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\u0007%s\"}",
       "BEL"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\n%s\"}",
       "newline"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\u001b[31m%"
       "s\"}",
       "ESC"},
      {"{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\x7f%s\"}",
       "DEL"},
      {"[\"%s\",\"%s\"]", "an array"},
      {"{\"kind\":\"donation\",\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
       "\"brand\":\"B%s\"}",
       "duplicate member"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(body, sizeof body, cases[i].fmt, g_site, g_u);
    struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", cases[i].why, r->status, r->body);
    th_free(r);
  }
  /* Control characters are a field error on brand. */
  snprintf(
      body, sizeof body,
      "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"B\\u0007%s\"}",
      g_site, g_u);
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
  cr_assert(ds_names_field(r, "brand"), "%s", r->body);
  th_free(r);
  cr_assert_eq(stored(), before);
  r = th_req("GET", "/healthz", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "the server is still up");
  th_free(r);
}

Test(intake_bad, strings_are_stored_verbatim, .init = setup_bad)
{
  const char *texts[] = {"Robert'); DROP TABLE devices;--", "\\\" OR 1=1 --", "%_\\",
                         "Café ☕ 𝄞 ünïcödé", "<script>alert(1)</script>"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    json_t *body = json_pack("{s:s s:s s:s s:s s:s}", "kind", "donation", "category", "laptop",
                             "site", g_site, "brand", texts[i], "notes", "line 1\nline 2\ttab");
    char *text = json_dumps(body, 0);
    json_decref(body);
    struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), text, NULL);
    free(text);
    cr_assert_eq(r->status, 201, "%s: %ld %s", texts[i], r->status, r->body);
    cr_assert_str_eq(th_str(r, "brand"), texts[i]);
    char code[CODE_CAP];
    snprintf(code, sizeof code, "%s", th_str(r, "code"));
    th_free(r);
    r = ds_get(ds_reader(), code);
    cr_assert_str_eq(th_str(r, "brand"), texts[i]);
    cr_assert_str_eq(th_str(r, "notes"), "line 1\nline 2\ttab");
    th_free(r);
    const char *db = ds_sql("SELECT brand FROM devices WHERE code = '%s'", code);
    cr_assert_not_null(db);
    cr_assert_str_eq(db, texts[i], "stored as %s", db);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " WHERE s.slug = '%s' AND d.brand = 'Robert''); DROP TABLE devices;--'",
                        g_site),
               1);
  /* Boundaries are accepted: 100 characters (not bytes) and 4000 of notes. */
  char brand[512] = "\"";
  for (int i = 0; i < 100; i++)
    strcat(brand, "\xc3\xa9");
  strcat(brand, "\"");
  char *notes = repeat('n', 4000, "");
  char *body = NULL;
  if (asprintf(&body,
               "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\","
               "\"brand\":%s,\"notes\":%s,\"weight_kg\":0.001,\"year_of_manufacture\":%d}",
               g_site, brand, notes, current_year()) < 0)
    body = NULL;
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_eq(strlen(th_str(r, "notes")), 4000);
  th_free(r);
  free(body);
  free(notes);
}

/* How many times s appears in a plain dump of the whole test database. */
static long dump_count(const char *s)
{
  char dump[1024], cmd[2048];
  snprintf(dump, sizeof dump, "%s", getenv("RL_TEST_PSQL"));
  char *slash = strrchr(dump, '/');
  cr_assert_not_null(slash);
  snprintf(slash + 1, sizeof dump - (size_t)(slash + 1 - dump), "pg_dump");
  snprintf(cmd, sizeof cmd, "'%s' --data-only '%s' | grep -c -F -- '%s'", dump,
           getenv("RL_TEST_DATABASE_URL"), s);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  char line[32] = "";
  if (fgets(line, sizeof line, p) == NULL)
    line[0] = '\0';
  pclose(p);
  return atol(line);
}

/* Erasing an owner's contact leaves no copy of it anywhere: not in a stored
 * Idempotency-Key reply, whose replay shows the device without it. */
Test(intake, erasing_an_owner_leaves_no_copy_in_stored_replies)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  char email[96], phone[32], name[64];
  snprintf(email, sizeof email, "%s@example.org", th_unique("erase"));
  snprintf(phone, sizeof phone, "+33 1 %s", th_unique("") + 1);
  snprintf(name, sizeof name, "%s", th_unique("Camille-"));
  char body[512], key[128];
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"Erase\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}",
           site, name, email, phone);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("erase-"));
  const char *h[] = {key, NULL};
  struct th_resp *a = th_req("POST", "/api/v1/devices", ds_vol(), body, h);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  cr_assert_not_null(strstr(a->body, email), "the first reply shows the contact");
  char code[CODE_CAP];
  snprintf(code, sizeof code, "%s", th_str(a, "code"));
  th_free(a);
  cr_assert_eq(dump_count(email), 1, "only device_owners holds the e-mail");

  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  struct th_resp *r = th_req("PATCH", path, ds_vol(), "{\"owner\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(dump_count(email), 0);
  cr_assert_eq(dump_count(name), 0);
  cr_assert_eq(dump_count(phone), 0);

  struct th_resp *b = th_req("POST", "/api/v1/devices", ds_vol(), body, h);
  cr_assert_eq(b->status, 201, "%ld %s", b->status, b->body);
  cr_assert_str_eq(th_header(b, "Idempotent-Replayed"), "true");
  cr_assert_str_eq(th_str(b, "code"), code);
  cr_assert_null(strstr(b->body, email), "the replay holds no contact");
  cr_assert_null(strstr(b->body, name));
  th_free(b);
}
