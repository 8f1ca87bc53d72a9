/* Member rules on top of store_member. */
#include "core/member.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/fields.h"
#include "core/people.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_member.h"
#include "core/violation.h"

/* A collision among 32^5 numbers is rare; five in a row means something
 * else is wrong. */
#define NUMBER_ATTEMPTS 5

int member_number_body(char *body, const char *number, const char *field, json_t **errors)
{
  switch (rl_member_number_parse(body, number)) {
  case RL_CODE_OK: return RL_OK;
  case RL_CODE_BAD_CHECK:
    return rl_spec_invalid(errors, field, "check_character_mismatch",
                           "the check character does not match: a character was probably "
                           "mistyped");
  default:
    return rl_spec_invalid(errors, field, "not_a_member_number",
                           "is not a member number (they look like M-4K7-Q9M)");
  }
}

static const char *str_or_null(const json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

/* Text forms of a member's editable fields, kept in one place. */
struct field_text {
  char loan_limit[16];
  struct store_member_fields f;
};

static void fields_from_json(struct field_text *t, const json_t *m)
{
  memset(t, 0, sizeof *t);
  t->f.language = str_or_null(m, "language");
  t->f.notes = str_or_null(m, "notes");
  snprintf(t->loan_limit, sizeof t->loan_limit, "%lld",
           (long long)json_integer_value(json_object_get(m, "loan_limit")));
  t->f.loan_limit = t->loan_limit;
}

static void contact_from_json(struct store_owner *o, const json_t *contact)
{
  o->name = str_or_null(contact, "name");
  o->email = str_or_null(contact, "email");
  o->phone = str_or_null(contact, "phone");
  o->notify = json_is_true(json_object_get(contact, "notify")) ? "true" : "false";
  o->language = NULL;
}

static int contact_given(const struct store_owner *o) { return o->name || o->email || o->phone; }

int member_create(json_t **out, int *version, json_t **errors, const json_t *body,
                  const struct rl_principal *who, const struct member_defaults *defaults)
{
  *errors = NULL;
  int rc = rl_spec_check(errors, body, fields_member, RL_SPEC_CREATE);
  if (rc != RL_OK)
    return rc;
  json_t *m = json_deep_copy(body);
  if (m == NULL)
    return RL_ENOMEM;
  if (json_object_get(m, "language") == NULL)
    json_object_set_new(m, "language", json_string("fr"));
  if (json_object_get(m, "loan_limit") == NULL)
    json_object_set_new(m, "loan_limit", json_integer((json_int_t)defaults->loan_limit));
  struct field_text t;
  fields_from_json(&t, m);
  struct store_owner contact;
  contact_from_json(&contact, json_object_get(m, "contact"));

  struct store_actor actor = {who->name, who->key_id};
  struct store_member_ref ref;
  rc = RL_EDUPLICATE;
  for (int i = 0; i < NUMBER_ATTEMPTS && rc == RL_EDUPLICATE; i++) {
    char body6[RL_MEMBER_BODY_LEN + 1], display[RL_CODE_MAX];
    rc = rl_member_number_generate(body6, display, defaults->prefix);
    if (rc != RL_OK)
      break;
    rc = store_member_insert(out, &ref, display, body6, &t.f,
                             contact_given(&contact) ? &contact : NULL, &actor);
  }
  json_decref(m);
  if (rc != RL_OK)
    return rl_violation_errors(rc, errors);
  *version = ref.version;
  return RL_OK;
}

int member_get(json_t **out, int *version, json_t **errors, const char *number)
{
  char body[RL_MEMBER_BODY_LEN + 1];
  *errors = NULL;
  int rc = member_number_body(body, number, "number", errors);
  if (rc != RL_OK)
    return rc;
  struct store_member_ref ref;
  rc = store_member_get(out, &ref, body, 0);
  if (rc == RL_OK)
    *version = ref.version;
  return rc;
}

/* What a patch or a move works on, inside its transaction. */
struct member_change {
  const char *body; /* number body */
  const json_t *patch;
  int if_match;
  const char *to, *note;
  const struct rl_principal *who;
  json_t *out, *allowed; /* results, reset on each run */
  int version;
};

static void change_reset(struct member_change *c)
{
  json_decref(c->out);
  json_decref(c->allowed);
  c->out = c->allowed = NULL;
}

/* The names of the fields a patch sends, as a PostgreSQL array literal:
 * what the edit event keeps (never the values, which may be personal). */
static void field_names(char *out, size_t cap, const json_t *patch)
{
  size_t n = (size_t)snprintf(out, cap, "{");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (n < cap)
      n += (size_t)snprintf(out + n, cap - n, "%s%s", n > 1 ? "," : "", key);
  }
  if (n < cap)
    snprintf(out + n, cap - n, "}");
}

static int patch_tx(void *ctx)
{
  struct member_change *c = ctx;
  change_reset(c);
  json_t *cur;
  struct store_member_ref ref;
  int rc = store_member_get(&cur, &ref, c->body, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != ref.version) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  if (json_object_size(c->patch) == 0) {
    c->out = cur;
    c->version = ref.version;
    return RL_OK;
  }
  json_t *next = json_deep_copy(cur);
  if (json_is_null(json_object_get(next, "contact")))
    json_object_set_new(next, "contact", json_object());
  rl_merge_patch(next, c->patch);

  enum store_owner_action action = STORE_OWNER_KEEP;
  struct store_owner contact = {NULL, NULL, NULL, NULL, NULL};
  if (json_object_get(c->patch, "contact") != NULL) {
    contact_from_json(&contact, json_object_get(next, "contact"));
    /* A contact whose every member was removed is erased, row and all. */
    action = contact_given(&contact) ? STORE_OWNER_SET : STORE_OWNER_ERASE;
  }
  /* The spec allows a handful of short field names: this always fits. */
  char fields[128];
  field_names(fields, sizeof fields, c->patch);
  struct field_text t;
  fields_from_json(&t, next);
  struct store_actor actor = {c->who->name, c->who->key_id};
  store_tx_commit_next();
  rc = store_member_update(&c->out, &ref, &t.f, action, &contact, fields, &actor);
  json_decref(next);
  json_decref(cur);
  if (rc == RL_OK)
    c->version = ref.version;
  return rc;
}

/* Hands over the results of a change: on failure only the allowed moves. */
static int change_results(struct member_change *c, int rc, json_t **out, int *version,
                          json_t **allowed)
{
  if (rc == RL_OK) {
    *out = c->out;
    *version = c->version;
  } else {
    json_decref(c->out);
  }
  if (allowed)
    *allowed = c->allowed;
  else
    json_decref(c->allowed);
  return rc;
}

int member_patch(json_t **out, int *version, json_t **errors, const char *number,
                 const json_t *patch, int if_match, const struct rl_principal *who)
{
  char body[RL_MEMBER_BODY_LEN + 1];
  *errors = NULL;
  json_t *errs = json_array(), *number_error = NULL, *format = NULL;
  if (errs == NULL)
    return RL_ENOMEM;
  int rc = member_number_body(body, number, "number", &number_error);
  rl_spec_append(errs, number_error);
  rl_spec_check(&format, patch, fields_member, RL_SPEC_UPDATE);
  rl_spec_append(errs, format);
  if (json_array_size(errs) > 0) {
    *errors = errs;
    return RL_EINVALID;
  }
  json_decref(errs);
  if (rc != RL_OK) /* out of memory: there is no error to tell */
    return RL_ENOMEM;
  struct member_change c = {.body = body, .patch = patch, .if_match = if_match, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  rc = rl_violation_errors(rc, errors);
  return change_results(&c, rc, out, version, NULL);
}

static int transition_tx(void *ctx)
{
  struct member_change *c = ctx;
  change_reset(c);
  json_t *cur;
  struct store_member_ref ref;
  int rc = store_member_get(&cur, &ref, c->body, 1);
  if (rc != RL_OK)
    return rc;
  int same = strcmp(str_or_null(cur, "status"), c->to) == 0;
  json_decref(cur);
  int suspend = strcmp(c->to, "suspended") == 0;
  const char *from = suspend ? "active" : "suspended";
  if (same) {
    c->allowed = json_pack("[s]", from);
    return c->allowed ? RL_ECONFLICT : RL_ENOMEM;
  }
  struct store_actor actor = {c->who->name, c->who->key_id};
  store_tx_commit_next();
  rc = store_member_move(&c->out, &ref, from, c->to, suspend ? "suspended" : "reactivated", c->note,
                         &actor);
  if (rc == RL_OK)
    c->version = ref.version;
  return rc;
}

int member_transition(json_t **out, int *version, json_t **errors, json_t **allowed,
                      const char *number, const char *to, const char *note,
                      const struct rl_principal *who)
{
  char body[RL_MEMBER_BODY_LEN + 1];
  *errors = NULL;
  *allowed = NULL;
  int rc = member_number_body(body, number, "number", errors);
  if (rc != RL_OK)
    return rc;
  if (to == NULL || (strcmp(to, "active") != 0 && strcmp(to, "suspended") != 0))
    return rl_spec_invalid(errors, "to", "not_one_of", "must be one of: active, suspended");
  struct member_change c = {.body = body, .to = to, .note = note, .who = who};
  rc = store_tx_run(STORE_READ_COMMITTED, transition_tx, &c);
  return change_results(&c, rc, out, version, allowed);
}

int member_list(json_t **out, char *next_cursor, json_t **errors, const struct member_query *q)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, q->cursor, errors);
  if (rc != RL_OK)
    return rc;
  struct store_member_filter f = {q->status, NULL, NULL, NULL, q->phone_country};
  /* 100 characters of up to 4 bytes, each possibly escaped, and two %. */
  char like[100 * 4 * 2 + 3], number[RL_MEMBER_BODY_LEN + 1];
  if (q->q) {
    if (rl_member_number_parse(number, q->q) == RL_CODE_OK)
      f.q_number = number;
    /* Also for what reads as a number: a name can ("Diallo" does not, but
     * one in 32 words of its length would). */
    if (q->personal) {
      rl_spec_like(like, sizeof like, q->q);
      f.q_like = like;
      if (people_phone_shaped(q->q))
        f.q_phone = q->q;
    }
    if (f.q_number == NULL && f.q_like == NULL) {
      /* A reader key searches numbers only: anything else finds nobody,
       * without telling whether a contact matches. */
      *out = json_array();
      return *out ? RL_OK : RL_ENOMEM;
    }
  }
  int64_t next = 0;
  rc = store_member_list(out, &next, &f, before, q->limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

int member_history(json_t **out, char *next_cursor, json_t **errors, const char *number,
                   const char *cursor, int limit)
{
  char body[RL_MEMBER_BODY_LEN + 1];
  *errors = NULL;
  next_cursor[0] = '\0';
  int rc = member_number_body(body, number, "number", errors);
  if (rc != RL_OK)
    return rc;
  int64_t after;
  rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int64_t next = 0;
  rc = store_member_history(out, &next, body, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

void member_strip_personal(json_t *member) { rl_spec_strip_personal(member, fields_member); }

void member_event_strip_personal(json_t *event)
{
  rl_spec_strip_personal(event, fields_member_event);
}
