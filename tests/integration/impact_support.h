/* Helpers of the open-data figure tests: a year of their own (other tests
 * write today's months), dates set through the database, slices read over
 * HTTP, and `repaird impact rebuild` run as an operator would. */
#ifndef RL_TESTS_IMPACT_SUPPORT_H
#define RL_TESTS_IMPACT_SUPPORT_H

#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/device_support.h"

#define IS_SET "restart-2021-d0.5"

/* A year no other test writes in (tests run in parallel on one database,
 * and a database may be reused): assertions also filter by own sites. */
static inline int is_year(void) { return 2001 + (int)(getpid() % 150); }

/* The device's id, from its code. */
static inline long is_device_id(const char *code)
{
  return ds_count("SELECT id FROM devices WHERE code = '%s'", code);
}

/* Puts a device's intake, repairs, moves, loans and harvests on a day of
 * this month of is_year(), as if done then. */
static inline void is_date(const char *code, int month, int day)
{
  char at[40];
  snprintf(at, sizeof at, "%04d-%02d-%02d 12:00:00+00", is_year(), month, day);
  long id = is_device_id(code);
  cr_assert(id > 0, "device %s", code);
  cr_assert_not_null(
      ds_sql("BEGIN; UPDATE devices SET received_at = '%s' WHERE id = %ld;"
             " UPDATE repairs SET created_at = '%s'::timestamptz + id * interval '1 s'"
             " WHERE device_id = %ld;"
             " UPDATE device_events SET at = '%s' WHERE device_id = %ld;"
             " UPDATE loans SET started_at = '%s' WHERE device_id = %ld;"
             " UPDATE part_movements SET at = '%s' WHERE device_id = %ld; COMMIT",
             at, id, at, id, at, id, at, id, at, id));
}

/* GET /opendata/impact.json with this query (no leading '?'). */
static inline struct th_resp *is_get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline struct th_resp *is_get(const char *fmt, ...)
{
  char q[512], path[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "/opendata/impact.json?%s", q);
  return th_req("GET", path, NULL, NULL, NULL);
}

/* The sum of one figure over the rows of a reply whose `site` (when the
 * rows have one) is site_a or site_b. */
static inline double is_sum(const struct th_resp *r, const char *figure, const char *site_a,
                            const char *site_b)
{
  double s = 0;
  size_t i;
  json_t *row;
  json_array_foreach(json_object_get(r->json, "rows"), i, row) {
    const char *site = json_string_value(json_object_get(row, "site"));
    if (site && strcmp(site, site_a) != 0 && (site_b == NULL || strcmp(site, site_b) != 0))
      continue;
    s += json_number_value(json_object_get(row, figure));
  }
  return s;
}

/* Runs `repaird impact rebuild` on the test database; its exit status.
 * Its output goes to out (cap bytes). */
static inline int is_rebuild(char *out, size_t cap)
{
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' '%s' impact rebuild 2>&1",
           getenv("RL_TEST_DATABASE_URL"), getenv("RL_TEST_BIN"));
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
