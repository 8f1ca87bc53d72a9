/* Managing API keys: create (the secret is returned once), list, revoke. */
#ifndef RL_CORE_KEYS_H
#define RL_CORE_KEYS_H

#include <jansson.h>
#include <stdint.h>

#include "core/apikey.h"

/* Creates a key. *out (caller owns) is its JSON form with the secret under
 * "key"; the secret is also written to secret (RL_APIKEY_LEN + 1 bytes). */
int keys_create(json_t **out, char *secret, const char *name, enum rl_role role);

/* Revokes a key; every thread of this process stops accepting it at once.
 * *out (caller owns) is its JSON form. RL_ENOTFOUND if there is no such key. */
int keys_revoke(json_t **out, int64_t id);

/* One page of keys after the id `cursor` (NULL: from the start), in id
 * order; *out (caller owns), without secrets. next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) is "" on the last page. A cursor this service
 * did not issue: RL_EINVALID with *errors (caller owns). */
int keys_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit);

/* One key by id (*out caller owns); RL_ENOTFOUND, also for ids below 1. */
int keys_get(json_t **out, int64_t id);

#endif
