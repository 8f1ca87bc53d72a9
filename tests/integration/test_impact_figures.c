/* The open-data figures against the known answers: a fixed medium
 * laptop (1.83 kg, 132.66 kg CO2e), a fixed Misc item with a measured
 * weight, a donated device saved by its first loan, one repaired twice
 * (counted once), one end of life, one recycled, one harvested, across two
 * months and two sites; every grouping gives the same totals, and the
 * rebuild finds nothing to correct. Hand computation, factor set
 * restart-2021-d0.5 (displacement 0.5, Misc powered 32.06679233):
 *   site A, March: laptop fixed (1.83 kg, 132.66), Misc 2.5 kg fixed
 *     (2.5 kg, 2.5 × 32.06679233 × 0.5 = 40.0835), desktop end of life,
 *     desktop recycled (6.69 kg);
 *   site B, April: donated laptop lent (1.83 kg, 132.66), desktop fixed
 *     twice (6.69 kg, 414.17 × 0.5 = 207.085), donated desktop harvested
 *     with 2 parts. */
#include <criterion/criterion.h>

#include "tests/integration/impact_support.h"
#include "tests/integration/loan_support.h"

#define OWNER "Gisèle Personne-Témoin"

static char site_a[96], site_b[96];

static void device(char *code, const char *kind, const char *category, const char *site,
                   const char *more)
{
  struct th_resp *r = ds_post("{\"kind\":\"%s\",\"category\":\"%s\",\"site\":\"%s\","
                              "\"brand\":\"Acme\"%s%s}",
                              kind, category, site, more ? "," : "", more ? more : "");
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static long repair(const char *code, const char *outcome)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r = th_reqf(
      "POST", path, ds_vol(), "{\"outcome\":\"%s\"%s}", outcome,
      strcmp(outcome, "end_of_life") == 0 ? ",\"barrier\":\"spare_parts_not_available\"" : "");
  cr_assert_eq(r->status, 201, "repair: %ld %s", r->status, r->body);
  long id = (long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

static void move(const char *code, const char *to)
{
  const char *path[] = {to, NULL};
  ds_drive(code, path);
}

static void scenario(void)
{
  ds_site(site_a, sizeof site_a, 1);
  ds_site(site_b, sizeof site_b, 1);
  char c[7][CODE_CAP], member[NUMBER_CAP];
  const char *owner = ",\"owner\":{\"name\":\"" OWNER "\",\"phone\":\"06 12 34 56 78\"}";
  device(c[0], "repair", "laptop-medium", site_a, owner + 1);
  repair(c[0], "fixed");
  device(c[1], "repair", "misc", site_a, "\"weight_kg\":2.5");
  repair(c[1], "fixed");
  device(c[2], "repair", "desktop-computer", site_a, NULL);
  repair(c[2], "end_of_life");
  device(c[3], "donation", "desktop-computer", site_a, NULL);
  move(c[3], "recycled");
  for (int i = 0; i < 4; i++)
    is_date(c[i], 3, 15);

  ls_device(c[4], "laptop-medium", site_b);
  ls_member(member, -1);
  ls_lend_ok(c[4], member, "");
  device(c[5], "repair", "desktop-computer", site_b, NULL);
  repair(c[5], "fixed");
  repair(c[5], "fixed");
  device(c[6], "donation", "desktop-computer", site_b, NULL);
  char sku[48];
  snprintf(sku, sizeof sku, "%s", th_unique("IMP-"));
  struct th_resp *r =
      th_reqf("POST", "/api/v1/parts", ds_admin(), "{\"sku\":\"%s\",\"name\":\"Fan\"}", sku);
  cr_assert_eq(r->status, 201, "part: %ld %s", r->status, r->body);
  th_free(r);
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s/harvest", c[6]);
  r = th_reqf("POST", path, ds_vol(), "{\"parts\":[{\"sku\":\"%s\",\"quantity\":2}]}", sku);
  cr_assert(r->status == 200 || r->status == 201, "harvest: %ld %s", r->status, r->body);
  th_free(r);
  for (int i = 4; i < 7; i++)
    is_date(c[i], 4, 15);
}

struct expect {
  const char *figure;
  double a, b; /* site A, site B */
};
static const struct expect expected[] = {
    {"devices_seen", 4, 3},         {"repairs_fixed", 2, 2},        {"repairs_end_of_life", 1, 0},
    {"repairs_repairable", 0, 0},   {"devices_saved", 2, 2},        {"waste_kg", 4.33, 8.52},
    {"co2e_kg", 172.7435, 339.745}, {"saved_without_weight", 0, 0}, {"devices_recycled", 1, 0},
    {"recycled_kg", 6.69, 0},       {"devices_harvested", 0, 1},    {"parts_recovered", 0, 2},
    {"loans_started", 0, 1},
};

static void check(const char *group, int by_site_filter)
{
  char window[64];
  snprintf(window, sizeof window, "from=%04d-01&to=%04d-12", is_year(), is_year());
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
    const struct expect *e = &expected[i];
    double a, b;
    if (by_site_filter) {
      struct th_resp *ra =
          is_get("%s&group_by=%s&site=%s&factor_version=" IS_SET, window, group, site_a);
      struct th_resp *rb =
          is_get("%s&group_by=%s&site=%s&factor_version=" IS_SET, window, group, site_b);
      cr_assert_eq(ra->status, 200, "%s", ra->body);
      a = is_sum(ra, e->figure, site_a, NULL);
      b = is_sum(rb, e->figure, site_b, NULL);
      th_free(ra);
      th_free(rb);
    } else {
      struct th_resp *r = is_get("%s&group_by=%s&factor_version=" IS_SET, window, group);
      cr_assert_eq(r->status, 200, "%s", r->body);
      a = is_sum(r, e->figure, site_a, NULL);
      b = is_sum(r, e->figure, site_b, NULL);
      th_free(r);
    }
    cr_expect(fabs(a - e->a) < 0.002, "%s by %s, site A: %g, expected %g", e->figure, group, a,
              e->a);
    cr_expect(fabs(b - e->b) < 0.002, "%s by %s, site B: %g, expected %g", e->figure, group, b,
              e->b);
  }
}

Test(impact_figures, known_answers_in_every_grouping_and_the_rebuild_agrees)
{
  scenario();
  static const char *const with_site[] = {"site", "month,site", "site,category",
                                          "month,category,site"};
  static const char *const without_site[] = {"month", "category", "month,category"};
  for (size_t i = 0; i < sizeof with_site / sizeof with_site[0]; i++)
    check(with_site[i], 0);
  for (size_t i = 0; i < sizeof without_site / sizeof without_site[0]; i++)
    check(without_site[i], 1);

  /* The months: A's in March, B's in April; the laptop is 132.66 kg CO2e. */
  struct th_resp *r = is_get("from=%04d-03&to=%04d-03&site=%s&category=laptop-medium"
                             "&factor_version=" IS_SET,
                             is_year(), is_year(), site_a);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *rows = json_object_get(r->json, "rows");
  cr_assert_eq(json_array_size(rows), 1, "%s", r->body);
  json_t *row = json_array_get(rows, 0);
  char month[8];
  snprintf(month, sizeof month, "%04d-03", is_year());
  cr_expect_str_eq(json_string_value(json_object_get(row, "month")), month);
  cr_expect(fabs(json_number_value(json_object_get(row, "co2e_kg")) - 132.66) < 1e-9, "%s",
            r->body);
  cr_expect(fabs(json_number_value(json_object_get(row, "waste_kg")) - 1.83) < 1e-9, "%s", r->body);
  cr_expect_str_eq(json_string_value(json_object_get(row, "factor_version")), IS_SET);
  cr_expect_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");
  cr_expect(strstr(r->body, OWNER) == NULL && strstr(r->body, "06 12") == NULL);
  th_free(r);
  r = is_get("from=%04d-04&to=%04d-04&site=%s", is_year(), is_year(), site_a);
  cr_expect_eq(json_array_size(json_object_get(r->json, "rows")), 0, "%s", r->body);
  th_free(r);

  char out[8192];
  int st = is_rebuild(out, sizeof out);
  cr_expect_eq(st, 0, "rebuild exit %d: %s", st, out);
  /* A rollup put wrong is found, corrected, and then right again. */
  cr_assert_not_null(ds_sql("UPDATE impact_rollup SET saved = saved + 1 WHERE site_id ="
                            " (SELECT id FROM sites WHERE slug = '%s')",
                            site_a));
  st = is_rebuild(out, sizeof out);
  cr_expect_eq(st, 1, "rebuild exit %d: %s", st, out);
  cr_expect(strstr(out, "rollup") != NULL, "%s", out);
  st = is_rebuild(out, sizeof out);
  cr_expect_eq(st, 0, "rebuild exit %d: %s", st, out);
  check("site", 0);
}
