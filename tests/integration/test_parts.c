/* The parts catalogue over HTTP: creating, reading, listing and patching
 * parts (ETag, If-Match), SKUs without regard to case, bad input (a 400
 * naming the field, nothing stored), roles, and the public part page that
 * a bin label's QR opens. Bin labels are tested with the other labels
 * (test_labels_api.c), where the document readers are. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh sku ("P" and a unique tail) in upper case. */
static void new_sku(char *out, size_t cap, const char *prefix)
{
  snprintf(out, cap, "%s", th_unique(prefix));
  for (char *p = out; *p; p++)
    *p = (char)toupper((unsigned char)*p);
}

static void lower(char *out, size_t cap, const char *s)
{
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++)
    out[i] = (char)tolower((unsigned char)s[i]);
  out[i] = '\0';
}

static long parts_with_sku(const char *sku)
{
  return ds_count("SELECT count(*) FROM parts WHERE upper(sku) = upper('%s')", sku);
}

static struct th_resp *create(const char *key, const char *body)
{
  return th_req("POST", "/api/v1/parts", key, body, NULL);
}

/* Creates a part as admin from a body printf-style; the reply must be 201. */
static __attribute__((format(printf, 1, 2))) void make_part(const char *fmt, ...)
{
  char *body = NULL;
  va_list ap;
  va_start(ap, fmt);
  cr_assert_geq(vasprintf(&body, fmt, ap), 0);
  va_end(ap);
  struct th_resp *r = create(ds_admin(), body);
  cr_assert_eq(r->status, 201, "creating %s: %ld %s", body, r->status, r->body);
  th_free(r);
  free(body);
}

static struct th_resp *get_part(const char *key, const char *sku)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  return th_req("GET", path, key, NULL, NULL);
}

static struct th_resp *patch_part(const char *key, const char *sku, const char *if_match,
                                  const char *body)
{
  char path[128], h[96];
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  snprintf(h, sizeof h, "If-Match: %s", if_match ? if_match : "");
  const char *hs[] = {h, NULL};
  return th_req("PATCH", path, key, body, if_match ? hs : NULL);
}

/* Stock of a part at a site, received through the ledger's API. */
static void receive(const char *sku, const char *site, int quantity)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", sku);
  struct th_resp *r = th_reqf("POST", path, ds_vol(),
                              "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":%d,"
                              "\"source\":\"donated\"}",
                              site, quantity);
  cr_assert_eq(r->status, 201, "stock of %s at %s: %ld %s", sku, site, r->status, r->body);
  th_free(r);
}

/* ---- create and read -------------------------------------------------- */

Test(parts, create_then_read_in_any_case_with_etag)
{
  char site[96], sku[64], path[128];
  ds_site(site, sizeof site, 1);
  new_sku(sku, sizeof sku, "chg-");
  char body[512];
  snprintf(body, sizeof body,
           "{\"sku\":\"%s\",\"name\":\"Chargeur 19 V\",\"description\":\"Pour Dell et HP\","
           "\"categories\":[\"laptop-medium\",\"laptop\"],\"low_stock\":2,"
           "\"site_low_stock\":{\"%s\":5}}",
           sku, site);
  struct th_resp *r = create(ds_admin(), body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  cr_assert_str_eq(th_header(r, "Location"), path);
  cr_assert_str_eq(th_header(r, "ETag"), "\"1\"");
  cr_assert_str_eq(th_str(r, "sku"), sku);
  cr_assert_str_eq(th_str(r, "name"), "Chargeur 19 V");
  cr_assert_str_eq(th_str(r, "description"), "Pour Dell et HP");
  cr_assert_str_eq(th_str(r, "unit"), "piece");
  json_t *cats = json_object_get(r->json, "categories");
  cr_assert_eq(json_array_size(cats), 2, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_array_get(cats, 0)), "laptop-medium");
  cr_assert_str_eq(json_string_value(json_array_get(cats, 1)), "laptop");
  cr_assert(json_is_integer(json_object_get(r->json, "low_stock")), "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "low_stock")), 2);
  json_t *sites = json_object_get(r->json, "site_low_stock");
  cr_assert_eq(json_object_size(sites), 1, "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(sites, site)), 5, "%s", r->body);
  cr_assert(json_is_true(json_object_get(r->json, "active")));
  cr_assert_gt(ds_time(th_str(r, "created_at")), 0);
  cr_assert_gt(ds_time(th_str(r, "updated_at")), 0);
  th_free(r);
  cr_assert_eq(parts_with_sku(sku), 1);
  cr_assert_str_eq(ds_sql("SELECT t.low_stock FROM part_thresholds t JOIN parts p ON p.id ="
                          " t.part_id JOIN sites s ON s.id = t.site_id WHERE p.sku = '%s'"
                          " AND s.slug = '%s'",
                          sku, site),
                   "5.000");

  /* Read by a reader, the sku typed in lower case. */
  char low[64];
  lower(low, sizeof low, sku);
  r = get_part(ds_reader(), low);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "sku"), sku);
  cr_assert_str_eq(th_header(r, "ETag"), "\"1\"");
  json_t *thr = json_object_get(r->json, "site_low_stock");
  cr_assert_eq(json_integer_value(json_object_get(thr, site)), 5, "%s", r->body);
  th_free(r);
  const char *inm[] = {"If-None-Match: \"1\"", NULL};
  snprintf(path, sizeof path, "/api/v1/parts/%s", low);
  r = th_req("GET", path, ds_reader(), NULL, inm);
  cr_assert_eq(r->status, 304, "%ld", r->status);
  th_free(r);

  r = get_part(ds_reader(), "NO-SUCH-PART-ANYWHERE");
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = get_part(ds_reader(), "-bad");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "sku"), "%s", r->body);
  th_free(r);
}

Test(parts, defaults_and_other_units)
{
  char sku[64];
  new_sku(sku, sizeof sku, "fus-");
  char body[256];
  snprintf(body, sizeof body, "{\"sku\":\"%s\",\"name\":\"Fusible\"}", sku);
  struct th_resp *r = create(ds_admin(), body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "unit"), "piece");
  cr_assert(json_is_null(json_object_get(r->json, "description")));
  cr_assert_eq(json_array_size(json_object_get(r->json, "categories")), 0);
  cr_assert_eq(json_object_size(json_object_get(r->json, "site_low_stock")), 0);
  cr_assert(json_is_integer(json_object_get(r->json, "low_stock")), "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "low_stock")), 0);
  cr_assert(json_is_true(json_object_get(r->json, "active")));
  th_free(r);

  /* Grams take decimals (three at most). */
  new_sku(sku, sizeof sku, "pate-");
  snprintf(body, sizeof body,
           "{\"sku\":\"%s\",\"name\":\"Pâte thermique\",\"unit\":\"g\",\"low_stock\":1.25}", sku);
  r = create(ds_admin(), body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "unit"), "g");
  cr_assert_float_eq(json_number_value(json_object_get(r->json, "low_stock")), 1.25, 1e-9);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT low_stock FROM parts WHERE sku = '%s'", sku), "1.250");
}

Test(parts, same_sku_in_another_case_is_409)
{
  char sku[64], low[64], body[256];
  new_sku(sku, sizeof sku, "dup-");
  make_part("{\"sku\":\"%s\",\"name\":\"Premier\"}", sku);
  lower(low, sizeof low, sku);
  snprintf(body, sizeof body, "{\"sku\":\"%s\",\"name\":\"Second\"}", low);
  struct th_resp *r = create(ds_admin(), body);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/duplicate");
  th_free(r);
  cr_assert_eq(parts_with_sku(sku), 1);
  cr_assert_str_eq(ds_sql("SELECT name FROM parts WHERE upper(sku) = '%s'", sku), "Premier");
}

Test(parts, idempotent_create_replays)
{
  char sku[64], body[256], key[96];
  new_sku(sku, sizeof sku, "idem-");
  snprintf(body, sizeof body, "{\"sku\":\"%s\",\"name\":\"Courroie\"}", sku);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("part-"));
  const char *h[] = {key, NULL};
  struct th_resp *a = th_req("POST", "/api/v1/parts", ds_admin(), body, h);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  struct th_resp *b = th_req("POST", "/api/v1/parts", ds_admin(), body, h);
  cr_assert_eq(b->status, 201, "replay: %ld %s", b->status, b->body);
  cr_assert_str_eq(th_header(b, "Idempotent-Replayed"), "true");
  cr_assert_str_eq(a->body, b->body);
  th_free(a);
  th_free(b);
  cr_assert_eq(parts_with_sku(sku), 1);
}

/* ---- bad input --------------------------------------------------------- */

struct bad_case {
  const char *body; /* "{sku}" stands for the sku, "{site}" for a known site */
  const char *field;
};

/* tpl with "{sku}" and "{site}" replaced. */
static void fill(char *out, size_t cap, const char *tpl, const char *sku, const char *site)
{
  size_t len = 0;
  out[0] = '\0';
  for (const char *p = tpl; *p && len + 1 < cap;) {
    const char *v = strncmp(p, "{sku}", 5) == 0 ? sku : strncmp(p, "{site}", 6) == 0 ? site : NULL;
    if (v) {
      len += (size_t)snprintf(out + len, cap - len, "%s", v);
      p += v == sku ? 5 : 6;
    } else {
      out[len++] = *p++;
      out[len] = '\0';
    }
  }
}

Test(parts, bad_input_is_400_naming_the_field_with_nothing_stored)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const struct bad_case cases[] = {
      {"{\"sku\":\"-{sku}\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"{sku} x\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"{sku}/x\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"{sku}\\u00e9\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"{sku}';DROP TABLE parts;--\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"{sku}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"name\":\"x\"}", "sku"},
      {"{\"sku\":\"\",\"name\":\"x\",\"description\":\"{sku}\"}", "sku"},
      {"{\"name\":\"x\",\"description\":\"{sku}\"}", "sku"},
      {"{\"sku\":42,\"name\":\"{sku}\"}", "sku"},
      {"{\"sku\":\"{sku}\",\"name\":\"\"}", "name"},
      {"{\"sku\":\"{sku}\"}", "name"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"categories\":[\"kettle\",\"no-such-category\"]}",
       "categories[1]"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"categories\":[\"kettle\",\"kettle\"]}",
       "categories[1]"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"categories\":\"kettle\"}", "categories"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"site_low_stock\":{\"{site}\":1,\"no-such-site\":2}}",
       "site_low_stock.no-such-site"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"site_low_stock\":{\"{site}\":1.5}}",
       "site_low_stock.{site}"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"site_low_stock\":{\"{site}\":-1}}",
       "site_low_stock.{site}"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"site_low_stock\":{\"{site}\":\"3\"}}",
       "site_low_stock.{site}"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"site_low_stock\":[3]}", "site_low_stock"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"low_stock\":1.5}", "low_stock"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"low_stock\":-1}", "low_stock"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"low_stock\":1e12}", "low_stock"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"unit\":\"g\",\"low_stock\":0.0001}", "low_stock"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"unit\":\"kg\"}", "unit"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"active\":\"yes\"}", "active"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"colour\":\"red\"}", "colour"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"created_at\":\"2026-01-01T00:00:00Z\"}", "created_at"},
      {"{\"sku\":\"{sku}\",\"name\":\"x\",\"id\":7}", "id"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char sku[64], body[512], field[160];
    new_sku(sku, sizeof sku, "bad-");
    fill(body, sizeof body, cases[i].body, sku, site);
    fill(field, sizeof field, cases[i].field, sku, site);
    struct th_resp *r = create(ds_admin(), body);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", body, r->status, r->body);
    cr_assert(ds_names_field(r, field), "%s: no error for %s in %s", body, field, r->body);
    th_free(r);
    cr_assert_eq(ds_count("SELECT count(*) FROM parts WHERE sku LIKE '%%%s%%'"
                          " OR description = '%s' OR name = '%s'",
                          sku, sku, sku),
                 0, "%s stored something", body);
  }
  /* Every problem of a body at once. */
  char sku[64], body[512];
  new_sku(sku, sizeof sku, "bad-");
  snprintf(body, sizeof body,
           "{\"sku\":\"%s\",\"name\":\"x\",\"categories\":[\"nope\"],\"low_stock\":0.5,"
           "\"site_low_stock\":{\"nowhere-%s\":1}}",
           sku, sku);
  struct th_resp *r = create(ds_admin(), body);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "categories[0]") && ds_names_field(r, "low_stock"), "%s", r->body);
  th_free(r);
  cr_assert_eq(parts_with_sku(sku), 0);
  /* The server is still up. */
  r = th_req("GET", "/healthz", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
}

/* ---- patch ------------------------------------------------------------- */

Test(parts, patch_merges_and_checks_if_match)
{
  char a[96], b[96], c[96], sku[64];
  ds_site(a, sizeof a, 1);
  ds_site(b, sizeof b, 1);
  ds_site(c, sizeof c, 1);
  new_sku(sku, sizeof sku, "pat-");
  make_part("{\"sku\":\"%s\",\"name\":\"Thermostat\",\"description\":\"Bouilloire\","
            "\"categories\":[\"kettle\"],\"low_stock\":1,\"site_low_stock\":{\"%s\":5,\"%s\":3}}",
            sku, a, b);

  char body[512];
  snprintf(body, sizeof body,
           "{\"name\":\"Thermostat 13 A\",\"low_stock\":2,"
           "\"site_low_stock\":{\"%s\":null,\"%s\":4,\"%s\":7}}",
           a, b, c);
  struct th_resp *r = patch_part(ds_admin(), sku, "\"1\"", body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "ETag"), "\"2\"");
  cr_assert_str_eq(th_str(r, "name"), "Thermostat 13 A");
  cr_assert_str_eq(th_str(r, "description"), "Bouilloire", "untouched fields stay");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "low_stock")), 2);
  json_t *t = json_object_get(r->json, "site_low_stock");
  cr_assert_eq(json_object_size(t), 2, "%s", r->body);
  cr_assert_null(json_object_get(t, a), "a null threshold stays: %s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(t, b)), 4);
  cr_assert_eq(json_integer_value(json_object_get(t, c)), 7);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM part_thresholds t JOIN parts p ON p.id = t.part_id"
                        " WHERE p.sku = '%s'",
                        sku),
               2);

  /* A stale If-Match: 412, nothing changed. */
  r = patch_part(ds_admin(), sku, "\"1\"", "{\"name\":\"Trop tard\"}");
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT name FROM parts WHERE sku = '%s'", sku), "Thermostat 13 A");
  cr_assert_str_eq(ds_sql("SELECT version FROM parts WHERE sku = '%s'", sku), "2");

  /* null removes description, categories and every threshold; deactivate. */
  char low[64];
  lower(low, sizeof low, sku);
  r = patch_part(ds_admin(), low, "\"2\"",
                 "{\"description\":null,\"categories\":null,\"site_low_stock\":null,"
                 "\"active\":false}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "description")));
  cr_assert_eq(json_array_size(json_object_get(r->json, "categories")), 0);
  cr_assert_eq(json_object_size(json_object_get(r->json, "site_low_stock")), 0);
  cr_assert(json_is_false(json_object_get(r->json, "active")));
  cr_assert_str_eq(th_header(r, "ETag"), "\"3\"");
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM part_thresholds t JOIN parts p ON p.id = t.part_id"
                        " WHERE p.sku = '%s'",
                        sku),
               0);
  r = get_part(ds_reader(), sku);
  cr_assert(json_is_false(json_object_get(r->json, "active")), "%s", r->body);
  th_free(r);

  /* An empty patch changes nothing. */
  r = patch_part(ds_admin(), sku, NULL, "{}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "ETag"), "\"3\"");
  th_free(r);
}

Test(parts, bad_patches_are_400_and_change_nothing)
{
  char site[96], sku[64];
  ds_site(site, sizeof site, 1);
  new_sku(sku, sizeof sku, "bpt-");
  make_part("{\"sku\":\"%s\",\"name\":\"Joint\",\"low_stock\":2}", sku);
  const struct bad_case cases[] = {
      {"{\"unit\":\"g\"}", "unit"},
      {"{\"sku\":\"{sku}-2\"}", "sku"},
      {"{\"low_stock\":2.5}", "low_stock"},
      {"{\"site_low_stock\":{\"{site}\":0.5}}", "site_low_stock.{site}"},
      {"{\"site_low_stock\":{\"no-such-site\":1}}", "site_low_stock.no-such-site"},
      {"{\"categories\":[\"no-such-category\"]}", "categories[0]"},
      {"{\"name\":null}", "name"},
      {"{\"active\":null}", "active"},
      {"{\"updated_at\":\"2026-01-01T00:00:00Z\"}", "updated_at"},
      {"{\"colour\":\"red\"}", "colour"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char body[256], field[160];
    fill(body, sizeof body, cases[i].body, sku, site);
    fill(field, sizeof field, cases[i].field, sku, site);
    struct th_resp *r = patch_part(ds_admin(), sku, NULL, body);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", body, r->status, r->body);
    cr_assert(ds_names_field(r, field), "%s: no error for %s in %s", body, field, r->body);
    th_free(r);
  }
  cr_assert_str_eq(ds_sql("SELECT version || ' ' || unit || ' ' || low_stock || ' ' || name"
                          " FROM parts WHERE sku = '%s'",
                          sku),
                   "1 piece 2.000 Joint");
  cr_assert_eq(ds_count("SELECT count(*) FROM part_thresholds t JOIN parts p ON p.id = t.part_id"
                        " WHERE p.sku = '%s'",
                        sku),
               0);

  struct th_resp *r = patch_part(ds_admin(), "NO-SUCH-PART-ANYWHERE", NULL, "{\"name\":\"x\"}");
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = patch_part(ds_admin(), sku, "\"x\"", "{\"name\":\"x\"}");
  cr_assert(th_is_problem(r, 412), "a foreign If-Match: %ld %s", r->status, r->body);
  th_free(r);
}

/* ---- concurrent edits --------------------------------------------------- */

#define RACERS 8

struct racer {
  const char *path, *body, *if_match;
  pthread_barrier_t *go;
  long status;
};

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
  (void)p, (void)ud;
  return size * n;
}

/* One PATCH with its own curl handle (the helpers' buffers are not for
 * threads), sent when every racer is ready. */
static void *race(void *arg)
{
  struct racer *r = arg;
  char url[256], auth[128], im[64];
  snprintf(url, sizeof url, "%s%s", th_url(), r->path);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", th_admin_key());
  CURL *c = curl_easy_init();
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  if (r->if_match) {
    snprintf(im, sizeof im, "If-Match: %s", r->if_match);
    h = curl_slist_append(h, im);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  pthread_barrier_wait(r->go);
  r->status = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
  if (r->status == 0)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return NULL;
}

static void run_racers(struct racer *rs)
{
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, RACERS);
  pthread_t t[RACERS];
  for (int i = 0; i < RACERS; i++) {
    rs[i].go = &go;
    pthread_create(&t[i], NULL, race, &rs[i]);
  }
  for (int i = 0; i < RACERS; i++)
    pthread_join(t[i], NULL);
  pthread_barrier_destroy(&go);
}

/* The row is locked while a patch is checked and written: of racers that
 * all read version 1, one wins and the others are told (412); racers
 * without If-Match each add their own site's threshold, and none is lost. */
Test(parts, concurrent_patches_are_served_one_after_the_other, .timeout = 60)
{
  curl_global_init(CURL_GLOBAL_ALL);
  char sku[64], path[128];
  new_sku(sku, sizeof sku, "race-");
  make_part("{\"sku\":\"%s\",\"name\":\"Départ\"}", sku);
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  struct racer rs[RACERS];
  char bodies[RACERS][160], sites[RACERS][96];
  for (int i = 0; i < RACERS; i++) {
    snprintf(bodies[i], sizeof bodies[i], "{\"name\":\"Coureur %d\"}", i);
    rs[i] = (struct racer){path, bodies[i], "\"1\"", NULL, 0};
  }
  run_racers(rs);
  int won = 0, refused = 0;
  for (int i = 0; i < RACERS; i++) {
    won += rs[i].status == 200;
    refused += rs[i].status == 412;
  }
  cr_assert(won == 1 && refused == RACERS - 1, "%d won, %d refused with 412", won, refused);
  cr_assert_str_eq(ds_sql("SELECT version FROM parts WHERE sku = '%s'", sku), "2");

  for (int i = 0; i < RACERS; i++) {
    ds_site(sites[i], sizeof sites[i], 1);
    snprintf(bodies[i], sizeof bodies[i], "{\"site_low_stock\":{\"%.95s\":%d}}", sites[i], i + 1);
    rs[i] = (struct racer){path, bodies[i], NULL, NULL, 0};
  }
  run_racers(rs);
  for (int i = 0; i < RACERS; i++)
    cr_assert_eq(rs[i].status, 200, "racer %d: %ld", i, rs[i].status);
  cr_assert_eq(ds_count("SELECT count(*) FROM part_thresholds t JOIN parts p ON p.id = t.part_id"
                        " WHERE p.sku = '%s'",
                        sku),
               RACERS, "a threshold was lost");
  cr_assert_str_eq(ds_sql("SELECT version FROM parts WHERE sku = '%s'", sku), "10");
  struct th_resp *r = get_part(ds_reader(), sku);
  cr_assert_eq(json_object_size(json_object_get(r->json, "site_low_stock")), RACERS, "%s", r->body);
  th_free(r);
}

/* Another writer holds the part's row (here a psql session that changed
 * it and a site's threshold, and waits before committing): a patch waits
 * for it, then is checked against what it committed. With the ETag read
 * before, the patch is refused (412); without If-Match, it applies on top
 * and keeps that writer's threshold. */
Test(parts, a_patch_waits_for_the_writer_holding_the_row, .timeout = 60)
{
  char sku[64], site[96], mine[96], path[128], sql[1024];
  ds_site(site, sizeof site, 1);
  ds_site(mine, sizeof mine, 1);
  new_sku(sku, sizeof sku, "hold-");
  make_part("{\"sku\":\"%s\",\"name\":\"Avant\"}", sku);
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  for (int round = 0; round < 2; round++) {
    long lock = (long)getpid() * 4 + round;
    snprintf(sql, sizeof sql,
             "BEGIN; UPDATE parts SET name = 'Par SQL %d', version = version + 1"
             " WHERE sku = '%s';"
             " INSERT INTO part_thresholds (part_id, site_id, low_stock) SELECT p.id, s.id, %d"
             " FROM parts p, sites s WHERE p.sku = '%s' AND s.slug = '%s'"
             " ON CONFLICT (part_id, site_id) DO UPDATE SET low_stock = EXCLUDED.low_stock;"
             " SELECT pg_advisory_xact_lock(%ld); SELECT pg_sleep(1); COMMIT;",
             round, sku, round + 5, sku, site, lock);
    pid_t holder = th_sql_background(sql);
    cr_assert_gt(holder, 0);
    char probe[128];
    snprintf(probe, sizeof probe, "SELECT pg_try_advisory_lock(%ld)", lock);
    for (int i = 0; i < 200 && strcmp(th_sql(probe), "t") == 0; i++)
      usleep(10000);
    struct th_resp *r;
    if (round == 0) {
      /* The client read version 1; the holder makes it 2. */
      r = patch_part(ds_admin(), sku, "\"1\"", "{\"name\":\"Trop tard\"}");
      cr_assert(th_is_problem(r, 412), "a patch on a stale version: %ld %s", r->status, r->body);
    } else {
      char body[160];
      snprintf(body, sizeof body, "{\"low_stock\":1,\"site_low_stock\":{\"%s\":2}}", mine);
      r = patch_part(ds_admin(), sku, NULL, body);
      cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
      cr_assert_str_eq(th_str(r, "name"), "Par SQL 1", "the holder's name is lost: %s", r->body);
      json_t *t = json_object_get(r->json, "site_low_stock");
      cr_assert(json_integer_value(json_object_get(t, site)) == 6 &&
                    json_integer_value(json_object_get(t, mine)) == 2,
                "the holder's threshold is lost: %s", r->body);
    }
    th_free(r);
    cr_assert_eq(th_sql_wait(holder), 0, "the holder failed");
  }
  cr_assert_str_eq(ds_sql("SELECT name || ' ' || version FROM parts WHERE sku = '%s'", sku),
                   "Par SQL 1 4");
  cr_assert_eq(ds_count("SELECT count(*) FROM part_thresholds t JOIN parts p ON p.id = t.part_id"
                        " WHERE p.sku = '%s'",
                        sku),
               2);
}

/* ---- roles -------------------------------------------------------------- */

Test(parts, readers_read_admins_manage)
{
  char sku[64], body[256];
  new_sku(sku, sizeof sku, "rol-");
  snprintf(body, sizeof body, "{\"sku\":\"%s\",\"name\":\"Roulement\"}", sku);
  const char *keys[] = {ds_reader(), ds_vol()};
  for (int i = 0; i < 2; i++) {
    struct th_resp *r = create(keys[i], body);
    cr_assert(th_is_problem(r, 403), "role %d creates: %ld %s", i, r->status, r->body);
    th_free(r);
  }
  struct th_resp *r = create(NULL, body);
  cr_assert(th_is_problem(r, 401), "%ld", r->status);
  th_free(r);
  cr_assert_eq(parts_with_sku(sku), 0);

  make_part("%s", body);
  r = patch_part(ds_vol(), sku, NULL, "{\"name\":\"Changé\"}");
  cr_assert(th_is_problem(r, 403), "volunteer patches: %ld %s", r->status, r->body);
  th_free(r);
  r = patch_part(ds_reader(), sku, NULL, "{\"active\":false}");
  cr_assert(th_is_problem(r, 403), "reader patches: %ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT name || ' ' || active FROM parts WHERE sku = '%s'", sku),
                   "Roulement true");

  r = get_part(ds_reader(), sku);
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = th_req("GET", "/api/v1/parts?limit=1", ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = get_part(NULL, sku);
  cr_assert(th_is_problem(r, 401));
  th_free(r);
}

/* ---- lists -------------------------------------------------------------- */

/* The skus of a list reply, in order, joined by spaces. */
static void skus_of(char *out, size_t cap, const struct th_resp *r)
{
  size_t len = 0, i;
  json_t *p;
  out[0] = '\0';
  json_array_foreach(json_object_get(r->json, "items"), i, p) {
    len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "",
                            json_string_value(json_object_get(p, "sku")));
  }
}

static struct th_resp *list(const char *query)
{
  char path[512];
  snprintf(path, sizeof path, "/api/v1/parts?%s", query);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  cr_assert(json_is_array(json_object_get(r->json, "items")), "%s", r->body);
  cr_assert(json_object_get(r->json, "next_cursor") != NULL, "no next_cursor: %s", r->body);
  return r;
}

Test(parts, list_filters)
{
  char tag[64], s1[96], s2[96];
  new_sku(tag, sizeof tag, "LST");
  ds_site(s1, sizeof s1, 1);
  ds_site(s2, sizeof s2, 1);
  /* A: kettle, in stock at s1; B: kettle, inactive; C: laptop, stock 0
   * at s1, in stock at s2; D: its name holds "50%_off". */
  make_part("{\"sku\":\"%s-A\",\"name\":\"Thermostat\",\"categories\":[\"kettle\"]}", tag);
  make_part("{\"sku\":\"%s-B\",\"name\":\"Résistance\",\"categories\":[\"kettle\",\"toaster\"],"
            "\"active\":false}",
            tag);
  make_part("{\"sku\":\"%s-C\",\"name\":\"Nappe\",\"categories\":[\"laptop\"]}", tag);
  make_part("{\"sku\":\"%s-D\",\"name\":\"Lot 50%%_off %s\"}", tag, tag);
  char sku[80];
  snprintf(sku, sizeof sku, "%s-A", tag);
  receive(sku, s1, 3);
  snprintf(sku, sizeof sku, "%s-C", tag);
  receive(sku, s2, 1);
  ds_sql("INSERT INTO part_stock (part_id, site_id, quantity) SELECT p.id, s.id, 0"
         " FROM parts p, sites s WHERE p.sku = '%s' AND s.slug = '%s'",
         sku, s1);

  char q[256], got[512], want[512];
  char low[64];
  lower(low, sizeof low, tag);
  struct {
    const char *filter;
    const char *want; /* suffixes */
  } cases[] = {
      {"", "A B C D"},
      {"&category=kettle", "A B"},
      {"&category=toaster", "B"},
      {"&category=laptop", "C"},
      {"&active=true", "A C D"},
      {"&active=false", "B"},
      {"&in_stock_at={sku}", "A"},
      {"&in_stock_at={site}", "C"},
      {"&in_stock_at=no-such-site", ""},
      {"&category=kettle&active=true", "A"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char filter[160];
    fill(filter, sizeof filter, cases[i].filter, s1, s2);
    snprintf(q, sizeof q, "q=%s%s", low, filter);
    struct th_resp *r = list(q);
    skus_of(got, sizeof got, r);
    size_t len = 0;
    want[0] = '\0';
    for (const char *p = cases[i].want; *p; p++)
      if (*p != ' ')
        len += (size_t)snprintf(want + len, sizeof want - len, "%s%s-%c", len ? " " : "", tag, *p);
    cr_assert_str_eq(got, want, "%s", q);
    cr_assert(json_is_null(json_object_get(r->json, "next_cursor")), "%s", r->body);
    th_free(r);
  }

  /* q matches names too, any case, LIKE's metacharacters taken literally. */
  struct th_resp *r = list("q=THERMOSTAT&limit=500");
  skus_of(got, sizeof got, r);
  snprintf(sku, sizeof sku, "%s-A", tag);
  cr_assert_not_null(strstr(got, sku), "q on the name: %s", got);
  th_free(r);
  const char *meta[] = {"%25_off", "50%25_", "_off", "%25"};
  for (int i = 0; i < 4; i++) {
    snprintf(q, sizeof q, "q=%s&limit=500", meta[i]);
    r = list(q);
    skus_of(got, sizeof got, r);
    snprintf(sku, sizeof sku, "%s-D", tag);
    cr_assert_not_null(strstr(got, sku), "q=%s: %s", meta[i], got);
    for (const char *x = "ABC"; *x; x++) {
      snprintf(sku, sizeof sku, "%s-%c", tag, *x);
      cr_assert_null(strstr(got, sku), "q=%s matched %s", meta[i], sku);
    }
    th_free(r);
  }

  /* Bad filters: 400 naming them. */
  const char *bad[][2] = {{"active=maybe", "active"}, {"category=no-such-category", "category"},
                          {"cursor=-x", "cursor"},    {"cursor=a%20b", "cursor"},
                          {"limit=0", "limit"},       {"limit=501", "limit"}};
  for (int i = 0; i < 6; i++) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/parts?%s", bad[i][0]);
    r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", path, r->status, r->body);
    cr_assert(ds_names_field(r, bad[i][1]), "%s: %s", path, r->body);
    th_free(r);
  }
}

Test(parts, list_pages_by_sku_without_overlap)
{
  char tag[64];
  new_sku(tag, sizeof tag, "PG");
  const char *tails[] = {"e", "B", "d", "A", "c"};
  for (int i = 0; i < 5; i++)
    make_part("{\"sku\":\"%s-%s\",\"name\":\"Pièce %d\"}", tag, tails[i], i);
  char low[64];
  lower(low, sizeof low, tag);
  char cursor[128] = "", all[512] = "";
  int pages = 0, items = 0;
  for (;;) {
    char q[256];
    snprintf(q, sizeof q, "q=%s&limit=2%s%s", low, cursor[0] ? "&cursor=" : "", cursor);
    struct th_resp *r = list(q);
    size_t n = json_array_size(json_object_get(r->json, "items"));
    pages++;
    items += (int)n;
    char got[256];
    skus_of(got, sizeof got, r);
    strncat(all, " ", sizeof all - strlen(all) - 1);
    strncat(all, got, sizeof all - strlen(all) - 1);
    const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
    if (next == NULL) {
      cr_assert_eq(n, 1, "last page: %s", r->body);
      th_free(r);
      break;
    }
    cr_assert_eq(n, 2, "%s", r->body);
    char enc[128];
    ds_urlenc(enc, sizeof enc, next);
    snprintf(cursor, sizeof cursor, "%s", enc);
    th_free(r);
    cr_assert_lt(pages, 5, "pages never end");
  }
  cr_assert_eq(pages, 3);
  cr_assert_eq(items, 5);
  /* By sku without regard to case, each once. */
  char want[512];
  fill(want, sizeof want, " {sku}-A {sku}-B {sku}-c {sku}-d {sku}-e", tag, NULL);
  cr_assert_str_eq(all, want);
}

/* ---- the public part page ---------------------------------------------- */

/* The stock list holds site names and yes or no, nothing else, and the rest
 * of the page does not hold the quantity. (Site names of other tests may
 * hold any digits, so the list is checked by its shape.) */
static void expect_no_quantity(const char *html, const char *quantity)
{
  const char *list = strstr(html, "<ul class=\"stock\">");
  cr_assert_not_null(list, "no stock list in %s", html);
  const char *end = strstr(list, "</ul>");
  cr_assert_not_null(end);
  char *outside = strndup(html, (size_t)(list - html));
  cr_assert_null(strstr(outside, quantity), "a quantity is shown: %s", outside);
  free(outside);
  cr_assert_null(strstr(end, quantity), "a quantity is shown: %s", end);
  regex_t item;
  cr_assert_eq(regcomp(&item,
                       "^<li class=\"(in-stock|out-of-stock)\">[^<]+ : <strong>"
                       "(en stock|pas en stock)</strong></li>$",
                       REG_EXTENDED | REG_NOSUB),
               0);
  for (const char *li = strstr(list, "<li"); li && li < end; li = strstr(li + 1, "<li")) {
    const char *close = strstr(li, "</li>");
    cr_assert(close && close < end, "an unclosed item");
    char *one = strndup(li, (size_t)(close + 5 - li));
    cr_assert_eq(regexec(&item, one, 0, NULL, 0), 0, "a stock item holds more: %s", one);
    free(one);
  }
  regfree(&item);
}

static struct th_resp *page(const char *path, const char *lang_header)
{
  const char *h[] = {lang_header, NULL};
  struct th_resp *r = th_req("GET", path, NULL, NULL, lang_header ? h : NULL);
  return r;
}

Test(parts, public_page_says_where_it_is_in_stock_without_quantities)
{
  char in[96], out[96], closed[96], sku[64];
  ds_site(in, sizeof in, 1);
  ds_site(out, sizeof out, 1);
  ds_site(closed, sizeof closed, 1);
  new_sku(sku, sizeof sku, "pub-");
  make_part("{\"sku\":\"%s\",\"name\":\"Thermostat de bouilloire\",\"categories\":[\"kettle\","
            "\"coffee-maker\"],\"low_stock\":1}",
            sku);
  receive(sku, in, 4242);
  receive(sku, closed, 3131);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/sites/%s", closed);
  struct th_resp *r = th_req("PATCH", path, ds_admin(), "{\"active\":false}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);

  char low[64], li[256];
  lower(low, sizeof low, sku);
  snprintf(path, sizeof path, "/p/%s", low);
  r = page(path, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(strncmp(th_header(r, "Content-Type"), "text/html", 9) == 0);
  cr_assert_not_null(strstr(th_header(r, "Content-Security-Policy"), "default-src 'none'"));
  cr_assert_not_null(strstr(r->body, "<html lang=\"fr\">"));
  cr_assert_not_null(strstr(r->body, "<h1>Thermostat de bouilloire</h1>"), "%s", r->body);
  cr_assert_not_null(strstr(r->body, sku), "the sku as stored");
  cr_assert_not_null(strstr(r->body, "<li>Bouilloire</li>"), "%s", r->body);
  cr_assert_not_null(strstr(r->body, "<li>Cafetière</li>"), "%s", r->body);
  snprintf(li, sizeof li, "<li class=\"in-stock\">Site %s : <strong>en stock</strong></li>", in);
  cr_assert_not_null(strstr(r->body, li), "%s", r->body);
  snprintf(li, sizeof li, "<li class=\"out-of-stock\">Site %s : <strong>pas en stock</strong></li>",
           out);
  cr_assert_not_null(strstr(r->body, li), "%s", r->body);
  cr_assert_null(strstr(r->body, closed), "an inactive site is shown");
  cr_assert_null(strstr(r->body, "Camille"), "a person (the movement's actor) is shown");
  expect_no_quantity(r->body, "4242");
  expect_no_quantity(r->body, "3131");
  th_free(r);

  /* English, by ?lang=en or by Accept-Language. */
  snprintf(path, sizeof path, "/p/%s?lang=en", sku);
  r = page(path, NULL);
  cr_assert_not_null(strstr(r->body, "<html lang=\"en\">"));
  cr_assert_not_null(strstr(r->body, "<li>Kettle</li>"), "%s", r->body);
  snprintf(li, sizeof li, "<li class=\"in-stock\">Site %s: <strong>in stock</strong></li>", in);
  cr_assert_not_null(strstr(r->body, li), "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/p/%s", sku);
  r = page(path, "Accept-Language: en-GB,en;q=0.9,fr;q=0.5");
  cr_assert_not_null(strstr(r->body, "<html lang=\"en\">"));
  th_free(r);

  /* Unknown, malformed or inactive: the same 404 page as other public pages. */
  struct th_resp *ref = page("/d/RL-0000-0000", NULL);
  cr_assert_eq(ref->status, 404);
  const char *none[] = {"/p/NO-SUCH-PART-ANYWHERE", "/p/-bad", "/p/a%20b"};
  for (int i = 0; i < 3; i++) {
    r = page(none[i], NULL);
    cr_assert_eq(r->status, 404, "%s: %ld", none[i], r->status);
    cr_assert_str_eq(r->body, ref->body, "%s: another 404 page", none[i]);
    th_free(r);
  }
  snprintf(path, sizeof path, "/api/v1/parts/%s", sku);
  r = th_req("PATCH", path, ds_admin(), "{\"active\":false}", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  snprintf(path, sizeof path, "/p/%s", sku);
  r = page(path, NULL);
  cr_assert_eq(r->status, 404, "an inactive part's page: %ld", r->status);
  cr_assert_str_eq(r->body, ref->body);
  th_free(r);
  th_free(ref);
}
