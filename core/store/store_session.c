/* Prepared statements and row mapping for repair café sessions. */
#include "core/store/store_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define SESSION_COLS                                                                               \
  "rs.id, si.slug AS site, rs.starts_at, rs.ends_at, rs.volunteers, rs.notes, rs.created_at,"      \
  " rs.updated_at, rs.version"
/* Per device seen in the session, the facts its figures come from. */
#define SESSION_FACTS                                                                              \
  "(SELECT coalesce(json_agg(json_build_array(f.weight_kg,"                                        \
  " f.cat_kg, f.co2e_kg, f.powered, f.outcome)), '[]')::text FROM ("                               \
  " SELECT DISTINCT ON (r.device_id) dv.weight_kg, c.weight_kg AS cat_kg, c.co2e_kg,"              \
  " c.powered, r.outcome FROM repairs r JOIN devices dv ON dv.id = r.device_id"                    \
  " JOIN categories c ON c.slug = dv.category WHERE r.session_id = rs.id"                          \
  " ORDER BY r.device_id, r.id DESC) f) AS facts"

const struct store_stmt store_session_stmts[] = {
    {"session_insert",
     "WITH rs AS (INSERT INTO repair_sessions (site_id, starts_at, ends_at, volunteers, notes)"
     " VALUES ((SELECT id FROM sites WHERE slug = $1), $2::timestamptz, $3::timestamptz,"
     " coalesce($4::int, 0), $5) RETURNING *)"
     " SELECT " SESSION_COLS ", '[]' AS facts FROM rs JOIN sites si ON si.id = rs.site_id",
     0},
    {"session_get",
     "SELECT " SESSION_COLS ", " SESSION_FACTS
     " FROM repair_sessions rs JOIN sites si ON si.id = rs.site_id WHERE rs.id = $1::bigint",
     STORE_RETRY_SAFE},
    {"session_get_lock",
     "SELECT " SESSION_COLS ", '[]' AS facts FROM repair_sessions rs"
     " JOIN sites si ON si.id = rs.site_id WHERE rs.id = $1::bigint FOR UPDATE OF rs",
     0},
    {"session_brief",
     "SELECT si.slug AS site, rs.starts_at > now() AS in_future FROM repair_sessions rs"
     " JOIN sites si ON si.id = rs.site_id WHERE rs.id = $1::bigint",
     STORE_RETRY_SAFE},
    {"session_update",
     "WITH rs AS (UPDATE repair_sessions SET site_id = (SELECT id FROM sites WHERE slug = $2),"
     " starts_at = $3::timestamptz, ends_at = $4::timestamptz, volunteers = $5::int,"
     " notes = $6, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint RETURNING *)"
     " SELECT " SESSION_COLS ", " SESSION_FACTS " FROM rs JOIN sites si ON si.id = rs.site_id",
     0},
    {"session_list",
     "SELECT " SESSION_COLS " FROM repair_sessions rs JOIN sites si ON si.id = rs.site_id"
     " WHERE ($1::text IS NULL OR si.slug = $1) AND ($2::date IS NULL OR rs.starts_at >= $2::date)"
     " AND ($3::date IS NULL OR rs.starts_at < $3::date + 1)"
     " AND ($4::bigint IS NULL OR rs.id < $4::bigint) ORDER BY rs.id DESC LIMIT $5::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_session_violations[] = {
    {"repair_sessions.site_id", RL_EINVALID, "site", "unknown_site", "is not a known site slug"},
    {"repair_sessions_check", RL_EINVALID, "ends_at", "ends_before_start",
     "must be after starts_at"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_ID,
  C_SITE,
  C_STARTS,
  C_ENDS,
  C_VOLUNTEERS,
  C_NOTES,
  C_CREATED,
  C_UPDATED,
  C_VERSION,
  C_FACTS,
  C_COUNT
};
static const char *const col_names[C_COUNT] = {
    "id",    "site",       "starts_at",  "ends_at", "volunteers",
    "notes", "created_at", "updated_at", "version", "facts",
};

static json_t *session_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[C_ID]), "site",
      store_json_str(r, row, c[C_SITE]), "starts_at", store_json_time(r, row, c[C_STARTS]),
      "ends_at", store_json_time(r, row, c[C_ENDS]), "volunteers",
      store_json_int(r, row, c[C_VOLUNTEERS]), "notes", store_json_str(r, row, c[C_NOTES]),
      "created_at", store_json_time(r, row, c[C_CREATED]), "updated_at",
      store_json_time(r, row, c[C_UPDATED]));
}

/* The one session a statement returned, its version and (if facts is not
 * NULL) its devices' facts (malloc'd). */
static int one_session(json_t **out, int *version, char **facts, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  *out = session_json(r, 0, c);
  if (version)
    *version = (int)strtol(PQgetvalue(r, 0, c[C_VERSION]), NULL, 10);
  if (facts) {
    const char *v = store_value(r, 0, c[C_FACTS]);
    *facts = strdup(v ? v : "[]");
  }
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_session_insert(json_t **out, int *version, const char *site, const char *starts_at,
                         const char *ends_at, const char *volunteers, const char *notes)
{
  const char *p[] = {site, starts_at, ends_at, volunteers, notes};
  PGresult *r;
  int rc = store_exec(&r, "session_insert", 5, p);
  return rc == RL_OK ? one_session(out, version, NULL, r, RL_EDB) : rc;
}

int store_session_get(json_t **out, int *version, char **facts, int64_t id, int lock)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  const char *p[] = {sid};
  PGresult *r;
  *facts = NULL;
  int rc = store_exec(&r, lock ? "session_get_lock" : "session_get", 1, p);
  return rc == RL_OK ? one_session(out, version, facts, r, RL_ENOTFOUND) : rc;
}

int store_session_brief(char *site, size_t cap, int *in_future, int64_t id)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  const char *p[] = {sid};
  PGresult *r;
  int rc = store_exec(&r, "session_brief", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  static const char *const names[] = {"site", "in_future"};
  int c[2];
  store_cols(r, names, c, 2);
  snprintf(site, cap, "%s", PQgetvalue(r, 0, c[0]));
  *in_future = PQgetvalue(r, 0, c[1])[0] == 't';
  PQclear(r);
  return RL_OK;
}

int store_session_update(json_t **out, int *new_version, char **facts, int64_t id, const char *site,
                         const char *starts_at, const char *ends_at, const char *volunteers,
                         const char *notes)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  const char *p[] = {sid, site, starts_at, ends_at, volunteers, notes};
  PGresult *r;
  *facts = NULL;
  int rc = store_exec(&r, "session_update", 6, p);
  return rc == RL_OK ? one_session(out, new_version, facts, r, RL_ENOTFOUND) : rc;
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
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    last = strtoll(PQgetvalue(r, i, c[C_ID]), NULL, 10);
    json_array_append_new(arr, session_json(r, i, c));
  }
  *next_before = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
