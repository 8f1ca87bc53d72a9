/* Repair rules on top of store_repair. */
#include "core/repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/lifecycle.h"
#include "core/spec.h"
#include "core/stock.h"
#include "core/store/pool.h"
#include "core/store/store_device.h"
#include "core/store/store_repair.h"
#include "core/store/store_session.h"
#include "core/violation.h"

static const char *str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Text forms of a repair's fields. */
struct repair_text {
  char session[24], minutes[16];
  struct store_repair_fields f;
};

static void repair_fields(struct repair_text *t, const json_t *r)
{
  memset(t, 0, sizeof *t);
  const json_t *s = json_object_get(r, "session_id");
  if (json_is_integer(s)) {
    snprintf(t->session, sizeof t->session, "%lld", (long long)json_integer_value(s));
    t->f.session_id = t->session;
  }
  const json_t *m = json_object_get(r, "minutes");
  if (json_is_integer(m)) {
    snprintf(t->minutes, sizeof t->minutes, "%lld", (long long)json_integer_value(m));
    t->f.minutes = t->minutes;
  }
  t->f.problem = str(r, "problem");
  t->f.diagnosis = str(r, "diagnosis");
  t->f.actions = str(r, "actions");
  t->f.outcome = str(r, "outcome") ? str(r, "outcome") : "unknown";
  t->f.barrier = str(r, "barrier");
  t->f.next_steps = str(r, "next_steps");
  t->f.repairer = str(r, "repairer");
}

/* The moves an outcome causes: from[i] → to[i], n of them (0 to 2). */
struct move_plan {
  const char *from[2], *to[2];
  size_t n;
};

/* Plans the moves an outcome causes from status `from`. Returns RL_OK or
 * RL_ECONFLICT with *allowed set. */
static int plan_moves(struct move_plan *p, json_t **allowed, enum rl_kind kind, enum rl_status from,
                      const char *outcome)
{
  enum rl_status target = RL_ST_INVALID;
  if (strcmp(outcome, "fixed") == 0)
    target = RL_ST_REPAIRED;
  else if (strcmp(outcome, "end_of_life") == 0)
    target = RL_ST_UNREPAIRABLE;
  else if (from == RL_ST_RECEIVED)
    target = RL_ST_DIAGNOSING;

  enum rl_status steps[2];
  size_t n = 0;
  if (target == RL_ST_INVALID || target == from) {
    n = 0;
  } else if (rl_move_allowed(kind, from, target, RL_VIA_MANUAL)) {
    steps[n++] = target;
  } else if (rl_move_allowed(kind, from, RL_ST_DIAGNOSING, RL_VIA_MANUAL) &&
             rl_move_allowed(kind, RL_ST_DIAGNOSING, target, RL_VIA_MANUAL)) {
    steps[n++] = RL_ST_DIAGNOSING;
    steps[n++] = target;
  } else if (rl_move_allowed(kind, from, RL_ST_IN_REPAIR, RL_VIA_MANUAL) &&
             rl_move_allowed(kind, RL_ST_IN_REPAIR, target, RL_VIA_MANUAL)) {
    steps[n++] = RL_ST_IN_REPAIR;
    steps[n++] = target;
  } else {
    enum rl_status moves[RL_ST_COUNT];
    size_t k = rl_moves_from(moves, kind, from, RL_VIA_MANUAL);
    *allowed = json_array();
    for (size_t i = 0; i < k; i++)
      json_array_append_new(*allowed, json_string(rl_status_name(moves[i])));
    return RL_ECONFLICT;
  }
  p->n = n;
  for (size_t i = 0; i < n; i++) {
    p->from[i] = rl_status_name(i == 0 ? from : steps[i - 1]);
    p->to[i] = rl_status_name(steps[i]);
  }
  return RL_OK;
}

static int check_barrier(json_t **errors, const json_t *r)
{
  const char *outcome = str(r, "outcome") ? str(r, "outcome") : "unknown";
  if (str(r, "barrier") && strcmp(outcome, "end_of_life") != 0)
    return rl_spec_invalid(errors, "barrier", "barrier_needs_end_of_life",
                           "is only given with the outcome end_of_life");
  return RL_OK;
}

/* Appends the barrier rule's error on r, unless outcome or barrier is
 * already wrong in itself. */
static void add_barrier_error(json_t *errs, const json_t *r)
{
  json_t *one = NULL;
  if (!rl_spec_names(errs, "outcome") && !rl_spec_names(errs, "barrier") &&
      check_barrier(&one, r) != RL_OK)
    rl_spec_append(errs, one);
}

/* A repair recorded in a session happens at the session's site, once the
 * session has begun. */
static int check_session(json_t **errors, const char *session_id, const char *device_site)
{
  if (session_id == NULL)
    return RL_OK;
  char site[80];
  int in_future = 0;
  int rc = store_session_brief(site, sizeof site, &in_future, strtoll(session_id, NULL, 10));
  if (rc == RL_ENOTFOUND)
    return rl_spec_invalid(errors, "session_id", "unknown_session", "is not a repair session");
  if (rc != RL_OK)
    return rc;
  if (strcmp(site, device_site) != 0) {
    rl_spec_invalid(errors, "session_id", "session_at_another_site",
                    "is a session at another site than the device's");
    return RL_EUNPROCESSABLE;
  }
  if (in_future) {
    rl_spec_invalid(errors, "session_id", "session_not_begun",
                    "is a session that has not begun yet");
    return RL_EUNPROCESSABLE;
  }
  return RL_OK;
}

/* A repair being recorded or edited, inside its transaction. */
struct repair_change {
  const char *code_body; /* create */
  int64_t id;            /* patch */
  const json_t *body;    /* the create body or the patch */
  int if_match;
  const struct rl_principal *who;
  json_t *out, *errors, *allowed; /* results, reset on each run */
  int version;
};

static void change_reset(struct repair_change *c)
{
  json_decref(c->out);
  json_decref(c->errors);
  json_decref(c->allowed);
  c->out = c->errors = c->allowed = NULL;
}

static int change_results(struct repair_change *c, int rc, json_t **out, int *version,
                          json_t **errors, json_t **allowed)
{
  if (rc == RL_OK) {
    *out = c->out;
    *version = c->version;
  } else {
    json_decref(c->out);
  }
  *errors = c->errors;
  *allowed = c->allowed;
  return rc;
}

/* Queues the moves of plan, sent with the repair's own write. */
static int queue_moves(const struct move_plan *plan, struct store_device_ref *dev,
                       const struct rl_principal *who)
{
  if (plan->n == 0)
    return RL_OK;
  struct store_actor actor = {who->name, who->key_id};
  return store_device_move(NULL, dev, plan->from, plan->to, plan->n, "repair outcome", &actor);
}

static int create_tx(void *ctx)
{
  struct repair_change *c = ctx;
  change_reset(c);
  struct repair_text t;
  repair_fields(&t, c->body);
  json_t *dev;
  struct store_device_ref ref;
  int rc = store_device_get(&dev, &ref, c->code_body, 1);
  if (rc != RL_OK)
    return rc;
  enum rl_status from = rl_status_parse(str(dev, "status"));
  enum rl_kind kind = rl_kind_parse(str(dev, "kind"));
  char site[80];
  snprintf(site, sizeof site, "%s", str(dev, "site"));
  json_decref(dev);
  if (rl_status_final(from)) {
    c->allowed = json_array();
    return RL_ECONFLICT;
  }
  if ((rc = check_session(&c->errors, t.f.session_id, site)) != RL_OK)
    return rc;
  struct move_plan plan;
  if ((rc = plan_moves(&plan, &c->allowed, kind, from, t.f.outcome)) != RL_OK)
    return rc;
  const json_t *parts = json_object_get(c->body, "parts");
  struct stock_take take = {0, NULL};
  if (parts != NULL && (rc = stock_take_plan(&take, &c->errors, parts, ref.site_id)) != RL_OK)
    return rc;
  if ((rc = queue_moves(&plan, &ref, c->who)) == RL_OK) {
    if (take.n == 0)
      store_tx_commit_next();
    rc = rl_violation_errors(store_repair_insert(&c->out, &c->version, &ref, &t.f), &c->errors);
  }
  if (rc == RL_OK && take.n > 0) {
    /* The parts are taken in the same transaction: all of it, or nothing. */
    json_t *taken;
    int64_t id = json_integer_value(json_object_get(c->out, "id"));
    store_tx_commit_next();
    rc = stock_take_apply(&taken, &take, id, ref.id, c->who);
    if (rc == RL_OK)
      json_object_set_new(c->out, "parts", taken);
  }
  stock_take_free(&take);
  return rc;
}

int repair_create(json_t **out, int *version, json_t **errors, json_t **allowed, const char *code,
                  const json_t *body, const struct rl_principal *who)
{
  *errors = NULL;
  *allowed = NULL;
  char cbody[RL_CODE_BODY_LEN + 1];
  /* The device code, the fields, the barrier rule: all told at once. */
  json_t *errs = json_array(), *one = NULL, *format = NULL;
  int rc = device_code_body(cbody, code, "code", &one);
  if (rc != RL_OK && one == NULL) { /* out of memory: there is no error to tell */
    json_decref(errs);
    return RL_ENOMEM;
  }
  rl_spec_append(errs, one);
  rl_spec_check(&format, body, fields_repair, RL_SPEC_CREATE);
  rl_spec_append(errs, format);
  add_barrier_error(errs, body);
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  struct repair_change c = {.code_body = cbody, .body = body, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, create_tx, &c);
  return change_results(&c, rc, out, version, errors, allowed);
}

int repair_get(json_t **out, int *version, int64_t id)
{
  struct store_repair_device dev;
  return store_repair_get(out, version, &dev, id, 0);
}

static int patch_tx(void *ctx)
{
  struct repair_change *c = ctx;
  change_reset(c);
  json_t *cur;
  struct store_repair_device dev;
  int v;
  int rc = store_repair_get(&cur, &v, &dev, c->id, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != v) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  const char *old_outcome = str(cur, "outcome");
  char before[24];
  snprintf(before, sizeof before, "%s", old_outcome ? old_outcome : "unknown");
  json_object_update(cur, (json_t *)c->body);
  struct repair_text t;
  repair_fields(&t, cur);
  struct move_plan plan = {.n = 0};
  rc = check_barrier(&c->errors, cur);
  if (rc == RL_OK && json_is_integer(json_object_get(c->body, "session_id")))
    rc = check_session(&c->errors, t.f.session_id, dev.site);
  if (rc == RL_OK && strcmp(before, t.f.outcome) != 0)
    rc = plan_moves(&plan, &c->allowed, rl_kind_parse(dev.kind), rl_status_parse(dev.status),
                    t.f.outcome);
  if (rc == RL_OK)
    rc = queue_moves(&plan, &dev.ref, c->who);
  if (rc == RL_OK) {
    store_tx_commit_next();
    rc = rl_violation_errors(store_repair_update(&c->out, &c->version, c->id, &t.f), &c->errors);
  }
  json_decref(cur);
  return rc;
}

int repair_patch(json_t **out, int *version, json_t **errors, json_t **allowed, int64_t id,
                 const json_t *patch, int if_match, const struct rl_principal *who)
{
  *errors = NULL;
  *allowed = NULL;
  json_t *format = NULL;
  if (rl_spec_check(&format, patch, fields_repair, RL_SPEC_UPDATE) != RL_OK) {
    /* Refused already: the barrier rule on the repair as patched is told
     * too, when the repair can be read. */
    json_t *cur;
    struct store_repair_device dev;
    int v;
    if (format && json_is_object(patch) && store_repair_get(&cur, &v, &dev, id, 0) == RL_OK) {
      json_object_update(cur, (json_t *)patch);
      add_barrier_error(format, cur);
      json_decref(cur);
    }
    *errors = format;
    return format ? RL_EINVALID : RL_ENOMEM;
  }
  struct repair_change c = {.id = id, .body = patch, .if_match = if_match, .who = who};
  int rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  return change_results(&c, rc, out, version, errors, allowed);
}

int repair_list(json_t **out, char *next_cursor, json_t **errors, const char *code,
                const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  char cbody[RL_CODE_BODY_LEN + 1];
  int rc = device_code_body(cbody, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  int64_t after;
  rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_repair_list(out, &next, cbody, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}
