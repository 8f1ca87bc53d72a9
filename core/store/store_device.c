/* Prepared statements and row mapping for devices and their events. Each
 * write is one statement (data-modifying CTEs) that also records its event;
 * core composes them in transactions where a change needs several. */
#include "core/store/store_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* The same column list reads a device from the tables (d, s, o) or from the
 * CTEs named alike. */
#define DEVICE_COLS                                                                                \
  "d.id, d.version, d.site_id, d.code, d.kind, d.status, d.category, s.slug AS site,"              \
  " d.brand, d.model,"                                                                             \
  " d.serial, d.year_of_manufacture, d.weight_kg, d.problem, d.notes, d.tracking_token,"           \
  " d.received_at, d.updated_at, o.device_id AS owner_id, o.name AS owner_name,"                   \
  " o.email AS owner_email, o.phone AS owner_phone, o.notify AS owner_notify,"                     \
  " o.language AS owner_language"
/* Who a waiting list holds the device for, if anyone. */
#define HOLD_COLS ", d.held_until AS hold_until, hm.number AS hold_member"
#define HOLD_JOINS " LEFT JOIN members hm ON hm.id = d.held_for"
#define DEVICE_FROM_TABLES                                                                         \
  " FROM devices d JOIN sites s ON s.id = d.site_id"                                               \
  " LEFT JOIN device_owners o ON o.device_id = d.id" HOLD_JOINS

/* A device held for a category's line keeps its hold while it stays in
 * that category at that site; an edit that moves it gives the hold back
 * (the member waits again, in their place). */
#define SAME_PLACE                                                                                 \
  "CASE WHEN devices.category = $2 AND (SELECT s.slug FROM sites s"                                \
  " WHERE s.id = devices.site_id) = $3"

const struct store_stmt store_device_stmts[] = {
    {"device_insert",
     /* A code already taken inserts nothing (the caller draws another), so
      * a collision never aborts the caller's transaction. */
     "WITH d AS (INSERT INTO devices (code, code_body, kind, category, site_id, brand, model,"
     " serial, year_of_manufacture, weight_kg, problem, notes, tracking_token)"
     " VALUES ($1, $2, $3, $4, (SELECT id FROM sites WHERE slug = $5 AND active), $6, $7, $8,"
     " $9::int, $10::numeric, $11, $12, $13) ON CONFLICT (code_body) DO NOTHING RETURNING *),"
     " o AS (INSERT INTO device_owners (device_id, name, email, phone, notify, language)"
     " SELECT id, $15, $16, $17, $20::boolean, coalesce($21, 'fr') FROM d WHERE $14::boolean"
     " RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, site_id, actor, actor_key_id, type,"
     " to_status) SELECT id, site_id, $18, $19::bigint, 'intake', 'received' FROM d)"
     " SELECT " DEVICE_COLS HOLD_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN o ON o.device_id = d.id" HOLD_JOINS,
     0},
    {"device_get", "SELECT " DEVICE_COLS HOLD_COLS DEVICE_FROM_TABLES " WHERE d.code_body = $1",
     STORE_RETRY_SAFE},
    {"device_get_lock",
     "SELECT " DEVICE_COLS HOLD_COLS DEVICE_FROM_TABLES " WHERE d.code_body = $1 FOR UPDATE OF d",
     0},
    {"device_update",
     /* A device may stay at a site that closed, not move to one. */
     "WITH d AS (UPDATE devices SET category = $2, site_id = (SELECT s.id FROM sites s"
     " WHERE s.slug = $3 AND (s.active OR s.id = devices.site_id)),"
     " brand = $4, model = $5, serial = $6, year_of_manufacture = $7::int,"
     " weight_kg = $8::numeric, problem = $9, notes = $10, version = version + 1,"
     " updated_at = now(), held_for = " SAME_PLACE " THEN devices.held_for END,"
     " held_until = " SAME_PLACE " THEN devices.held_until END"
     " WHERE id = $1::bigint RETURNING *),"
     " unheld AS (UPDATE waitlist SET status = 'waiting', held_device_id = NULL, held_at = NULL,"
     " held_until = NULL WHERE held_device_id IN (SELECT id FROM d WHERE held_for IS NULL)"
     " AND status = 'held'),"
     " gone AS (DELETE FROM device_owners WHERE device_id IN (SELECT id FROM d) AND $11 = 'erase'),"
     " o AS (INSERT INTO device_owners (device_id, name, email, phone, notify, language)"
     " SELECT id, $12, $13, $14, $18::boolean, coalesce($19, 'fr') FROM d WHERE $11 = 'set'"
     " ON CONFLICT (device_id) DO UPDATE"
     " SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,"
     " notify = EXCLUDED.notify, language = EXCLUDED.language, updated_at = now() RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, fields)"
     " SELECT id, $15, $16::bigint, 'edit', $17::text[] FROM d)"
     " SELECT " DEVICE_COLS HOLD_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN (SELECT * FROM o UNION ALL"
     " SELECT * FROM device_owners WHERE $11 = 'keep') o ON o.device_id = d.id" HOLD_JOINS,
     0},
    /* A device that moves has no hold: leaving the shelf other than on
     * loan gives it back (the member waits again, in their place), a loan
     * serves it, and one put back on the shelf is offered by the caller. */
    {"device_move",
     "WITH d AS (UPDATE devices SET status = ($3::text[])[cardinality($3::text[])],"
     " version = version + 1, updated_at = now(), held_for = NULL, held_until = NULL"
     " WHERE id = $1::bigint AND status = ($2::text[])[1] RETURNING *),"
     " e AS (INSERT INTO device_events (device_id, site_id, actor, actor_key_id, type,"
     " from_status, to_status, note) SELECT d.id, d.site_id, $5, $6::bigint, 'transition', m.f,"
     " m.t, $4"
     " FROM d, unnest($2::text[], $3::text[]) WITH ORDINALITY AS m(f, t, n) ORDER BY m.n),"
     " u AS (UPDATE waitlist SET status = 'waiting', held_device_id = NULL, held_at = NULL,"
     " held_until = NULL WHERE held_device_id IN (SELECT id FROM d) AND status = 'held'"
     " AND ($3::text[])[cardinality($3::text[])] NOT IN ('available', 'on_loan'))"
     " SELECT " DEVICE_COLS HOLD_COLS " FROM d JOIN sites s ON s.id = d.site_id"
     " LEFT JOIN device_owners o ON o.device_id = d.id" HOLD_JOINS,
     0},
    {"device_history",
     "SELECT e.id, e.at, e.actor, e.type, e.from_status, e.to_status,"
     " array_to_json(e.fields)::text AS fields, e.note"
     " FROM devices d LEFT JOIN device_events e ON e.device_id = d.id AND e.id > $2::bigint"
     " WHERE d.code_body = $1 ORDER BY e.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {"device_label_data",
     "SELECT d.code_body, d.code, d.kind, c.name_fr, d.brand, d.model, d.received_at,"
     " s.name AS site_name, s.opening_hours, d.tracking_token"
     " FROM devices d JOIN sites s ON s.id = d.site_id"
     " JOIN categories c ON c.slug = d.category WHERE d.code_body = ANY ($1::text[])",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_device_violations[] = {
    {"devices_category_fkey", RL_EINVALID, "category", "unknown_category",
     "is not a known category slug"},
    {"devices.site_id", RL_EINVALID, "site", "unknown_site", "is not a known, active site slug"},
    {NULL, 0, NULL, NULL, NULL},
};

/* The columns of DEVICE_COLS, by name. */
enum {
  C_ID,
  C_VERSION,
  C_SITE_ID,
  C_CODE,
  C_KIND,
  C_STATUS,
  C_CATEGORY,
  C_SITE,
  C_BRAND,
  C_MODEL,
  C_SERIAL,
  C_YEAR,
  C_WEIGHT,
  C_PROBLEM,
  C_NOTES,
  C_TOKEN,
  C_RECEIVED,
  C_UPDATED,
  C_OWNER,
  C_OWNER_NAME,
  C_OWNER_EMAIL,
  C_OWNER_PHONE,
  C_OWNER_NOTIFY,
  C_OWNER_LANGUAGE,
  C_HOLD_UNTIL,
  C_HOLD_MEMBER,
  C_COUNT
};
static const char *const device_col_names[C_COUNT] = {
    "id",          "version",     "site_id",      "code",
    "kind",        "status",      "category",     "site",
    "brand",       "model",       "serial",       "year_of_manufacture",
    "weight_kg",   "problem",     "notes",        "tracking_token",
    "received_at", "updated_at",  "owner_id",     "owner_name",
    "owner_email", "owner_phone", "owner_notify", "owner_language",
    "hold_until",  "hold_member",
};

static json_t *device_json(const PGresult *r, int row, const int *c, struct store_device_ref *ref)
{
  if (ref) {
    ref->id = strtoll(PQgetvalue(r, row, c[C_ID]), NULL, 10);
    ref->version = (int)strtol(PQgetvalue(r, row, c[C_VERSION]), NULL, 10);
    ref->site_id = strtoll(PQgetvalue(r, row, c[C_SITE_ID]), NULL, 10);
  }
  json_t *d = json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "code",
      store_json_str(r, row, c[C_CODE]), "kind", store_json_str(r, row, c[C_KIND]), "status",
      store_json_str(r, row, c[C_STATUS]), "category", store_json_str(r, row, c[C_CATEGORY]),
      "site", store_json_str(r, row, c[C_SITE]), "brand", store_json_str(r, row, c[C_BRAND]),
      "model", store_json_str(r, row, c[C_MODEL]), "serial", store_json_str(r, row, c[C_SERIAL]),
      "year_of_manufacture", store_json_int(r, row, c[C_YEAR]), "weight_kg",
      store_json_num(r, row, c[C_WEIGHT]), "problem", store_json_str(r, row, c[C_PROBLEM]), "notes",
      store_json_str(r, row, c[C_NOTES]), "received_at", store_json_time(r, row, c[C_RECEIVED]),
      "updated_at", store_json_time(r, row, c[C_UPDATED]));
  if (d != NULL && store_value(r, row, c[C_HOLD_MEMBER]) != NULL)
    json_object_set_new(d, "hold",
                        json_pack("{s:o s:o}", "member", store_json_str(r, row, c[C_HOLD_MEMBER]),
                                  "until", store_json_time(r, row, c[C_HOLD_UNTIL])));
  if (d != NULL && strcmp(PQgetvalue(r, row, c[C_KIND]), "repair") == 0) {
    json_object_set_new(d, "tracking_token", store_json_str(r, row, c[C_TOKEN]));
    json_object_set_new(d, "owner",
                        store_value(r, row, c[C_OWNER]) == NULL
                            ? json_null()
                            : json_pack("{s:o s:o s:o s:o s:o}", "name",
                                        store_json_str(r, row, c[C_OWNER_NAME]), "email",
                                        store_json_str(r, row, c[C_OWNER_EMAIL]), "phone",
                                        store_json_str(r, row, c[C_OWNER_PHONE]), "notify",
                                        store_json_bool(r, row, c[C_OWNER_NOTIFY]), "language",
                                        store_json_str(r, row, c[C_OWNER_LANGUAGE])));
  }
  return d;
}

static int one(json_t **out, struct store_device_ref *ref, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  int c[C_COUNT];
  store_cols(r, device_col_names, c, C_COUNT);
  *out = device_json(r, 0, c, ref);
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
  const char *p[] = {code,
                     code_body,
                     kind,
                     f->category,
                     f->site,
                     f->brand,
                     f->model,
                     f->serial,
                     f->year,
                     f->weight,
                     f->problem,
                     f->notes,
                     token,
                     owner ? "true" : "false",
                     owner ? owner->name : NULL,
                     owner ? owner->email : NULL,
                     owner ? owner->phone : NULL,
                     actor->name,
                     key_id,
                     owner && owner->notify ? owner->notify : "false",
                     owner ? owner->language : NULL};
  PGresult *r;
  int rc = store_exec(&r, "device_insert", 21, p);
  return rc == RL_OK ? one(out, ref, r, RL_EDUPLICATE) : rc;
}

int store_device_get(json_t **out, struct store_device_ref *ref, const char *code_body, int lock)
{
  const char *p[] = {code_body};
  PGresult *r;
  int rc = store_exec(&r, lock ? "device_get_lock" : "device_get", 1, p);
  return rc == RL_OK ? one(out, ref, r, RL_ENOTFOUND) : rc;
}

int store_device_update(json_t **out, struct store_device_ref *ref,
                        const struct store_device_fields *f, enum store_owner_action owner_action,
                        const struct store_owner *owner, const char *fields,
                        const struct store_actor *actor)
{
  static const char *actions[] = {"keep", "set", "erase"};
  char id[24], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {id,
                     f->category,
                     f->site,
                     f->brand,
                     f->model,
                     f->serial,
                     f->year,
                     f->weight,
                     f->problem,
                     f->notes,
                     actions[owner_action],
                     owner ? owner->name : NULL,
                     owner ? owner->email : NULL,
                     owner ? owner->phone : NULL,
                     actor->name,
                     key_id,
                     fields,
                     owner && owner->notify ? owner->notify : "false",
                     owner ? owner->language : NULL};
  PGresult *r;
  int rc = store_exec(&r, "device_update", 19, p);
  return rc == RL_OK ? one(out, ref, r, RL_ENOTFOUND) : rc;
}

/* {a,b,c}: statuses are plain identifiers, so no quoting is needed. */
static void status_array(char *out, size_t cap, const char *const *v, size_t n)
{
  size_t len = (size_t)snprintf(out, cap, "{");
  for (size_t i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", v[i]);
  if (len < cap)
    snprintf(out + len, cap - len, "}");
}

int store_device_move(json_t **out, struct store_device_ref *ref, const char *const *from,
                      const char *const *to, size_t n, const char *note,
                      const struct store_actor *actor)
{
  char id[24], key_id[24], f[128], t[128];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  status_array(f, sizeof f, from, n);
  status_array(t, sizeof t, to, n);
  const char *p[] = {id, f, t, note, actor->name, key_id};
  if (out == NULL)
    return store_exec_deferred("device_move", 6, p);
  PGresult *r;
  int rc = store_exec(&r, "device_move", 6, p);
  return rc == RL_OK ? one(out, ref, r, RL_ECONFLICT) : rc;
}

/* The list query with only the filters given, so that PostgreSQL plans and
 * caches each shape of it (a single statement with every filter as
 * "$n IS NULL OR …" was planned again on every call). */
int store_device_list(json_t **out, int64_t *next_before, const struct store_device_filter *f,
                      int64_t before, int limit)
{
  static const char *const conds[] = {
      "d.status = $%d",
      "d.kind = $%d",
      "d.category = $%d",
      "s.slug = $%d",
      "d.received_at >= $%d::date",
      "d.received_at < $%d::date + 1",
      ("(d.brand ILIKE $%d OR d.model ILIKE $%d OR d.serial ILIKE $%d OR d.code ILIKE $%d"
       " OR d.code_body = $%d)"), /* in parentheses: one condition, no comma missing */
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
  size_t len =
      (size_t)snprintf(sql, sizeof sql, "SELECT " DEVICE_COLS HOLD_COLS DEVICE_FROM_TABLES);
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
  snprintf(sql + len, sizeof sql - len, " ORDER BY d.id DESC LIMIT $%d::int", np + 1);
  p[np++] = l;
  char name[40];
  snprintf(name, sizeof name, "device_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  json_t *arr = json_array();
  struct store_device_ref ref = {0, 0, 0};
  int c[C_COUNT];
  store_cols(r, device_col_names, c, C_COUNT);
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, device_json(r, i, c, &ref));
  *next_before = n > limit ? ref.id : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_device_history(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                         int limit)
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
  enum { E_ID, E_AT, E_ACTOR, E_TYPE, E_FROM, E_TO, E_FIELDS, E_NOTE, E_COUNT };
  static const char *const names[E_COUNT] = {"id",          "at",        "actor",  "type",
                                             "from_status", "to_status", "fields", "note"};
  int c[E_COUNT];
  store_cols(r, names, c, E_COUNT);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    if (store_value(r, i, c[E_ID]) == NULL)
      break; /* the device exists but has no (more) events */
    last = strtoll(PQgetvalue(r, i, c[E_ID]), NULL, 10);
    const char *fields = store_value(r, i, c[E_FIELDS]);
    json_t *ev =
        json_pack("{s:I s:o s:o s:o s:o s:o s:o s:o}", "id", (json_int_t)last, "at",
                  store_json_time(r, i, c[E_AT]), "actor", store_json_str(r, i, c[E_ACTOR]), "type",
                  store_json_str(r, i, c[E_TYPE]), "from", store_json_str(r, i, c[E_FROM]), "to",
                  store_json_str(r, i, c[E_TO]), "fields",
                  fields ? json_loads(fields, 0, NULL) : json_array(), "note",
                  store_json_str(r, i, c[E_NOTE]));
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
  static const char *const names[] = {"code_body",     "code",          "kind",        "name_fr",
                                      "brand",         "model",         "received_at", "site_name",
                                      "opening_hours", "tracking_token"};
  enum { N = sizeof names / sizeof names[0] };
  int c[N];
  store_cols(r, names, c, N);
  json_t *items = json_array();
  for (int i = 0; i < PQntuples(r); i++)
    json_array_append_new(
        items, json_pack("{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "code_body",
                         store_json_str(r, i, c[0]), "code", store_json_str(r, i, c[1]), "kind",
                         store_json_str(r, i, c[2]), "category_fr", store_json_str(r, i, c[3]),
                         "brand", store_json_str(r, i, c[4]), "model", store_json_str(r, i, c[5]),
                         "received_at", store_json_time(r, i, c[6]), "site_name",
                         store_json_str(r, i, c[7]), "opening_hours", store_json_str(r, i, c[8]),
                         "tracking_token", store_json_str(r, i, c[9])));
  PQclear(r);
  *out = items;
  return RL_OK;
}
