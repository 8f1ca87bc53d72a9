/* Sites over HTTP: who may create them, slugs, lists with paging and the
 * active filter, ETags on reads and conditional updates. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static long sites_with_slug(const char *slug)
{
  return ds_count("SELECT count(*) FROM sites WHERE slug = '%s'", slug);
}

Test(sites, admin_creates_a_site)
{
  char slug[96];
  snprintf(slug, sizeof slug, "%s", th_unique("site-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"Médiathèque Louise Michel\","
                              "\"address\":\"6 rue Émile Roux\",\"opening_hours\":\"Sa 10-13\"}",
                              slug);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  char loc[160];
  snprintf(loc, sizeof loc, "/api/v1/sites/%s", slug);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_str_eq(th_str(r, "slug"), slug);
  cr_assert_str_eq(th_str(r, "name"), "Médiathèque Louise Michel");
  cr_assert_str_eq(th_str(r, "address"), "6 rue Émile Roux");
  cr_assert(json_is_true(json_object_get(r->json, "active")), "a new site is active");
  cr_assert_gt(ds_time(th_str(r, "created_at")), 0);
  th_free(r);
  cr_assert_eq(sites_with_slug(slug), 1);
  cr_assert_str_eq(ds_sql("SELECT name FROM sites WHERE slug = '%s'", slug),
                   "Médiathèque Louise Michel");

  r = th_req("GET", loc, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "opening_hours"), "Sa 10-13");
  th_free(r);
}

Test(sites, only_admins_create_sites)
{
  const char *keys[] = {ds_vol(), ds_reader()};
  for (int i = 0; i < 2; i++) {
    char slug[96];
    snprintf(slug, sizeof slug, "%s", th_unique("site-"));
    struct th_resp *r =
        th_reqf("POST", "/api/v1/sites", keys[i], "{\"slug\":\"%s\",\"name\":\"x\"}", slug);
    cr_assert(th_is_problem(r, 403), "role %d: %ld", i, r->status);
    th_free(r);
    cr_assert_eq(sites_with_slug(slug), 0);
  }
  struct th_resp *r =
      th_req("POST", "/api/v1/sites", NULL, "{\"slug\":\"x\",\"name\":\"x\"}", NULL);
  cr_assert(th_is_problem(r, 401));
  th_free(r);
}

Test(sites, duplicate_slug_is_409)
{
  char slug[96];
  ds_site(slug, sizeof slug, 1);
  struct th_resp *r =
      th_reqf("POST", "/api/v1/sites", ds_admin(), "{\"slug\":\"%s\",\"name\":\"Another\"}", slug);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(sites_with_slug(slug), 1);
  char name[128];
  snprintf(name, sizeof name, "Site %s", slug);
  cr_assert_str_eq(ds_sql("SELECT name FROM sites WHERE slug = '%s'", slug), name);
}

Test(sites, bad_slugs_are_400_naming_slug)
{
  const char *u = th_unique("");
  char bad[8][128];
  snprintf(bad[0], sizeof bad[0], "\"Upper%s\"", u);
  snprintf(bad[1], sizeof bad[1], "\"-dash%s\"", u);
  snprintf(bad[2], sizeof bad[2], "\"has space%s\"", u);
  snprintf(bad[3], sizeof bad[3], "\"\"");
  snprintf(bad[4], sizeof bad[4], "\"%s%s\"", u,
           "-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  snprintf(bad[5], sizeof bad[5], "\"caf\\u00e9%s\"", u);
  snprintf(bad[6], sizeof bad[6], "42");
  snprintf(bad[7], sizeof bad[7], "\"under_score%s\"", u);
  for (int i = 0; i < 8; i++) {
    struct th_resp *r =
        th_reqf("POST", "/api/v1/sites", ds_admin(), "{\"slug\":%s,\"name\":\"x\"}", bad[i]);
    cr_assert(th_is_problem(r, 400), "slug %s: %ld %s", bad[i], r->status, r->body);
    cr_assert(ds_names_field(r, "slug"), "slug %s: %s", bad[i], r->body);
    th_free(r);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM sites WHERE slug LIKE '%%%s%%'", u), 0);
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(), "{\"name\":\"x\"}");
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "slug"));
  th_free(r);
}

Test(sites, other_bad_fields_are_400)
{
  const char *u = th_unique("b-");
  const char *bodies[][2] = {
      {"{\"slug\":\"%s\",\"name\":\"\"}", "name"},
      {"{\"slug\":\"%s\"}", "name"},
      {"{\"slug\":\"%s\",\"name\":\"x\",\"active\":\"yes\"}", "active"},
      {"{\"slug\":\"%s\",\"name\":\"x\",\"colour\":\"red\"}", "colour"},
      {"{\"slug\":\"%s\",\"name\":\"x\",\"created_at\":\"2020-01-01T00:00:00Z\"}", "created_at"},
      {"{\"slug\":\"%s\",\"name\":\"a\\u0001b\"}", "name"},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char body[256];
    snprintf(body, sizeof body, bodies[i][0], u);
    struct th_resp *r = th_req("POST", "/api/v1/sites", ds_admin(), body, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld", body, r->status);
    cr_assert(ds_names_field(r, bodies[i][1]), "%s: %s", body, r->body);
    th_free(r);
  }
  cr_assert_eq(sites_with_slug(u), 0);
}

/* Every page of GET /sites with this query; returns the concatenated items. */
static json_t *all_pages(const char *query, int limit, int *pages)
{
  json_t *all = json_array();
  char cursor[256] = "";
  *pages = 0;
  for (;;) {
    char path[512], enc[256];
    ds_urlenc(enc, sizeof enc, cursor);
    snprintf(path, sizeof path, "/api/v1/sites?limit=%d%s%s%s%s", limit, query[0] ? "&" : "", query,
             cursor[0] ? "&cursor=" : "", cursor[0] ? enc : "");
    struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert(json_is_array(items));
    cr_assert_leq(json_array_size(items), (size_t)limit);
    json_array_extend(all, items);
    json_t *next = json_object_get(r->json, "next_cursor");
    cr_assert(json_is_null(next) || json_is_string(next), "next_cursor always present");
    (*pages)++;
    cr_assert_lt(*pages, 2000, "paging does not end");
    if (json_is_null(next)) {
      th_free(r);
      break;
    }
    snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
    th_free(r);
  }
  return all;
}

static int count_slug(json_t *items, const char *slug)
{
  int n = 0;
  size_t i;
  json_t *s;
  json_array_foreach(items, i, s)
    n += strcmp(json_string_value(json_object_get(s, "slug")), slug) == 0;
  return n;
}

Test(sites, list_pages_through_every_site_once_in_slug_order)
{
  char mine[5][96];
  for (int i = 0; i < 5; i++)
    ds_site(mine[i], sizeof mine[i], i != 2);
  int pages;
  json_t *all = all_pages("", 3, &pages);
  cr_assert_geq(pages, 2);
  for (int i = 0; i < 5; i++)
    cr_assert_eq(count_slug(all, mine[i]), 1, "%s listed %d times", mine[i],
                 count_slug(all, mine[i]));
  for (size_t i = 1; i < json_array_size(all); i++) {
    const char *a = json_string_value(json_object_get(json_array_get(all, i - 1), "slug"));
    const char *b = json_string_value(json_object_get(json_array_get(all, i), "slug"));
    cr_assert_lt(strcmp(a, b), 0, "not in slug order or repeated: %s then %s", a, b);
  }
  json_decref(all);

  json_t *active = all_pages("active=true", 50, &pages);
  json_t *inactive = all_pages("active=false", 50, &pages);
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(count_slug(active, mine[i]), i != 2, "%s in active list", mine[i]);
    cr_assert_eq(count_slug(inactive, mine[i]), i == 2, "%s in inactive list", mine[i]);
  }
  size_t i;
  json_t *s;
  json_array_foreach(active, i, s)
    cr_assert(json_is_true(json_object_get(s, "active")));
  json_array_foreach(inactive, i, s)
    cr_assert(json_is_false(json_object_get(s, "active")));
  json_decref(active);
  json_decref(inactive);
}

Test(sites, list_rejects_bad_parameters)
{
  const char *paths[][2] = {{"/api/v1/sites?active=yes", "active"},
                            {"/api/v1/sites?limit=0", "limit"},
                            {"/api/v1/sites?limit=501", "limit"},
                            {"/api/v1/sites?limit=ten", "limit"}};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct th_resp *r = th_req("GET", paths[i][0], ds_reader(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld", paths[i][0], r->status);
    cr_assert(ds_names_field(r, paths[i][1]), "%s: %s", paths[i][0], r->body);
    th_free(r);
  }
  struct th_resp *r = th_req("GET", "/api/v1/sites?limit=500", ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
}

Test(sites, get_has_etag_and_honours_if_none_match)
{
  char slug[96], path[160];
  ds_site(slug, sizeof slug, 1);
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "slug"), slug);
  char etag[64], inm[96];
  cr_assert_not_null(th_header(r, "ETag"));
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  cr_assert_eq(etag[0], '"', "a strong, quoted ETag: %s", etag);
  th_free(r);

  snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
  const char *h[] = {inm, NULL};
  r = th_req("GET", path, ds_reader(), NULL, h);
  cr_assert_eq(r->status, 304);
  cr_assert_eq(r->len, 0);
  cr_assert_str_eq(th_header(r, "ETag"), etag);
  th_free(r);

  const char *other[] = {"If-None-Match: \"999999\"", NULL};
  r = th_req("GET", path, ds_reader(), NULL, other);
  cr_assert_eq(r->status, 200);
  th_free(r);

  r = th_req("GET", "/api/v1/sites/no-such-site-anywhere", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

Test(sites, patch_with_if_match)
{
  char slug[96], path[160];
  ds_site(slug, sizeof slug, 1);
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  char v1[64], h1[96];
  snprintf(v1, sizeof v1, "%s", th_header(r, "ETag"));
  snprintf(h1, sizeof h1, "If-Match: %s", v1);
  th_free(r);

  const char *cur[] = {h1, NULL};
  r = th_req("PATCH", path, ds_admin(), "{\"name\":\"Renamed\",\"address\":\"1 place\"}", cur);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "name"), "Renamed");
  cr_assert_str_eq(th_str(r, "address"), "1 place");
  cr_assert_str_eq(th_str(r, "slug"), slug);
  const char *v2 = th_header(r, "ETag");
  cr_assert_not_null(v2);
  cr_assert_str_neq(v2, v1, "the ETag changes with the site");
  char v2c[64];
  snprintf(v2c, sizeof v2c, "%s", v2);
  th_free(r);

  /* The old ETag is stale now: 412, nothing changed. */
  r = th_req("PATCH", path, ds_admin(), "{\"name\":\"Stale write\"}", cur);
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT name FROM sites WHERE slug = '%s'", slug), "Renamed");

  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_str_eq(th_str(r, "name"), "Renamed");
  cr_assert_str_eq(th_header(r, "ETag"), v2c);
  th_free(r);

  /* Without If-Match the write goes through; active can be switched off. */
  r = th_req("PATCH", path, ds_admin(), "{\"active\":false,\"address\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_false(json_object_get(r->json, "active")));
  th_free(r);
  cr_assert_str_eq(
      ds_sql("SELECT active::text || '|' || address FROM sites WHERE slug = '%s'", slug), "false|");
}

Test(sites, patch_refuses_slug_and_bad_fields)
{
  char slug[96], path[160];
  ds_site(slug, sizeof slug, 1);
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  const char *bodies[][2] = {{"{\"slug\":\"renamed-slug\"}", "slug"},
                             {"{\"name\":null}", "name"},
                             {"{\"name\":\"\"}", "name"},
                             {"{\"active\":\"no\"}", "active"},
                             {"{\"updated_at\":\"2020-01-01T00:00:00Z\"}", "updated_at"},
                             {"{\"manager\":\"me\"}", "manager"}};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct th_resp *r = th_req("PATCH", path, ds_admin(), bodies[i][0], NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld", bodies[i][0], r->status);
    cr_assert(ds_names_field(r, bodies[i][1]), "%s: %s", bodies[i][0], r->body);
    th_free(r);
  }
  char want[160];
  snprintf(want, sizeof want, "Site %s|1", slug);
  cr_assert_str_eq(ds_sql("SELECT name || '|' || version FROM sites WHERE slug = '%s'", slug),
                   want);
  struct th_resp *r = th_req("PATCH", path, ds_vol(), "{\"name\":\"By a volunteer\"}", NULL);
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  r = th_req("PATCH", "/api/v1/sites/no-such-site-anywhere", ds_admin(), "{\"name\":\"x\"}", NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

/* RFC 9110 §13.1.1: If-Match: * holds whenever the site exists. */
Test(sites, patch_with_if_match_star)
{
  char slug[96], path[160];
  ds_site(slug, sizeof slug, 1);
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  const char *star[] = {"If-Match: *", NULL};
  struct th_resp *r = th_req("PATCH", path, ds_admin(), "{\"name\":\"Star\"}", star);
  cr_assert_eq(r->status, 200, "If-Match: * on an existing site: %ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT name FROM sites WHERE slug = '%s'", slug), "Star");
}

/* Loan conditions: set at creation, read by every key, patched and
 * cleared by an admin, bounded to 4000 characters, never by a volunteer. */
Test(sites, loan_conditions_are_set_read_patched_and_cleared)
{
  char slug[96];
  snprintf(slug, sizeof slug, "%s", th_unique("site-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"Atelier\","
                              "\"loan_conditions_fr\":\"Rendre à la date prévue.\\nPas de "
                              "réparation maison.\"}",
                              slug);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "loan_conditions_fr"), "Rendre à la date prévue.\nPas de réparation "
                                                    "maison.");
  cr_assert_str_eq(th_str(r, "loan_conditions_en"), "");
  th_free(r);

  char path[160];
  snprintf(path, sizeof path, "/api/v1/sites/%s", slug);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "loan_conditions_fr"), "Rendre à la date prévue.\nPas de réparation "
                                                    "maison.");
  th_free(r);

  r = th_reqf("PATCH", path, ds_admin(), "{\"loan_conditions_en\":\"Bring it back on time.\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "loan_conditions_en"), "Bring it back on time.");
  cr_assert_str_eq(th_str(r, "loan_conditions_fr"), "Rendre à la date prévue.\nPas de réparation "
                                                    "maison.");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT loan_conditions_en FROM sites WHERE slug = '%s'", slug),
                   "Bring it back on time.");

  r = th_reqf("PATCH", path, ds_admin(), "{\"loan_conditions_fr\":null}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "loan_conditions_fr"), "");
  th_free(r);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM sites WHERE slug = '%s' AND loan_conditions_fr = ''", slug),
      1);

  r = th_reqf("PATCH", path, ds_vol(), "{\"loan_conditions_fr\":\"x\"}");
  cr_assert(th_is_problem(r, 403), "%ld", r->status);
  th_free(r);

  /* 4000 characters (accented: more bytes) pass, 4001 do not. */
  size_t n = 4001 * 2 + 1;
  char *text = malloc(n);
  for (size_t i = 0; i < 4001; i++)
    memcpy(text + 2 * i, "é", 2);
  text[4000 * 2] = '\0';
  r = th_reqf("PATCH", path, ds_admin(), "{\"loan_conditions_en\":\"%s\"}", text);
  cr_assert_eq(r->status, 200, "4000 characters: %ld %s", r->status, r->body);
  th_free(r);
  text[4000 * 2] = "é"[0];
  text[4001 * 2] = '\0';
  r = th_reqf("PATCH", path, ds_admin(), "{\"loan_conditions_en\":\"%s\"}", text);
  cr_assert(th_is_problem(r, 400), "4001 characters: %ld", r->status);
  cr_assert(ds_names_field(r, "loan_conditions_en"));
  th_free(r);
  free(text);
  cr_assert_eq(
      ds_count("SELECT char_length(loan_conditions_en) FROM sites WHERE slug = '%s'", slug), 4000);

  r = th_reqf("PATCH", path, ds_admin(), "{\"loan_conditions_fr\":42}");
  cr_assert(th_is_problem(r, 400), "%ld", r->status);
  cr_assert(ds_names_field(r, "loan_conditions_fr"));
  th_free(r);
}
