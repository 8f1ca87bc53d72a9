/* Helpers shared by the loan and waiting-list tests (docs/loans.md): members,
 * devices ready to lend, loans, renewals, returns, waiting-list entries, the
 * programme's dates (Europe/Paris, the test server's REPAIRD_TIMEZONE) and
 * SQL read-backs scoped to one loan, device or member. */
#ifndef RL_TESTS_LOAN_SUPPORT_H
#define RL_TESTS_LOAN_SUPPORT_H

#include "tests/integration/device_support.h"

#include <ctype.h>
#include <unistd.h>

#define NUMBER_CAP 32

/* The member body (6 symbols) of a number as printed: "M-4K7-Q9M" ->
 * "4K79QM"... without the prefix and dashes. */
static inline void ls_number_body(char *out, size_t cap, const char *number)
{
  const char *p = strchr(number, '-');
  p = p ? p + 1 : number;
  size_t n = 0;
  for (; *p && n + 1 < cap; p++)
    if (*p != '-')
      out[n++] = (char)toupper((unsigned char)*p);
  out[n] = '\0';
}

/* Creates a member through the API (loan_limit < 0: the default) and copies
 * their number (NUMBER_CAP bytes). */
static inline void ls_member(char *number, int loan_limit)
{
  struct th_resp *r;
  if (loan_limit >= 0)
    r = th_reqf("POST", "/api/v1/members", ds_vol(), "{\"loan_limit\":%d}", loan_limit);
  else
    r = th_req("POST", "/api/v1/members", ds_vol(), "{}", NULL);
  cr_assert_eq(r->status, 201, "member: %ld %s", r->status, r->body);
  const char *n = th_str(r, "number");
  cr_assert_not_null(n, "member number: %s", r->body);
  snprintf(number, NUMBER_CAP, "%s", n);
  th_free(r);
}

static inline void ls_member_move(const char *number, const char *to)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", number);
  struct th_resp *r = th_reqf("POST", path, ds_vol(), "{\"to\":\"%s\",\"note\":\"test\"}", to);
  cr_assert_eq(r->status, 200, "member %s -> %s: %ld %s", number, to, r->status, r->body);
  th_free(r);
}

/* The member's open_loans as the API says (volunteer key). */
static inline long ls_open_loans(const char *number)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s", number);
  struct th_resp *r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200, "member %s: %ld %s", number, r->status, r->body);
  json_t *v = json_object_get(r->json, "open_loans");
  cr_assert(json_is_integer(v), "open_loans: %s", r->body);
  long n = (long)json_integer_value(v);
  th_free(r);
  return n;
}

/* The member's open_loans column and their loans not returned, from the
 * database. */
static inline long ls_db_open_loans(const char *number)
{
  char body[16];
  ls_number_body(body, sizeof body, number);
  return ds_count("SELECT open_loans FROM members WHERE number_body = '%s'", body);
}
static inline long ls_db_unreturned(const char *number)
{
  char body[16];
  ls_number_body(body, sizeof body, number);
  return ds_count("SELECT count(*) FROM loans l JOIN members m ON m.id = l.member_id"
                  " WHERE m.number_body = '%s' AND l.returned_at IS NULL",
                  body);
}

/* Registers a donated device of this category at site (status received). */
static inline void ls_intake(char *code, const char *kind, const char *category, const char *site)
{
  struct th_resp *r = ds_post("{\"kind\":\"%s\",\"category\":\"%s\",\"site\":\"%s\","
                              "\"brand\":\"Lender\"}",
                              kind, category, site);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

/* Moves a received donated device to repaired (not yet available). */
static inline void ls_to_repaired(const char *code)
{
  static const char *const path[] = {"diagnosing", "repaired", NULL};
  ds_drive(code, path);
}

/* A donated device of this category at site, available to lend. */
static inline void ls_device(char *code, const char *category, const char *site)
{
  ls_intake(code, "donation", category, site);
  static const char *const path[] = {"diagnosing", "repaired", "available", NULL};
  ds_drive(code, path);
}

/* The device's status as the API says. */
static inline const char *ls_device_status(const char *code)
{
  static char out[32];
  struct th_resp *r = ds_get(ds_vol(), code);
  cr_assert_eq(r->status, 200, "device %s: %ld %s", code, r->status, r->body);
  snprintf(out, sizeof out, "%s", th_str(r, "status") ? th_str(r, "status") : "?");
  th_free(r);
  return out;
}

/* Lends with this key; extra: more JSON members (",\"due_date\":..." style,
 * starting with a comma) or "". */
static inline struct th_resp *ls_lend_as(const char *key, const char *device, const char *member,
                                         const char *extra)
{
  return th_reqf("POST", "/api/v1/loans", key, "{\"device\":\"%s\",\"member\":\"%s\"%s}", device,
                 member, extra ? extra : "");
}
static inline struct th_resp *ls_lend(const char *device, const char *member, const char *extra)
{
  return ls_lend_as(ds_vol(), device, member, extra);
}

/* Lends and returns the loan's id; the loan must be made. */
static inline long ls_lend_ok(const char *device, const char *member, const char *extra)
{
  struct th_resp *r = ls_lend(device, member, extra);
  cr_assert_eq(r->status, 201, "lend %s to %s: %ld %s", device, member, r->status, r->body);
  json_t *id = json_object_get(r->json, "id");
  cr_assert(json_is_integer(id), "loan id: %s", r->body);
  long n = (long)json_integer_value(id);
  th_free(r);
  return n;
}

static inline struct th_resp *ls_loan_as(const char *key, long id)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld", id);
  return th_req("GET", path, key, NULL, NULL);
}

static inline struct th_resp *ls_renew(long id, const char *body)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/renewals", id);
  return th_req("POST", path, ds_vol(), body ? body : "{}", NULL);
}

static inline struct th_resp *ls_return(long id, const char *body)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/return", id);
  return th_req("POST", path, ds_vol(), body, NULL);
}

/* Whether errors[] has an item with this code (and this field, unless NULL). */
static inline int ls_has_error(const struct th_resp *r, const char *field, const char *code)
{
  json_t *errors = json_object_get(r->json, "errors");
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    const char *c = json_string_value(json_object_get(e, "code"));
    if (c && strcmp(c, code) == 0 && (field == NULL || (f && strcmp(f, field) == 0)))
      return 1;
  }
  return 0;
}

/* A 409 /problems/refused naming this code. */
static inline void ls_assert_refused(const struct th_resp *r, const char *field, const char *code)
{
  cr_assert(th_is_problem(r, 409), "want 409 %s: %ld %s", code, r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/refused", "%s", r->body);
  cr_assert(ls_has_error(r, field, code), "want %s on %s: %s", code, field ? field : "-", r->body);
}

/* A 400 /problems/validation naming this field and code. */
static inline void ls_assert_invalid(const struct th_resp *r, const char *field, const char *code)
{
  cr_assert(th_is_problem(r, 400), "want 400 %s: %ld %s", code ? code : "", r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/validation", "%s", r->body);
  if (code)
    cr_assert(ls_has_error(r, field, code), "want %s on %s: %s", code, field, r->body);
  else
    cr_assert(ds_names_field(r, field), "want %s named: %s", field, r->body);
}

/* The programme's date today plus days (Europe/Paris), as YYYY-MM-DD. */
static inline const char *ls_date(int days)
{
  static char out[4][16];
  static int next;
  char *o = out[next++ % 4];
  const char *v = ds_sql("SELECT ((rl_now() AT TIME ZONE 'Europe/Paris')::date + %d)", days);
  cr_assert_not_null(v, "rl_now()");
  snprintf(o, 16, "%s", v);
  return o;
}

/* Moves a loan's dates so that it is due on today + due_in (negative:
 * overdue by -due_in days), without moving the shared clock: the integration
 * tests run in parallel against one server, and the clock is everyone's. */
static inline void ls_set_due(long id, int due_in)
{
  const char *v = ds_sql("UPDATE loans SET due_date = d + %d, start_date = LEAST(start_date,"
                         " d + %d) FROM (SELECT (rl_now() AT TIME ZONE 'Europe/Paris')::date d) t"
                         " WHERE id = %ld RETURNING id",
                         due_in, due_in, id);
  cr_assert(v && atol(v) == id, "moving loan %ld's due date", id);
}

/* An integer member of a reply, or -999999 when it is not one. */
static inline long ls_int(const struct th_resp *r, const char *member)
{
  json_t *v = json_object_get(r->json, member);
  return json_is_integer(v) ? (long)json_integer_value(v) : -999999;
}

/* Joins the waiting list (site NULL: any site). */
static inline struct th_resp *ls_join(const char *member, const char *category, const char *site)
{
  if (site)
    return th_reqf("POST", "/api/v1/waitlist", ds_vol(),
                   "{\"member\":\"%s\",\"category\":\"%s\",\"site\":\"%s\"}", member, category,
                   site);
  return th_reqf("POST", "/api/v1/waitlist", ds_vol(), "{\"member\":\"%s\",\"category\":\"%s\"}",
                 member, category);
}

static inline long ls_join_ok(const char *member, const char *category, const char *site)
{
  struct th_resp *r = ls_join(member, category, site);
  cr_assert_eq(r->status, 201, "join %s %s: %ld %s", member, category, r->status, r->body);
  long id = ls_int(r, "id");
  cr_assert_gt(id, 0, "%s", r->body);
  th_free(r);
  return id;
}

static inline struct th_resp *ls_entry_as(const char *key, long id)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/waitlist/%ld", id);
  return th_req("GET", path, key, NULL, NULL);
}

/* The entry's status as the API says. */
static inline const char *ls_entry_status(long id)
{
  static char out[32];
  struct th_resp *r = ls_entry_as(ds_reader(), id);
  cr_assert_eq(r->status, 200, "entry %ld: %ld %s", id, r->status, r->body);
  snprintf(out, sizeof out, "%s", th_str(r, "status") ? th_str(r, "status") : "?");
  th_free(r);
  return out;
}

/* A well-formed device code that names no device: seven random symbols and
 * the one check symbol of 32 that the service does not call a typo. */
static inline void ls_unknown_code(char *code)
{
  char body7[8];
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int attempt = 0; attempt < 5; attempt++) {
    for (int i = 0; i < 7; i++)
      body7[i] = ds_alphabet[rand() % 32];
    body7[7] = '\0';
    for (int k = 0; k < 32; k++) {
      snprintf(code, CODE_CAP, "RL-%.4s-%.3s%c", body7, body7 + 4, ds_alphabet[k]);
      struct th_resp *r = ds_get(ds_reader(), code);
      long st = r->status;
      th_free(r);
      if (st == 404)
        return;
    }
  }
  cr_assert_fail("no well-formed unknown code found");
}

/* Replaces a number's check symbol by another one: a typo the check catches. */
static inline void ls_typo(char *out, size_t cap, const char *number)
{
  snprintf(out, cap, "%s", number);
  size_t n = strlen(out);
  cr_assert_gt(n, 0);
  out[n - 1] = out[n - 1] == '7' ? '8' : '7';
}

#endif
