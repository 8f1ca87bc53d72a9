/* API keys in the database. */
#ifndef RL_CORE_STORE_APIKEY_H
#define RL_CORE_STORE_APIKEY_H

#include <jansson.h>
#include <stdint.h>

#include "core/apikey.h"

/* Stores a key; *out (caller owns) is its public JSON form. */
int store_apikey_insert(json_t **out, const char *name, enum rl_role role, const char *prefix,
                        const char *hash);

/* Finds the live key whose hash is hash and marks it used. RL_OK with
 * *id, *role and name (cap bytes) filled, or RL_EUNAUTHORIZED. */
int store_apikey_authenticate(int64_t *id, enum rl_role *role, char *name, size_t cap,
                              const char *hash);

/* One page of keys after id `after` (0: from the start), in id order.
 * *out (caller owns) is a JSON array; *more tells whether more follow. */
int store_apikey_list(json_t **out, int *more, int64_t after, int limit);

/* One key by id; RL_ENOTFOUND if none. */
int store_apikey_get(json_t **out, int64_t id);

/* Revokes a key (idempotent); *out (caller owns) is its JSON form.
 * RL_ENOTFOUND when there is no such key, RL_ECONFLICT when it is the last
 * live admin key. */
int store_apikey_revoke(json_t **out, int64_t id);

#endif
