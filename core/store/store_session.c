/* Prepared statements and row mapping for repair café sessions. */
#include "core/store/store_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define SESSION_COLS                                                                       \
  "rs.id, si.slug, rs.starts_at, rs.ends_at, rs.volunteers, rs.notes, rs.created_at,"      \
  " rs.updated_at, rs.version"

const struct store_stmt store_session_stmts[] = {
    {"session_insert",
     "WITH rs AS (INSERT INTO repair_sessions (site_id, starts_at, ends_at, volunteers, notes)"
     " VALUES ((SELECT id FROM sites WHERE slug = $1), $2::timestamptz, $3::timestamptz,"
     " coalesce($4::int, 0), $5) RETURNING *)"
     " SELECT " SESSION_COLS " FROM rs JOIN sites si ON si.id = rs.site_id"},
    {"session_get",
     "SELECT " SESSION_COLS ", (SELECT coalesce(json_agg(json_build_array(f.weight_kg,"
     " f.cat_kg, f.co2e_kg, f.powered, f.outcome)), '[]')::text FROM ("
     " SELECT DISTINCT ON (r.device_id) dv.weight_kg, c.weight_kg AS cat_kg, c.co2e_kg,"
     " c.powered, r.outcome FROM repairs r JOIN devices dv ON dv.id = r.device_id"
     " JOIN categories c ON c.slug = dv.category WHERE r.session_id = rs.id"
     " ORDER BY r.device_id, r.id DESC) f)"
     " FROM repair_sessions rs JOIN sites si ON si.id = rs.site_id WHERE rs.id = $1::bigint"},
    {"session_update",
     "WITH rs AS (UPDATE repair_sessions SET site_id = (SELECT id FROM sites WHERE slug = $3),"
     " starts_at = $4::timestamptz, ends_at = $5::timestamptz, volunteers = $6::int,"
     " notes = $7, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint AND version = $2::int RETURNING *)"
     " SELECT " SESSION_COLS " FROM rs JOIN sites si ON si.id = rs.site_id"},
    {"session_list",
     "SELECT " SESSION_COLS " FROM repair_sessions rs JOIN sites si ON si.id = rs.site_id"
     " WHERE ($1::text IS NULL OR si.slug = $1) AND ($2::date IS NULL OR rs.starts_at >= $2::date)"
     " AND ($3::date IS NULL OR rs.starts_at < $3::date + 1)"
     " AND ($4::bigint IS NULL OR rs.id < $4::bigint) ORDER BY rs.id DESC LIMIT $5::int"},
    {NULL, NULL},
};

static json_t *session_json(const PGresult *r, int row)
{
  return json_pack("{s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, 0), "site",
                   store_json_str(r, row, 1), "starts_at", store_json_time(r, row, 2),
                   "ends_at", store_json_time(r, row, 3), "volunteers",
                   store_json_int(r, row, 4), "notes", store_json_str(r, row, 5),
                   "created_at", store_json_time(r, row, 6), "updated_at",
                   store_json_time(r, row, 7));
}

static int one_session(json_t **out, int *version, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  *out = session_json(r, 0);
  if (version)
    *version = atoi(PQgetvalue(r, 0, 8));
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_session_insert(json_t **out, const char *site, const char *starts_at,
                         const char *ends_at, const char *volunteers, const char *notes)
{
  const char *p[] = {site, starts_at, ends_at, volunteers, notes};
  PGresult *r;
  int rc = store_exec(&r, "session_insert", 5, p);
  return rc == RL_OK ? one_session(out, NULL, r, RL_EDB) : rc;
}

int store_session_get(json_t **out, int *version, char **devices_json, int64_t id)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  const char *p[] = {sid};
  PGresult *r;
  int rc = store_exec(&r, "session_get", 1, p);
  if (rc != RL_OK)
    return rc;
  *devices_json = PQntuples(r) > 0 ? strdup(PQgetvalue(r, 0, 9)) : NULL;
  return one_session(out, version, r, RL_ENOTFOUND);
}

int store_session_update(json_t **out, int *new_version, int64_t id, int version,
                         const char *site, const char *starts_at, const char *ends_at,
                         const char *volunteers, const char *notes)
{
  char sid[24], ver[16];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  snprintf(ver, sizeof ver, "%d", version);
  const char *p[] = {sid, ver, site, starts_at, ends_at, volunteers, notes};
  PGresult *r;
  int rc = store_exec(&r, "session_update", 7, p);
  return rc == RL_OK ? one_session(out, new_version, r, RL_ECONFLICT) : rc;
}

int store_session_list(json_t **out, int64_t *next_before, const char *site, const char *from,
                       const char *to, int64_t before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", (long long)before);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {site, from, to, before > 0 ? b : NULL, l};
  PGresult *r;
  int rc = store_exec(&r, "session_list", 5, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    json_array_append_new(arr, session_json(r, i));
  }
  *next_before = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
