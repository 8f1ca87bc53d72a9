/* Device rules on top of store_device. */
#include "core/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/category.h"
#include "core/code.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/lifecycle.h"
#include "core/random.h"
#include "core/site.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_device.h"
#include "core/store/store_waitlist.h"
#include "core/violation.h"

#define CODE_ATTEMPTS 5
/* Over this many times its category's usual weight, a measured weight is
 * most likely grams typed as kilograms: it must be confirmed. */
#define IMPLAUSIBLE_FACTOR 10.0

int device_code_body(char *body, const char *code, const char *field, json_t **errors)
{
  switch (rl_code_parse(body, code)) {
  case RL_CODE_OK: return RL_OK;
  case RL_CODE_BAD_CHECK:
    return rl_spec_invalid(errors, field, "check_character_mismatch",
                           "the check character does not match: a character was probably "
                           "mistyped");
  default:
    return rl_spec_invalid(errors, field, "not_a_device_code",
                           "is not a device code (they look like RL-4K7Q-9M2R)");
  }
}

static int current_year(void)
{
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

/* Text forms of a device's editable fields, kept in one place. */
struct field_text {
  char year[16], weight[32];
  struct store_device_fields f;
};

static const char *str_or_null(const json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

static void fields_from_json(struct field_text *t, const json_t *d)
{
  memset(t, 0, sizeof *t);
  t->f.category = str_or_null(d, "category");
  t->f.site = str_or_null(d, "site");
  t->f.brand = str_or_null(d, "brand");
  t->f.model = str_or_null(d, "model");
  t->f.serial = str_or_null(d, "serial");
  t->f.problem = str_or_null(d, "problem");
  t->f.notes = str_or_null(d, "notes");
  const json_t *y = json_object_get(d, "year_of_manufacture");
  if (json_is_integer(y)) {
    snprintf(t->year, sizeof t->year, "%lld", (long long)json_integer_value(y));
    t->f.year = t->year;
  }
  const json_t *w = json_object_get(d, "weight_kg");
  if (json_is_number(w)) {
    snprintf(t->weight, sizeof t->weight, "%.3f", json_number_value(w));
    t->f.weight = t->weight;
  }
}

/* Format errors of d, then its category: both known before any write. */
static void check_fields(json_t *errs, const json_t *d, enum rl_spec_mode mode)
{
  json_t *format = NULL;
  rl_spec_check(&format, d, fields_device, mode);
  rl_spec_append(errs, format);
  const char *category = str_or_null(d, "category");
  /* A category table that cannot be loaded leaves the check to the write. */
  if (category && !rl_spec_names(errs, "category"))
    category_check(errs, "category", category);
}

/* A measured weight far over its category's usual one: the device's
 * weight as it would be (d over cur), checked when d sets the weight or
 * the category, unless d confirms it. Categories without a usual weight
 * have no check. */
static void check_weight(json_t *errs, const json_t *d, const json_t *cur)
{
  const json_t *w = json_object_get(d, "weight_kg"), *c = json_object_get(d, "category");
  if ((w == NULL && c == NULL) || json_is_true(json_object_get(d, "weight_confirmed")) ||
      rl_spec_names(errs, "weight_kg") || rl_spec_names(errs, "category"))
    return;
  if (w == NULL && cur)
    w = json_object_get(cur, "weight_kg");
  const char *slug = c ? json_string_value(c) : str_or_null(cur, "category");
  const json_t *category;
  if (!json_is_number(w) || slug == NULL || category_find(&category, slug) != RL_OK)
    return;
  const json_t *usual = json_object_get(category, "weight_kg");
  if (!json_is_number(usual) ||
      json_number_value(w) <= IMPLAUSIBLE_FACTOR * json_number_value(usual))
    return;
  char msg[256];
  snprintf(msg, sizeof msg,
           "%g kg is over %g times the usual weight of the category %s (%g kg): was it weighed "
           "in grams? If it is right, send weight_confirmed: true",
           json_number_value(w), IMPLAUSIBLE_FACTOR, str_or_null(category, "name_en"),
           json_number_value(usual));
  rl_spec_error(errs, "weight_kg", "implausible_weight", msg);
}

/* Rules of the domain, on the device as it would be: d (an intake, or a
 * patch) over cur (the device before the patch; NULL on intake). */
static void check_rules(json_t *errs, const json_t *d, const json_t *cur)
{
  const json_t *y = json_object_get(d, "year_of_manufacture");
  if (json_is_integer(y) && !rl_spec_names(errs, "year_of_manufacture") &&
      json_integer_value(y) > current_year())
    rl_spec_error(errs, "year_of_manufacture", "in_the_future", "must not be in the future");
  const char *kind = str_or_null(cur ? cur : d, "kind");
  if (json_is_object(json_object_get(d, "owner")) && rl_kind_parse(kind) == RL_KIND_DONATION)
    rl_spec_error(errs, "owner", "owner_on_donation", "only a repair-kind device has an owner");
  check_weight(errs, d, cur);
}

/* A body refused anyway: whether its site is known is told in the same
 * reply (inserted at `at`, before the rules' errors), though it costs a
 * read. A body otherwise right leaves that to the write. */
static void check_site(json_t *errs, size_t at, const json_t *d, const json_t *cur)
{
  const char *site = str_or_null(d, "site");
  if (site == NULL || rl_spec_names(errs, "site"))
    return;
  json_t *found = json_array();
  if (site_check(found, "site", site, 1, str_or_null(cur, "site")) == RL_OK)
    for (size_t i = 0; i < json_array_size(found); i++)
      json_array_insert(errs, at + i, json_array_get(found, i));
  json_decref(found);
}

/* 422 when all that is wrong is a value to confirm (the body is right if
 * the person says so), 400 otherwise. Takes errs. */
static int refuse(json_t **errors, json_t *errs)
{
  int rc = RL_EUNPROCESSABLE;
  size_t i;
  json_t *e;
  json_array_foreach(errs, i, e) {
    if (strcmp(str_or_null(e, "code"), "implausible_weight") != 0)
      rc = RL_EINVALID;
  }
  *errors = errs;
  return rc;
}

/* A write that failed on a declared constraint, as field errors; an
 * unknown or closed site says which, and what was probably meant. d is the
 * body or patch sent, cur the device before it (NULL on intake). */
/* Replaces a plain error about the site by site_check's (closed, or what
 * was probably meant). It reads the sites: call it outside a transaction
 * that the failed write aborted. */
static void better_site_error(json_t **errors, const json_t *d, const json_t *cur)
{
  const char *site = str_or_null(d, "site");
  if (*errors != NULL && site != NULL && rl_spec_names(*errors, "site")) {
    json_t *better = json_array();
    if (site_check(better, "site", site, 1, str_or_null(cur, "site")) == RL_OK &&
        json_array_size(better) > 0) {
      json_decref(*errors);
      *errors = better;
    } else {
      json_decref(better);
    }
  }
}

static int write_error(int rc, json_t **errors, const json_t *d, const json_t *cur)
{
  rc = rl_violation_errors(rc, errors);
  better_site_error(errors, d, cur);
  return rc;
}

static void owner_from_json(struct store_owner *o, const json_t *owner)
{
  o->name = str_or_null(owner, "name");
  o->email = str_or_null(owner, "email");
  o->phone = str_or_null(owner, "phone");
  o->notify = json_is_true(json_object_get(owner, "notify")) ? "true" : "false";
  o->language = str_or_null(owner, "language");
}

int device_create(json_t **out, int *version, json_t **errors, const json_t *body,
                  const struct rl_principal *who, const char *code_prefix)
{
  *errors = NULL;
  json_t *errs = json_array();
  check_fields(errs, body, RL_SPEC_CREATE);
  size_t rules_at = json_array_size(errs);
  if (json_is_object(body))
    check_rules(errs, body, NULL);
  if (json_array_size(errs) > 0) {
    check_site(errs, rules_at, body, NULL);
    return refuse(errors, errs);
  }
  json_decref(errs);
  const char *kind = str_or_null(body, "kind");

  struct field_text t;
  fields_from_json(&t, body);
  const json_t *owner_json = json_object_get(body, "owner");
  struct store_owner owner;
  owner_from_json(&owner, owner_json);
  int has_owner = json_is_object(owner_json) && (owner.name || owner.email || owner.phone);

  char token[32] = "";
  if (strcmp(kind, "repair") == 0) {
    uint8_t raw[16];
    int rc = rl_random_bytes(raw, sizeof raw);
    if (rc != RL_OK)
      return rc;
    rl_base64url(token, raw, sizeof raw);
  }
  struct store_actor actor = {who->name, who->key_id};
  struct store_device_ref ref;
  int rc = RL_EDUPLICATE;
  for (int i = 0; i < CODE_ATTEMPTS && rc == RL_EDUPLICATE; i++) {
    char body8[RL_CODE_BODY_LEN + 1], display[RL_CODE_MAX];
    rc = rl_code_generate(body8, display, code_prefix);
    if (rc != RL_OK)
      return rc;
    rc = store_device_insert(out, &ref, display, body8, kind, &t.f, token[0] ? token : NULL,
                             has_owner ? &owner : NULL, &actor);
  }
  if (rc != RL_OK)
    return write_error(rc, errors, body, NULL);
  *version = ref.version;
  return RL_OK;
}

int device_get(json_t **out, int *version, json_t **errors, const char *code)
{
  char body[RL_CODE_BODY_LEN + 1];
  *errors = NULL;
  int rc = device_code_body(body, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  struct store_device_ref ref;
  rc = store_device_get(out, &ref, body, 0);
  if (rc == RL_OK)
    *version = ref.version;
  return rc;
}

/* Whether a patch asks for a change; weight_confirmed alone changes nothing. */
static int changes_something(const json_t *patch)
{
  return json_object_size(patch) > (json_object_get(patch, "weight_confirmed") ? 1u : 0u);
}

/* What a patch or a move works on, inside its transaction. */
struct device_change {
  const char *body; /* code body */
  const json_t *patch;
  int if_match;
  enum rl_status target;
  const char *note;
  unsigned hold_days; /* of a waiting list's hold on a device put back */
  const struct rl_principal *who;
  json_t *out, *errors, *allowed; /* results, reset on each run */
  int version;
};

static void change_reset(struct device_change *c)
{
  json_decref(c->out);
  json_decref(c->errors);
  json_decref(c->allowed);
  c->out = c->errors = c->allowed = NULL;
}

/* Takes the results of a change: on failure only the errors and the
 * allowed moves are handed over. */
static int change_results(struct device_change *c, int rc, json_t **out, int *version,
                          json_t **errors, json_t **allowed)
{
  if (rc == RL_OK) {
    *out = c->out;
    *version = c->version;
  } else {
    json_decref(c->out);
  }
  *errors = c->errors;
  if (allowed)
    *allowed = c->allowed;
  else
    json_decref(c->allowed);
  return rc;
}

static int patch_tx(void *ctx)
{
  struct device_change *c = ctx;
  change_reset(c);
  json_t *cur;
  struct store_device_ref ref;
  int rc = store_device_get(&cur, &ref, c->body, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != ref.version) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  json_t *errs = json_array();
  check_rules(errs, c->patch, cur);
  if (json_array_size(errs) > 0) {
    check_site(errs, 0, c->patch, cur);
    json_decref(cur);
    return refuse(&c->errors, errs);
  }
  json_decref(errs);
  if (!changes_something(c->patch)) {
    c->out = cur;
    c->version = ref.version;
    return RL_OK;
  }

  json_t *next = json_deep_copy(cur);
  if (json_is_null(json_object_get(next, "owner")))
    json_object_set_new(next, "owner", json_object());
  rl_merge_patch(next, c->patch);

  enum store_owner_action action = STORE_OWNER_KEEP;
  struct store_owner owner = {NULL, NULL, NULL, NULL, NULL};
  if (json_object_get(c->patch, "owner") != NULL) {
    owner_from_json(&owner, json_object_get(next, "owner"));
    action = (owner.name || owner.email || owner.phone) ? STORE_OWNER_SET : STORE_OWNER_ERASE;
  }
  char fields[512] = "{";
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)c->patch, key, v) {
    if (strcmp(key, "weight_confirmed") == 0)
      continue; /* not a field of the device */
    size_t n = strlen(fields);
    snprintf(fields + n, sizeof fields - n, "%s%s", n > 1 ? "," : "", key);
  }
  strncat(fields, "}", sizeof fields - strlen(fields) - 1);

  struct field_text t;
  fields_from_json(&t, next);
  struct store_actor actor = {c->who->name, c->who->key_id};
  store_tx_commit_next();
  rc = store_device_update(&c->out, &ref, &t.f, action, &owner, fields, &actor);
  json_decref(next);
  json_decref(cur);
  if (rc == RL_OK)
    c->version = ref.version;
  return rl_violation_errors(rc, &c->errors);
}

int device_patch(json_t **out, int *version, json_t **errors, const char *code, const json_t *patch,
                 int if_match, const struct rl_principal *who)
{
  char body[RL_CODE_BODY_LEN + 1];
  *errors = NULL;
  json_t *early = json_array(), *code_error = NULL;
  int rc = device_code_body(body, code, "code", &code_error);
  if (rc != RL_OK && code_error == NULL) { /* out of memory: there is no error to tell */
    json_decref(early);
    return RL_ENOMEM;
  }
  rl_spec_append(early, code_error);
  check_fields(early, patch, RL_SPEC_UPDATE);
  if (json_array_size(early) > 0) {
    /* Refused already: the rules that need the device are told too, when
     * it can be read. */
    size_t rules_at = json_array_size(early);
    json_t *cur = NULL;
    struct store_device_ref ref;
    if (rc == RL_OK && json_is_object(patch) && store_device_get(&cur, &ref, body, 0) == RL_OK)
      check_rules(early, patch, cur);
    check_site(early, rules_at, patch, cur);
    json_decref(cur);
    return refuse(errors, early);
  }
  json_decref(early);
  struct device_change c = {.body = body, .patch = patch, .if_match = if_match, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  if (c.errors != NULL)
    better_site_error(&c.errors, patch, NULL);
  return change_results(&c, rc, out, version, errors, NULL);
}

static int transition_tx(void *ctx)
{
  struct device_change *c = ctx;
  change_reset(c);
  json_t *cur;
  struct store_device_ref ref;
  int rc = store_device_get(&cur, &ref, c->body, 1);
  if (rc != RL_OK)
    return rc;
  enum rl_status from = rl_status_parse(str_or_null(cur, "status"));
  enum rl_kind kind = rl_kind_parse(str_or_null(cur, "kind"));
  json_decref(cur);
  if (!rl_move_allowed(kind, from, c->target, RL_VIA_MANUAL)) {
    enum rl_status moves[RL_ST_COUNT];
    size_t n = rl_moves_from(moves, kind, from, RL_VIA_MANUAL);
    c->allowed = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(c->allowed, json_string(rl_status_name(moves[i])));
    return RL_ECONFLICT;
  }
  struct store_actor actor = {c->who->name, c->who->key_id};
  const char *f[] = {rl_status_name(from)}, *t[] = {rl_status_name(c->target)};
  if (c->target == RL_ST_AVAILABLE) {
    /* On the shelf: held for the first member waiting, which the reply
     * shows; the three statements go out together. */
    rc = store_device_move(NULL, &ref, f, t, 1, c->note, &actor);
    if (rc == RL_OK)
      rc = store_waitlist_offer(ref.id, c->hold_days, 1);
    store_tx_commit_next();
    if (rc == RL_OK)
      rc = store_device_get(&c->out, &ref, c->body, 0);
  } else {
    store_tx_commit_next();
    rc = store_device_move(&c->out, &ref, f, t, 1, c->note, &actor);
  }
  if (rc == RL_OK)
    c->version = ref.version;
  return rc;
}

int device_transition(json_t **out, int *version, json_t **errors, json_t **allowed,
                      const char *code, const char *to, const char *note, unsigned hold_days,
                      const struct rl_principal *who)
{
  char body[RL_CODE_BODY_LEN + 1];
  *errors = NULL;
  *allowed = NULL;
  int rc = device_code_body(body, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  enum rl_status target = rl_status_parse(to);
  if (target == RL_ST_INVALID)
    return rl_spec_invalid(errors, "to", "not_a_status", "is not a device status");
  struct device_change c = {
      .body = body, .target = target, .note = note, .hold_days = hold_days, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, transition_tx, &c);
  return change_results(&c, rc, out, version, errors, allowed);
}

int device_list(json_t **out, char *next_cursor, json_t **errors, const struct device_query *q)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, q->cursor, errors);
  if (rc != RL_OK)
    return rc;

  struct store_device_filter f = {q->status,        q->kind,        q->category, q->site,
                                  q->received_from, q->received_to, NULL,        NULL};
  /* 100 characters of up to 4 bytes, each possibly escaped, and two %. */
  char like[100 * 4 * 2 + 3], code[RL_CODE_BODY_LEN + 1];
  if (q->q) {
    rl_spec_like(like, sizeof like, q->q);
    f.q_like = like;
    if (rl_code_parse(code, q->q) == RL_CODE_OK)
      f.q_code = code;
  }
  int64_t next = 0;
  rc = store_device_list(out, &next, &f, before, q->limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

int device_history(json_t **out, char *next_cursor, json_t **errors, const char *code,
                   const char *cursor, int limit)
{
  char body[RL_CODE_BODY_LEN + 1];
  *errors = NULL;
  next_cursor[0] = '\0';
  int rc = device_code_body(body, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  int64_t after;
  rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_device_history(out, &next, body, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

void device_strip_personal(json_t *device) { rl_spec_strip_personal(device, fields_device); }

int device_label_data(json_t **out, json_t **errors, json_t **unknown, const char *const *codes,
                      size_t n)
{
  *errors = NULL;
  *unknown = NULL;
  char(*bodies)[RL_CODE_BODY_LEN + 1] = calloc(n ? n : 1, sizeof *bodies);
  const char **list = calloc(n ? n : 1, sizeof *list);
  json_t *errs = json_array();
  int rc = (bodies && list && errs) ? RL_OK : RL_ENOMEM;
  for (size_t i = 0; rc == RL_OK && i < n; i++) {
    char field[32];
    json_t *one = NULL;
    snprintf(field, sizeof field, "codes[%zu]", i);
    if (device_code_body(bodies[i], codes[i], field, &one) != RL_OK)
      json_array_extend(errs, one);
    json_decref(one);
    list[i] = bodies[i];
  }
  if (rc == RL_OK && json_array_size(errs) > 0) {
    *errors = errs;
    errs = NULL;
    rc = RL_EINVALID;
  }
  json_t *found = NULL;
  if (rc == RL_OK)
    rc = store_device_label_data(&found, list, n);
  if (rc == RL_OK) {
    json_t *by_body = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(found, i, row) {
      json_object_set(by_body, json_string_value(json_object_get(row, "code_body")), row);
    }
    json_t *items = json_array(), *missing = json_array();
    for (i = 0; i < n; i++) {
      json_t *row_i = json_object_get(by_body, bodies[i]);
      if (row_i)
        json_array_append(items, row_i);
      else
        json_array_append_new(missing, json_string(codes[i]));
    }
    json_decref(by_body);
    if (json_array_size(missing) > 0) {
      json_decref(items);
      *unknown = missing;
      rc = RL_EUNPROCESSABLE;
    } else {
      json_decref(missing);
      *out = items;
    }
  }
  json_decref(found);
  json_decref(errs);
  free(bodies);
  free(list);
  return rc;
}
