/* Prepared statements for finding people and exporting what is held about
 * one of them. Each builds its JSON in SQL (json_build_object, json_agg),
 * so that a search is one statement and an export of any number of
 * records is one statement too, in the shapes the other routes give a
 * volunteer: store_device.c, store_member.c, store_repair.c,
 * store_mail.c, store_loan.c (with core/loan.c's public_url,
 * renewals_left and currency) and store_waitlist.c. Times are written as
 * store_json_time writes them. */
#include "core/store/store_people.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

/* The SQL below is laid out by hand: clang-format cannot indent macros
 * spliced into string literals. */
/* clang-format off */

/* A timestamptz as RFC 3339 UTC, exactly as store_json_time turns its
 * text form into one ("2026-11-29T07:14:52.12Z"); NULL stays null. */
#define TS(x) "replace(((" x ") AT TIME ZONE 'UTC')::text, ' ', 'T') || 'Z'"

/* The items of a list as json, in this order: [] when there are none. */
#define LIST(item, order) "coalesce(json_agg(" item " ORDER BY " order "), '[]')"

/* A device d (site s, owner o, held for hm) as GET /api/v1/devices/{code}
 * shows it to a volunteer, then the members in `extra`. tidy_device
 * removes what that route leaves out: hold when there is none,
 * tracking_token and owner on a donated device. */
#define DEVICE_JSON(extra)                                                                         \
  "json_build_object('code', d.code, 'kind', d.kind, 'status', d.status,"                          \
  " 'category', d.category, 'site', s.slug, 'brand', d.brand, 'model', d.model,"                   \
  " 'serial', d.serial, 'year_of_manufacture', d.year_of_manufacture,"                             \
  " 'weight_kg', d.weight_kg, 'problem', d.problem, 'notes', d.notes,"                             \
  " 'received_at', " TS("d.received_at") ","                                                       \
  " 'updated_at', " TS("d.updated_at") ","                                                         \
  " 'hold', CASE WHEN hm.number IS NOT NULL"                                                       \
  "   THEN json_build_object('member', hm.number, 'until', " TS("d.held_until") ") END,"           \
  " 'tracking_token', d.tracking_token,"                                                           \
  " 'owner', CASE WHEN o.device_id IS NOT NULL"                                                    \
  "   THEN json_build_object('name', o.name, 'email', o.email, 'phone', o.phone,"                  \
  "     'notify', o.notify, 'language', o.language) END"                                           \
  extra ")"
#define DEVICE_FROM                                                                                \
  " FROM devices d JOIN sites s ON s.id = d.site_id"                                               \
  " LEFT JOIN device_owners o ON o.device_id = d.id LEFT JOIN members hm ON hm.id = d.held_for"

/* A member m (contact c) as GET /api/v1/members/{number} shows it to a
 * volunteer, then the members in `extra`. */
#define MEMBER_JSON(extra)                                                                         \
  "json_build_object('number', m.number, 'language', m.language, 'loan_limit', m.loan_limit,"      \
  " 'open_loans', m.open_loans, 'status', m.status, 'notes', m.notes,"                             \
  " 'contact', CASE WHEN c.member_id IS NOT NULL"                                                  \
  "   THEN json_build_object('name', c.name, 'email', c.email, 'phone', c.phone,"                  \
  "     'notify', c.notify) END,"                                                                  \
  " 'created_at', " TS("m.created_at") ","                                                         \
  " 'updated_at', " TS("m.updated_at")                                                             \
  extra ")"
#define MEMBER_FROM " FROM members m LEFT JOIN member_contacts c ON c.member_id = m.id"

/* A device's event e, as GET /api/v1/devices/{code}/history lists it. */
#define DEVICE_EVENT_JSON                                                                          \
  "json_build_object('id', e.id, 'at', " TS("e.at") ", 'actor', e.actor, 'type', e.type,"          \
  " 'from', e.from_status, 'to', e.to_status,"                                                     \
  " 'fields', coalesce(array_to_json(e.fields), '[]'), 'note', e.note)"

/* The parts repair r took, as a repair lists them. */
#define PARTS_JSON                                                                                 \
  "(SELECT " LIST("json_build_object('sku', p.sku, 'quantity', trim_scale(-pm.quantity))",         \
                  "pm.id")                                                                         \
  " FROM part_movements pm JOIN parts p ON p.id = pm.part_id"                                      \
  " WHERE pm.repair_id = r.id AND pm.type = 'used')"

/* A repair r of device d, as GET /api/v1/devices/{code}/repairs lists it. */
#define REPAIR_JSON                                                                                \
  "json_build_object('id', r.id, 'device', d.code, 'session_id', r.session_id,"                    \
  " 'problem', r.problem, 'diagnosis', r.diagnosis, 'actions', r.actions,"                         \
  " 'outcome', r.outcome, 'barrier', r.barrier, 'next_steps', r.next_steps,"                       \
  " 'minutes', r.minutes, 'repairer', r.repairer,"                                                 \
  " 'created_at', " TS("r.created_at") ", 'updated_at', " TS("r.updated_at") ","                   \
  " 'parts', " PARTS_JSON ")"

/* An e-mail message x, as the message lists of devices and loans show it
 * (never the address). */
#define MESSAGE_JSON                                                                               \
  "json_build_object('id', x.id, 'kind', x.kind, 'language', x.language, 'status', x.status,"      \
  " 'attempts', x.attempts, 'created_at', " TS("x.created_at") ","                                 \
  " 'sent_at', CASE WHEN x.status = 'sent' THEN " TS("x.finished_at") " END,"                      \
  " 'finished_at', " TS("x.finished_at") ", 'last_error', x.last_error)"

/* Who read a record's personal data (pr: personal_reads, sql/0014): when,
 * which key, by which route; the recipients art. 15(1)(c) asks for.
 * `match` picks the entries naming the record (the arrays' GIN indexes). */
#define READS_JSON(match)                                                                          \
  "(SELECT " LIST("json_build_object('at', " TS("pr.at") ", 'key', json_build_object("             \
                  "'id', k.id, 'name', k.name, 'role', k.role), 'method', pr.method,"              \
                  " 'route', pr.route)", "pr.at, pr.id")                                             \
  " FROM personal_reads pr JOIN api_keys k ON k.id = pr.api_key_id WHERE " match ")"

/* What an export adds to each device d: its history, its repairs, the
 * messages about it and who read its owner's contact. */
#define DEVICE_RECORDS                                                                             \
  ", 'history', (SELECT " LIST(DEVICE_EVENT_JSON, "e.id")                                          \
  "   FROM device_events e WHERE e.device_id = d.id),"                                             \
  " 'repairs', (SELECT " LIST(REPAIR_JSON, "r.id")                                                 \
  "   FROM repairs r WHERE r.device_id = d.id),"                                                   \
  " 'messages', (SELECT " LIST(MESSAGE_JSON, "x.id")                                               \
  "   FROM email_messages x WHERE x.device_id = d.id),"                                            \
  " 'reads', " READS_JSON("pr.devices @> ARRAY[d.code]")

/* A member's event e, as GET /api/v1/members/{number}/history lists it
 * (with its note). */
#define MEMBER_EVENT_JSON                                                                          \
  "json_build_object('id', e.id, 'at', " TS("e.at") ", 'actor', e.actor, 'type', e.type,"          \
  " 'fields', coalesce(array_to_json(e.fields), '[]'), 'note', e.note)"

/* A loan's event le, as GET /api/v1/loans/{id}/history lists it. */
#define LOAN_EVENT_JSON                                                                            \
  "json_build_object('id', le.id, 'at', " TS("le.at") ", 'actor', le.actor, 'type', le.type,"      \
  " 'due_date', le.due_date::text, 'condition', le.condition, 'deposit', le.deposit,"              \
  " 'note', le.note)"

/* A loan l (device ld, site ls) of member m as GET /api/v1/loans/{id}
 * shows it to a volunteer, today being t.today, with its history and the
 * messages about it. $7: the public URL, $8: the currency, $9: the
 * renewals a loan may have. */
#define LOAN_JSON                                                                                  \
  "json_build_object('id', l.id, 'device', ld.code, 'member', m.number,"                           \
  " 'category', l.category, 'site', ls.slug,"                                                      \
  " 'status', CASE WHEN l.returned_at IS NOT NULL THEN 'returned'"                                 \
  "   WHEN l.due_date < t.today THEN 'overdue' ELSE 'open' END,"                                   \
  " 'start_date', l.start_date::text, 'due_date', l.due_date::text,"                               \
  " 'days_overdue', CASE WHEN l.returned_at IS NULL"                                               \
  "   THEN greatest(t.today - l.due_date, 0) ELSE 0 END,"                                          \
  " 'started_at', " TS("l.started_at") ", 'checkout_condition', l.checkout_condition,"             \
  " 'deposit', CASE WHEN l.deposit_amount IS NOT NULL"                                             \
  "   THEN json_build_object('amount', trim_scale(l.deposit_amount),"                              \
  "     'method', l.deposit_method, 'outcome', l.deposit_outcome, 'currency', $8::text) END,"      \
  " 'renewals', l.renewals, 'returned_at', " TS("l.returned_at") ","                               \
  " 'return_condition', l.return_condition, 'return_note', l.return_note,"                         \
  " 'updated_at', " TS("l.updated_at") ","                                                         \
  " 'public_url', $7::text || '/l/' || l.token,"                                                   \
  " 'renewals_left', greatest($9::int - l.renewals, 0),"                                           \
  " 'history', (SELECT " LIST(LOAN_EVENT_JSON, "le.id")                                            \
  "   FROM loan_events le WHERE le.loan_id = l.id),"                                               \
  " 'messages', (SELECT " LIST(MESSAGE_JSON, "x.id")                                               \
  "   FROM email_messages x WHERE x.loan_id = l.id))"

/* A waiting-list entry w (site ws, held device hd) of member m, as GET
 * /api/v1/waitlist/{id} shows it. */
#define WAIT_JSON                                                                                  \
  "json_build_object('id', w.id, 'member', m.number, 'category', w.category, 'site', ws.slug,"     \
  " 'status', w.status,"                                                                           \
  " 'position', CASE WHEN w.status IN ('waiting', 'held') THEN (SELECT count(*)"                   \
  "   FROM waitlist q WHERE q.category = w.category AND q.status IN ('waiting', 'held')"           \
  "   AND q.id <= w.id) END,"                                                                      \
  " 'joined_at', " TS("w.joined_at") ", 'held_device', hd.code,"                                   \
  " 'held_until', " TS("w.held_until") ", 'ended_at', " TS("w.ended_at") ","                       \
  " 'loan_id', w.loan_id)"

/* What an export adds to each member m: their history, loans, places in
 * waiting lists and who read their contact or notes. */
#define MEMBER_RECORDS                                                                             \
  ", 'history', (SELECT " LIST(MEMBER_EVENT_JSON, "e.id")                                          \
  "   FROM member_events e WHERE e.member_id = m.id),"                                             \
  " 'loans', (SELECT " LIST(LOAN_JSON, "l.id")                                                     \
  "   FROM loans l JOIN devices ld ON ld.id = l.device_id JOIN sites ls ON ls.id = l.site_id"      \
  "   WHERE l.member_id = m.id),"                                                                  \
  " 'waitlist', (SELECT " LIST(WAIT_JSON, "w.id")                                                  \
  "   FROM waitlist w LEFT JOIN sites ws ON ws.id = w.site_id"                                     \
  "   LEFT JOIN devices hd ON hd.id = w.held_device_id WHERE w.member_id = m.id),"                 \
  " 'reads', " READS_JSON("pr.members @> ARRAY[m.number]")

/* The matching owners and members, newest first, $2 of them; then their
 * JSON, built for those only. */
#define SEARCH(owner_match, member_match)                                                          \
  "WITH hits AS ("                                                                                 \
  "  SELECT 'owner' AS type, d.id, d.received_at AS at"                                            \
  "  FROM device_owners o JOIN devices d ON d.id = o.device_id WHERE " owner_match                 \
  "  UNION ALL"                                                                                    \
  "  SELECT 'member', m.id, m.created_at"                                                          \
  "  FROM member_contacts c JOIN members m ON m.id = c.member_id WHERE " member_match              \
  "  ORDER BY at DESC, id DESC LIMIT $2::int)"                                                     \
  " SELECT h.type, CASE WHEN h.type = 'owner'"                                                     \
  "   THEN (SELECT " DEVICE_JSON("") DEVICE_FROM " WHERE d.id = h.id)"                             \
  "   ELSE (SELECT " MEMBER_JSON("") MEMBER_FROM " WHERE m.id = h.id) END::text AS item"           \
  " FROM hits h ORDER BY h.at DESC, h.id DESC"

/* A phone number's records: the same national number, whichever way it
 * was written (sql/0012_people.sql, rl_phone_forms); "<> ''" lets the
 * partial index serve. */
#define PHONE_MATCH(t)                                                                             \
  t ".phone_rev <> '' AND " t ".phone_rev = ANY (rl_phone_forms(rl_phone_key($1, $3), $3))"

/* The export is one statement for any number of records, longer than the
 * 4095 bytes ISO C asks every compiler to take in a string literal; GCC
 * and Clang take any length (the embedded files are longer still). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
const struct store_stmt store_people_stmts[] = {
    {"people_search_email", SEARCH("lower(o.email) = lower($1)", "lower(c.email) = lower($1)"),
     STORE_RETRY_SAFE},
    {"people_search_phone", SEARCH(PHONE_MATCH("o"), PHONE_MATCH("c")), STORE_RETRY_SAFE},
    {"people_search_name", SEARCH("o.name ILIKE $1", "c.name ILIKE $1"), STORE_RETRY_SAFE},
    /* $1-$5: person_records' arguments; $6: the programme's time zone. */
    {"people_export",
     "WITH r AS (SELECT device_id, member_id FROM person_records($1, $2, $3, $4, $5)),"
     " t AS (SELECT (rl_now() AT TIME ZONE $6)::date AS today)"
     " SELECT " TS("rl_now()") " AS generated_at,"
     " (SELECT " LIST(DEVICE_JSON(DEVICE_RECORDS), "d.received_at, d.id") DEVICE_FROM
     "   WHERE d.id IN (SELECT device_id FROM r))::text AS devices,"
     " (SELECT " LIST(MEMBER_JSON(MEMBER_RECORDS), "m.created_at, m.id") MEMBER_FROM
     "   CROSS JOIN t WHERE m.id IN (SELECT member_id FROM r))::text AS members",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};
#pragma GCC diagnostic pop

/* clang-format on */

/* What GET /api/v1/devices/{code} leaves out, and its weight as a real
 * number (json_real, as store_device.c gives it), whatever SQL wrote. */
static void tidy_device(json_t *d)
{
  if (json_is_null(json_object_get(d, "hold")))
    json_object_del(d, "hold");
  if (strcmp(json_string_value(json_object_get(d, "kind")), "repair") != 0) {
    json_object_del(d, "tracking_token");
    json_object_del(d, "owner");
  }
  json_t *w = json_object_get(d, "weight_kg");
  if (json_is_integer(w))
    json_object_set_new(d, "weight_kg", json_real((double)json_integer_value(w)));
}

/* A column of r read as JSON; NULL when it is SQL NULL or not JSON. */
static json_t *json_col(const PGresult *r, int row, int col)
{
  const char *v = store_value(r, row, col);
  return v ? json_loads(v, 0, NULL) : NULL;
}

int store_people_search(json_t **out, enum store_people_by by, const char *value,
                        const char *country, int limit)
{
  static const char *const names[] = {"people_search_email", "people_search_phone",
                                      "people_search_name"};
  char l[16];
  snprintf(l, sizeof l, "%d", limit);
  const char *p[] = {value, l, country};
  PGresult *r;
  int rc = store_exec(&r, names[by], by == STORE_PEOPLE_BY_PHONE ? 3 : 2, p);
  if (rc != RL_OK)
    return rc;
  static const char *const cols[] = {"type", "item"};
  int c[2];
  store_cols(r, cols, c, 2);
  json_t *items = json_array();
  for (int i = 0; items && i < PQntuples(r); i++) {
    const char *type = store_value(r, i, c[0]);
    json_t *item = json_col(r, i, c[1]);
    if (item == NULL || type == NULL) {
      json_decref(item);
      json_decref(items);
      items = NULL;
      break;
    }
    int owner = strcmp(type, "owner") == 0;
    if (owner)
      tidy_device(item);
    json_array_append_new(items, json_pack("{s:s s:o}", "type", owner ? "owner" : "member",
                                           owner ? "device" : "member", item));
  }
  PQclear(r);
  *out = items;
  return items ? RL_OK : RL_ENOMEM;
}

int store_people_export(json_t **out, const struct store_people_key *key,
                        const struct store_people_env *env)
{
  char renewals[16];
  snprintf(renewals, sizeof renewals, "%u", env->renewals);
  const char *p[] = {key->device_body, key->member_body, key->email,    key->phone, env->country,
                     env->timezone,    env->public_url,  env->currency, renewals};
  PGresult *r;
  int rc = store_exec(&r, "people_export", 9, p);
  if (rc != RL_OK)
    return rc;
  static const char *const cols[] = {"generated_at", "devices", "members"};
  int c[3];
  store_cols(r, cols, c, 3);
  json_t *devices = PQntuples(r) == 1 ? json_col(r, 0, c[1]) : NULL;
  json_t *members = PQntuples(r) == 1 ? json_col(r, 0, c[2]) : NULL;
  *out = devices && members ? json_pack("{s:o s:O s:O}", "generated_at", store_json_str(r, 0, c[0]),
                                        "devices", devices, "members", members)
                            : NULL;
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d)
    tidy_device(d);
  json_decref(devices);
  json_decref(members);
  PQclear(r);
  return *out ? RL_OK : RL_ENOMEM;
}
