/* API key management on top of store_apikey. */
#include "core/keys.h"

#include <stdio.h>
#include <string.h>

#include "core/auth.h"
#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_apikey.h"

int keys_create(json_t **out, char *secret, const char *name, enum rl_role role)
{
  if (role == RL_ROLE_NONE || name == NULL || *name == '\0')
    return RL_EINVALID;
  int rc = rl_apikey_generate(secret);
  if (rc != RL_OK)
    return rc;
  char hash[RL_APIKEY_HASH_HEX + 1], prefix[RL_APIKEY_PREFIX_LEN + 1];
  rl_apikey_hash(hash, secret, strlen(secret));
  memcpy(prefix, secret, RL_APIKEY_PREFIX_LEN);
  prefix[RL_APIKEY_PREFIX_LEN] = '\0';
  rc = store_apikey_insert(out, name, role, prefix, hash);
  if (rc == RL_OK)
    json_object_set_new(*out, "key", json_string(secret));
  return rc;
}

int keys_revoke(json_t **out, int64_t id)
{
  int rc = store_apikey_revoke(out, id);
  if (rc == RL_OK)
    rl_auth_forget_all();
  return rc;
}

int keys_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  int64_t after;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int more;
  rc = store_apikey_list(out, &more, after, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, RL_SPEC_CURSOR_MAX, "%lld",
             (long long)json_integer_value(json_object_get(json_array_get(*out, n - 1), "id")));
  return rc;
}

int keys_get(json_t **out, int64_t id)
{
  return id > 0 ? store_apikey_get(out, id) : RL_ENOTFOUND;
}
