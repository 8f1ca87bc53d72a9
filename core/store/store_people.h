/* People in the database: the search over owners' and members' contacts,
 * and the access export of one person's records, each one statement that
 * builds its JSON in SQL in the shapes the device, member, repair, loan,
 * message and waiting-list routes give a volunteer. JSON forms are
 * caller-owned and hold personal data. */
#ifndef RL_CORE_STORE_PEOPLE_H
#define RL_CORE_STORE_PEOPLE_H

#include <jansson.h>

enum store_people_by {
  STORE_PEOPLE_BY_EMAIL, /* value: an address, compared without case */
  STORE_PEOPLE_BY_PHONE, /* value: a number as typed, compared by rl_phone_key() */
  STORE_PEOPLE_BY_NAME,  /* value: an ILIKE pattern over the name */
};

/* At most limit owners and members matching value, newest first (a
 * device's received_at, a member's created_at): an array of
 * {"type": "owner", "device": {…}} and {"type": "member", "member": {…}}.
 * country: the programme's calling code (REPAIRD_PHONE_COUNTRY). */
int store_people_search(json_t **out, enum store_people_by by, const char *value,
                        const char *country, int limit);

/* Who an export is about: one of these is set, the others NULL. */
struct store_people_key {
  const char *device_body, *member_body, *email, *phone;
};

/* What the shapes of an export need of the settings (borrowed). */
struct store_people_env {
  const char *country, *timezone, *public_url, *currency;
  unsigned renewals; /* a loan's renewals allowed: its renewals_left */
};

/* The records person_records() finds for key, as {generated_at, devices:
 * [device + history, repairs, messages], members: [member + history,
 * loans (+ history, messages), waitlist]}, oldest first at each level. */
int store_people_export(json_t **out, const struct store_people_key *key,
                        const struct store_people_env *env);

#endif
