/* Prepared statements and row mapping for members, their contact and their
 * events. Each write is one statement (data-modifying CTEs) that also
 * records its event; core composes them in transactions where a change
 * needs a read first. Times come from rl_now(), the programme's clock. */
#include "core/store/store_member.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* The same column list reads a member from the tables (m, c) or from the
 * CTEs named alike. */
#define MEMBER_COLS                                                                                \
  "m.id, m.version, m.number, m.language, m.loan_limit, m.open_loans, m.status, m.notes,"          \
  " m.created_at, m.updated_at, c.member_id AS contact_id, c.name AS contact_name,"                \
  " c.email AS contact_email, c.phone AS contact_phone, c.notify AS contact_notify"
#define MEMBER_FROM_TABLES " FROM members m LEFT JOIN member_contacts c ON c.member_id = m.id"

const struct store_stmt store_member_stmts[] = {
    {"member_insert",
     /* A number already taken inserts nothing (the caller draws another),
      * so a collision never aborts the caller's transaction. */
     "WITH m AS (INSERT INTO members (number, number_body, language, loan_limit, notes)"
     " VALUES ($1, $2, $3, $4::int, $5) ON CONFLICT (number_body) DO NOTHING RETURNING *),"
     " c AS (INSERT INTO member_contacts (member_id, name, email, phone, notify)"
     " SELECT id, $7, $8, $9, $12::boolean FROM m WHERE $6::boolean RETURNING *),"
     " e AS (INSERT INTO member_events (member_id, actor, actor_key_id, type)"
     " SELECT id, $10, $11::bigint, 'created' FROM m)"
     " SELECT " MEMBER_COLS " FROM m LEFT JOIN c ON c.member_id = m.id",
     0},
    {"member_get", "SELECT " MEMBER_COLS MEMBER_FROM_TABLES " WHERE m.number_body = $1",
     STORE_RETRY_SAFE},
    {"member_get_lock",
     "SELECT " MEMBER_COLS MEMBER_FROM_TABLES " WHERE m.number_body = $1 FOR UPDATE OF m", 0},
    {"member_update",
     "WITH m AS (UPDATE members SET language = $2, loan_limit = $3::int, notes = $4,"
     " version = version + 1, updated_at = rl_now() WHERE id = $1::bigint RETURNING *),"
     " gone AS (DELETE FROM member_contacts WHERE member_id IN (SELECT id FROM m)"
     " AND $5 = 'erase'),"
     " c AS (INSERT INTO member_contacts (member_id, name, email, phone, notify)"
     " SELECT id, $6, $7, $8, $12::boolean FROM m WHERE $5 = 'set'"
     " ON CONFLICT (member_id) DO UPDATE"
     " SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,"
     " notify = EXCLUDED.notify, updated_at = rl_now() RETURNING *),"
     " e AS (INSERT INTO member_events (member_id, actor, actor_key_id, type, fields)"
     " SELECT id, $9, $10::bigint, 'edit', $11::text[] FROM m)"
     " SELECT " MEMBER_COLS " FROM m LEFT JOIN (SELECT * FROM c UNION ALL"
     " SELECT * FROM member_contacts WHERE $5 = 'keep') c ON c.member_id = m.id",
     0},
    {"member_move",
     "WITH m AS (UPDATE members SET status = $3, version = version + 1, updated_at = rl_now()"
     " WHERE id = $1::bigint AND status = $2 RETURNING *),"
     " e AS (INSERT INTO member_events (member_id, actor, actor_key_id, type, note)"
     " SELECT id, $6, $7::bigint, $4, $5 FROM m)"
     " SELECT " MEMBER_COLS " FROM m LEFT JOIN member_contacts c ON c.member_id = m.id",
     0},
    {"member_history",
     "SELECT e.id, e.at, e.actor, e.type, array_to_json(e.fields)::text AS fields, e.note"
     " FROM members m LEFT JOIN member_events e ON e.member_id = m.id AND e.id > $2::bigint"
     " WHERE m.number_body = $1 ORDER BY e.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

/* The checks core makes first (core/fields.c); named here too so that a
 * value that slips past them is still a 400 naming its field. */
const struct store_violation store_member_violations[] = {
    {"members_loan_limit_check", RL_EINVALID, "loan_limit", "out_of_range", "must be from 0 to 50"},
    {"members_language_check", RL_EINVALID, "language", "not_one_of", "must be one of: fr, en"},
    {NULL, 0, NULL, NULL, NULL},
};

/* The columns of MEMBER_COLS, by name. */
enum {
  C_ID,
  C_VERSION,
  C_NUMBER,
  C_LANGUAGE,
  C_LIMIT,
  C_OPEN,
  C_STATUS,
  C_NOTES,
  C_CREATED,
  C_UPDATED,
  C_CONTACT,
  C_NAME,
  C_EMAIL,
  C_PHONE,
  C_NOTIFY,
  C_COUNT
};
static const char *const member_col_names[C_COUNT] = {
    "id",         "version",      "number",        "language",      "loan_limit",
    "open_loans", "status",       "notes",         "created_at",    "updated_at",
    "contact_id", "contact_name", "contact_email", "contact_phone", "contact_notify",
};

static json_t *member_json(const PGresult *r, int row, const int *c, struct store_member_ref *ref)
{
  if (ref) {
    ref->id = strtoll(PQgetvalue(r, row, c[C_ID]), NULL, 10);
    ref->version = (int)strtol(PQgetvalue(r, row, c[C_VERSION]), NULL, 10);
  }
  json_t *contact = store_value(r, row, c[C_CONTACT]) == NULL
                        ? json_null()
                        : json_pack("{s:o s:o s:o s:o}", "name", store_json_str(r, row, c[C_NAME]),
                                    "email", store_json_str(r, row, c[C_EMAIL]), "phone",
                                    store_json_str(r, row, c[C_PHONE]), "notify",
                                    store_json_bool(r, row, c[C_NOTIFY]));
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "number", store_json_str(r, row, c[C_NUMBER]),
      "language", store_json_str(r, row, c[C_LANGUAGE]), "loan_limit",
      store_json_int(r, row, c[C_LIMIT]), "open_loans", store_json_int(r, row, c[C_OPEN]), "status",
      store_json_str(r, row, c[C_STATUS]), "notes", store_json_str(r, row, c[C_NOTES]), "contact",
      contact, "created_at", store_json_time(r, row, c[C_CREATED]), "updated_at",
      store_json_time(r, row, c[C_UPDATED]));
}

static int one(json_t **out, struct store_member_ref *ref, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  int c[C_COUNT];
  store_cols(r, member_col_names, c, C_COUNT);
  *out = member_json(r, 0, c, ref);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_member_insert(json_t **out, struct store_member_ref *ref, const char *number,
                        const char *number_body, const struct store_member_fields *f,
                        const struct store_owner *contact, const struct store_actor *actor)
{
  char key_id[24];
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {number,
                     number_body,
                     f->language,
                     f->loan_limit,
                     f->notes,
                     contact ? "true" : "false",
                     contact ? contact->name : NULL,
                     contact ? contact->email : NULL,
                     contact ? contact->phone : NULL,
                     actor->name,
                     key_id,
                     contact && contact->notify ? contact->notify : "false"};
  PGresult *r;
  int rc = store_exec(&r, "member_insert", 12, p);
  return rc == RL_OK ? one(out, ref, r, RL_EDUPLICATE) : rc;
}

int store_member_get(json_t **out, struct store_member_ref *ref, const char *number_body, int lock)
{
  const char *p[] = {number_body};
  PGresult *r;
  int rc = store_exec(&r, lock ? "member_get_lock" : "member_get", 1, p);
  return rc == RL_OK ? one(out, ref, r, RL_ENOTFOUND) : rc;
}

int store_member_update(json_t **out, struct store_member_ref *ref,
                        const struct store_member_fields *f, enum store_owner_action contact_action,
                        const struct store_owner *contact, const char *fields,
                        const struct store_actor *actor)
{
  static const char *actions[] = {"keep", "set", "erase"};
  char id[24], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {id,
                     f->language,
                     f->loan_limit,
                     f->notes,
                     actions[contact_action],
                     contact ? contact->name : NULL,
                     contact ? contact->email : NULL,
                     contact ? contact->phone : NULL,
                     actor->name,
                     key_id,
                     fields,
                     contact && contact->notify ? contact->notify : "false"};
  PGresult *r;
  int rc = store_exec(&r, "member_update", 12, p);
  return rc == RL_OK ? one(out, ref, r, RL_ENOTFOUND) : rc;
}

int store_member_move(json_t **out, struct store_member_ref *ref, const char *from, const char *to,
                      const char *event, const char *note, const struct store_actor *actor)
{
  char id[24], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)ref->id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {id, from, to, event, note, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "member_move", 7, p);
  return rc == RL_OK ? one(out, ref, r, RL_ECONFLICT) : rc;
}

/* The list query with only the filters given, so that PostgreSQL plans and
 * caches each shape of it (as store_device_list does). */
int store_member_list(json_t **out, int64_t *next_before, const struct store_member_filter *f,
                      int64_t before, int limit)
{
  char b[24], l[16];
  snprintf(b, sizeof b, "%lld", (long long)before);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[8];
  int np = 0;
  unsigned mask = 0;
  char sql[2048];
  size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT " MEMBER_COLS MEMBER_FROM_TABLES);
  if (f->status) {
    mask |= 1u;
    p[np++] = f->status;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " WHERE m.status = $%d", np);
  }
  if (f->q_number || f->q_like) {
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s (", np ? "AND" : "WHERE");
    if (f->q_number) {
      mask |= 2u;
      p[np++] = f->q_number;
      len += (size_t)snprintf(sql + len, sizeof sql - len, "m.number_body = $%d", np);
    }
    if (f->q_like) {
      mask |= 4u;
      p[np++] = f->q_like;
      len += (size_t)snprintf(sql + len, sizeof sql - len,
                              "%sc.name ILIKE $%d OR c.email ILIKE $%d OR c.phone ILIKE $%d",
                              f->q_number ? " OR " : "", np, np, np);
    }
    if (f->q_phone) {
      /* The same national number, whichever way it was written: "06 12 34
       * 56 78" finds "+33612345678" (sql/0012_people.sql). */
      mask |= 16u;
      p[np++] = f->q_phone;
      p[np++] = f->country;
      len +=
          (size_t)snprintf(sql + len, sizeof sql - len,
                           " OR (c.phone_rev <> ''"
                           " AND c.phone_rev = ANY (rl_phone_forms(rl_phone_key($%d, $%d), $%d)))",
                           np - 1, np, np);
    }
    len += (size_t)snprintf(sql + len, sizeof sql - len, ")");
  }
  if (before > 0) {
    mask |= 8u;
    p[np++] = b;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s m.id < $%d::bigint",
                            np > 1 ? "AND" : "WHERE", np);
  }
  p[np++] = l;
  snprintf(sql + len, sizeof sql - len, " ORDER BY m.id DESC LIMIT $%d::int", np);
  char name[40];
  snprintf(name, sizeof name, "member_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  json_t *arr = json_array();
  struct store_member_ref ref = {0, 0};
  int c[C_COUNT];
  store_cols(r, member_col_names, c, C_COUNT);
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, member_json(r, i, c, &ref));
  *next_before = n > limit ? ref.id : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_member_history(json_t **out, int64_t *next_after, const char *number_body, int64_t after,
                         int limit)
{
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {number_body, a, l};
  PGresult *r;
  int rc = store_exec(&r, "member_history", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  enum { E_ID, E_AT, E_ACTOR, E_TYPE, E_FIELDS, E_NOTE, E_COUNT };
  static const char *const names[E_COUNT] = {"id", "at", "actor", "type", "fields", "note"};
  int c[E_COUNT];
  store_cols(r, names, c, E_COUNT);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    if (store_value(r, i, c[E_ID]) == NULL)
      break; /* the member exists but has no (more) events */
    last = strtoll(PQgetvalue(r, i, c[E_ID]), NULL, 10);
    const char *fields = store_value(r, i, c[E_FIELDS]);
    json_array_append_new(arr, json_pack("{s:I s:o s:o s:o s:o s:o}", "id", (json_int_t)last, "at",
                                         store_json_time(r, i, c[E_AT]), "actor",
                                         store_json_str(r, i, c[E_ACTOR]), "type",
                                         store_json_str(r, i, c[E_TYPE]), "fields",
                                         fields ? json_loads(fields, 0, NULL) : json_array(),
                                         "note", store_json_str(r, i, c[E_NOTE])));
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
