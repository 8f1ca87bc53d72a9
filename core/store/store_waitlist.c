/* Prepared statements and row mapping for waiting lists and holds. A hold
 * is written twice, on the entry and on the device row (held_for,
 * held_until), in the same statement: the device row is what a checkout
 * locks and reads. */
#include "core/store/store_waitlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* An entry read from the table (or the CTE named alike) w. Its position
 * counts the active entries of its category up to it. */
#define ENTRY_COLS                                                                                 \
  "w.id, m.number AS member, w.category, s.slug AS site, w.status, w.joined_at,"                   \
  " hd.code AS held_device, w.held_until, w.ended_at, w.loan_id,"                                  \
  " CASE WHEN w.status IN ('waiting', 'held') THEN (SELECT count(*) FROM waitlist q"               \
  " WHERE q.category = w.category AND q.status IN ('waiting', 'held') AND q.id <= w.id)"           \
  " END AS position, w.held_device_id"
#define ENTRY_JOINS                                                                                \
  " JOIN members m ON m.id = w.member_id LEFT JOIN sites s ON s.id = w.site_id"                    \
  " LEFT JOIN devices hd ON hd.id = w.held_device_id"

/* A hold for hold_days ($2) from the programme's clock. */
#define HOLD_SET                                                                                   \
  " status = 'held', held_at = rl_now(), held_until = rl_now() + $2::int * interval '1 day'"

const struct store_stmt store_waitlist_stmts[] = {
    {"waitlist_member", "SELECT id, status FROM members WHERE number_body = $1 FOR UPDATE", 0},
    {"waitlist_join",
     "WITH w AS (INSERT INTO waitlist (member_id, category, site_id, actor, actor_key_id)"
     " VALUES ($1::bigint, $2, (SELECT id FROM sites WHERE slug = $3), $4, $5::bigint)"
     " RETURNING *)"
     " SELECT " ENTRY_COLS " FROM w" ENTRY_JOINS,
     0},
    {"waitlist_get", "SELECT " ENTRY_COLS " FROM waitlist w" ENTRY_JOINS " WHERE w.id = $1::bigint",
     STORE_RETRY_SAFE},
    {"waitlist_get_lock",
     "SELECT " ENTRY_COLS " FROM waitlist w" ENTRY_JOINS " WHERE w.id = $1::bigint FOR UPDATE OF w",
     0},
    {"waitlist_lock_device", "SELECT id FROM devices WHERE id = $1::bigint FOR UPDATE", 0},
    {"waitlist_leave",
     "WITH w AS (UPDATE waitlist SET status = 'left', ended_at = rl_now()"
     " WHERE id = $1::bigint AND status IN ('waiting', 'held') RETURNING *),"
     " dv AS (UPDATE devices SET held_for = NULL, held_until = NULL FROM w"
     " WHERE devices.id = w.held_device_id AND devices.held_for = w.member_id)"
     " SELECT " ENTRY_COLS " FROM w" ENTRY_JOINS,
     0},
    /* Suspended members keep their place but are passed over. An entry
     * another transaction is serving is skipped: the device goes to the
     * next in line rather than waiting for it. */
    {"waitlist_offer",
     "WITH d AS (SELECT d.id, d.category, d.site_id FROM devices d WHERE d.id = $1::bigint"
     " AND d.status = 'available' AND d.kind = 'donation' AND d.held_for IS NULL FOR UPDATE),"
     " e AS (SELECT w.id FROM waitlist w JOIN members m ON m.id = w.member_id"
     " AND m.status = 'active' JOIN d ON w.category = d.category"
     " AND (w.site_id IS NULL OR w.site_id = d.site_id) WHERE w.status = 'waiting'"
     " ORDER BY w.id LIMIT 1 FOR UPDATE OF w SKIP LOCKED),"
     " h AS (UPDATE waitlist SET held_device_id = $1::bigint," HOLD_SET " FROM e"
     " WHERE waitlist.id = e.id RETURNING waitlist.member_id, waitlist.held_until)"
     " UPDATE devices SET held_for = h.member_id, held_until = h.held_until FROM h"
     " WHERE devices.id = $1::bigint",
     0},
    /* The first waiting entry that a free device fits, and that device;
     * devices being lent or moved (locked) are skipped. */
    {"waitlist_match",
     "WITH pick AS (SELECT w.id AS entry_id, f.id AS device_id"
     " FROM waitlist w JOIN members m ON m.id = w.member_id AND m.status = 'active'"
     " CROSS JOIN LATERAL (SELECT d.id FROM devices d WHERE d.category = w.category"
     " AND d.status = 'available' AND d.kind = 'donation'"
     " AND (w.site_id IS NULL OR d.site_id = w.site_id) AND d.held_for IS NULL"
     " ORDER BY d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED) f"
     " WHERE w.status = 'waiting' AND ($1::text IS NULL OR w.category = $1)"
     " ORDER BY w.id LIMIT 1 FOR UPDATE OF w SKIP LOCKED),"
     " h AS (UPDATE waitlist SET held_device_id = pick.device_id," HOLD_SET " FROM pick"
     " WHERE waitlist.id = pick.entry_id"
     " RETURNING waitlist.id, waitlist.member_id, waitlist.held_device_id, waitlist.held_until)"
     " UPDATE devices SET held_for = h.member_id, held_until = h.held_until FROM h"
     " WHERE devices.id = h.held_device_id RETURNING h.id",
     0},
    /* Only a hold that ran out: one placed meanwhile stays. */
    {"waitlist_expire_device",
     "WITH w AS (UPDATE waitlist SET status = 'expired', ended_at = rl_now()"
     " WHERE held_device_id = $1::bigint AND status = 'held' AND held_until <= rl_now()"
     " RETURNING id)"
     " UPDATE devices SET held_for = NULL, held_until = NULL"
     " WHERE id = $1::bigint AND EXISTS (SELECT 1 FROM w) RETURNING id",
     0},
    {"waitlist_expire",
     "WITH x AS (SELECT w.id FROM waitlist w JOIN devices d ON d.id = w.held_device_id"
     " WHERE w.status = 'held' AND w.held_until <= rl_now() ORDER BY w.held_until"
     " LIMIT $1::int FOR UPDATE OF w, d SKIP LOCKED),"
     " w AS (UPDATE waitlist e SET status = 'expired', ended_at = rl_now() FROM x"
     " WHERE e.id = x.id RETURNING e.held_device_id)"
     " UPDATE devices SET held_for = NULL, held_until = NULL FROM w"
     " WHERE devices.id = w.held_device_id RETURNING devices.id",
     0},
    {NULL, NULL, 0},
};

const struct store_violation store_waitlist_violations[] = {
    {"waitlist_member_category", RL_EREFUSED, "member", "already_waiting",
     "is in the line for this category already"},
    {"waitlist_category_fkey", RL_EINVALID, "category", "unknown_category",
     "is not a known category slug"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_ID,
  C_MEMBER,
  C_CATEGORY,
  C_SITE,
  C_STATUS,
  C_JOINED,
  C_HELD_DEVICE,
  C_HELD_UNTIL,
  C_ENDED,
  C_LOAN,
  C_POSITION,
  C_HELD_DEVICE_ID,
  C_COUNT
};
static const char *const entry_col_names[C_COUNT] = {
    "id",          "member",     "category", "site",    "status",   "joined_at",
    "held_device", "held_until", "ended_at", "loan_id", "position", "held_device_id",
};

static json_t *entry_json(const PGresult *r, int row, const int *c)
{
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id", store_json_int(r, row, c[C_ID]),
      "member", store_json_str(r, row, c[C_MEMBER]), "category",
      store_json_str(r, row, c[C_CATEGORY]), "site", store_json_str(r, row, c[C_SITE]), "status",
      store_json_str(r, row, c[C_STATUS]), "position", store_json_int(r, row, c[C_POSITION]),
      "joined_at", store_json_time(r, row, c[C_JOINED]), "held_device",
      store_json_str(r, row, c[C_HELD_DEVICE]), "held_until",
      store_json_time(r, row, c[C_HELD_UNTIL]), "ended_at", store_json_time(r, row, c[C_ENDED]),
      "loan_id", store_json_int(r, row, c[C_LOAN]));
}

static int64_t id_of(const PGresult *r, int row, int col)
{
  const char *v = store_value(r, row, col);
  return v ? strtoll(v, NULL, 10) : 0;
}

/* The one entry of r; *id and *device_id when asked. */
static int one(json_t **out, int64_t *id, int64_t *device_id, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  int c[C_COUNT];
  store_cols(r, entry_col_names, c, C_COUNT);
  if (id)
    *id = id_of(r, 0, c[C_ID]);
  if (device_id)
    *device_id = id_of(r, 0, c[C_HELD_DEVICE_ID]);
  *out = entry_json(r, 0, c);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

int store_waitlist_member(int64_t *id, char *status, const char *member_body)
{
  const char *p[] = {member_body};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_member", 1, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  *id = id_of(r, 0, 0);
  snprintf(status, 16, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  return RL_OK;
}

int store_waitlist_join(json_t **out, int64_t *entry_id, int64_t member_id, const char *category,
                        const char *site, const struct store_actor *actor)
{
  char m[24], key_id[24];
  snprintf(m, sizeof m, "%lld", (long long)member_id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {m, category, site, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_join", 5, p);
  return rc == RL_OK ? one(out, entry_id, NULL, r, RL_EDB) : rc;
}

int store_waitlist_get(json_t **out, int64_t *device_id, int *active, int64_t id, int lock)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", (long long)id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, lock ? "waitlist_get_lock" : "waitlist_get", 1, p);
  if (rc != RL_OK)
    return rc;
  rc = one(out, NULL, device_id, r, RL_ENOTFOUND);
  if (rc == RL_OK && active) {
    const char *st = json_string_value(json_object_get(*out, "status"));
    *active = st && (strcmp(st, "waiting") == 0 || strcmp(st, "held") == 0);
  }
  return rc;
}

int store_waitlist_lock_device(int64_t device_id)
{
  char d[24];
  snprintf(d, sizeof d, "%lld", (long long)device_id);
  const char *p[] = {d};
  return store_exec_cmd("waitlist_lock_device", 1, p);
}

int store_waitlist_leave(json_t **out, int64_t id)
{
  char i[24];
  snprintf(i, sizeof i, "%lld", (long long)id);
  const char *p[] = {i};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_leave", 1, p);
  return rc == RL_OK ? one(out, NULL, NULL, r, RL_ECONFLICT) : rc;
}

int store_waitlist_offer(int64_t device_id, unsigned hold_days, int deferred)
{
  char d[24], h[16];
  snprintf(d, sizeof d, "%lld", (long long)device_id);
  snprintf(h, sizeof h, "%u", hold_days);
  const char *p[] = {d, h};
  if (deferred)
    return store_exec_deferred("waitlist_offer", 2, p);
  return store_exec_cmd("waitlist_offer", 2, p);
}

int store_waitlist_match(int *held, const char *category, unsigned hold_days)
{
  char h[16];
  snprintf(h, sizeof h, "%u", hold_days);
  const char *p[] = {category, h};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_match", 2, p);
  if (rc != RL_OK)
    return rc;
  *held = PQntuples(r) > 0;
  PQclear(r);
  return RL_OK;
}

int store_waitlist_expire_device(int *ended, int64_t device_id)
{
  char d[24];
  snprintf(d, sizeof d, "%lld", (long long)device_id);
  const char *p[] = {d};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_expire_device", 1, p);
  if (rc != RL_OK)
    return rc;
  *ended = PQntuples(r) > 0;
  PQclear(r);
  return RL_OK;
}

int store_waitlist_expire(int64_t *devices, size_t *n, size_t limit)
{
  char l[16];
  snprintf(l, sizeof l, "%zu", limit);
  const char *p[] = {l};
  PGresult *r;
  int rc = store_exec(&r, "waitlist_expire", 1, p);
  if (rc != RL_OK)
    return rc;
  *n = 0;
  for (int i = 0; i < PQntuples(r) && *n < limit; i++)
    devices[(*n)++] = id_of(r, i, 0);
  PQclear(r);
  return RL_OK;
}

int store_waitlist_list(json_t **out, int64_t *next_after, const struct store_waitlist_filter *f,
                        int64_t after, int limit)
{
  static const char *const conds[] = {
      "w.category = $%d",    "w.site_id = (SELECT id FROM sites WHERE slug = $%d)",
      "m.number_body = $%d", "w.status IN ('waiting', 'held')",
      "w.id > $%d::bigint",
  };
  char a[24], l[16];
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *given[] = {f->category, f->site, f->member_body, f->active_only ? "" : NULL,
                         after > 0 ? a : NULL};
  const char *p[8];
  int np = 0;
  unsigned mask = 0;
  char sql[2048];
  size_t len =
      (size_t)snprintf(sql, sizeof sql, "SELECT " ENTRY_COLS " FROM waitlist w" ENTRY_JOINS);
  for (unsigned i = 0; i < sizeof given / sizeof given[0]; i++) {
    if (given[i] == NULL)
      continue;
    mask |= 1u << i;
    len +=
        (size_t)snprintf(sql + len, sizeof sql - len, " %s ", mask == (1u << i) ? "WHERE" : "AND");
    if (i == 3) {
      len += (size_t)snprintf(sql + len, sizeof sql - len, "%s", conds[i]);
    } else {
      len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], np + 1);
      p[np++] = given[i];
    }
  }
  snprintf(sql + len, sizeof sql - len, " ORDER BY w.id LIMIT $%d::int", np + 1);
  p[np++] = l;
  char name[40];
  snprintf(name, sizeof name, "waitlist_list_%02x", mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  int c[C_COUNT];
  store_cols(r, entry_col_names, c, C_COUNT);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int i = 0; i < n && i < limit; i++) {
    last = id_of(r, i, c[C_ID]);
    json_array_append_new(arr, entry_json(r, i, c));
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
