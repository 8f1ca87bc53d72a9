/* TEMPORARY, replaced by the lead at merge: the branches od-figures and
 * od-ords write the real datasets (impact_csv_write, ords_csv_write); this
 * file then becomes two calls to them with the unfiltered query. Until
 * then each source writes a small but real CSV straight from the database
 * (UTF-8, comma, CRLF, header), so that publishing is tested end to end:
 * impact: month (UTC), devices saved (first repair fixed in that month);
 * ords: id, repair_status, event_date of each repair attempt. */
#include "core/opendata_sources.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"

#define PAGE 1000

static int put(od_write_fn w, void *ctx, const char *s)
{
  return w(ctx, s, strlen(s)) == 0 ? RL_OK : RL_EUNAVAILABLE;
}

int impact_csv_source(od_write_fn w, void *ctx)
{
  int rc = put(w, ctx, "month,devices_saved\r\n");
  if (rc != RL_OK)
    return rc;
  PGresult *r;
  rc = store_exec_shaped(
      &r, "od_tmp_impact",
      "SELECT to_char(first_fixed AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS saved"
      " FROM (SELECT min(created_at) AS first_fixed FROM repairs WHERE outcome = 'fixed'"
      " GROUP BY device_id) f GROUP BY 1 ORDER BY 1",
      0, NULL);
  if (rc != RL_OK)
    return rc;
  char line[64];
  for (int i = 0; rc == RL_OK && i < PQntuples(r); i++) {
    snprintf(line, sizeof line, "%s,%s\r\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    rc = put(w, ctx, line);
  }
  PQclear(r);
  return rc;
}

int ords_csv_source(od_write_fn w, void *ctx)
{
  int rc = put(w, ctx, "id,repair_status,event_date\r\n");
  char after[24] = "0", line[96];
  while (rc == RL_OK) {
    const char *p[] = {after};
    PGresult *r;
    rc = store_exec_shaped(&r, "od_tmp_ords",
                           "SELECT id, CASE outcome WHEN 'fixed' THEN 'Fixed'"
                           " WHEN 'repairable' THEN 'Repairable' WHEN 'end_of_life'"
                           " THEN 'End of life' ELSE 'Unknown' END AS status,"
                           " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day"
                           " FROM repairs WHERE id > $1::bigint ORDER BY id LIMIT 1000",
                           1, p);
    if (rc != RL_OK)
      return rc;
    int n = PQntuples(r);
    for (int i = 0; rc == RL_OK && i < n; i++) {
      snprintf(line, sizeof line, "%s,%s,%s\r\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2));
      rc = put(w, ctx, line);
    }
    if (n > 0)
      snprintf(after, sizeof after, "%s", PQgetvalue(r, n - 1, 0));
    PQclear(r);
    if (n < PAGE)
      break;
  }
  return rc;
}
