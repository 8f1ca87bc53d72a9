/* Finding a person among device owners and members, and answering their
 * access request (GDPR art. 15 and 20): everything held about them, as one
 * JSON document (docs/privacy.md). Bodies are checked here, whole:
 * field-level problems come back as RL_EINVALID with *errors (caller
 * owns), and no problem ever repeats the name, e-mail or phone it is
 * about. */
#ifndef RL_CORE_PEOPLE_H
#define RL_CORE_PEOPLE_H

#include <jansson.h>

#include "core/code.h"
#include "core/config.h"
#include "core/spec.h"

/* Results a search returns when the body gives no limit, and at most. */
enum { PEOPLE_SEARCH_LIMIT = 20, PEOPLE_SEARCH_MAX = 50 };

/* Whether q reads as a phone number rather than a name: nothing but
 * digits, spaces and + . - ( ), and at least 6 digits. */
int people_phone_shaped(const char *q);

/* Searches owners and members by a body (unchecked) {q, limit?}: an e-mail
 * (q holds an @: the same address, whatever its case), a phone number (as
 * people_phone_shaped: the same national number however it is written,
 * country being the programme's calling code), else a name (q anywhere in
 * it, whatever the case; % _ \ are plain characters). *out (caller owns):
 * the items, newest first, each {"type": "owner", "device": {…}} or
 * {"type": "member", "member": {…}}, as a volunteer reads them. */
int people_search(json_t **out, json_t **errors, const json_t *body, const char *country);

/* The person an access export or an erasure is about, named by exactly
 * one of member (number), device (code), email or phone: the fields of
 * such a body (a spec may add its own after them). */
/* clang-format off */
#define PEOPLE_KEY_FIELDS                                                                          \
  {.name = "member", .type = RL_T_STRING, .min = 1, .max = 40},                                    \
  {.name = "device", .type = RL_T_STRING, .min = 1, .max = 40},                                    \
  {.name = "email", .type = RL_T_STRING, .min = 3, .max = 254, .format = &rl_format_email},        \
  {.name = "phone", .type = RL_T_STRING, .min = 3, .max = 40, .format = &rl_format_phone}
/* clang-format on */

struct people_key {
  const char *given; /* "member", "device", "email" or "phone" */
  const char *value; /* as given (the body's) */
  /* The one given, the others NULL: a code's or number's body (in buf),
   * the e-mail or the phone as given. */
  const char *device, *member, *email, *phone;
  char buf[RL_CODE_BODY_LEN + 1];
};

/* Reads the person a body (checked against PEOPLE_KEY_FIELDS) names into
 * *k (not to be copied: it points into itself): 400 exactly_one_key when
 * it names none or several, too_few_digits for a phone under 6 digits, and
 * the codes' own problems for a malformed number or code; country: the
 * programme's calling code. */
int people_key_read(struct people_key *k, json_t **errors, const json_t *body, const char *country);

/* How many digits phone's national number has, as rl_phone_key() (sql/
 * 0012_people.sql) reads it: without "+" or "00" and country (the
 * programme's calling code) before it, without the trunk zero. */
size_t people_phone_national_digits(const char *phone, const char *country);

/* What an export needs of the settings (borrowed). */
struct people_env {
  const char *country;  /* REPAIRD_PHONE_COUNTRY */
  const char *timezone; /* loans' dates are dates there */
  const char *public_url;
  const struct rl_loan_settings *loans;
};

/* Everything held about the person a body (unchecked) names by exactly one
 * of member (number), device (code), email or phone: their records as
 * person_records() (sql/0012_people.sql) finds them, each with its
 * history, repairs, loans, messages and waiting-list places. A number or
 * code of nobody, or a value no record holds, gives an export with no
 * records. *out (caller owns): {generated_at, subject, devices, members}. */
int people_export(json_t **out, json_t **errors, const json_t *body, const struct people_env *env);

#endif
