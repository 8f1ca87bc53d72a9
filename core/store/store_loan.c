/* Prepared statements and row mapping for loans and their events. Each
 * write is one statement (data-modifying CTEs) that also records its
 * event; core composes them with the device's move in one transaction. */
#include "core/store/store_loan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* A loan read from the table (or the CTE named alike) l, its device d,
 * member m and site s, with today t in the time zone $1. */
#define LOAN_COLS                                                                                  \
  "l.id, l.version, l.token, d.code AS device, m.number AS member, l.category, s.slug AS site,"    \
  " CASE WHEN l.returned_at IS NOT NULL THEN 'returned' WHEN l.due_date < t.today THEN 'overdue'"  \
  " ELSE 'open' END AS status, l.start_date::text AS start_date, l.due_date::text AS due_date,"    \
  " CASE WHEN l.returned_at IS NULL THEN greatest(t.today - l.due_date, 0) ELSE 0 END"             \
  " AS days_overdue, l.started_at, l.checkout_condition, l.deposit_amount, l.deposit_method,"      \
  " l.deposit_outcome, l.renewals, l.returned_at, l.return_condition, l.return_note, l.updated_at"
#define LOAN_JOINS                                                                                 \
  " JOIN devices d ON d.id = l.device_id JOIN members m ON m.id = l.member_id"                     \
  " JOIN sites s ON s.id = l.site_id"                                                              \
  " CROSS JOIN (SELECT (rl_now() AT TIME ZONE $1)::date AS today) t"

const struct store_stmt store_loan_stmts[] = {
    /* The hold is read from the device row, which this statement locks:
     * once the lock is its own, the row is the latest (a hold placed by a
     * transaction it waited for is seen). The member's own entry is read
     * as of the statement's start; loan_insert serves it whatever it is. */
    {"loan_checkout_read",
     "SELECT nextval(pg_get_serial_sequence('loans', 'id')) AS loan_id, d.id AS device_id,"
     " d.version AS device_version, d.site_id, d.code, d.kind, d.status, d.category,"
     " m.id AS member_id, m.status AS member_status, m.open_loans, m.loan_limit,"
     " d.held_for AS hold_member_id, hm.number AS hold_member,"
     " to_char(d.held_until AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI') AS hold_until,"
     " d.held_until > rl_now() AS hold_live, e.held_device_id AS entry_device_id,"
     " t.today::text AS today, (t.today + $4::int)::text AS max_due,"
     " (t.today + $5::int)::text AS default_due"
     " FROM devices d CROSS JOIN members m"
     " CROSS JOIN (SELECT (rl_now() AT TIME ZONE $1)::date AS today) t"
     " LEFT JOIN members hm ON hm.id = d.held_for"
     " LEFT JOIN waitlist e ON e.member_id = m.id AND e.category = d.category"
     " AND e.status IN ('waiting', 'held')"
     " WHERE d.code_body = $2 AND m.number_body = $3 FOR UPDATE OF d, m",
     0},
    {"loan_dates",
     "SELECT t.today::text AS today, (t.today + $2::int)::text AS max_due"
     " FROM (SELECT (rl_now() AT TIME ZONE $1)::date AS today) t",
     STORE_RETRY_SAFE},
    {"loan_refs",
     "SELECT EXISTS (SELECT 1 FROM devices WHERE code_body = $1) AS device,"
     " EXISTS (SELECT 1 FROM members WHERE number_body = $2) AS member",
     STORE_RETRY_SAFE},
    {"loan_insert",
     "WITH l AS (INSERT INTO loans (id, device_id, member_id, site_id, category, token,"
     " start_date, due_date, checkout_condition, deposit_amount, deposit_method)"
     " OVERRIDING SYSTEM VALUE VALUES ($2::bigint, $3::bigint, $4::bigint, $5::bigint, $6, $7,"
     " (rl_now() AT TIME ZONE $1)::date, $8::date, $9, $10::numeric, $11) RETURNING *),"
     " mm AS (UPDATE members SET open_loans = open_loans + 1 WHERE id = $4::bigint),"
     " le AS (INSERT INTO loan_events (loan_id, actor, actor_key_id, type, due_date, deposit,"
     " note) SELECT id, $13, $14::bigint, 'checkout', due_date,"
     " CASE WHEN deposit_amount IS NOT NULL THEN 'held' END, $12 FROM l),"
     " w AS (UPDATE waitlist SET status = 'served', ended_at = rl_now(), loan_id = $2::bigint"
     " WHERE member_id = $4::bigint AND category = $6 AND status IN ('waiting', 'held')"
     " RETURNING held_device_id),"
     /* Another device the member's served entry held is free again. */
     " rel AS (UPDATE devices SET held_for = NULL, held_until = NULL FROM w"
     " WHERE devices.id = w.held_device_id AND devices.id <> $3::bigint"
     " AND devices.held_for = $4::bigint)"
     " SELECT " LOAN_COLS " FROM l" LOAN_JOINS,
     0},
    {"loan_get",
     "SELECT " LOAN_COLS ", l.device_id, l.member_id FROM loans l" LOAN_JOINS
     " WHERE l.id = $2::bigint",
     STORE_RETRY_SAFE},
    /* What a renewal or a return needs, the loan locked. Another member
     * waits when an active member's entry for the category (at the loan's
     * site or any) is still waiting and no free device fits it (one would
     * be held for them soon). */
    {"loan_get_lock",
     "SELECT " LOAN_COLS ", l.device_id, l.member_id, d.status AS device_status,"
     " m.status AS member_status, t.today::text AS today,"
     " (t.today + $3::int)::text AS max_due,"
     " (greatest(t.today, l.due_date) + $4::int)::text AS default_due,"
     " EXISTS (SELECT 1 FROM waitlist w JOIN members wm ON wm.id = w.member_id"
     " AND wm.status = 'active' WHERE w.status = 'waiting' AND w.category = l.category"
     " AND (w.site_id IS NULL OR w.site_id = l.site_id) AND w.member_id <> l.member_id"
     " AND NOT EXISTS (SELECT 1 FROM devices f WHERE f.category = l.category"
     " AND f.status = 'available' AND f.kind = 'donation' AND f.held_for IS NULL"
     " AND (w.site_id IS NULL OR f.site_id = w.site_id))) AS others_waiting"
     " FROM loans l" LOAN_JOINS " WHERE l.id = $2::bigint FOR UPDATE OF l",
     0},
    {"loan_renew",
     "WITH l AS (UPDATE loans SET due_date = $3::date, renewals = renewals + 1,"
     " version = version + 1, updated_at = rl_now()"
     " WHERE id = $2::bigint AND returned_at IS NULL RETURNING *),"
     " le AS (INSERT INTO loan_events (loan_id, actor, actor_key_id, type, due_date, note)"
     " SELECT id, $5, $6::bigint, 'renewal', due_date, $4 FROM l),"
     " de AS (INSERT INTO device_events (device_id, actor, actor_key_id, type, note)"
     " SELECT device_id, $5, $6::bigint, 'loan', 'loan ' || id || ' renewed until ' || due_date"
     " FROM l)"
     " SELECT " LOAN_COLS " FROM l" LOAN_JOINS,
     0},
    {"loan_return",
     "WITH l AS (UPDATE loans SET returned_at = rl_now(), return_condition = $3,"
     " return_note = $4, deposit_outcome = $5, version = version + 1, updated_at = rl_now()"
     " WHERE id = $2::bigint AND returned_at IS NULL RETURNING *),"
     " mm AS (UPDATE members SET open_loans = open_loans - 1"
     " WHERE id IN (SELECT member_id FROM l)),"
     " le AS (INSERT INTO loan_events (loan_id, actor, actor_key_id, type, condition, deposit,"
     " note) SELECT id, $6, $7::bigint, 'return', $3, $5, $4 FROM l)"
     " SELECT " LOAN_COLS " FROM l" LOAN_JOINS,
     0},
    {"loan_history",
     "SELECT e.id, e.at, e.actor, e.type, e.due_date::text AS due_date, e.condition, e.deposit,"
     " e.note FROM loans l LEFT JOIN loan_events e ON e.loan_id = l.id AND e.id > $2::bigint"
     " WHERE l.id = $1::bigint ORDER BY e.id LIMIT $3::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_violation store_loan_violations[] = {
    {"loans_open_device", RL_EREFUSED, "device", "device_not_available", "is on loan already"},
    {NULL, 0, NULL, NULL, NULL},
};

enum {
  C_ID,
  C_VERSION,
  C_TOKEN,
  C_DEVICE,
  C_MEMBER,
  C_CATEGORY,
  C_SITE,
  C_STATUS,
  C_START,
  C_DUE,
  C_OVERDUE,
  C_STARTED,
  C_CONDITION,
  C_DEPOSIT,
  C_METHOD,
  C_OUTCOME,
  C_RENEWALS,
  C_RETURNED,
  C_RETURN_CONDITION,
  C_RETURN_NOTE,
  C_UPDATED,
  C_COUNT
};
static const char *const loan_col_names[C_COUNT] = {
    "id",
    "version",
    "token",
    "device",
    "member",
    "category",
    "site",
    "status",
    "start_date",
    "due_date",
    "days_overdue",
    "started_at",
    "checkout_condition",
    "deposit_amount",
    "deposit_method",
    "deposit_outcome",
    "renewals",
    "returned_at",
    "return_condition",
    "return_note",
    "updated_at",
};

static json_t *loan_json(const PGresult *r, int row, const int *c)
{
  json_t *deposit = json_null();
  if (store_value(r, row, c[C_DEPOSIT]) != NULL)
    deposit = json_pack("{s:o s:o s:o}", "amount", store_json_decimal(r, row, c[C_DEPOSIT]),
                        "method", store_json_str(r, row, c[C_METHOD]), "outcome",
                        store_json_str(r, row, c[C_OUTCOME]));
  return json_pack(
      "{s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o s:o}", "id",
      store_json_int(r, row, c[C_ID]), "token", store_json_str(r, row, c[C_TOKEN]), "device",
      store_json_str(r, row, c[C_DEVICE]), "member", store_json_str(r, row, c[C_MEMBER]),
      "category", store_json_str(r, row, c[C_CATEGORY]), "site", store_json_str(r, row, c[C_SITE]),
      "status", store_json_str(r, row, c[C_STATUS]), "start_date",
      store_json_str(r, row, c[C_START]), "due_date", store_json_str(r, row, c[C_DUE]),
      "days_overdue", store_json_int(r, row, c[C_OVERDUE]), "started_at",
      store_json_time(r, row, c[C_STARTED]), "checkout_condition",
      store_json_str(r, row, c[C_CONDITION]), "deposit", deposit, "renewals",
      store_json_int(r, row, c[C_RENEWALS]), "returned_at", store_json_time(r, row, c[C_RETURNED]),
      "return_condition", store_json_str(r, row, c[C_RETURN_CONDITION]), "return_note",
      store_json_str(r, row, c[C_RETURN_NOTE]), "updated_at", store_json_time(r, row, c[C_UPDATED]),
      "version", store_json_int(r, row, c[C_VERSION]));
}

/* The one loan of r (RL_ECONFLICT when none: the loan changed meanwhile). */
static int one(json_t **out, PGresult *r, int none)
{
  if (PQntuples(r) == 0) {
    PQclear(r);
    return none;
  }
  int c[C_COUNT];
  store_cols(r, loan_col_names, c, C_COUNT);
  *out = loan_json(r, 0, c);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}

static void copy(char *dst, size_t cap, const char *src)
{
  snprintf(dst, cap, "%s", src ? src : "");
}

static int64_t id_of(const PGresult *r, int row, int col)
{
  const char *v = store_value(r, row, col);
  return v ? strtoll(v, NULL, 10) : 0;
}

int store_loan_checkout_read(struct store_checkout *out, const char *tz, const char *device_body,
                             const char *member_body, unsigned max_days, unsigned default_days)
{
  char mx[16], df[16];
  snprintf(mx, sizeof mx, "%u", max_days);
  snprintf(df, sizeof df, "%u", default_days);
  const char *p[] = {tz, device_body, member_body, mx, df};
  PGresult *r;
  int rc = store_exec(&r, "loan_checkout_read", 5, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  static const char *const names[] = {
      "loan_id",    "device_id",       "device_version", "site_id",     "code",
      "kind",       "status",          "category",       "member_id",   "member_status",
      "open_loans", "loan_limit",      "hold_member_id", "hold_member", "hold_until",
      "hold_live",  "entry_device_id", "today",          "max_due",     "default_due"};
  enum { N = sizeof names / sizeof names[0] };
  int c[N];
  store_cols(r, names, c, N);
  memset(out, 0, sizeof *out);
  out->loan_id = id_of(r, 0, c[0]);
  out->device_id = id_of(r, 0, c[1]);
  out->device_version = (int)id_of(r, 0, c[2]);
  out->site_id = id_of(r, 0, c[3]);
  copy(out->code, sizeof out->code, store_value(r, 0, c[4]));
  copy(out->kind, sizeof out->kind, store_value(r, 0, c[5]));
  copy(out->status, sizeof out->status, store_value(r, 0, c[6]));
  copy(out->category, sizeof out->category, store_value(r, 0, c[7]));
  out->member_id = id_of(r, 0, c[8]);
  copy(out->member_status, sizeof out->member_status, store_value(r, 0, c[9]));
  out->open_loans = (int)id_of(r, 0, c[10]);
  out->loan_limit = (int)id_of(r, 0, c[11]);
  out->hold_member_id = id_of(r, 0, c[12]);
  copy(out->hold_member, sizeof out->hold_member, store_value(r, 0, c[13]));
  copy(out->hold_until, sizeof out->hold_until, store_value(r, 0, c[14]));
  const char *live = store_value(r, 0, c[15]);
  out->hold_live = live && live[0] == 't';
  out->entry_device_id = id_of(r, 0, c[16]);
  copy(out->today, sizeof out->today, store_value(r, 0, c[17]));
  copy(out->max_due, sizeof out->max_due, store_value(r, 0, c[18]));
  copy(out->default_due, sizeof out->default_due, store_value(r, 0, c[19]));
  PQclear(r);
  return RL_OK;
}

int store_loan_dates(char *today, char *max_due, const char *tz, unsigned max_days)
{
  char mx[16];
  snprintf(mx, sizeof mx, "%u", max_days);
  const char *p[] = {tz, mx};
  PGresult *r;
  int rc = store_exec(&r, "loan_dates", 2, p);
  if (rc != RL_OK)
    return rc;
  snprintf(today, 16, "%s", PQgetvalue(r, 0, 0));
  snprintf(max_due, 16, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  return RL_OK;
}

int store_loan_refs_exist(int *device, int *member, const char *device_body,
                          const char *member_body)
{
  const char *p[] = {device_body, member_body};
  PGresult *r;
  int rc = store_exec(&r, "loan_refs", 2, p);
  if (rc != RL_OK)
    return rc;
  *device = PQgetvalue(r, 0, 0)[0] == 't';
  *member = PQgetvalue(r, 0, 1)[0] == 't';
  PQclear(r);
  return RL_OK;
}

int store_loan_insert(json_t **out, const char *tz, const struct store_checkout *c,
                      const struct store_loan_new *l, const struct store_actor *actor)
{
  char id[24], device[24], member[24], site[24], key_id[24];
  snprintf(id, sizeof id, "%lld", (long long)c->loan_id);
  snprintf(device, sizeof device, "%lld", (long long)c->device_id);
  snprintf(member, sizeof member, "%lld", (long long)c->member_id);
  snprintf(site, sizeof site, "%lld", (long long)c->site_id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {tz,
                     id,
                     device,
                     member,
                     site,
                     c->category,
                     l->token,
                     l->due_date,
                     l->checkout_condition,
                     l->deposit_amount,
                     l->deposit_method,
                     l->note,
                     actor->name,
                     key_id};
  PGresult *r;
  int rc = store_exec(&r, "loan_insert", 14, p);
  return rc == RL_OK ? one(out, r, RL_ECONFLICT) : rc;
}

int store_loan_get(json_t **out, struct store_loan_state *st, const char *tz, int64_t id, int lock,
                   unsigned max_days, unsigned renew_days)
{
  char i[24], mx[16], df[16];
  snprintf(i, sizeof i, "%lld", (long long)id);
  snprintf(mx, sizeof mx, "%u", max_days);
  snprintf(df, sizeof df, "%u", renew_days);
  const char *p[] = {tz, i, mx, df};
  PGresult *r;
  int rc = store_exec(&r, lock ? "loan_get_lock" : "loan_get", lock ? 4 : 2, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  if (st) {
    static const char *const names[] = {"id",
                                        "device_id",
                                        "member_id",
                                        "version",
                                        "renewals",
                                        "returned_at",
                                        "deposit_amount",
                                        "device_status",
                                        "member_status",
                                        "days_overdue",
                                        "others_waiting",
                                        "due_date",
                                        "max_due",
                                        "default_due",
                                        "today"};
    enum { N = sizeof names / sizeof names[0] };
    int c[N];
    store_cols(r, names, c, N);
    memset(st, 0, sizeof *st);
    st->id = id_of(r, 0, c[0]);
    st->device_id = id_of(r, 0, c[1]);
    st->member_id = id_of(r, 0, c[2]);
    st->version = (int)id_of(r, 0, c[3]);
    st->renewals = (int)id_of(r, 0, c[4]);
    st->returned = store_value(r, 0, c[5]) != NULL;
    st->has_deposit = store_value(r, 0, c[6]) != NULL;
    copy(st->device_status, sizeof st->device_status, store_value(r, 0, c[7]));
    copy(st->member_status, sizeof st->member_status, store_value(r, 0, c[8]));
    st->days_overdue = (int)id_of(r, 0, c[9]);
    const char *w = store_value(r, 0, c[10]);
    st->others_waiting = w && w[0] == 't';
    copy(st->due_date, sizeof st->due_date, store_value(r, 0, c[11]));
    copy(st->max_due, sizeof st->max_due, store_value(r, 0, c[12]));
    copy(st->default_due, sizeof st->default_due, store_value(r, 0, c[13]));
    copy(st->today, sizeof st->today, store_value(r, 0, c[14]));
  }
  return one(out, r, RL_ENOTFOUND);
}

int store_loan_renew(json_t **out, const char *tz, int64_t id, const char *due_date,
                     const char *note, const struct store_actor *actor)
{
  char i[24], key_id[24];
  snprintf(i, sizeof i, "%lld", (long long)id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {tz, i, due_date, note, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "loan_renew", 6, p);
  return rc == RL_OK ? one(out, r, RL_ECONFLICT) : rc;
}

int store_loan_return(json_t **out, const char *tz, int64_t id, const char *condition,
                      const char *note, const char *deposit, const struct store_actor *actor)
{
  char i[24], key_id[24];
  snprintf(i, sizeof i, "%lld", (long long)id);
  snprintf(key_id, sizeof key_id, "%lld", (long long)actor->key_id);
  const char *p[] = {tz, i, condition, note, deposit, actor->name, key_id};
  PGresult *r;
  int rc = store_exec(&r, "loan_return", 7, p);
  return rc == RL_OK ? one(out, r, RL_ECONFLICT) : rc;
}

/* The list query with only the filters given, so that PostgreSQL plans and
 * caches each shape (see store_device_list); the open and overdue lists in
 * due-date order walk the partial indexes on open loans. */
int store_loan_list(json_t **out, char *next_cursor, const char *tz,
                    const struct store_loan_filter *f, int limit)
{
  static const char *const conds[] = {
      "l.returned_at IS NULL",
      "l.returned_at IS NULL AND l.due_date < t.today",
      "l.returned_at IS NOT NULL",
      "l.returned_at IS NULL AND l.due_date >= t.today AND l.due_date <= t.today + $%d::int",
      "m.number_body = $%d",
      "d.code_body = $%d",
      "l.site_id = (SELECT id FROM sites WHERE slug = $%d)",
      "(l.due_date, l.id) > ($%d::date, $%d::bigint)",
      "l.id < $%d::bigint",
  };
  char after[24], before[24], lim[16];
  snprintf(after, sizeof after, "%lld", (long long)f->after_id);
  snprintf(before, sizeof before, "%lld", (long long)f->before_id);
  snprintf(lim, sizeof lim, "%d", limit + 1);
  const char *status = f->status ? f->status : "";
  int by_due = f->order == STORE_LOAN_BY_DUE;
  /* A condition is given when its value is: NULL for no parameter needed. */
  const char *given[] = {
      strcmp(status, "open") == 0 && !f->due_within ? "" : NULL,
      strcmp(status, "overdue") == 0 ? "" : NULL,
      strcmp(status, "returned") == 0 ? "" : NULL,
      f->due_within,
      f->member_body,
      f->device_body,
      f->site,
      by_due && f->after_due ? f->after_due : NULL,
      !by_due && f->before_id > 0 ? before : NULL,
  };
  const char *p[12];
  int np = 0;
  p[np++] = tz;
  unsigned mask = 0;
  char sql[3072];
  size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT " LOAN_COLS " FROM loans l" LOAN_JOINS);
  int where = 0;
  for (unsigned i = 0; i < sizeof given / sizeof given[0]; i++) {
    if (given[i] == NULL)
      continue;
    mask |= 1u << i;
    len += (size_t)snprintf(sql + len, sizeof sql - len, " %s ", where++ ? "AND" : "WHERE");
    if (i <= 2) {
      len += (size_t)snprintf(sql + len, sizeof sql - len, "%s", conds[i]);
    } else if (i == 7) {
      len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], np + 1, np + 2);
      p[np++] = f->after_due;
      p[np++] = after;
    } else {
      len += (size_t)snprintf(sql + len, sizeof sql - len, conds[i], np + 1);
      p[np++] = given[i];
    }
  }
  snprintf(sql + len, sizeof sql - len, " ORDER BY %s LIMIT $%d::int",
           by_due ? "l.due_date, l.id" : "l.id DESC", np + 1);
  p[np++] = lim;
  char name[40];
  snprintf(name, sizeof name, "loan_list_%c%03x", by_due ? 'd' : 'n', mask);
  PGresult *r;
  int rc = store_exec_shaped(&r, name, sql, np, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  int c[C_COUNT];
  store_cols(r, loan_col_names, c, C_COUNT);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, loan_json(r, i, c));
  next_cursor[0] = '\0';
  if (n > limit) {
    const char *id = PQgetvalue(r, limit - 1, c[C_ID]);
    if (by_due)
      snprintf(next_cursor, 48, "%s.%s", PQgetvalue(r, limit - 1, c[C_DUE]), id);
    else
      snprintf(next_cursor, 48, "%s", id);
  }
  PQclear(r);
  *out = arr;
  return RL_OK;
}

int store_loan_history(json_t **out, int64_t *next_after, int64_t id, int64_t after, int limit)
{
  char i[24], a[24], l[16];
  snprintf(i, sizeof i, "%lld", (long long)id);
  snprintf(a, sizeof a, "%lld", (long long)after);
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {i, a, l};
  PGresult *r;
  int rc = store_exec(&r, "loan_history", 3, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  if (n == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  static const char *const names[] = {"id",       "at",        "actor",   "type",
                                      "due_date", "condition", "deposit", "note"};
  enum { N = sizeof names / sizeof names[0] };
  int c[N];
  store_cols(r, names, c, N);
  json_t *arr = json_array();
  int64_t last = 0;
  for (int k = 0; k < n && k < limit; k++) {
    if (store_value(r, k, c[0]) == NULL)
      break; /* the loan exists but has no (more) events */
    last = id_of(r, k, c[0]);
    json_array_append_new(
        arr, json_pack("{s:I s:o s:o s:o s:o s:o s:o s:o}", "id", (json_int_t)last, "at",
                       store_json_time(r, k, c[1]), "actor", store_json_str(r, k, c[2]), "type",
                       store_json_str(r, k, c[3]), "due_date", store_json_str(r, k, c[4]),
                       "condition", store_json_str(r, k, c[5]), "deposit",
                       store_json_str(r, k, c[6]), "note", store_json_str(r, k, c[7])));
  }
  *next_after = n > limit ? last : 0;
  PQclear(r);
  *out = arr;
  return RL_OK;
}
