/* Listing and searching devices: filters, q, newest first, keyset paging
 * that stays exact while devices keep arriving. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char g_site[96];
static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

/* GET /devices?<query>; asserts 200 and returns the codes of the items in
 * order, comma-separated, in out. */
static void list_codes(char *out, size_t cap, const char *query, const char *key)
{
  char path[1024];
  snprintf(path, sizeof path, "/api/v1/devices?%s", query);
  struct th_resp *r = th_req("GET", path, key ? key : ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert(json_is_array(items), "%s", r->body);
  cr_assert(json_object_get(r->json, "next_cursor") != NULL, "the envelope has next_cursor");
  out[0] = '\0';
  size_t i;
  json_t *d;
  json_array_foreach(items, i, d) {
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s", n ? "," : "", json_string_value(json_object_get(d, "code")));
  }
  th_free(r);
}

static void expect_codes(const char *query, const char *want)
{
  char got[4096];
  list_codes(got, sizeof got, query, NULL);
  cr_assert_str_eq(got, want, "GET /devices?%s", query);
}

static void add_device(char *code, const char *body_fmt_tail)
{
  struct th_resp *r = ds_post("{\"site\":\"%s\",%s}", g_site, body_fmt_tail);
  cr_assert_eq(r->status, 201, "%s: %ld %s", body_fmt_tail, r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

Test(list, filters_and_newest_first, .init = setup)
{
  char a[CODE_CAP], b[CODE_CAP], c[CODE_CAP], d[CODE_CAP];
  add_device(a, "\"kind\":\"donation\",\"category\":\"laptop\",\"brand\":\"A\"");
  add_device(b, "\"kind\":\"repair\",\"category\":\"kettle\",\"brand\":\"B\"");
  add_device(c, "\"kind\":\"donation\",\"category\":\"kettle\",\"brand\":\"C\"");
  add_device(d, "\"kind\":\"repair\",\"category\":\"laptop\",\"brand\":\"D\"");
  ds_drive(b, (const char *[]){"diagnosing", NULL});
  ds_drive(c, (const char *[]){"recycled", NULL});

  char q[256], want[256];
  snprintf(q, sizeof q, "site=%s", g_site);
  snprintf(want, sizeof want, "%s,%s,%s,%s", d, c, b, a);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&kind=repair", g_site);
  snprintf(want, sizeof want, "%s,%s", d, b);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&category=kettle", g_site);
  snprintf(want, sizeof want, "%s,%s", c, b);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&status=received", g_site);
  snprintf(want, sizeof want, "%s,%s", d, a);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&status=diagnosing&kind=repair&category=kettle", g_site);
  expect_codes(q, b);
  snprintf(q, sizeof q, "site=%s&status=recycled&kind=repair", g_site);
  expect_codes(q, "");

  /* Dates: today (UTC) includes them, tomorrow and yesterday exclude. */
  time_t now = time(NULL);
  char today[16], tomorrow[16], yesterday[16];
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(today, sizeof today, "%Y-%m-%d", &tm);
  time_t t1 = now + 86400, t0 = now - 86400;
  gmtime_r(&t1, &tm);
  strftime(tomorrow, sizeof tomorrow, "%Y-%m-%d", &tm);
  gmtime_r(&t0, &tm);
  strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);
  snprintf(want, sizeof want, "%s,%s,%s,%s", d, c, b, a);
  snprintf(q, sizeof q, "site=%s&received_from=%s&received_to=%s", g_site, today, today);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&received_from=%s", g_site, yesterday);
  expect_codes(q, want);
  snprintf(q, sizeof q, "site=%s&received_from=%s", g_site, tomorrow);
  expect_codes(q, "");
  snprintf(q, sizeof q, "site=%s&received_to=%s", g_site, yesterday);
  expect_codes(q, "");

  /* The reader's list carries the devices' public fields. */
  snprintf(q, sizeof q, "/api/v1/devices?site=%s&limit=1", g_site);
  struct th_resp *r = th_req("GET", q, ds_reader(), NULL, NULL);
  json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(first, "brand")), "D");
  cr_assert_str_eq(json_string_value(json_object_get(first, "site")), g_site);
  cr_assert(json_is_string(json_object_get(r->json, "next_cursor")), "%s", r->body);
  th_free(r);
}

Test(list, bad_parameters_are_400, .init = setup)
{
  const char *cases[][2] = {
      {"received_from=2024-13-01", "received_from"},
      {"received_from=yesterday", "received_from"},
      {"received_to=2024-02-30", "received_to"},
      {"received_to=20240201", "received_to"},
      {"status=stolen", "status"},
      {"kind=gift", "kind"},
      {"limit=0", "limit"},
      {"limit=501", "limit"},
      {"limit=-1", "limit"},
      {"limit=ten", "limit"},
      {"cursor=abc", "cursor"},
      {"cursor=-5", "cursor"},
      {"cursor=0", "cursor"},
      {"cursor=99999999999999999999999", "cursor"},
      {"q=", "q"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[256];
    snprintf(path, sizeof path, "/api/v1/devices?%s", cases[i][0]);
    struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", cases[i][0], r->status, r->body);
    cr_assert(ds_names_field(r, cases[i][1]), "%s: %s", cases[i][0], r->body);
    th_free(r);
  }
  struct th_resp *r =
      th_req("GET", "/api/v1/devices?limit=500&site=no-such-site", ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);
}

static void search(char *out, size_t cap, const char *q)
{
  char enc[1024], query[1200];
  ds_urlenc(enc, sizeof enc, q);
  snprintf(query, sizeof query, "site=%s&q=%s", g_site, enc);
  list_codes(out, cap, query, NULL);
}

static void expect_search(const char *q, const char *want)
{
  char got[4096];
  search(got, sizeof got, q);
  cr_assert_str_eq(got, want, "q=%s: got [%s], want [%s]", q, got, want);
}

Test(list, q_searches_brand_model_serial_and_code, .init = setup)
{
  const char *u = th_unique("");
  char a[CODE_CAP], b[CODE_CAP], c[CODE_CAP], body[512];
  snprintf(body, sizeof body,
           "\"kind\":\"donation\",\"category\":\"laptop\",\"brand\":\"Zorglub%s\","
           "\"model\":\"Alpha\",\"serial\":\"SN-%s-XY\"",
           u, u);
  add_device(a, body);
  snprintf(body, sizeof body,
           "\"kind\":\"donation\",\"category\":\"laptop\",\"brand\":\"Other\","
           "\"model\":\"Mark%sIV\"",
           u);
  add_device(b, body);
  add_device(c, "\"kind\":\"repair\",\"category\":\"laptop\",\"brand\":\"Plain\"");

  char q[128];
  snprintf(q, sizeof q, "zorGLUB%s", u);
  expect_search(q, a);
  snprintf(q, sizeof q, "mark%siv", u);
  expect_search(q, b);
  snprintf(q, sizeof q, "sn-%s-xy", u);
  expect_search(q, a);
  expect_search("plain", c);
  /* The code: display form in any case, the body without dashes, a part. */
  char lower[CODE_CAP];
  for (int i = 0; c[i]; i++)
    lower[i] = (char)(c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i]);
  lower[strlen(c)] = '\0';
  expect_search(lower, c);
  char nodash[16];
  snprintf(nodash, sizeof nodash, "%.4s%.4s", c + 3, c + 8);
  expect_search(nodash, c);
  char part[8];
  snprintf(part, sizeof part, "%.6s", c + 3);
  expect_search(part, c);
  expect_search("nothing-like-this", "");
}

Test(list, percent_and_underscore_are_literal, .init = setup)
{
  const char *u = th_unique("");
  char p1[CODE_CAP], p2[CODE_CAP], p3[CODE_CAP], p4[CODE_CAP], body[256];
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"50%%off%s\"",
           u);
  add_device(p1, body);
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"50Xoff%s\"",
           u);
  add_device(p2, body);
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"a_b%s\"", u);
  add_device(p3, body);
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"aXb%s\"", u);
  add_device(p4, body);
  char q[96];
  snprintf(q, sizeof q, "50%%off%s", u);
  expect_search(q, p1);
  snprintf(q, sizeof q, "a_b%s", u);
  expect_search(q, p3);
  expect_search("%", p1);
  expect_search("_", p3);
  expect_search("\\", "");
}

/* A q of up to 100 characters is searched whole, whatever its bytes. */
Test(list, long_multibyte_q_is_searched_whole, .init = setup)
{
  char prefix[256] = "", q[512], brand_a[512], brand_b[512], body[1024];
  for (int i = 0; i < 84; i++)
    strcat(prefix, "\xe2\x98\x95"); /* ☕, 3 bytes */
  snprintf(brand_a, sizeof brand_a, "%szzz", prefix);
  snprintf(brand_b, sizeof brand_b, "%syy", prefix);
  snprintf(q, sizeof q, "%syy", prefix); /* 86 characters, 254 bytes */
  char a[CODE_CAP], b[CODE_CAP];
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"%s\"",
           brand_a);
  add_device(a, body);
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"%s\"",
           brand_b);
  add_device(b, body);
  expect_search(q, b);
}

Test(list, hundred_character_q_with_multibyte_text, .init = setup)
{
  char q[512] = "a", body[1024], code[CODE_CAP];
  for (int i = 0; i < 99; i++)
    strcat(q, "\xe2\x82\xac"); /* €, 3 bytes: 100 characters, 298 bytes */
  snprintf(body, sizeof body, "\"kind\":\"donation\",\"category\":\"lamp\",\"brand\":\"%s\"", q);
  add_device(code, body);
  char enc[2048], path[2300];
  ds_urlenc(enc, sizeof enc, q);
  snprintf(path, sizeof path, "/api/v1/devices?site=%s&q=%s", g_site, enc);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "a valid 100-character q: %ld %s", r->status, r->body);
  cr_assert_not_null(strstr(r->body, code));
  th_free(r);
}

/* ---- Keyset paging while devices keep arriving. */

struct feeder {
  atomic_int stop;
  int made;
  const char *key;
};

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
  (void)p;
  (void)ud;
  return s * n;
}

/* Plain libcurl: the th_ helpers share static buffers between threads. */
static void *feed(void *arg)
{
  struct feeder *f = arg;
  char url[512], auth[256], body[256];
  snprintf(url, sizeof url, "%s/api/v1/devices", th_url());
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->key);
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"fan\",\"site\":\"%s\",\"brand\":\"Late\"}",
           g_site);
  while (!atomic_load(&f->stop)) {
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 201)
      f->made++;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
  }
  return NULL;
}

Test(list, keyset_paging_is_exact_while_devices_arrive, .init = setup, .timeout = 300)
{
  enum { N = 1000, LIMIT = 37 };
  char(*codes)[CODE_CAP] = calloc(N, CODE_CAP);
  for (int i = 0; i < N; i++) {
    struct th_resp *r = ds_post("{\"kind\":\"%s\",\"category\":\"laptop\",\"site\":\"%s\","
                                "\"brand\":\"Bulk %d\"}",
                                i % 3 ? "donation" : "repair", g_site, i);
    cr_assert_eq(r->status, 201, "device %d: %ld %s", i, r->status, r->body);
    snprintf(codes[i], CODE_CAP, "%s", th_str(r, "code"));
    th_free(r);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " WHERE s.slug = '%s'",
                        g_site),
               N);

  curl_global_init(CURL_GLOBAL_ALL);
  struct feeder f = {0, 0, ds_vol()};
  pthread_t t;
  pthread_create(&t, NULL, feed, &f);

  int next_expected = N - 1; /* newest first: the originals in reverse */
  int pages = 0, seen_total = 0;
  char cursor[64] = "";
  json_t *seen = json_object();
  for (;;) {
    char path[256];
    snprintf(path, sizeof path, "/api/v1/devices?site=%s&limit=%d%s%s", g_site, LIMIT,
             cursor[0] ? "&cursor=" : "", cursor);
    struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert_leq(json_array_size(items), LIMIT);
    size_t i;
    json_t *d;
    json_array_foreach(items, i, d) {
      const char *code = json_string_value(json_object_get(d, "code"));
      cr_assert_null(json_object_get(seen, code), "%s listed twice (page %d)", code, pages);
      json_object_set_new(seen, code, json_true());
      seen_total++;
      if (strcmp(json_string_value(json_object_get(d, "brand")), "Late") == 0) {
        cr_assert_eq(next_expected, N - 1, "a newer device after older ones on page %d", pages);
        continue;
      }
      cr_assert_geq(next_expected, 0, "more originals than created");
      cr_assert_str_eq(code, codes[next_expected], "page %d: expected device %d", pages,
                       next_expected);
      next_expected--;
    }
    pages++;
    /* More devices arrive between pages, from this thread too. */
    for (int k = 0; k < 2; k++) {
      struct th_resp *w = ds_post("{\"kind\":\"donation\",\"category\":\"fan\",\"site\":\"%s\","
                                  "\"brand\":\"Late\"}",
                                  g_site);
      cr_assert_eq(w->status, 201);
      th_free(w);
    }
    json_t *next = json_object_get(r->json, "next_cursor");
    if (json_is_null(next)) {
      th_free(r);
      break;
    }
    cr_assert(json_is_string(next));
    snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
    th_free(r);
    cr_assert_lt(pages, 200);
  }
  atomic_store(&f.stop, 1);
  pthread_join(t, NULL);
  cr_assert_eq(next_expected, -1, "%d original devices never listed", next_expected + 1);
  cr_assert_geq(pages, N / LIMIT);
  cr_assert_gt(f.made, 0, "the other thread created nothing while paging");
  json_decref(seen);
  free(codes);
}
