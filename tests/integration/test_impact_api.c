/* The open-data figures as their users meet them: a corrected outcome
 * leaves the month it was counted in, a device edited after its save moves
 * its figures, a new factor set changes CO2e and factor_version, the CSV
 * parses strictly, caches get 304s, bad queries get 400 problems, and the
 * /impact page holds nothing personal. */
#include <criterion/criterion.h>

#include "tests/integration/impact_support.h"

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static void device(char *code, const char *category)
{
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"%s\",\"site\":\"%s\","
                              "\"brand\":\"Acme\",\"owner\":{\"name\":\"Aurore Privée\"}}",
                              category, g_site);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static long repair(const char *code, const char *outcome)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r = th_reqf("POST", path, ds_vol(), "{\"outcome\":\"%s\"}", outcome);
  cr_assert_eq(r->status, 201, "repair: %ld %s", r->status, r->body);
  long id = (long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

static void outcome(long repair_id, const char *to)
{
  char path[64];
  snprintf(path, sizeof path, "/api/v1/repairs/%ld", repair_id);
  struct th_resp *r = th_reqf("PATCH", path, ds_vol(), "{\"outcome\":\"%s\"}", to);
  cr_assert_eq(r->status, 200, "patch: %ld %s", r->status, r->body);
  th_free(r);
}

/* Devices saved at g_site in this month of is_year(). */
static double saved_in(int month, const char *figure)
{
  struct th_resp *r = is_get("from=%04d-%02d&to=%04d-%02d&site=%s&factor_version=" IS_SET,
                             is_year(), month, is_year(), month, g_site);
  cr_assert_eq(r->status, 200, "%s", r->body);
  double v = is_sum(r, figure, g_site, NULL);
  th_free(r);
  return v;
}

Test(impact_api, a_corrected_outcome_leaves_its_month, .init = setup)
{
  char code[CODE_CAP];
  device(code, "laptop-medium");
  long first = repair(code, "fixed");
  long second = repair(code, "fixed");
  is_date(code, 5, 10);
  /* The second repair a month later: the device counts in May, once. */
  cr_assert_not_null(ds_sql("UPDATE repairs SET created_at = '%04d-06-10 12:00+00' WHERE id = %ld",
                            is_year(), second));
  cr_expect_eq(saved_in(5, "devices_saved"), 1);
  cr_expect_eq(saved_in(6, "devices_saved"), 0);
  cr_expect_eq(saved_in(5, "repairs_fixed"), 1);
  cr_expect_eq(saved_in(6, "repairs_fixed"), 1);
  /* May's repair was not a success after all: the device is saved in June. */
  outcome(first, "repairable");
  cr_expect_eq(saved_in(5, "devices_saved"), 0);
  cr_expect_eq(saved_in(5, "repairs_repairable"), 1);
  cr_expect_eq(saved_in(6, "devices_saved"), 1);
  cr_expect(fabs(saved_in(6, "co2e_kg") - 132.66) < 1e-9);
  /* Nor June's: the device is saved nowhere. */
  outcome(second, "unknown");
  cr_expect_eq(saved_in(6, "devices_saved"), 0);
  cr_expect_eq(saved_in(6, "co2e_kg"), 0);
  cr_expect_eq(
      ds_count("SELECT count(*) FROM impact_saves WHERE device_id = %ld", is_device_id(code)), 0);
  /* Fixed again: saved in May again; then weighed: the waste follows. */
  outcome(first, "fixed");
  cr_expect_eq(saved_in(5, "devices_saved"), 1);
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  struct th_resp *r = th_req("PATCH", path, ds_vol(), "{\"weight_kg\":2.2}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_expect(fabs(saved_in(5, "waste_kg") - 2.2) < 1e-9);
  char out[4096];
  int st = is_rebuild(out, sizeof out);
  cr_expect_eq(st, 0, "rebuild exit %d: %s", st, out);
}

Test(impact_api, two_repairs_fixed_at_once_count_the_device_once, .init = setup)
{
  char code[CODE_CAP];
  device(code, "laptop-medium");
  long id = is_device_id(code);
  /* Two transactions insert a fixed repair of the device at the same time. */
  char q[256];
  snprintf(q, sizeof q,
           "BEGIN; INSERT INTO repairs (device_id, outcome) VALUES (%ld, 'fixed');"
           " SELECT pg_sleep(0.3); COMMIT;",
           id);
  pid_t a = th_sql_background(q), b = th_sql_background(q);
  cr_assert_eq(th_sql_wait(a), 0);
  cr_assert_eq(th_sql_wait(b), 0);
  cr_expect_eq(ds_count("SELECT count(*) FROM repairs WHERE device_id = %ld", id), 2);
  cr_expect_eq(ds_count("SELECT saved FROM impact_rollup r JOIN sites s ON s.id = r.site_id"
                        " WHERE s.slug = '%s'",
                        g_site),
               1);
  cr_expect_eq(ds_count("SELECT repairs_fixed FROM impact_rollup r JOIN sites s"
                        " ON s.id = r.site_id WHERE s.slug = '%s'",
                        g_site),
               2);
}

Test(impact_api, a_new_factor_set_changes_co2e_and_its_version, .init = setup)
{
  char code[CODE_CAP], version[80];
  device(code, "laptop-medium");
  repair(code, "fixed");
  is_date(code, 7, 1);
  snprintf(version, sizeof version, "test-%d-d0.6", (int)getpid());
  struct th_resp *r =
      th_reqf("POST", "/api/v1/impact/factor-sets", ds_admin(),
              "{\"version\":\"%s\",\"displacement\":0.6,\"misc_powered\":32.06679233,"
              "\"misc_unpowered\":17.70147059,\"source\":\"test\",\"credit\":"
              "\"The Restart Project, CC BY-SA 4.0\"}",
              version);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
  /* Never edited: the same version again is refused. */
  r = th_reqf("POST", "/api/v1/impact/factor-sets", ds_admin(),
              "{\"version\":\"%s\",\"displacement\":0.7,\"misc_powered\":1,\"misc_unpowered\":1,"
              "\"source\":\"x\",\"credit\":\"x\"}",
              version);
  cr_expect(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("POST", "/api/v1/impact/factor-sets", ds_vol(), "{}", NULL);
  cr_expect_eq(r->status, 403);
  th_free(r);
  r = th_reqf("POST", "/api/v1/impact/factor-sets", ds_admin(),
              "{\"version\":\"Bad Version\",\"displacement\":7,\"misc_powered\":0,"
              "\"misc_unpowered\":1,\"source\":\"x\",\"credit\":\"x\"}");
  cr_expect(th_is_problem(r, 400) && ds_names_field(r, "version") &&
                ds_names_field(r, "displacement") && ds_names_field(r, "misc_powered"),
            "%s", r->body);
  th_free(r);

  r = is_get("from=%04d-07&to=%04d-07&site=%s&factor_version=%s", is_year(), is_year(), g_site,
             version);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *row = json_array_get(json_object_get(r->json, "rows"), 0);
  cr_expect(fabs(json_number_value(json_object_get(row, "co2e_kg")) - 159.192) < 1e-9, "%s",
            r->body);
  cr_expect_str_eq(json_string_value(json_object_get(row, "factor_version")), version);
  cr_expect_str_eq(json_string_value(json_object_get(r->json, "factor_version")), version);
  th_free(r);
  r = is_get("from=%04d-07&to=%04d-07&site=%s&factor_version=" IS_SET, is_year(), is_year(),
             g_site);
  row = json_array_get(json_object_get(r->json, "rows"), 0);
  cr_expect(fabs(json_number_value(json_object_get(row, "co2e_kg")) - 132.66) < 1e-9, "%s",
            r->body);
  th_free(r);

  r = th_req("GET", "/opendata/factors", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_expect(strstr(r->body, version) != NULL && strstr(r->body, IS_SET) != NULL);
  cr_expect(strstr(r->body, "Restart Project") != NULL);
  cr_expect(strstr(r->body, "created_by") == NULL, "public sets say no key: %s", r->body);
  cr_expect_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
  th_free(r);
  r = th_req("GET", "/api/v1/impact/factor-sets", ds_admin(), NULL, NULL);
  cr_expect_eq(r->status, 200);
  cr_expect(json_array_size(json_object_get(r->json, "items")) >= 2);
  th_free(r);
  r = th_req("GET", "/api/v1/impact/factor-sets", NULL, NULL, NULL);
  cr_expect_eq(r->status, 401);
  th_free(r);
}

Test(impact_api, the_csv_parses_strictly_and_caches_get_304, .init = setup)
{
  char code[CODE_CAP];
  device(code, "laptop-medium");
  repair(code, "fixed");
  is_date(code, 8, 3);
  char path[256];
  snprintf(path, sizeof path,
           "/opendata/impact.csv?from=%04d-08&to=%04d-08&site=%s&group_by=month,site,category"
           "&factor_version=" IS_SET,
           is_year(), is_year(), g_site);
  struct th_resp *r = th_req("GET", path, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_expect(strncmp(th_header(r, "Content-Type"), "text/csv", 8) == 0);
  cr_expect(strstr(th_header(r, "Cache-Control"), "public, max-age=") != NULL);
  cr_expect(strstr(r->body, "Aurore") == NULL && strstr(r->body, code) == NULL);
  char file[] = "/tmp/rl-impact-XXXXXX";
  int fd = mkstemp(file);
  cr_assert(fd >= 0);
  cr_assert_eq(write(fd, r->body, r->len), (ssize_t)r->len);
  close(fd);
  char cmd[1024], expect_row[256];
  snprintf(expect_row, sizeof expect_row,
           "%04d-08,%s,laptop-medium,1,1,0,0,0,1,1.83,132.66,0,0,0,0,0,0," IS_SET, is_year(),
           g_site);
  snprintf(cmd, sizeof cmd,
           "python3 -c 'import csv,sys\n"
           "data=open(sys.argv[1],\"rb\").read()\n"
           "assert data.count(b\"\\r\\n\")==data.count(b\"\\n\")==2, data\n"
           "rows=list(csv.reader(open(sys.argv[1],newline=\"\",encoding=\"utf-8\"),strict=True))\n"
           "assert rows[0][:4]==[\"month\",\"site\",\"category\",\"devices_seen\"], rows[0]\n"
           "assert rows[0][-1]==\"factor_version\", rows[0]\n"
           "assert \",\".join(rows[1])==sys.argv[2], (rows[1], sys.argv[2])\n"
           "assert all(len(x)==len(rows[0]) for x in rows)' %s '%s'",
           file, expect_row);
  cr_expect_eq(system(cmd), 0, "%s", r->body);
  unlink(file);

  char etag[64], lm[64], inm[96], ims[96];
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  snprintf(lm, sizeof lm, "%s", th_header(r, "Last-Modified"));
  th_free(r);
  snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
  snprintf(ims, sizeof ims, "If-Modified-Since: %s", lm);
  const char *h1[] = {inm, NULL}, *h2[] = {ims, NULL};
  r = th_req("GET", path, NULL, NULL, h1);
  cr_expect_eq(r->status, 304);
  th_free(r);
  r = th_req("GET", path, NULL, NULL, h2);
  cr_expect_eq(r->status, 304);
  th_free(r);
  /* A change to the slice: a new ETag, a full reply. */
  repair(code, "repairable");
  is_date(code, 8, 3);
  r = th_req("GET", path, NULL, NULL, h1);
  cr_expect_eq(r->status, 200);
  th_free(r);
}

Test(impact_api, bad_queries_are_400_problems)
{
  static const char *const bad[][2] = {
      {"from=2026-13", "from"},
      {"to=26-01", "to"},
      {"from=2026-05&to=2026-04", "from"},
      {"from=1999-12", "from"},
      {"group_by=month,month", "group_by"},
      {"group_by=owner", "group_by"},
      {"group_by=month,", "group_by"},
      {"site=Not%20A%20Slug", "site"},
      {"factor_version=no-such-set", "factor_version"},
      {"colour=blue", "colour"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct th_resp *r = is_get("%s", bad[i][0]);
    cr_expect(th_is_problem(r, 400), "%s: %ld %s", bad[i][0], r->status, r->body);
    cr_expect(ds_names_field(r, bad[i][1]), "%s: %s", bad[i][0], r->body);
    th_free(r);
    char path[128];
    snprintf(path, sizeof path, "/opendata/impact.csv?%s", bad[i][0]);
    r = th_req("GET", path, NULL, NULL, NULL);
    cr_expect(th_is_problem(r, 400), "csv %s: %ld", bad[i][0], r->status);
    th_free(r);
  }
}

Test(impact_api, the_page_in_both_languages_without_personal_data, .init = setup)
{
  char code[CODE_CAP];
  device(code, "laptop-medium");
  repair(code, "fixed");
  static const char *const langs[][2] = {{"fr", "Ce que le repair café évite"},
                                         {"en", "What the repair café avoids"}};
  for (size_t i = 0; i < 2; i++) {
    char path[32];
    snprintf(path, sizeof path, "/impact?lang=%s", langs[i][0]);
    struct th_resp *r = th_req("GET", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    cr_expect(strstr(r->body, langs[i][1]) != NULL);
    cr_expect(strstr(r->body, "<svg") != NULL && strstr(r->body, "<title") != NULL &&
              strstr(r->body, "<desc") != NULL);
    cr_expect(strstr(r->body, "Restart Project") != NULL);
    cr_expect(strstr(r->body, "/opendata/impact.csv") != NULL);
    cr_expect(strstr(r->body, "<script") == NULL);
    cr_expect(strstr(r->body, "Aurore") == NULL && strstr(r->body, code) == NULL);
    th_free(r);
  }
}

/* Two transactions fix two devices in opposite orders, and their commits
 * (where the rollup triggers run) meet: a third transaction holds the
 * saves table meanwhile, so both are counting at once when it lets go.
 * With a lock per device taken in each transaction's own order, one of
 * them was killed as a deadlock; with one lock order neither is. */
Test(impact_api, two_devices_fixed_in_opposite_orders_do_not_deadlock, .init = setup)
{
  char a[CODE_CAP], b[CODE_CAP];
  device(a, "laptop-medium");
  device(b, "laptop-medium");
  long a1 = repair(a, "repairable"), a2 = repair(a, "repairable");
  long b1 = repair(b, "repairable"), b2 = repair(b, "repairable");
  pid_t gate = th_sql_background("BEGIN; LOCK TABLE impact_saves IN EXCLUSIVE MODE;"
                                 " SELECT pg_sleep(1.5); COMMIT;");
  for (int i = 0; i < 100; i++) {
    const char *n = th_sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                           " WHERE c.relname = 'impact_saves' AND l.mode = 'ExclusiveLock'"
                           " AND l.granted");
    if (n && strcmp(n, "1") == 0)
      break;
    nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
  char q1[256], q2[256];
  snprintf(q1, sizeof q1,
           "BEGIN; UPDATE repairs SET outcome = 'fixed' WHERE id = %ld;"
           " UPDATE repairs SET outcome = 'fixed' WHERE id = %ld; COMMIT;",
           a1, b1);
  snprintf(q2, sizeof q2,
           "BEGIN; UPDATE repairs SET outcome = 'fixed' WHERE id = %ld;"
           " UPDATE repairs SET outcome = 'fixed' WHERE id = %ld; COMMIT;",
           b2, a2);
  pid_t t1 = th_sql_background(q1), t2 = th_sql_background(q2);
  cr_expect_eq(th_sql_wait(t1), 0, "the first transaction committed (no deadlock)");
  cr_expect_eq(th_sql_wait(t2), 0, "the second transaction committed (no deadlock)");
  cr_assert_eq(th_sql_wait(gate), 0);
  cr_expect_eq(ds_count("SELECT count(*) FROM repairs WHERE id IN (%ld, %ld, %ld, %ld)"
                        " AND outcome = 'fixed'",
                        a1, a2, b1, b2),
               4);
  cr_expect_eq(ds_count("SELECT sum(saved) FROM impact_rollup r JOIN sites s ON s.id = r.site_id"
                        " WHERE s.slug = '%s'",
                        g_site),
               2, "both devices saved, once each");
  cr_expect_eq(ds_count("SELECT sum(repairs_fixed) FROM impact_rollup r JOIN sites s"
                        " ON s.id = r.site_id WHERE s.slug = '%s'",
                        g_site),
               4);
}

/* A reload of the reference data that changes a category's weight is
 * followed by the recount in the same transaction: the saved device's
 * waste follows the new weight, and the rebuild finds nothing to correct
 * for it. (A category no other test uses; put back afterwards.) */
Test(impact_api, a_category_weight_reload_recounts_the_figures, .init = setup)
{
  char code[CODE_CAP];
  device(code, "sewing-machine");
  repair(code, "fixed");
  const char *sum = "SELECT coalesce(sum(waste_kg), 0)::text FROM impact_rollup r JOIN sites s"
                    " ON s.id = r.site_id WHERE s.slug = '%s'";
  cr_assert_str_eq(ds_sql(sum, g_site), "8.600");
  cr_assert_not_null(
      ds_sql("BEGIN; UPDATE categories SET weight_kg = 9.1 WHERE slug = 'sewing-machine';"
             " UPDATE categories SET co2e_kg = co2e_kg WHERE slug = 'toy'; COMMIT"));
  const char *after = ds_sql(sum, g_site);
  cr_expect(after && strcmp(after, "9.100") == 0, "the waste follows the new weight: %s",
            after ? after : "NULL");
  cr_assert_not_null(ds_sql("UPDATE categories SET weight_kg = 8.6 WHERE slug = 'sewing-machine'"));
  after = ds_sql(sum, g_site);
  cr_expect(after && strcmp(after, "8.600") == 0, "and back: %s", after ? after : "NULL");
}

/* The rendered slices are kept per process; a committed change is never
 * answered with the bytes kept from before it: a new repair, a device
 * edited through the API, the rollup written by SQL, in JSON and CSV. */
Test(impact_api, a_kept_slice_is_never_served_after_a_change, .init = setup)
{
  char code[CODE_CAP];
  device(code, "laptop-medium");
  repair(code, "fixed");
  is_date(code, 9, 2);
  struct th_resp *r = is_get("from=%04d-09&to=%04d-09&site=%s&group_by=month,site"
                             "&factor_version=" IS_SET,
                             is_year(), is_year(), g_site);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_expect_eq(is_sum(r, "devices_saved", g_site, NULL), 1);
  cr_expect(fabs(is_sum(r, "waste_kg", g_site, NULL) - 1.83) < 1e-9, "%s", r->body);
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  th_free(r);
  /* Read again: the same bytes (from the cache). */
  r = is_get("from=%04d-09&to=%04d-09&site=%s&group_by=month,site&factor_version=" IS_SET,
             is_year(), is_year(), g_site);
  cr_expect_str_eq(th_header(r, "ETag"), etag);
  th_free(r);

  /* The device's measured weight, through the API: the waste follows. */
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  struct th_resp *p = th_req("PATCH", path, ds_vol(), "{\"weight_kg\":2.5}", NULL);
  cr_assert_eq(p->status, 200, "%ld %s", p->status, p->body);
  th_free(p);
  r = is_get("from=%04d-09&to=%04d-09&site=%s&group_by=month,site&factor_version=" IS_SET,
             is_year(), is_year(), g_site);
  cr_expect(fabs(is_sum(r, "waste_kg", g_site, NULL) - 2.5) < 1e-9, "new figures: %s", r->body);
  cr_expect_str_neq(th_header(r, "ETag"), etag);
  th_free(r);

  /* A second device saved; the CSV of the slice, read before and after. */
  char path_csv[256];
  snprintf(path_csv, sizeof path_csv,
           "/opendata/impact.csv?from=%04d-09&to=%04d-09&site=%s&factor_version=" IS_SET, is_year(),
           is_year(), g_site);
  r = th_req("GET", path_csv, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_expect(strstr(r->body, ",1,1,0,0,0,1,2.5,") != NULL, "%s", r->body);
  th_free(r);
  char other[CODE_CAP];
  device(other, "laptop-medium");
  repair(other, "fixed");
  is_date(other, 9, 4);
  r = th_req("GET", path_csv, NULL, NULL, NULL);
  cr_expect(strstr(r->body, ",2,2,0,0,0,2,4.33,") != NULL, "new figures: %s", r->body);
  th_free(r);

  /* The rollup written by SQL (an operator, a rebuild) counts as a change. */
  cr_assert_not_null(ds_sql("UPDATE impact_rollup SET loans_started = loans_started + 7"
                            " WHERE site_id = (SELECT id FROM sites WHERE slug = '%s')",
                            g_site));
  r = is_get("from=%04d-09&to=%04d-09&site=%s&group_by=month,site&factor_version=" IS_SET,
             is_year(), is_year(), g_site);
  cr_expect_eq(is_sum(r, "loans_started", g_site, NULL), 7, "%s", r->body);
  th_free(r);
  cr_assert_not_null(ds_sql("UPDATE impact_rollup SET loans_started = loans_started - 7"
                            " WHERE site_id = (SELECT id FROM sites WHERE slug = '%s')",
                            g_site));
}

/* HEAD on the figures: the GET's headers, no body. */
Test(impact_api, head_gives_the_headers_of_get, .init = setup)
{
  static const char *const paths[] = {"/opendata/impact.json?group_by=month,category",
                                      "/opendata/impact.csv", "/opendata/factors"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    struct th_resp *g = th_req("GET", paths[i], NULL, NULL, NULL);
    cr_assert_eq(g->status, 200, "%s: %s", paths[i], g->body);
    char type[128], etag[64], len[32];
    snprintf(type, sizeof type, "%s", th_header(g, "Content-Type"));
    snprintf(etag, sizeof etag, "%s", th_header(g, "ETag"));
    snprintf(len, sizeof len, "%zu", g->len);
    th_free(g);
    struct th_resp *h = th_req("HEAD", paths[i], NULL, NULL, NULL);
    cr_expect_eq(h->status, 200, "HEAD %s: %ld", paths[i], h->status);
    cr_expect_eq(h->len, 0, "HEAD %s has no body", paths[i]);
    cr_expect_str_eq(th_header(h, "Content-Type"), type, "%s", paths[i]);
    cr_expect_str_eq(th_header(h, "ETag"), etag, "%s", paths[i]);
    cr_expect_str_eq(th_header(h, "Content-Length"), len, "%s", paths[i]);
    cr_expect_str_eq(th_header(h, "Access-Control-Allow-Origin"), "*", "%s", paths[i]);
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *hdr[] = {inm, NULL};
    th_free(h);
    h = th_req("HEAD", paths[i], NULL, NULL, hdr);
    cr_expect_eq(h->status, 304, "HEAD %s with its ETag", paths[i]);
    th_free(h);
  }
}
