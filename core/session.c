/* Repair café session rules on top of store_session. */
#include "core/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fields.h"
#include "core/impact.h"
#include "core/site.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_repair.h"
#include "core/store/store_session.h"
#include "core/violation.h"

static const char *str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* The rule between the times of s (a session as it would be), unless
 * either time is already wrong in itself. */
static void check_times(json_t *errs, const json_t *s)
{
  double starts, ends;
  const char *a = str(s, "starts_at"), *b = str(s, "ends_at");
  if (a && b && !rl_spec_names(errs, "starts_at") && !rl_spec_names(errs, "ends_at") &&
      rl_spec_time_seconds(&starts, a) == RL_OK && rl_spec_time_seconds(&ends, b) == RL_OK &&
      ends <= starts)
    rl_spec_error(errs, "ends_at", "ends_before_start", "must be after starts_at");
}

/* A body refused anyway: its site is checked too, so that one reply tells
 * everything (inserted at `at`, before the rules' errors). */
static void check_site(json_t *errs, size_t at, const json_t *d)
{
  const char *site = str(d, "site");
  if (site == NULL || rl_spec_names(errs, "site"))
    return;
  json_t *found = json_array();
  if (site_check(found, "site", site, 0, NULL) == RL_OK)
    for (size_t i = 0; i < json_array_size(found); i++)
      json_array_insert(errs, at + i, json_array_get(found, i));
  json_decref(found);
}

/* A write that failed on a declared constraint, as field errors; an
 * unknown site with what was probably meant. d: the body or patch sent. */
static int write_error(int rc, json_t **errors, const json_t *d)
{
  rc = rl_violation_errors(rc, errors);
  if (*errors != NULL && str(d, "site") != NULL && rl_spec_names(*errors, "site")) {
    json_t *better = json_array();
    if (site_check(better, "site", str(d, "site"), 0, NULL) == RL_OK &&
        json_array_size(better) > 0) {
      json_decref(*errors);
      *errors = better;
    } else {
      json_decref(better);
    }
  }
  return rc;
}

static const char *int_text(char *buf, size_t cap, const json_t *v)
{
  if (!json_is_integer(v))
    return NULL;
  snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
  return buf;
}

/* Adds the figures computed from the facts (malloc'd JSON text, freed). */
static void add_figures(json_t *session, char *facts)
{
  json_t *f = json_loads(facts ? facts : "[]", 0, NULL);
  json_object_set_new(session, "figures", session_figures(f));
  json_decref(f);
  free(facts);
}

int session_create(json_t **out, int *version, json_t **errors, const json_t *body)
{
  *errors = NULL;
  json_t *errs = NULL;
  if (rl_spec_check(&errs, body, fields_session, RL_SPEC_CREATE) == RL_ENOMEM)
    return RL_ENOMEM;
  if (errs == NULL)
    errs = json_array();
  size_t rules_at = json_array_size(errs);
  check_times(errs, body);
  if (json_array_size(errs) > 0) {
    check_site(errs, rules_at, body);
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  char vol[16];
  int rc = store_session_insert(
      out, version, str(body, "site"), str(body, "starts_at"), str(body, "ends_at"),
      int_text(vol, sizeof vol, json_object_get(body, "volunteers")), str(body, "notes"));
  if (rc != RL_OK)
    return write_error(rc, errors, body);
  add_figures(*out, NULL);
  return RL_OK;
}

json_t *session_figures(const json_t *devices)
{
  long seen = 0, fixed = 0, repairable = 0, eol = 0, unweighed = 0;
  double waste = 0, co2e = 0;
  size_t i;
  json_t *d;
  json_array_foreach((json_t *)devices, i, d) {
    seen++;
    const char *outcome = json_string_value(json_array_get(d, 4));
    if (outcome == NULL)
      continue;
    if (strcmp(outcome, "repairable") == 0)
      repairable++;
    else if (strcmp(outcome, "end_of_life") == 0)
      eol++;
    else if (strcmp(outcome, "fixed") == 0) {
      fixed++;
      const json_t *m = json_array_get(d, 0), *ck = json_array_get(d, 1),
                   *cc = json_array_get(d, 2);
      struct rl_impact_device facts = {
          json_is_number(m) ? json_number_value(m) : -1,
          json_is_number(ck) ? json_number_value(ck) : -1,
          json_is_number(cc) ? json_number_value(cc) : -1,
          json_is_true(json_array_get(d, 3)),
      };
      double kg, c;
      if (rl_impact_of(&rl_impact_default, &facts, &kg, &c) != 0)
        unweighed++;
      waste += kg;
      co2e += c;
    }
  }
  return json_pack("{s:i s:i s:i s:i s:f s:f s:i s:s}", "devices_seen", (int)seen, "fixed",
                   (int)fixed, "repairable", (int)repairable, "end_of_life", (int)eol, "waste_kg",
                   waste, "co2e_kg", co2e, "fixed_without_weight", (int)unweighed, "factor_version",
                   rl_impact_default.version);
}

int session_get(json_t **out, int *version, int64_t id)
{
  char *facts = NULL;
  int rc = store_session_get(out, version, &facts, id, 0);
  if (rc == RL_OK)
    add_figures(*out, facts);
  return rc;
}

struct session_change {
  int64_t id;
  const json_t *patch;
  int if_match;
  json_t *out, *errors;
  int version;
};

static int patch_tx(void *ctx)
{
  struct session_change *c = ctx;
  json_decref(c->out);
  json_decref(c->errors);
  c->out = c->errors = NULL;
  json_t *cur;
  int v;
  char *facts = NULL;
  int rc = store_session_get(&cur, &v, &facts, c->id, 1);
  free(facts);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != v) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  json_object_update(cur, (json_t *)c->patch);
  json_t *errs = json_array();
  check_times(errs, cur);
  if (json_array_size(errs) > 0) {
    check_site(errs, 0, c->patch);
    json_decref(cur);
    c->errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  char vol[16];
  const char *volunteers = int_text(vol, sizeof vol, json_object_get(cur, "volunteers"));
  store_tx_commit_next();
  rc = store_session_update(&c->out, &c->version, &facts, c->id, str(cur, "site"),
                            str(cur, "starts_at"), str(cur, "ends_at"),
                            volunteers ? volunteers : "0", str(cur, "notes"));
  json_decref(cur);
  if (rc == RL_OK)
    add_figures(c->out, facts);
  return write_error(rc, &c->errors, c->patch);
}

int session_patch(json_t **out, int *version, json_t **errors, int64_t id, const json_t *patch,
                  int if_match)
{
  *errors = NULL;
  json_t *format = NULL;
  if (rl_spec_check(&format, patch, fields_session, RL_SPEC_UPDATE) != RL_OK) {
    if (format == NULL)
      return RL_ENOMEM;
    /* Refused already: the times as patched and the site are told too. */
    json_t *cur;
    int v;
    char *facts = NULL;
    size_t rules_at = json_array_size(format);
    if (json_is_object(patch) && store_session_get(&cur, &v, &facts, id, 0) == RL_OK) {
      json_object_update(cur, (json_t *)patch);
      check_times(format, cur);
      json_decref(cur);
    }
    free(facts);
    check_site(format, rules_at, patch);
    *errors = format;
    return RL_EINVALID;
  }
  struct session_change c = {.id = id, .patch = patch, .if_match = if_match};
  int rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  if (rc == RL_OK) {
    *out = c.out;
    *version = c.version;
  } else {
    json_decref(c.out);
  }
  *errors = c.errors;
  return rc;
}

int session_list(json_t **out, char *next_cursor, json_t **errors, const char *site,
                 const char *from, const char *to, const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_session_list(out, &next, site, from, to, before, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

int session_repairs(json_t **out, char *next_cursor, json_t **errors, int64_t id,
                    const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t after;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_repair_list_by_session(out, &next, id, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}
