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
#include "core/store/pool.h"
#include "core/store/store_device.h"
#include "core/store/store_repair.h"

#define UPDATE_ATTEMPTS 5

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

/* Moves as PostgreSQL array literals; statuses are plain identifiers. */
struct move_plan {
  char status[32], from[64], to[64];
  struct store_moves m;
};

/* Plans the moves an outcome causes from status `from`. Returns RL_OK or
 * RL_ECONFLICT with *allowed set. */
static int plan_moves(struct move_plan *p, json_t **allowed, enum rl_kind kind,
                      enum rl_status from, const char *outcome)
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
  snprintf(p->status, sizeof p->status, "%s", rl_status_name(n ? steps[n - 1] : from));
  snprintf(p->from, sizeof p->from, "{%s%s%s}", n ? rl_status_name(from) : "",
           n > 1 ? "," : "", n > 1 ? rl_status_name(steps[0]) : "");
  snprintf(p->to, sizeof p->to, "{%s%s%s}", n ? rl_status_name(steps[0]) : "", n > 1 ? "," : "",
           n > 1 ? rl_status_name(steps[1]) : "");
  p->m.status = p->status;
  p->m.from = p->from;
  p->m.to = p->to;
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

static int session_error(int rc, json_t **errors)
{
  if (rc == RL_EUNPROCESSABLE && strstr(store_last_constraint(), "session"))
    return rl_spec_invalid(errors, "session_id", "unknown_session", "is not a repair session");
  return rc;
}

int repair_create(json_t **out, int *version, json_t **errors, json_t **allowed,
                  const char *code, const json_t *body, const struct rl_principal *who)
{
  *errors = NULL;
  *allowed = NULL;
  char cbody[RL_CODE_BODY_LEN + 1];
  /* The device code, the fields, the barrier rule: all told at once. */
  json_t *errs = json_array(), *one = NULL, *format = NULL;
  int rc = device_code_body(cbody, code, "code", &one);
  rl_spec_append(errs, one);
  rl_spec_check(&format, body, fields_repair, RL_SPEC_CREATE);
  rl_spec_append(errs, format);
  add_barrier_error(errs, body);
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  struct repair_text t;
  repair_fields(&t, body);
  struct store_actor actor = {who->name, who->key_id};
  for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    json_t *dev;
    struct store_device_ref ref;
    rc = store_device_get(&dev, &ref, cbody);
    if (rc != RL_OK)
      return rc;
    enum rl_status from = rl_status_parse(str(dev, "status"));
    enum rl_kind kind = rl_kind_parse(str(dev, "kind"));
    json_decref(dev);
    if (rl_status_final(from)) {
      *allowed = json_array();
      return RL_ECONFLICT;
    }
    struct move_plan plan;
    rc = plan_moves(&plan, allowed, kind, from, t.f.outcome);
    if (rc != RL_OK)
      return rc;
    rc = store_repair_insert(out, version, &ref, &t.f, &plan.m, &actor);
    if (rc != RL_ECONFLICT)
      return session_error(rc, errors);
  }
  return RL_ECONFLICT;
}

int repair_get(json_t **out, int *version, int64_t id)
{
  char status[32], kind[16];
  struct store_device_ref ref;
  return store_repair_get(out, version, status, sizeof status, kind, sizeof kind, &ref, id);
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
    char status[32], kind[16];
    struct store_device_ref ref;
    int v;
    if (format && json_is_object(patch) &&
        store_repair_get(&cur, &v, status, sizeof status, kind, sizeof kind, &ref, id) == RL_OK) {
      json_object_update(cur, (json_t *)patch);
      add_barrier_error(format, cur);
      json_decref(cur);
    }
    *errors = format;
    return format ? RL_EINVALID : RL_ENOMEM;
  }
  struct store_actor actor = {who->name, who->key_id};
  for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    json_t *cur;
    char status[32], kind[16];
    struct store_device_ref ref;
    int v;
    int rc = store_repair_get(&cur, &v, status, sizeof status, kind, sizeof kind, &ref, id);
    if (rc != RL_OK)
      return rc;
    if (if_match >= 0 && if_match != v) {
      json_decref(cur);
      return RL_EPRECONDITION;
    }
    const char *old_outcome = str(cur, "outcome");
    char before[24];
    snprintf(before, sizeof before, "%s", old_outcome ? old_outcome : "unknown");
    json_object_update(cur, (json_t *)patch);
    rc = check_barrier(errors, cur);
    if (rc != RL_OK) {
      json_decref(cur);
      return rc;
    }
    struct repair_text t;
    repair_fields(&t, cur);
    enum rl_status from = rl_status_parse(status);
    struct move_plan plan;
    if (strcmp(before, t.f.outcome) == 0) {
      /* Same outcome: no move. */
      snprintf(plan.status, sizeof plan.status, "%s", status);
      plan.m = (struct store_moves){plan.status, "{}", "{}"};
    } else {
      rc = plan_moves(&plan, allowed, rl_kind_parse(kind), from, t.f.outcome);
      if (rc != RL_OK) {
        json_decref(cur);
        return rc;
      }
    }
    rc = store_repair_update(out, version, id, &ref, &t.f, &plan.m, &actor);
    json_decref(cur);
    if (rc != RL_ECONFLICT)
      return session_error(rc, errors);
    if (if_match >= 0)
      return RL_EPRECONDITION;
  }
  return RL_ECONFLICT;
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
  if (rc == RL_OK && next > 0)
    snprintf(next_cursor, 32, "%lld", (long long)next);
  return rc;
}
