/* Prepared statements for the public views. Each is one round trip. */
#include "core/store/store_tracking.h"

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_tracking_stmts[] = {
    {"tracking_by_token",
     "SELECT d.code, d.status, c.slug, c.name_fr, c.name_en, s.name AS site_name, s.address,"
     " s.opening_hours, (SELECT coalesce(json_agg(json_build_object('status', e.to_status,"
     " 'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY e.id),"
     " '[]') FROM device_events e WHERE e.device_id = d.id AND e.to_status IS NOT NULL)::text"
     " AS timeline"
     " FROM devices d JOIN sites s ON s.id = d.site_id JOIN categories c ON c.slug = d.category"
     " WHERE d.tracking_token = $1",
     STORE_RETRY_SAFE},
    {"tracking_by_code",
     "SELECT d.code, d.status, c.slug, c.name_fr, c.name_en, s.name AS site_name"
     " FROM devices d JOIN sites s ON s.id = d.site_id JOIN categories c ON c.slug = d.category"
     " WHERE d.code_body = $1",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

enum {
  C_CODE,
  C_STATUS,
  C_SLUG,
  C_NAME_FR,
  C_NAME_EN,
  C_SITE,
  C_ADDRESS,
  C_HOURS,
  C_TIMELINE,
  C_COUNT
};
static const char *const col_names[C_COUNT] = {"code",    "status",        "slug",
                                               "name_fr", "name_en",       "site_name",
                                               "address", "opening_hours", "timeline"};

static json_t *common(const PGresult *r, const int *c)
{
  return json_pack("{s:o s:o s:{s:o s:o s:o}}", "code", store_json_str(r, 0, c[C_CODE]), "status",
                   store_json_str(r, 0, c[C_STATUS]), "category", "slug",
                   store_json_str(r, 0, c[C_SLUG]), "name_fr", store_json_str(r, 0, c[C_NAME_FR]),
                   "name_en", store_json_str(r, 0, c[C_NAME_EN]));
}

int store_tracking_by_token(json_t **out, const char *token)
{
  const char *p[] = {token};
  PGresult *r;
  int rc = store_exec(&r, "tracking_by_token", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *t = common(r, c);
  if (t) {
    json_object_set_new(t, "site",
                        json_pack("{s:o s:o s:o}", "name", store_json_str(r, 0, c[C_SITE]),
                                  "address", store_json_str(r, 0, c[C_ADDRESS]), "opening_hours",
                                  store_json_str(r, 0, c[C_HOURS])));
    json_object_set_new(t, "timeline", json_loads(PQgetvalue(r, 0, c[C_TIMELINE]), 0, NULL));
  }
  PQclear(r);
  *out = t;
  return t ? RL_OK : RL_ENOMEM;
}

int store_tracking_by_code(json_t **out, const char *code_body)
{
  const char *p[] = {code_body};
  PGresult *r;
  int rc = store_exec(&r, "tracking_by_code", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *t = common(r, c);
  if (t)
    json_object_set_new(t, "site", json_pack("{s:o}", "name", store_json_str(r, 0, c[C_SITE])));
  PQclear(r);
  *out = t;
  return t ? RL_OK : RL_ENOMEM;
}
