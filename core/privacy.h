/* The personal data a reply can hold, named in one place: owner contacts
 * and members' contacts and notes. Whatever keeps a copy of a reply
 * (stored idempotent replies) or shows it to a key that may not see
 * personal data removes these first. */
#ifndef RL_CORE_PRIVACY_H
#define RL_CORE_PRIVACY_H

#include <jansson.h>

/* Removes the personal members of a reply object that hold something (a
 * null one stays: it says there is nothing); a no-op on other values. */
void privacy_strip(json_t *reply);

#endif
