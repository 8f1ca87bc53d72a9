/* Device rules on top of store_device. */
#include "core/device.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/code.h"
#include "core/error.h"
#include "core/lifecycle.h"
#include "core/random.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_device.h"
#include "core/violation.h"

#define CODE_ATTEMPTS 5

int device_code_body(char *body, const char *code, const char *field, json_t **errors)
{
  switch (rl_code_parse(body, code)) {
  case RL_CODE_OK:
    return RL_OK;
  case RL_CODE_BAD_CHECK:
    return rl_spec_invalid(errors, field,
                           "the check character does not match: a character was probably "
                           "mistyped");
  default:
    return rl_spec_invalid(errors, field, "is not a device code (they look like RL-4K7Q-9M2R)");
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

static int email_ok(const char *s)
{
  const char *at = strchr(s, '@');
  return at && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL && !strchr(s, ' ');
}

static int phone_ok(const char *s)
{
  int digits = 0;
  for (; *s; s++) {
    if (isdigit((unsigned char)*s))
      digits++;
    else if (!strchr("+-. ()", *s))
      return 0;
  }
  return digits >= 3;
}

/* Rules shared by intake and edits; appends to errs. */
static void check_rules(json_t *errs, const json_t *d, const char *kind)
{
  const json_t *y = json_object_get(d, "year_of_manufacture");
  if (json_is_integer(y) && json_integer_value(y) > current_year())
    rl_spec_error(errs, "year_of_manufacture", "must not be in the future");
  const json_t *owner = json_object_get(d, "owner");
  if (json_is_object(owner) && kind && strcmp(kind, "repair") != 0)
    rl_spec_error(errs, "owner", "only a repair-kind device has an owner");
  const char *email = str_or_null(owner, "email");
  if (email && !email_ok(email))
    rl_spec_error(errs, "owner.email", "is not an email address");
  const char *phone = str_or_null(owner, "phone");
  if (phone && !phone_ok(phone))
    rl_spec_error(errs, "owner.phone", "is not a phone number");
}

static void owner_from_json(struct store_owner *o, const json_t *owner)
{
  o->name = str_or_null(owner, "name");
  o->email = str_or_null(owner, "email");
  o->phone = str_or_null(owner, "phone");
}

int device_create(json_t **out, int *version, json_t **errors, const json_t *body,
                  const struct rl_principal *who, const char *code_prefix)
{
  *errors = NULL;
  const char *kind = str_or_null(body, "kind");
  json_t *errs = json_array();
  check_rules(errs, body, kind);
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);

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
    return rl_violation_errors(rc, errors);
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

/* RFC 7396 on one level of objects: null removes, others replace. */
static void merge(json_t *target, const json_t *patch)
{
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (json_is_null(v))
      json_object_del(target, key);
    else if (json_is_object(v) && json_is_object(json_object_get(target, key)))
      merge(json_object_get(target, key), v);
    else
      json_object_set(target, key, v);
  }
}

/* What a patch or a move works on, inside its transaction. */
struct device_change {
  const char *body; /* code body */
  const json_t *patch;
  int if_match;
  enum rl_status target;
  const char *note;
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
  check_rules(errs, c->patch, str_or_null(cur, "kind"));
  if (json_array_size(errs) > 0) {
    json_decref(cur);
    c->errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  if (json_object_size(c->patch) == 0) {
    c->out = cur;
    c->version = ref.version;
    return RL_OK;
  }

  json_t *next = json_deep_copy(cur);
  if (json_is_null(json_object_get(next, "owner")))
    json_object_set_new(next, "owner", json_object());
  merge(next, c->patch);

  enum store_owner_action action = STORE_OWNER_KEEP;
  struct store_owner owner = {NULL, NULL, NULL};
  if (json_object_get(c->patch, "owner") != NULL) {
    owner_from_json(&owner, json_object_get(next, "owner"));
    action = (owner.name || owner.email || owner.phone) ? STORE_OWNER_SET : STORE_OWNER_ERASE;
  }
  char fields[512] = "{";
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)c->patch, key, v) {
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

int device_patch(json_t **out, int *version, json_t **errors, const char *code,
                 const json_t *patch, int if_match, const struct rl_principal *who)
{
  char body[RL_CODE_BODY_LEN + 1];
  *errors = NULL;
  int rc = device_code_body(body, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  struct device_change c = {.body = body, .patch = patch, .if_match = if_match, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
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
  store_tx_commit_next();
  rc = store_device_move(&c->out, &ref, f, t, 1, c->note, &actor);
  if (rc == RL_OK)
    c->version = ref.version;
  return rc;
}

int device_transition(json_t **out, int *version, json_t **errors, json_t **allowed,
                      const char *code, const char *to, const char *note,
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
    return rl_spec_invalid(errors, "to", "is not a device status");
  struct device_change c = {.body = body, .target = target, .note = note, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, transition_tx, &c);
  return change_results(&c, rc, out, version, errors, allowed);
}

int device_list(json_t **out, char *next_cursor, json_t **errors, const struct device_query *q)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  json_t *errs = json_array();
  if (q->status && rl_status_parse(q->status) == RL_ST_INVALID)
    rl_spec_error(errs, "status", "is not a device status");
  if (q->kind && rl_kind_parse(q->kind) == RL_KIND_INVALID)
    rl_spec_error(errs, "kind", "must be donation or repair");
  if (q->category && strlen(q->category) > 64)
    rl_spec_error(errs, "category", "is not a category slug");
  if (q->site && strlen(q->site) > 64)
    rl_spec_error(errs, "site", "is not a site slug");
  if (q->received_from && !rl_spec_is_date(q->received_from))
    rl_spec_error(errs, "received_from", "must be a date, YYYY-MM-DD");
  if (q->received_to && !rl_spec_is_date(q->received_to))
    rl_spec_error(errs, "received_to", "must be a date, YYYY-MM-DD");
  if (q->q && (rl_utf8_len(q->q) < 1 || rl_utf8_len(q->q) > 100))
    rl_spec_error(errs, "q", "must be 1 to 100 characters long");
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  int64_t before;
  int rc = rl_spec_cursor(&before, q->cursor, errors);
  if (rc != RL_OK)
    return rc;

  struct store_device_filter f = {q->status, q->kind, q->category, q->site, q->received_from,
                                  q->received_to, NULL, NULL};
  /* 100 characters of up to 4 bytes, each possibly escaped, and two %. */
  char like[100 * 4 * 2 + 3], code[RL_CODE_BODY_LEN + 1];
  if (q->q) {
    /* A substring match: LIKE's own metacharacters are taken literally. */
    size_t n = 0;
    like[n++] = '%';
    for (const char *p = q->q; *p && n < sizeof like - 3; p++) {
      if (*p == '%' || *p == '_' || *p == '\\')
        like[n++] = '\\';
      like[n++] = *p;
    }
    like[n++] = '%';
    like[n] = '\0';
    f.q_like = like;
    if (rl_code_parse(code, q->q) == RL_CODE_OK)
      f.q_code = code;
  }
  int64_t next = 0;
  rc = store_device_list(out, &next, &f, before, q->limit);
  if (rc == RL_OK && next > 0)
    snprintf(next_cursor, 32, "%lld", (long long)next);
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
  if (rc == RL_OK && next > 0)
    snprintf(next_cursor, 32, "%lld", (long long)next);
  return rc;
}

void device_strip_personal(json_t *device)
{
  json_object_del(device, "owner");
  json_object_del(device, "tracking_token");
}

int device_label_data(json_t **out, json_t **errors, json_t **unknown,
                      const char *const *codes, size_t n)
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
