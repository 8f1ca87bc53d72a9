/* The ORDS export's queries (core/store/store_ords.h). A repair's event is
 * its session's start when it was made in a session, else its creation;
 * its site is the session's, else the device's. */
#include "core/store/store_ords.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define STAMP_SQL                                                                                  \
  "SELECT (SELECT count(*) FROM repairs) AS n, (extract(epoch FROM coalesce(greatest("             \
  "(SELECT max(updated_at) FROM repairs), (SELECT max(updated_at) FROM devices),"                  \
  " (SELECT max(updated_at) FROM repair_sessions), (SELECT max(updated_at) FROM sites),"           \
  " (SELECT max(updated_at) FROM device_owners), (SELECT max(updated_at) FROM categories)),"       \
  " 'epoch')) * 1000000)::bigint AS modified_us"

#define EVENT_AT "coalesce(rs.starts_at, r.created_at)"

const struct store_stmt store_ords_stmts[] = {
    {"ords_stamp", STAMP_SQL, STORE_RETRY_SAFE},
    {"ords_coverage",
     "SELECT to_char(min(" EVENT_AT ") AT TIME ZONE $1, 'YYYY-MM-DD') AS first,"
     " to_char(max(" EVENT_AT ") AT TIME ZONE $1, 'YYYY-MM-DD') AS last"
     " FROM repairs r LEFT JOIN repair_sessions rs ON rs.id = r.session_id",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

/* $1 time zone, $2 from, $3 to, $4 site slug. No ORDER BY: sorting a
 * million wide rows costs the export a third of its time, and each row
 * carries its id; rows come in storage order, which is insertion order
 * until rows are updated. */
static const char export_sql[] =
    "SELECT r.id, s.slug AS site, c.name_en AS category_name, c.ords_name, c.ords_id, d.brand,"
    " d.year_of_manufacture, r.outcome, r.barrier,"
    " to_char(" EVENT_AT " AT TIME ZONE $1, 'YYYY-MM-DD') AS event_date,"
    /* A resident's device whose owner is not on file (never given, or
     * erased) has no name to scrub its text of: its problem is left out
     * rather than published with a name the scrub cannot know. */
    " CASE WHEN d.kind = 'repair' AND o.device_id IS NULL THEN NULL"
    " ELSE coalesce(r.problem, d.problem) END AS problem,"
    " o.name AS owner_name, o.email AS owner_email, o.phone AS owner_phone"
    " FROM repairs r JOIN devices d ON d.id = r.device_id"
    " LEFT JOIN repair_sessions rs ON rs.id = r.session_id"
    " JOIN sites s ON s.id = coalesce(rs.site_id, d.site_id)"
    " JOIN categories c ON c.slug = d.category"
    " LEFT JOIN device_owners o ON o.device_id = d.id"
    " WHERE ($2::date IS NULL OR " EVENT_AT " >= $2::date::timestamp AT TIME ZONE $1)"
    " AND ($3::date IS NULL OR " EVENT_AT " < ($3::date + 1)::timestamp AT TIME ZONE $1)"
    " AND ($4::text IS NULL OR s.slug = $4)";

static int read_stamp(struct store_ords_stamp *out, const PGresult *r)
{
  static const char *const names[] = {"n", "modified_us"};
  int c[2];
  store_cols(r, names, c, 2);
  const char *n = store_value(r, 0, c[0]), *m = store_value(r, 0, c[1]);
  if (PQntuples(r) != 1 || n == NULL || m == NULL)
    return RL_EDB;
  out->count = strtoll(n, NULL, 10);
  out->modified_us = strtoll(m, NULL, 10);
  return RL_OK;
}

int store_ords_stamp(struct store_ords_stamp *out)
{
  PGresult *r;
  int rc = store_exec(&r, "ords_stamp", 0, NULL);
  if (rc != RL_OK)
    return rc;
  rc = read_stamp(out, r);
  PQclear(r);
  return rc;
}

int store_ords_coverage(char first[11], char last[11], const char *timezone)
{
  const char *p[1] = {timezone};
  PGresult *r;
  int rc = store_exec(&r, "ords_coverage", 1, p);
  if (rc != RL_OK)
    return rc;
  const char *f = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  const char *l = PQntuples(r) == 1 && !PQgetisnull(r, 0, 1) ? PQgetvalue(r, 0, 1) : "";
  snprintf(first, 11, "%s", f);
  snprintf(last, 11, "%s", l);
  PQclear(r);
  return RL_OK;
}

/* Rows fetched per round trip: large enough that the round trips cost
 * little next to formatting, small enough that a batch is a few hundred
 * kilobytes at most. */
#define BATCH_ROWS 2000

enum {
  C_ID,
  C_SITE,
  C_CATEGORY,
  C_ORDS_NAME,
  C_ORDS_ID,
  C_BRAND,
  C_YEAR,
  C_OUTCOME,
  C_BARRIER,
  C_DATE,
  C_PROBLEM,
  C_OWNER_NAME,
  C_OWNER_EMAIL,
  C_OWNER_PHONE,
  C_COUNT
};
static const char *const col_names[C_COUNT] = {
    "id",
    "site",
    "category_name",
    "ords_name",
    "ords_id",
    "brand",
    "year_of_manufacture",
    "outcome",
    "barrier",
    "event_date",
    "problem",
    "owner_name",
    "owner_email",
    "owner_phone",
};

struct store_ords_export {
  struct store_cursor *cur;
  PGresult *res;
  int row, nrows, cols[C_COUNT];
};

int store_ords_open(struct store_ords_export **out, struct store_ords_stamp *stamp,
                    const struct store_ords_filter *f)
{
  *out = NULL;
  struct store_ords_export *e = calloc(1, sizeof *e);
  if (e == NULL)
    return RL_ENOMEM;
  const char *p[4] = {f->timezone, f->from, f->to, f->site};
  PGresult *first = NULL;
  int rc = store_cursor_open(&e->cur, &first, STAMP_SQL, 0, NULL, export_sql, 4, p);
  if (rc == RL_OK)
    rc = read_stamp(stamp, first);
  PQclear(first);
  if (rc != RL_OK) {
    store_ords_close(e);
    return rc;
  }
  *out = e;
  return RL_OK;
}

int store_ords_next(struct store_ords_export *e, struct store_ords_row *row)
{
  if (e->row >= e->nrows) {
    PQclear(e->res);
    e->res = NULL;
    e->row = e->nrows = 0;
    int rc = store_cursor_fetch(e->cur, BATCH_ROWS, &e->res);
    if (rc != RL_OK)
      return rc;
    e->nrows = PQntuples(e->res);
    if (e->nrows == 0)
      return RL_ENOTFOUND;
    store_cols(e->res, col_names, e->cols, C_COUNT);
  }
  const PGresult *r = e->res;
  int i = e->row++;
  const int *c = e->cols;
  *row = (struct store_ords_row){
      store_value(r, i, c[C_ID]),          store_value(r, i, c[C_SITE]),
      store_value(r, i, c[C_CATEGORY]),    store_value(r, i, c[C_ORDS_NAME]),
      store_value(r, i, c[C_ORDS_ID]),     store_value(r, i, c[C_BRAND]),
      store_value(r, i, c[C_YEAR]),        store_value(r, i, c[C_OUTCOME]),
      store_value(r, i, c[C_BARRIER]),     store_value(r, i, c[C_DATE]),
      store_value(r, i, c[C_PROBLEM]),     store_value(r, i, c[C_OWNER_NAME]),
      store_value(r, i, c[C_OWNER_EMAIL]), store_value(r, i, c[C_OWNER_PHONE]),
  };
  return RL_OK;
}

void store_ords_close(struct store_ords_export *e)
{
  if (e == NULL)
    return;
  PQclear(e->res);
  store_cursor_close(e->cur);
  free(e);
}
