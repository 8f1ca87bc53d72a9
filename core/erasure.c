/* Erasing one person's contact data (core/erasure.h). */
#include "core/erasure.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/member.h"
#include "core/people.h"
#include "core/store/pool.h"
#include "core/store/store_privacy.h"

/* Whom to erase, named as an access export names them. */
const struct rl_field erasure_fields[] = {
    PEOPLE_KEY_FIELDS,
    /* A ticket or letter reference: short, and optional. */
    {.name = "reason", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 200},
    {0},
};

const struct rl_field erasure_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "since", .type = RL_T_TIME},
    {.name = "until", .type = RL_T_TIME},
    {0},
};

struct erase_tx {
  const struct store_person *person;
  const struct store_erasure_meta *meta;
  json_t *out;
  int named_nothing; /* a code or number given that names no record */
};

/* The records found and their erasure, back to back in one transaction:
 * what an erasure records is what it erased. */
static int erase_tx(void *ctx)
{
  struct erase_tx *t = ctx;
  json_decref(t->out);
  t->out = NULL;
  char *devices, *members;
  int rc = store_privacy_resolve(&devices, &members, t->person);
  if (rc != RL_OK)
    return rc;
  t->named_nothing = (t->person->device && strcmp(devices, "{}") == 0) ||
                     (t->person->member && strcmp(members, "{}") == 0);
  if (t->named_nothing) {
    free(devices);
    free(members);
    return RL_EUNPROCESSABLE;
  }
  store_tx_commit_next();
  rc = store_privacy_erase(&t->out, devices, members, t->meta);
  free(devices);
  free(members);
  return rc;
}

int erasure_run(json_t **out, json_t **errors, const json_t *body, const struct rl_principal *who,
                const struct rl_privacy_settings *privacy)
{
  *out = NULL;
  *errors = NULL;
  struct people_key k;
  int rc = people_key_read(&k, errors, body, privacy->phone_country);
  if (rc != RL_OK)
    return rc;
  struct store_person p = {
      .device = k.device,
      .member = k.member,
      .email = k.email,
      .phone = k.phone,
      .country = privacy->phone_country,
  };
  struct store_erasure_meta meta = {
      .key_id = who->key_id,
      .key_name = who->name,
      .reason = rl_spec_str(body, "reason"),
      .found_by = k.given,
  };
  struct erase_tx t = {.person = &p, .meta = &meta};
  rc = store_tx_run(STORE_READ_COMMITTED, erase_tx, &t);
  if (rc == RL_EUNPROCESSABLE && t.named_nothing) {
    /* Nothing recorded: the request named nothing to erase. */
    if (p.device)
      rl_spec_invalid(errors, "device", "unknown_device", "no resident's device has this code");
    else
      rl_spec_invalid(errors, "member", "unknown_member", "no member has this number");
    return RL_EUNPROCESSABLE;
  }
  if (rc != RL_OK) {
    json_decref(t.out);
    return rc;
  }
  *out = t.out;
  return RL_OK;
}

int erasure_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  int64_t before;
  int rc = rl_spec_cursor(&before, rl_spec_str(query, "cursor"), errors);
  if (rc != RL_OK)
    return rc;
  rc = rl_spec_since_until(query, errors);
  if (rc != RL_OK)
    return rc;
  const char *since = rl_spec_str(query, "since"), *until = rl_spec_str(query, "until");
  int more;
  long long last;
  rc = store_privacy_erasure_list(out, &more, &last, since, until, before, rl_spec_limit(query));
  if (rc == RL_OK && more)
    rl_spec_next_cursor(next_cursor, last);
  return rc;
}

int erasure_get(json_t **out, long long id)
{
  if (id <= 0)
    return RL_ENOTFOUND;
  return store_privacy_erasure_get(out, id);
}
