/* Waiting-list rules on top of store_waitlist. */
#include "core/waitlist.h"

#include <stdio.h>
#include <string.h>

#include "core/category.h"
#include "core/error.h"
#include "core/member.h"
#include "core/site.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_waitlist.h"
#include "core/violation.h"

/* How many holds one call places or moves at most: the rest wait for the
 * next sweep, so that no request runs long. */
#define MATCH_MAX 20
#define EXPIRE_MAX 100

struct join {
  char member[RL_MEMBER_BODY_LEN + 1];
  const json_t *body;
  unsigned hold_days;
  const struct rl_principal *who;
  json_t *out, *errors;
};

static int join_tx(void *ctx)
{
  struct join *x = ctx;
  json_decref(x->out);
  json_decref(x->errors);
  x->out = x->errors = NULL;
  int64_t member_id;
  char status[16];
  int rc = store_waitlist_member(&member_id, status, x->member);
  if (rc == RL_ENOTFOUND) {
    rl_spec_invalid(&x->errors, "member", "unknown_member", "no member has this number");
    return RL_EUNPROCESSABLE;
  }
  if (rc != RL_OK)
    return rc;
  if (strcmp(status, "active") != 0) {
    rl_spec_invalid(&x->errors, "member", "member_suspended",
                    "is suspended: reactivate the member first");
    return RL_EREFUSED;
  }
  const char *category = json_string_value(json_object_get(x->body, "category"));
  struct store_actor actor = {x->who->name, x->who->key_id};
  int64_t id;
  json_t *entry;
  rc = store_waitlist_join(&entry, &id, member_id, category,
                           json_string_value(json_object_get(x->body, "site")), &actor);
  if (rc != RL_OK)
    return rl_violation_errors(rc, &x->errors);
  json_decref(entry);
  int held = 1;
  for (int i = 0; rc == RL_OK && held && i < MATCH_MAX; i++)
    rc = store_waitlist_match(&held, category, x->hold_days);
  if (rc != RL_OK)
    return rc;
  store_tx_commit_next();
  return store_waitlist_get(&x->out, NULL, NULL, id, 0);
}

int waitlist_join(json_t **out, json_t **errors, const json_t *body, unsigned hold_days,
                  const struct rl_principal *who)
{
  *errors = NULL;
  struct join x = {.body = body, .hold_days = hold_days, .who = who};
  json_t *errs = json_array(), *one = NULL;
  if (member_number_body(x.member, json_string_value(json_object_get(body, "member")), "member",
                         &one) != RL_OK)
    rl_spec_append(errs, one);
  int rc = category_check(errs, "category", json_string_value(json_object_get(body, "category")));
  const char *site = json_string_value(json_object_get(body, "site"));
  if (rc == RL_OK && site)
    rc = site_check(errs, "site", site, 1, NULL);
  if (rc != RL_OK || json_array_size(errs) > 0) {
    if (rc != RL_OK) {
      json_decref(errs);
      return rc;
    }
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  rc = store_tx_run(STORE_READ_COMMITTED, join_tx, &x);
  if (rc != RL_OK) {
    json_decref(x.out);
    *errors = x.errors;
    return rc;
  }
  json_decref(x.errors);
  *out = x.out;
  return RL_OK;
}

int waitlist_get(json_t **out, int64_t id) { return store_waitlist_get(out, NULL, NULL, id, 0); }

int waitlist_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  char member[RL_MEMBER_BODY_LEN + 1];
  const char *status = rl_spec_str(query, "status");
  struct store_waitlist_filter f = {rl_spec_str(query, "category"), rl_spec_str(query, "site"),
                                    NULL, status == NULL || strcmp(status, "active") == 0};
  if (rl_spec_str(query, "member")) {
    int rc = member_number_body(member, rl_spec_str(query, "member"), "member", errors);
    if (rc != RL_OK)
      return rc;
    f.member_body = member;
  }
  int64_t after;
  int rc = rl_spec_cursor(&after, rl_spec_str(query, "cursor"), errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_waitlist_list(out, &next, &f, after, rl_spec_limit(query));
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

struct leave {
  int64_t id;
  unsigned hold_days;
  json_t *out, *errors;
};

static int leave_tx(void *ctx)
{
  struct leave *x = ctx;
  json_decref(x->out);
  json_decref(x->errors);
  x->out = x->errors = NULL;
  int64_t device_id;
  int active;
  json_t *cur;
  /* The device it holds is locked first, as every desk does. */
  int rc = store_waitlist_get(&cur, &device_id, &active, x->id, 0);
  if (rc != RL_OK)
    return rc;
  json_decref(cur);
  if (active && device_id != 0 && (rc = store_waitlist_lock_device(device_id)) != RL_OK)
    return rc;
  rc = store_waitlist_get(&cur, &device_id, &active, x->id, 1);
  if (rc != RL_OK)
    return rc;
  json_decref(cur);
  if (!active) {
    rl_spec_invalid(&x->errors, "", "entry_ended", "this place in the line has ended already");
    return RL_EREFUSED;
  }
  if (device_id == 0)
    store_tx_commit_next();
  rc = store_waitlist_leave(&x->out, x->id);
  if (rc == RL_OK && device_id != 0) {
    store_tx_commit_next();
    rc = store_waitlist_offer(device_id, x->hold_days, 0);
  }
  return rc;
}

int waitlist_leave(json_t **out, json_t **errors, int64_t id, unsigned hold_days)
{
  *errors = NULL;
  struct leave x = {.id = id, .hold_days = hold_days};
  int rc = store_tx_run(STORE_READ_COMMITTED, leave_tx, &x);
  if (rc != RL_OK) {
    json_decref(x.out);
    *errors = x.errors;
    return rc;
  }
  json_decref(x.errors);
  *out = x.out;
  return RL_OK;
}

struct sweep {
  unsigned hold_days;
  long changed;
};

static int sweep_tx(void *ctx)
{
  struct sweep *x = ctx;
  x->changed = 0;
  int64_t devices[EXPIRE_MAX];
  size_t n = 0;
  int rc = store_waitlist_expire(devices, &n, EXPIRE_MAX);
  for (size_t i = 0; rc == RL_OK && i < n; i++)
    rc = store_waitlist_offer(devices[i], x->hold_days, 0);
  x->changed += (long)n;
  int held = 1;
  for (int i = 0; rc == RL_OK && held && i < MATCH_MAX; i++) {
    rc = store_waitlist_match(&held, NULL, x->hold_days);
    x->changed += held;
  }
  return rc;
}

int waitlist_sweep(long *changed, unsigned hold_days)
{
  struct sweep x = {.hold_days = hold_days};
  int rc = store_tx_run(STORE_READ_COMMITTED, sweep_tx, &x);
  *changed = rc == RL_OK ? x.changed : 0;
  return rc;
}
