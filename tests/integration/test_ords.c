/* Open data over HTTP: the ORDS export of repair attempts (header, rows a
 * strict CSV reader accepts, ORDS values, personal data scrubbed from the
 * whole file, date and site filters, 304, CORS, bad queries) and the DCAT
 * catalogue read by rdflib in both formats, with the ORDS download URL it
 * gives answering. The checks a consumer makes run in Python
 * (tests/tools/), as a consumer would run them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#define OWNER_NAME "Hortense Vasseur"
#define OWNER_EMAIL "hortense.vasseur@example.fr"
#define OWNER_PHONE "07 81 22 33 44"

static char g_site[96];

/* A resident's laptop on g_site, fixed in a March 2025 session, its
 * problem naming its owner, number and address; a donated kettle, end of
 * life at the desk today, a number in its problem. */
static void seed(void)
{
  ds_site(g_site, sizeof g_site, 1);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop-medium\",\"site\":\"%s\","
                              "\"brand\":\"Dell, Inc.\","
                              "\"year_of_manufacture\":2019,\"owner\":{\"name\":\"" OWNER_NAME
                              "\",\"email\":\"" OWNER_EMAIL "\",\"phone\":\"" OWNER_PHONE "\"}}",
                              g_site);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", th_str(r, "code"));
  th_free(r);
  r = th_reqf("POST", "/api/v1/sessions", ds_vol(),
              "{\"site\":\"%s\",\"starts_at\":\"2025-03-08T09:00:00Z\","
              "\"ends_at\":\"2025-03-08T12:00:00Z\"}",
              g_site);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long sid = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  r = th_reqf("POST", path, ds_vol(),
              "{\"session_id\":%lld,\"outcome\":\"fixed\",\"problem\":\"rappeler Mme Vasseur au "
              "06 12 34 56 78 ou " OWNER_EMAIL ", Hortense attend; écran \\\"noir\\\", ventilo\"}",
              sid);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
  r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\","
              "\"brand\":\"Seb\"}",
              g_site);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", th_str(r, "code"));
  th_free(r);
  r = th_req("POST", path, ds_vol(),
             "{\"outcome\":\"end_of_life\",\"barrier\":\"lack_of_equipment\",\"problem\":"
             "\"carte mère HS, tel " OWNER_PHONE "\"}",
             NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
}

TestSuite(ords, .init = seed, .timeout = 120);

/* Runs tests/tools/<tool> args on body; returns its output (caller frees)
 * and its exit status in *status. */
static char *run_tool(const char *tool, const char *args, const char *body, size_t len, int *status)
{
  char in[] = "/tmp/rl-ords-XXXXXX";
  int fd = mkstemp(in);
  cr_assert(fd >= 0);
  cr_assert_eq(write(fd, body, len), (ssize_t)len);
  close(fd);
  char cmd[1024];
  const char *root = getenv("RL_TEST_ROOT");
  snprintf(cmd, sizeof cmd, "%s/tests/tools/%s %s < %s 2>&1", root ? root : ".", tool, args, in);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  size_t got;
  while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (cap - n < 2)
      out = realloc(out, cap *= 2);
  }
  out[n] = '\0';
  *status = pclose(p);
  unlink(in);
  return out;
}

static struct th_resp *get(const char *path, const char *const *extra)
{
  return th_req("GET", path, NULL, NULL, extra);
}

static struct th_resp *site_export(const char *query)
{
  char path[256];
  snprintf(path, sizeof path, "/opendata/ords.csv?site=%s%s", g_site, query);
  return get(path, NULL);
}

/* How many data rows the checker read (it fails the test on bad CSV). */
static int checked_rows(const struct th_resp *r, char **report)
{
  int status;
  char *out = run_tool("ords_check.py", "", r->body, r->len, &status);
  cr_assert_eq(status, 0, "the CSV is not valid ORDS: %s", out);
  int rows = -1;
  sscanf(out, "rows %d", &rows);
  if (report)
    *report = out;
  else
    free(out);
  return rows;
}

Test(ords, export_is_ords_csv_with_the_public_headers)
{
  struct th_resp *r = site_export("");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Type"), "text/csv; charset=utf-8");
  cr_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
  cr_assert_not_null(strstr(th_header(r, "Cache-Control"), "public, max-age="));
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_not_null(strstr(th_header(r, "Last-Modified"), " GMT"));
  cr_assert_not_null(strstr(th_header(r, "Content-Disposition"), "filename="));
  const char *header =
      "id,data_provider,country,partner_product_category,product_category,product_category_id,"
      "brand,year_of_manufacture,product_age,repair_status,repair_barrier_if_end_of_life,"
      "group_identifier,event_date,problem\r\n";
  cr_assert_eq(strncmp(r->body, header, strlen(header)), 0, "header: %.300s", r->body);
  char *report;
  cr_assert_eq(checked_rows(r, &report), 2, "%s", report);
  /* ORDS words, our category as the partner's, age from the event year */
  cr_assert_not_null(strstr(report, "\"repair_status\": \"Fixed\""), "%s", report);
  cr_assert_not_null(strstr(report, "\"repair_barrier_if_end_of_life\": \"Lack of equipment\""));
  cr_assert_not_null(strstr(report, "\"partner_product_category\": \"Laptop medium\""));
  cr_assert_not_null(strstr(report, "\"product_category\": \"Laptop\", \"product_category_id\": "
                                    "\"16\", \"brand\": \"Dell, Inc.\""));
  cr_assert_not_null(strstr(report, "\"product_age\": \"6.0\""), "%s", report);
  cr_assert_not_null(strstr(report, "\"event_date\": \"2025-03-08\""));
  char group[160];
  snprintf(group, sizeof group, "\"group_identifier\": \"repairledger-%s\"", g_site);
  cr_assert_not_null(strstr(report, group), "%s", report);
  cr_assert_not_null(strstr(report, "écran \\\"noir\\\", ventilo"), "%s", report);
  free(report);
  th_free(r);
}

Test(ords, personal_data_is_absent_from_the_whole_file)
{
  struct th_resp *r = get("/opendata/ords.csv", NULL);
  cr_assert_eq(r->status, 200);
  const char *values[] = {"Vasseur",        "Hortense",       OWNER_EMAIL, OWNER_PHONE,
                          "06 12 34 56 78", "07 81 22 33 44", "0781223344"};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert_null(strstr(r->body, values[i]), "%s is in the export", values[i]);
  th_free(r);
  r = site_export("");
  cr_assert_not_null(strstr(r->body, "rappeler [name] au [phone] ou [email], [name] attend"), "%s",
                     r->body);
  cr_assert_not_null(strstr(r->body, "carte mère HS, tel [phone]"), "%s", r->body);
  th_free(r);
}

Test(ords, date_filters_are_local_days_both_included)
{
  struct th_resp *r = site_export("&from=2025-03-08&to=2025-03-08");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(checked_rows(r, NULL), 1);
  cr_assert_not_null(strstr(r->body, ",2025-03-08,"));
  th_free(r);
  r = site_export("&from=2025-03-09&to=2025-12-31");
  cr_assert_eq(checked_rows(r, NULL), 0);
  th_free(r);
  r = site_export("&to=2025-03-07");
  cr_assert_eq(checked_rows(r, NULL), 0);
  th_free(r);
  r = site_export("&from=2025-01-01");
  cr_assert_eq(checked_rows(r, NULL), 2);
  th_free(r);
}

/* Asks again with the validator the last reply gave (header name for the
 * request, the reply's header it comes from); other tests write to the
 * same database meanwhile, so a 200 (a change in between) is asked again,
 * a few times. Returns the last status. */
static long revalidate(const char *path, const char *ask, const char *from)
{
  long status = 0;
  for (int attempt = 0; attempt < 10 && status != 304; attempt++) {
    struct th_resp *r = get(path, NULL);
    char h[200], etag[128];
    snprintf(h, sizeof h, "%s: %s", ask, th_header(r, from));
    snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
    th_free(r);
    const char *extra[] = {h, NULL};
    r = get(path, extra);
    status = r->status;
    if (status == 304) {
      cr_assert_eq(r->len, 0);
      /* the current ETag: after If-Modified-Since (one-second dates) a
       * change in the same second may have made a new one */
      if (strcmp(ask, "If-None-Match") == 0)
        cr_assert_str_eq(th_header(r, "ETag"), etag);
      cr_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
      cr_assert_not_null(th_header(r, "Last-Modified"));
    }
    th_free(r);
  }
  return status;
}

Test(ords, a_current_copy_gets_304_without_a_body)
{
  char path[160];
  snprintf(path, sizeof path, "/opendata/ords.csv?site=%s", g_site);
  cr_assert_eq(revalidate(path, "If-None-Match", "ETag"), 304);
  cr_assert_eq(revalidate(path, "If-Modified-Since", "Last-Modified"), 304);
  const char *stale[] = {"If-None-Match: \"ords-0-0-0\"", NULL};
  struct th_resp *r = get(path, stale);
  cr_assert_eq(r->status, 200);
  th_free(r);
  const char *old[] = {"If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT", NULL};
  r = get(path, old);
  cr_assert_eq(r->status, 200);
  th_free(r);
}

Test(ords, bad_queries_are_400_problems)
{
  const char *bad[] = {"from=2025-13-01",
                       "from=1999-12-31",
                       "to=2101-01-01",
                       "from=2025-04-01&to=2025-03-01",
                       "site=Not%20A%20Slug",
                       "format=xlsx",
                       "from=2025-01-01&from=2025-02-01",
                       "from='%20OR%201=1--"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[160];
    snprintf(path, sizeof path, "/opendata/ords.csv?%s", bad[i]);
    struct th_resp *r = get(path, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i], r->status, r->body);
    th_free(r);
  }
}

/* The catalogue in a format, checked by rdflib; returns the checker's
 * report (caller frees). */
static char *catalog_report(const char *path, const char *accept, const char *type,
                            const char *rdf_format)
{
  char h[96];
  snprintf(h, sizeof h, "Accept: %s", accept);
  const char *extra[] = {h, NULL};
  struct th_resp *r = get(path, accept ? extra : NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Type"), type);
  cr_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_not_null(strstr(th_header(r, "Vary"), "Accept"));
  int status;
  char *out = run_tool("dcat_check.py", rdf_format, r->body, r->len, &status);
  cr_assert_eq(status, 0, "%s does not read as DCAT: %s", path, out);
  cr_assert_eq(strncmp(out, "datasets 2\n", 11), 0, "%s", out);
  th_free(r);
  return out;
}

Test(ords, catalogue_reads_as_dcat_in_both_formats)
{
  char *ld = catalog_report("/opendata/catalog", NULL, "application/ld+json", "json-ld");
  char *ttl =
      catalog_report("/opendata/catalog", "text/turtle", "text/turtle; charset=utf-8", "turtle");
  char *ld2 = catalog_report("/opendata/catalog.jsonld", NULL, "application/ld+json", "json-ld");
  char *ttl2 =
      catalog_report("/opendata/catalog.ttl", NULL, "text/turtle; charset=utf-8", "turtle");
  /* Both formats say the same distributions */
  cr_assert_str_eq(ld, ttl);
  cr_assert_str_eq(ld, ld2);
  cr_assert_str_eq(ttl, ttl2);
  const char *media = "https://www.iana.org/assignments/media-types/";
  char want[512];
  snprintf(want, sizeof want,
           "#ords\t%s/opendata/ords.csv\t%stext/csv\t"
           "https://creativecommons.org/licenses/by-sa/4.0/",
           th_url(), media);
  cr_assert_not_null(strstr(ld, want), "%s", ld);
  snprintf(want, sizeof want,
           "#impact\t%s/opendata/impact.json\t%sapplication/json\t"
           "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
           th_url(), media);
  cr_assert_not_null(strstr(ld, want), "%s", ld);
  snprintf(want, sizeof want, "#impact\t%s/opendata/impact.csv\t%stext/csv", th_url(), media);
  cr_assert_not_null(strstr(ld, want), "%s", ld);
  cr_assert_not_null(strstr(ld, "credit\tCategory weights and CO2e footprints: The Restart"));
  free(ld);
  free(ttl);
  free(ld2);
  free(ttl2);
}

/* Every distribution of the catalogue, of both datasets, answers 200 at its
 * download URL with the media type the catalogue states. */
Test(ords, catalogue_downloads_answer_with_their_media_types)
{
  char *ld = catalog_report("/opendata/catalog.ttl", NULL, "text/turtle; charset=utf-8", "turtle");
  const char *prefix = "https://www.iana.org/assignments/media-types/";
  size_t base = strlen(th_url());
  int seen = 0;
  char *save = NULL;
  for (char *line = strtok_r(ld, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* "dataset<TAB>downloadURL<TAB>mediaType<TAB>licence" */
    char dataset[512], url[512], media[256];
    if (sscanf(line, "%511s %511s %255s", dataset, url, media) != 3 ||
        strchr(dataset, '#') == NULL || strncmp(url, th_url(), base) != 0)
      continue;
    struct th_resp *r = get(url + base, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld", url, r->status);
    cr_assert_eq(strncmp(media, prefix, strlen(prefix)), 0, "%s", media);
    const char *type = th_header(r, "Content-Type");
    cr_assert(type && strncmp(type, media + strlen(prefix), strlen(media + strlen(prefix))) == 0,
              "%s answered %s, the catalogue says %s", url, type ? type : "nothing", media);
    th_free(r);
    seen++;
  }
  cr_assert_geq(seen, 3, "the ORDS CSV and the impact JSON and CSV: %d", seen);
  free(ld);
}

Test(ords, catalogue_refuses_formats_it_has_not)
{
  const char *extra[] = {"Accept: image/png", NULL};
  struct th_resp *r = get("/opendata/catalog", extra);
  cr_assert(th_is_problem(r, 406), "%ld %s", r->status, r->body);
  th_free(r);
  const char *q[] = {"Accept: application/ld+json;q=0.5, text/turtle;q=0.9", NULL};
  r = get("/opendata/catalog", q);
  cr_assert_str_eq(th_header(r, "Content-Type"), "text/turtle; charset=utf-8");
  char inm[160];
  snprintf(inm, sizeof inm, "If-None-Match: %s", th_header(r, "ETag"));
  th_free(r);
  const char *again[] = {q[0], inm, NULL};
  r = get("/opendata/catalog", again);
  cr_assert_eq(r->status, 304);
  th_free(r);
  /* Each entry's own q, whatever the order and the spelling. */
  const char *lower[] = {"Accept: text/turtle; q=0.1, application/ld+json;q=0.5", NULL};
  r = get("/opendata/catalog", lower);
  cr_assert_str_eq(th_header(r, "Content-Type"), "application/ld+json");
  th_free(r);
  const char *upper[] = {"Accept: application/ld+json;Q=0.2, text/turtle", NULL};
  r = get("/opendata/catalog", upper);
  cr_assert_str_eq(th_header(r, "Content-Type"), "text/turtle; charset=utf-8");
  th_free(r);
}
