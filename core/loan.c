/* Loan rules on top of store_loan, store_device and store_waitlist. */
#include "core/loan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/member.h"
#include "core/random.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_loan.h"
#include "core/store/store_waitlist.h"
#include "core/violation.h"

static const char *str(const json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

/* A loan as the API shows it: the public page's URL instead of the token,
 * renewals left, the deposit's currency; the version goes to *version. */
static void finish(json_t *loan, int *version, const struct loan_env *env)
{
  if (version)
    *version = (int)json_integer_value(json_object_get(loan, "version"));
  json_object_del(loan, "version");
  char url[768];
  snprintf(url, sizeof url, "%s/l/%s", env->public_url, str(loan, "token"));
  json_object_set_new(loan, "public_url", json_string(url));
  json_object_del(loan, "token");
  json_int_t used = json_integer_value(json_object_get(loan, "renewals"));
  json_int_t left = (json_int_t)env->rules->renewals - used;
  json_object_set_new(loan, "renewals_left", json_integer(left > 0 ? left : 0));
  json_t *deposit = json_object_get(loan, "deposit");
  if (json_is_object(deposit))
    json_object_set_new(deposit, "currency", json_string(env->rules->currency));
}

void loan_strip_personal(json_t *loan) { rl_spec_strip_personal(loan, fields_loan); }

/* A refusal by a rule: appended to *errs (created when NULL). */
static void refuse(json_t **errs, const char *field, const char *code, const char *message)
{
  if (*errs == NULL)
    *errs = json_array();
  rl_spec_error(*errs, field, code, message);
}

struct checkout {
  const struct loan_env *env;
  char device[RL_CODE_BODY_LEN + 1], member[RL_MEMBER_BODY_LEN + 1];
  const json_t *body;
  char token[32], amount[32];
  json_t *out, *errors;
  int version;
  int refused; /* refused, but a hold that ran out was passed on: commit that */
};

/* A hold that ran out passes to the next in line before anything is
 * decided (the device is locked: no one else changes its hold). */
static int pass_on_expired_hold(struct store_checkout *c, const struct checkout *x)
{
  int ended;
  int rc = store_waitlist_expire_device(&ended, c->device_id);
  if (rc == RL_OK)
    rc = store_waitlist_offer(c->device_id, x->env->rules->hold_days, 0);
  if (rc == RL_OK)
    rc = store_loan_checkout_read(c, x->env->timezone, x->device, x->member,
                                  x->env->rules->max_days, x->env->rules->days);
  return rc;
}

/* Dates as YYYY-MM-DD compare as text. */
static void check_due(json_t **errs, const char *due, const char *today, const char *max_due)
{
  char msg[160];
  if (strcmp(due, today) < 0) {
    snprintf(msg, sizeof msg, "must be today (%s) or later", today);
    refuse(errs, "due_date", "in_the_past", msg);
  } else if (strcmp(due, max_due) > 0) {
    snprintf(msg, sizeof msg, "must be at most %s (loans last up to the maximum loan period)",
             max_due);
    refuse(errs, "due_date", "beyond_max_period", msg);
  }
}

static void check_rules(json_t **errs, const struct store_checkout *c)
{
  char msg[160];
  if (strcmp(c->kind, "donation") != 0) {
    refuse(errs, "device", "not_a_donation",
           "is a resident's own device, brought for repair: only donated devices are lent");
  } else if (strcmp(c->status, "available") != 0) {
    snprintf(msg, sizeof msg, "is %s, not available", c->status);
    refuse(errs, "device", "device_not_available", msg);
  } else if (c->hold_member_id != 0 && c->hold_member_id != c->member_id) {
    snprintf(msg, sizeof msg, "is held for another member on the waiting list until %s",
             c->hold_until);
    refuse(errs, "device", "held_for_another_member", msg);
  }
  if (strcmp(c->member_status, "active") != 0)
    refuse(errs, "member", "member_suspended", "is suspended: reactivate the member first");
  else if (c->open_loans >= c->loan_limit) {
    snprintf(msg, sizeof msg, "has %d loan%s open, the most allowed", c->open_loans,
             c->open_loans == 1 ? "" : "s");
    refuse(errs, "member", "loan_limit_reached", msg);
  }
}

static int checkout_tx(void *ctx)
{
  struct checkout *x = ctx;
  json_decref(x->out);
  json_decref(x->errors);
  x->out = x->errors = NULL;
  const struct rl_loan_settings *rules = x->env->rules;
  x->refused = 0;
  struct store_checkout c;
  int rc = store_loan_checkout_read(&c, x->env->timezone, x->device, x->member, rules->max_days,
                                    rules->days);
  int passed_on = rc == RL_OK && c.hold_member_id != 0 && !c.hold_live;
  if (passed_on)
    rc = pass_on_expired_hold(&c, x);
  if (rc != RL_OK)
    return rc;
  const char *due = str(x->body, "due_date");
  if (due == NULL)
    due = c.default_due;
  check_due(&x->errors, due, c.today, c.max_due);
  if (x->errors)
    return RL_EINVALID;
  check_rules(&x->errors, &c);
  if (x->errors) {
    /* The hold that ran out stays passed on, as if the sweep had come
     * first (under an Idempotency-Key a refusal keeps nothing: the sweep
     * then does it). */
    x->refused = passed_on;
    return passed_on ? RL_OK : RL_EREFUSED;
  }

  struct store_actor actor = {x->env->who->name, x->env->who->key_id};
  char note[96];
  snprintf(note, sizeof note, "loan %lld, due %s", (long long)c.loan_id, due);
  struct store_device_ref ref = {c.device_id, c.device_version, c.site_id};
  const char *from[] = {"available"}, *to[] = {"on_loan"};
  rc = store_device_move(NULL, &ref, from, to, 1, note, &actor);
  if (rc != RL_OK)
    return rc;
  /* The member's place in this category's line ends served; a device it
   * held other than this one passes to the next in line. */
  int release = c.entry_device_id != 0 && c.entry_device_id != c.device_id;
  if (!release)
    store_tx_commit_next();
  const json_t *deposit = json_object_get(x->body, "deposit");
  struct store_loan_new l = {due,
                             str(x->body, "checkout_condition"),
                             json_is_object(deposit) ? x->amount : NULL,
                             json_is_object(deposit) ? str(deposit, "method") : NULL,
                             str(x->body, "note"),
                             x->token};
  rc = store_loan_insert(&x->out, x->env->timezone, &c, &l, &actor);
  if (rc == RL_OK && release)
    rc = store_waitlist_offer(c.entry_device_id, rules->hold_days, 0);
  return rl_violation_errors(rc, &x->errors);
}

/* Which of the two references names nothing, as 422 errors. */
static int unknown_refs(json_t **errors, const struct checkout *x)
{
  int device, member;
  int rc = store_loan_refs_exist(&device, &member, x->device, x->member);
  if (rc != RL_OK)
    return rc;
  json_t *errs = json_array();
  if (!device)
    rl_spec_error(errs, "device", "unknown_device", "no device has this code");
  if (!member)
    rl_spec_error(errs, "member", "unknown_member", "no member has this number");
  if (json_array_size(errs) == 0) { /* both exist now: created meanwhile */
    json_decref(errs);
    return RL_ECONFLICT;
  }
  *errors = errs;
  return RL_EUNPROCESSABLE;
}

/* Every problem of the body at once: its fields' formats, the codes it
 * names, then its due date (which needs today: read only when the body is
 * refused anyway, the checkout reads it otherwise). */
static int check_body(json_t **errors, struct checkout *x)
{
  json_t *errs = json_array(), *one = NULL;
  rl_spec_check(&one, x->body, fields_loan, RL_SPEC_CREATE);
  rl_spec_append(errs, one);
  if (!json_is_object(x->body)) {
    *errors = errs;
    return RL_EINVALID;
  }
  one = NULL;
  if (!rl_spec_names(errs, "device") &&
      device_code_body(x->device, str(x->body, "device"), "device", &one) != RL_OK)
    rl_spec_append(errs, one);
  one = NULL;
  if (!rl_spec_names(errs, "member") &&
      member_number_body(x->member, str(x->body, "member"), "member", &one) != RL_OK)
    rl_spec_append(errs, one);
  const char *due = str(x->body, "due_date");
  char today[16], max_due[16];
  if (json_array_size(errs) > 0 && due && !rl_spec_names(errs, "due_date") &&
      store_loan_dates(today, max_due, x->env->timezone, x->env->rules->max_days) == RL_OK) {
    json_t *dates = NULL;
    check_due(&dates, due, today, max_due);
    rl_spec_append(errs, dates);
  }
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  return RL_OK;
}

int loan_create(json_t **out, int *version, json_t **errors, const json_t *body,
                const struct loan_env *env)
{
  *errors = NULL;
  struct checkout x = {.env = env, .body = body};
  if (check_body(errors, &x) != RL_OK)
    return RL_EINVALID;
  const json_t *deposit = json_object_get(body, "deposit");
  if (json_is_object(deposit))
    snprintf(x.amount, sizeof x.amount, "%.2f",
             json_number_value(json_object_get(deposit, "amount")));
  uint8_t raw[16];
  int rc = rl_random_bytes(raw, sizeof raw);
  if (rc != RL_OK)
    return rc;
  rl_base64url(x.token, raw, sizeof raw);
  rc = store_tx_run(STORE_READ_COMMITTED, checkout_tx, &x);
  if (rc == RL_OK && x.refused)
    rc = RL_EREFUSED;
  if (rc == RL_ENOTFOUND)
    rc = unknown_refs(&x.errors, &x);
  if (rc != RL_OK) {
    json_decref(x.out);
    *errors = x.errors;
    return rc;
  }
  json_decref(x.errors);
  finish(x.out, version, env);
  *out = x.out;
  return RL_OK;
}

int loan_get(json_t **out, int *version, int64_t id, const struct loan_env *env)
{
  json_t *loan;
  int rc = store_loan_get(&loan, NULL, env->timezone, id, 0, 0, 0);
  if (rc != RL_OK)
    return rc;
  finish(loan, version, env);
  *out = loan;
  return RL_OK;
}

/* What a renewal or a return works on, inside its transaction. */
struct loan_change {
  const struct loan_env *env;
  int64_t id;
  const json_t *body;
  json_t *out, *errors;
};

static void change_reset(struct loan_change *x)
{
  json_decref(x->out);
  json_decref(x->errors);
  x->out = x->errors = NULL;
}

static int renew_tx(void *ctx)
{
  struct loan_change *x = ctx;
  change_reset(x);
  const struct rl_loan_settings *rules = x->env->rules;
  struct store_loan_state st;
  json_t *cur;
  int rc = store_loan_get(&cur, &st, x->env->timezone, x->id, 1, rules->max_days, rules->days);
  if (rc != RL_OK)
    return rc;
  json_decref(cur);
  char msg[160];
  if (st.returned) {
    refuse(&x->errors, "", "loan_returned", "the loan was returned: it cannot be renewed");
    return RL_EREFUSED;
  }
  const char *due = str(x->body, "due_date");
  char fallback[16];
  snprintf(fallback, sizeof fallback, "%s",
           strcmp(st.default_due, st.max_due) > 0 ? st.max_due : st.default_due);
  if (due == NULL)
    due = fallback;
  if (strcmp(due, st.due_date) <= 0) {
    snprintf(msg, sizeof msg, "must be after the current due date (%s)", st.due_date);
    refuse(&x->errors, "due_date", "not_after_due_date", msg);
  } else if (strcmp(due, st.today) < 0) {
    snprintf(msg, sizeof msg, "must be today (%s) or later", st.today);
    refuse(&x->errors, "due_date", "in_the_past", msg);
  } else if (strcmp(due, st.max_due) > 0) {
    snprintf(msg, sizeof msg, "must be at most %s (loans last up to the maximum loan period)",
             st.max_due);
    refuse(&x->errors, "due_date", "beyond_max_period", msg);
  }
  if (x->errors)
    return RL_EINVALID;
  if (strcmp(st.member_status, "active") != 0)
    refuse(&x->errors, "", "member_suspended", "the member is suspended");
  if (st.renewals >= (int)rules->renewals) {
    snprintf(msg, sizeof msg, "the loan was renewed %d time%s, the most allowed", st.renewals,
             st.renewals == 1 ? "" : "s");
    refuse(&x->errors, "", "renewal_limit_reached", msg);
  }
  if (st.days_overdue > (int)rules->renew_overdue_days) {
    snprintf(msg, sizeof msg, "the loan is %d days overdue: the device comes back first",
             st.days_overdue);
    refuse(&x->errors, "", "too_overdue", msg);
  }
  if (st.others_waiting)
    refuse(&x->errors, "", "others_waiting",
           "another member waits for this category and no other device is free for them");
  if (x->errors)
    return RL_EREFUSED;
  struct store_actor actor = {x->env->who->name, x->env->who->key_id};
  store_tx_commit_next();
  return store_loan_renew(&x->out, x->env->timezone, x->id, due, str(x->body, "note"), &actor);
}

static int return_tx(void *ctx)
{
  struct loan_change *x = ctx;
  change_reset(x);
  struct store_loan_state st;
  json_t *cur;
  int rc = store_loan_get(&cur, &st, x->env->timezone, x->id, 1, 0, 0);
  if (rc != RL_OK)
    return rc;
  json_decref(cur);
  if (st.returned) {
    refuse(&x->errors, "", "loan_returned", "the loan was returned already");
    return RL_EREFUSED;
  }
  const char *condition = str(x->body, "condition"), *deposit = str(x->body, "deposit");
  if (st.has_deposit && deposit == NULL)
    refuse(&x->errors, "deposit", "required",
           "the loan has a deposit: say whether it was returned or kept");
  else if (!st.has_deposit && deposit != NULL)
    refuse(&x->errors, "deposit", "no_deposit", "the loan has no deposit");
  if (x->errors)
    return RL_EINVALID;
  const char *target = strcmp(condition, "ok") == 0            ? "available"
                       : strcmp(condition, "needs_check") == 0 ? "diagnosing"
                                                               : "lost";
  struct store_actor actor = {x->env->who->name, x->env->who->key_id};
  char note[96];
  snprintf(note, sizeof note, "loan %lld returned: %s", (long long)x->id, condition);
  struct store_device_ref ref = {st.device_id, 0, 0};
  const char *from[] = {st.device_status}, *to[] = {target};
  rc = store_device_move(NULL, &ref, from, to, 1, note, &actor);
  /* Back on the shelf: held for the first member waiting, if any. */
  if (rc == RL_OK && strcmp(target, "available") == 0)
    rc = store_waitlist_offer(st.device_id, x->env->rules->hold_days, 1);
  if (rc != RL_OK)
    return rc;
  store_tx_commit_next();
  return store_loan_return(&x->out, x->env->timezone, x->id, condition, str(x->body, "note"),
                           deposit, &actor);
}

static int change(json_t **out, int *version, json_t **errors, int64_t id, const json_t *body,
                  const struct loan_env *env, int (*fn)(void *))
{
  *errors = NULL;
  struct loan_change x = {.env = env, .id = id, .body = body};
  int rc = store_tx_run(STORE_READ_COMMITTED, fn, &x);
  if (rc != RL_OK) {
    json_decref(x.out);
    *errors = x.errors;
    return rc;
  }
  json_decref(x.errors);
  finish(x.out, version, env);
  *out = x.out;
  return RL_OK;
}

int loan_renew(json_t **out, int *version, json_t **errors, int64_t id, const json_t *body,
               const struct loan_env *env)
{
  return change(out, version, errors, id, body, env, renew_tx);
}

int loan_return(json_t **out, int *version, json_t **errors, int64_t id, const json_t *body,
                const struct loan_env *env)
{
  return change(out, version, errors, id, body, env, return_tx);
}

/* A due-date cursor: "YYYY-MM-DD.id". */
static int due_cursor(char *date, int64_t *id, const char *cursor)
{
  if (strlen(cursor) < 12 || cursor[10] != '.')
    return -1;
  memcpy(date, cursor, 10);
  date[10] = '\0';
  if (!rl_spec_is_date(date))
    return -1;
  const char *p = cursor + 11;
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q))
      return -1;
  *id = strtoll(p, NULL, 10);
  return *id > 0 && strlen(p) < 19 ? 0 : -1;
}

int loan_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query,
              const struct loan_env *env)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  const char *status = rl_spec_str(query, "status");
  if (status == NULL)
    status = "open";
  const json_t *within = json_object_get(query, "due_within_days");
  char within_text[16], member[RL_MEMBER_BODY_LEN + 1], device[RL_CODE_BODY_LEN + 1];
  char after_due[11];
  struct store_loan_filter f = {.status = strcmp(status, "all") == 0 ? NULL : status};
  if (within) {
    snprintf(within_text, sizeof within_text, "%lld", (long long)json_integer_value(within));
    f.due_within = within_text;
  }
  json_t *errs = json_array(), *one = NULL;
  if (rl_spec_str(query, "member")) {
    if (member_number_body(member, rl_spec_str(query, "member"), "member", &one) == RL_OK)
      f.member_body = member;
    rl_spec_append(errs, one);
    one = NULL;
  }
  if (rl_spec_str(query, "device")) {
    if (device_code_body(device, rl_spec_str(query, "device"), "device", &one) == RL_OK)
      f.device_body = device;
    rl_spec_append(errs, one);
  }
  f.site = rl_spec_str(query, "site");
  f.order = (strcmp(status, "overdue") == 0 || within) ? STORE_LOAN_BY_DUE : STORE_LOAN_NEWEST;
  const char *cursor = rl_spec_str(query, "cursor");
  if (cursor && f.order == STORE_LOAN_BY_DUE) {
    if (due_cursor(after_due, &f.after_id, cursor) == 0)
      f.after_due = after_due;
    else
      rl_spec_error(errs, "cursor", "not_a_cursor", "is not a cursor this list gave");
  } else if (cursor) {
    json_t *ce = NULL;
    if (rl_spec_cursor(&f.before_id, cursor, &ce) != RL_OK)
      rl_spec_append(errs, ce);
  }
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  json_t *items;
  int rc = store_loan_list(&items, next_cursor, env->timezone, &f, rl_spec_limit(query));
  if (rc != RL_OK)
    return rc;
  size_t i;
  json_t *loan;
  json_array_foreach(items, i, loan) {
    finish(loan, NULL, env);
  }
  *out = items;
  return RL_OK;
}

int loan_history(json_t **out, char *next_cursor, json_t **errors, int64_t id, const char *cursor,
                 int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t after;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_loan_history(out, &next, id, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}
