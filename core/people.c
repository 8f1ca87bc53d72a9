/* Finding a person and exporting what is held about them (docs/privacy.md).
 * The search reads what q is (an e-mail, a phone number, else a name) and
 * runs one statement; the export resolves the person's records with
 * person_records(), the function an erasure uses too, so that what an
 * export shows is what an erasure erases. */
#include "core/people.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/member.h"
#include "core/read_log.h"
#include "core/spec.h"
#include "core/store/store_people.h"

/* The fewest digits a phone number's national number may have to find
 * anyone, as rl_phone_key() (sql/0012_people.sql) counts them. */
#define PHONE_MIN_DIGITS 6

/* The body of a search: q long enough for any e-mail address (RFC 5321). */
static const struct rl_field fields_person_search[] = {
    {.name = "q", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 2, .max = 254},
    {.name = "limit", .type = RL_T_INT, .min = 1, .max = PEOPLE_SEARCH_MAX},
    {0},
};

/* The body of an export. */
static const struct rl_field fields_person_export[] = {PEOPLE_KEY_FIELDS, {0}};

static size_t digit_count(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += isdigit((unsigned char)*s) != 0;
  return n;
}

size_t people_phone_national_digits(const char *phone, const char *country)
{
  char d[64];
  size_t n = 0;
  for (const char *p = phone; *p && n + 1 < sizeof d; p++)
    if (isdigit((unsigned char)*p))
      d[n++] = *p;
  d[n] = '\0';
  size_t cc = strlen(country), skip = 0;
  const char *first = phone + strspn(phone, " \t");
  if (n >= 10 + cc && strncmp(d, "00", 2) == 0 && strncmp(d + 2, country, cc) == 0)
    skip = 2 + cc;
  else if (*first == '+' && strncmp(d, country, cc) == 0)
    skip = cc;
  while (skip < n && d[skip] == '0')
    skip++;
  return n - skip;
}

int people_phone_shaped(const char *q)
{
  for (const char *p = q; *p; p++)
    if (!isdigit((unsigned char)*p) && strchr(" +.-()", *p) == NULL)
      return 0;
  return digit_count(q) >= PHONE_MIN_DIGITS;
}

/* q without the spaces around it (in buf, cap bytes). */
static const char *trimmed(char *buf, size_t cap, const char *q)
{
  while (*q == ' ')
    q++;
  size_t n = strlen(q);
  while (n > 0 && q[n - 1] == ' ')
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, q, n);
  buf[n] = '\0';
  return buf;
}

int people_search(json_t **out, json_t **errors, const json_t *body, const char *country)
{
  *errors = NULL;
  int rc = rl_spec_check(errors, body, fields_person_search, RL_SPEC_CREATE);
  if (rc != RL_OK)
    return rc;
  /* 254 characters of up to 4 bytes. */
  char q[254 * 4 + 1];
  trimmed(q, sizeof q, json_string_value(json_object_get(body, "q")));
  if (rl_utf8_len(q) < 2)
    return rl_spec_invalid(errors, "q", "too_short",
                           "must be at least 2 characters long, spaces around it aside");
  json_t *limit = json_object_get(body, "limit");
  int n = limit ? (int)json_integer_value(limit) : PEOPLE_SEARCH_LIMIT;
  if (strchr(q, '@'))
    return store_people_search(out, STORE_PEOPLE_BY_EMAIL, q, country, n);
  if (people_phone_shaped(q)) {
    if (people_phone_national_digits(q, country) < PHONE_MIN_DIGITS)
      return rl_spec_invalid(errors, "q", "too_few_digits",
                             "is a phone number whose national number has fewer than 6 digits");
    return store_people_search(out, STORE_PEOPLE_BY_PHONE, q, country, n);
  }
  char like[sizeof q * 2 + 3];
  rl_spec_like(like, sizeof like, q);
  return store_people_search(out, STORE_PEOPLE_BY_NAME, like, country, n);
}

int people_key_read(struct people_key *k, json_t **errors, const json_t *body, const char *country)
{
  static const char *const keys[] = {"member", "device", "email", "phone"};
  memset(k, 0, sizeof *k);
  size_t given = 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (json_object_get(body, keys[i])) {
      k->given = keys[i];
      given++;
    }
  if (given != 1)
    return rl_spec_invalid(errors, "", "exactly_one_key",
                           given == 0 ? "give one of member, device, email or phone"
                                      : "give only one of member, device, email or phone");
  k->value = json_string_value(json_object_get(body, k->given));
  int rc = RL_OK;
  if (strcmp(k->given, "member") == 0) {
    rc = member_number_body(k->buf, k->value, "member", errors);
    k->member = k->buf;
  } else if (strcmp(k->given, "device") == 0) {
    rc = device_code_body(k->buf, k->value, "device", errors);
    k->device = k->buf;
  } else if (strcmp(k->given, "email") == 0) {
    k->email = k->value;
  } else if (people_phone_national_digits(k->value, country) < PHONE_MIN_DIGITS) {
    rc = rl_spec_invalid(errors, "phone", "too_few_digits",
                         "must hold a national number of at least 6 digits (after the calling "
                         "code and the trunk zero)");
  } else {
    k->phone = k->value;
  }
  return rc;
}

int people_export(json_t **out, json_t **errors, const json_t *body, const struct people_env *env)
{
  *errors = NULL;
  int rc = rl_spec_check(errors, body, fields_person_export, RL_SPEC_CREATE);
  if (rc != RL_OK)
    return rc;
  struct people_key k;
  rc = people_key_read(&k, errors, body, env->country);
  if (rc != RL_OK)
    return rc;
  struct store_people_key key = {k.device, k.member, k.email, k.phone};
  struct store_people_env senv = {env->country, env->timezone, env->public_url,
                                  env->loans->currency, env->loans->renewals};
  /* Who read their records is part of the answer: what this instance
   * still queues of it is written first. */
  rc = read_log_flush(5000);
  if (rc != RL_OK)
    return rc;
  json_t *found;
  rc = store_people_export(&found, &key, &senv);
  if (rc != RL_OK)
    return rc;
  /* The subject is the key the desk was given, as given: the export is
   * for the person who gave it. */
  *out = json_pack("{s:O s:{s:s} s:O s:O}", "generated_at", json_object_get(found, "generated_at"),
                   "subject", k.given, k.value, "devices", json_object_get(found, "devices"),
                   "members", json_object_get(found, "members"));
  json_decref(found);
  return *out ? RL_OK : RL_ENOMEM;
}
