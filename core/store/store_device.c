/* Prepared statements and row mapping for devices and their events. Each
 * write is one statement (data-modifying CTEs), so it is atomic and costs one
 * round trip. */
#include "core/store/store_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* The same column list reads a device from the tables (d, s, o) or from the
 * CTEs named alike. */
#define DEVICE_COLS                                                                        \
  "d.id, d.version, d.code, d.kind, d.status, d.category, s.slug, d.brand, d.model,"       \
  " d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token,"   \
  " d.received_at, d.updated_at, o.device_id, o.name, o.email, o.phone"
#define DEVICE_FROM_TABLES                                                                 \
  " FROM devices d JOIN sites s ON s.id = d.site_id"                                       \
  " LEFT JOIN device_owners o ON o.device_id = d.id"

const struct store_stmt store_device_stmts[] = {
    {"device_insert",
     "WITH d AS (INSERT INTO devices (code, code_body, kind, category, site_id, brand, model,"
     " serial, year_of_manufacture, weight_kg, problem, notes, tracking_token)"
     " VALUES ($1, $2, $3, $4, (SELECT id FROM sites WHERE slug = $5 AND active), $6, $7, $8,"
     " $9::int, $10::numeric, $11, $12, $13) RETURNING *),"
     " o AS (INSERT INTO device_owners (device_id, name, email, phone)"
     " SELECT id, $15, $16, $17 FROM d WHERE $14::boolean RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, to_status)"
     " SELECT id, $18, $19::bigint, 'intake', 'received' FROM d)"
     " SELECT " DEVICE_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN o ON o.device_id = d.id"},
    {"device_get", "SELECT " DEVICE_COLS DEVICE_FROM_TABLES " WHERE d.code_body = $1"},
    {"device_update",
     /* A device may stay at a site that closed, not move to one. */
     "WITH d AS (UPDATE devices SET category = $3, site_id = (SELECT s.id FROM sites s"
     " WHERE s.slug = $4 AND (s.active OR s.id = devices.site_id)),"
     " brand = $5, model = $6, serial = $7, year_of_manufacture = $8::int,"
     " weight_kg = $9::numeric, problem = $10, notes = $11, version = version + 1,"
     " updated_at = now() WHERE id = $1::bigint AND version = $2::int RETURNING *),"
     " gone AS (DELETE FROM device_owners WHERE device_id IN (SELECT id FROM d) AND $12 = 'erase'),"
     " o AS (INSERT INTO device_owners (device_id, name, email, phone)"
     " SELECT id, $13, $14, $15 FROM d WHERE $12 = 'set' ON CONFLICT (device_id) DO UPDATE"
     " SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,"
     " updated_at = now() RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, fields)"
     " SELECT id, $16, $17::bigint, 'edit', $18::text[] FROM d)"
     " SELECT " DEVICE_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN (SELECT * FROM o UNION ALL"
     " SELECT * FROM device_owners WHERE $12 = 'keep') o ON o.device_id = d.id"},
    {"device_move",
     "WITH d AS (UPDATE devices SET status = $4, version = version + 1, updated_at = now()"
     " WHERE id = $1::bigint AND version = $2::int AND status = $3 RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, from_status,"
     " to_status, note) SELECT id, $6, $7::bigint, 'transition', $3, $4, $5 FROM d)"
     " SELECT " DEVICE_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN device_owners o ON o.device_id = d.id"},
    {"device_history",
     "SELECT e.id, e.at, e.actor, e.type, e.from_status, e.to_status,"
     " array_to_json(e.fields)::text, e.note"
     " FROM devices d LEFT JOIN device_events e ON e.device_id = d.id AND e.id > $2::bigint"
     " WHERE d.code_body = $1 ORDER BY e.id LIMIT $3::int"},
    {"device_label_data",
     "SELECT d.code_body, d.code, d.kind, c.name_fr, d.brand, d.model, d.received_at, s.name,"
     " s.opening_hours, d.tracking_token FROM devices d JOIN sites s ON s.id = d.site_id"
     " JOIN categories c ON c.slug = d.category WHERE d.code_body = ANY ($1::text[])"},
    {NULL, NULL},
};

static json_t *device_json(const PGresult *r, int row, struct store_device_ref *ref)
{
  if (ref) {
    ref->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    ref->version = atoi(PQgetvalue(r, row, 1));
  }
  json_t *d = json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "code",
      store_json_str(r, row, 2), "kind", store_json_str(r, row, 3), "status",
      store_json_str(r, row, 4), "category", store_json_str(r, row, 5), "site",
      store_json_str(r, row, 6), "brand", store_json_str(r, row, 7), "model",
      store_json_str(r, row, 8), "serial", store_json_str(r, row, 9), "year_of_manufacture",
      store_json_int(r, row, 10), "weight_kg", store_json_num(r, row, 11), "problem",
      store_json_str(r, row, 12), "notes", store_json_str(r, row, 13), "received_at",
      store_json_time(r, row, 15), "updated_at", store_json_time(r, row, 16));
  if (d != NULL && strcmp(PQgetvalue(r, row, 3), "repair") == 0) {
    json_object_set_new(d, "tracking_token", store_json_str(r, row, 14));
    json_object_set_new(d, "owner",
                        PQgetisnull(r, row, 17)
                            ? json_null()
                            : json_pack("{s:o s:o s:o}", "name", store_json_str(r, row, 18),
                                        "email", store_json_str(r, row, 19), "phone",
                                        store_json_str(r, row, 20)));
  }
  return d;
}

static int one(json_t **out, struct store_device_ref *ref, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  *out = device_json(r, 0, ref);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_device_insert(json_t **out, struct store_device_ref *ref, const char *code,
                        const char *code_body, const char *kind,
                        const struct store_device_fields *f, const char *token,
                        const struct store_owner *owner, const struct store_actor *actor)
{
  char key_id[24];
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {code,       code_body,  kind,       f->category, f->site,
                     f->brand,   f->model,   f->serial,  f->year,     f->weight,
                     f->problem, f->notes,   token,      owner ? "true" : "false",
                     owner ? owner->name : NULL, owner ? owner->email : NULL,
                     owner ? owner->phone : NULL, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "device_insert", 19, p);
  return rc == RL_OK ? one(out, ref, r, RL_EDB) : rc;
}

int store_device_get(json_t **out, struct store_device_ref *ref, const char *code_body)
{
  const char *p[] = {code_body};
  PGresult *r;
  int rc = store_exec(&r, "device_get", 1, p);
  return rc == RL_OK ? one(out, ref, r, RL_ENOTFOUND) : rc;
}

int store_device_update(json_t **out, struct store_device_ref *ref,
                        const struct store_device_fields *f, enum store_owner_action owner_action,
                        const struct store_owner *owner, const char *fields,
                        const struct store_actor *actor)
{
  static const char *actions[] = {"keep", "set", "erase"};
  char id[24], version[16], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(version, sizeof version, "%d", ref->version);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {id,         version,  f->category, f->site,   f->brand, f->model,
                     f->serial,  f->year,  f->weight,   f->problem, f->notes,
                     actions[owner_action], owner ? owner->name : NULL,
                     owner ? owner->email : NULL, owner ? owner->phone : NULL, actor->name,
                     key_id,     fields};
  PGresult *r;
  int rc = store_exec(&r, "device_update", 18, p);
  return rc == RL_OK ? one(out, ref, r, RL_ECONFLICT) : rc;
}

int store_device_move(json_t **out, struct store_device_ref *ref, const char *from,
                      const char *to, const char *note, const struct store_actor *actor)
{
  char id[24], version[16], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(version, sizeof version, "%d", ref->version);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {id, version, from, to, note, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "device_move", 7, p);
  return rc == RL_OK ? one(out, ref, r, RL_ECONFLICT) : rc;
}

/* The list query with only the filters given, so that PostgreSQL plans and
 * caches each shape of it (a single statement with every filter as
 * "$n IS NULL OR …" was planned again on every call). */
int store_device_list(json_t **out, int64_t *next_before, const struct store_device_filter *f,
                      int64_t before, int limit)
{
  static const char *const conds[] = {
      "d.status = $%d", "d.kind = $%d", "d.category = $%d", "s.slug = $%d",
      "d.received_at >= $%d::date", "d.received_at < $%d::date + 1",
      "(d.brand ILIKE $%d OR d.model ILIKE $%d OR d.serial ILIKE $%d OR d.code ILIKE $%d"
      " OR d.code_body = $%d)",
      "d.id < $%d::bigint",
  };
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", (long long)before);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *given[] = {f->status,        f->kind,        f->category, f->site,
                         f->received_from, f->received_to, f->q_like,   before > 0 ? b : NULL};
  const char *p[11];
  int np = 0;
  unsigned mask = 0;
  char sql[2048];
  size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT " DEVICE_COLS DEVICE_FROM_TABLES);
  for (unsigned i = 0; i < sizeof given / sizeof given[0]; i++) {
    if (given[i] == NULL)
      continue;
    mask |= 1u << i;
    int n = np + 1;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s ", np ? "AND" : "WHERE");
    if (i == 6) { /* q: a LIKE pattern, and the code body it may be */
      len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], n, n, n, n, n + 1);
      p[np++] = f->q_like;
      p[np++] = f->q_code;
    } else {
      len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], n);
      p[np++] = given[i];
    }
  }
  len += (size_t)snprintf(sql + len, sizeof sql - len, " ORDER BY d.id DESC LIMIT $%d::int",
                          np + 1);
  p[np++] = l;
  char name[40];
  snprintf(name, sizeof name, "device_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  json_t *arr = json_array();
  struct store_device_ref ref = {0, 0};
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, device_json(r, i, &ref));
  *next_before = n > limit ? ref.id : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_device_history(json_t **out, int64_t *next_after, const char *code_body,
                         int64_t after, int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {code_body, a, l};
  PGresult *r;
  int rc = store_exec(&r, "device_history", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    if (PQgetisnull(r, i, 0))
      break; /* the device exists but has no (more) events */
    last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    const char *fields = store_value(r, i, 6);
    json_t *ev = json_pack("{s:I s:o s:o s:o s:o s:o s:o s:o}", "id", (json_int_t)last, "at",
                           store_json_time(r, i, 1), "actor", store_json_str(r, i, 2), "type",
                           store_json_str(r, i, 3), "from", store_json_str(r, i, 4), "to",
                           store_json_str(r, i, 5), "fields",
                           fields ? json_loads(fields, 0, NULL) : json_array(), "note",
                           store_json_str(r, i, 7));
    json_array_append_new(arr, ev);
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_device_label_data(json_t **out, const char *const *bodies, size_t n)
{
  /* Bodies are 8 checked base32 symbols, so the array literal needs no quoting. */
  size_t cap = n * 9 + 3;
  char *arr = malloc(cap);
  if (arr == NULL)
    return RL_ENOMEM;
  size_t len = 0;
  arr[len++] = '{';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(arr + len, cap - len, "%s%s", i ? "," : "", bodies[i]);
  arr[len++] = '}';
  arr[len] = '\0';
  const char *p[] = {arr};
  PGresult *r;
  int rc = store_exec(&r, "device_label_data", 1, p);
  free(arr);
  if (rc != RL_OK)
    return rc;
  json_t *items = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(
        items, json_pack("{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "code_body",
                         store_json_str(r, i, 0), "code", store_json_str(r, i, 1), "kind",
                         store_json_str(r, i, 2), "category_fr", store_json_str(r, i, 3),
                         "brand", store_json_str(r, i, 4), "model", store_json_str(r, i, 5),
                         "received_at", store_json_time(r, i, 6), "site_name",
                         store_json_str(r, i, 7), "opening_hours", store_json_str(r, i, 8),
                         "tracking_token", store_json_str(r, i, 9)));
  PQclear(r);
  *out = items;
  return RL_OK;
}
