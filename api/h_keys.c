/* /api/v1/keys: admin-only management of API keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/keys.h"
#include "core/spec.h"
#include "core/store/store_apikey.h"

static const char *const roles[] = {"admin", "volunteer", "reader", NULL};

static const struct rl_field key_spec[] = {
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "role", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = roles},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "prefix", .flags = RL_F_READONLY},
    {.name = "key", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "last_used_at", .flags = RL_F_READONLY},
    {.name = "revoked_at", .flags = RL_F_READONLY},
    {0},
};

void h_keys_list(struct rl_req *req, struct _u_response *res)
{
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  long long after = 0;
  if (cursor != NULL && (after = rl_parse_id(cursor)) == 0) {
    rl_reply_bad_field(res, "cursor", "is not a cursor this service issued");
    return;
  }
  json_t *items;
  int more;
  int rc = store_apikey_list(&items, &more, after, limit);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  char next[24];
  size_t n = json_array_size(items);
  if (more && n > 0)
    snprintf(next, sizeof next, "%lld",
             (long long)json_integer_value(json_object_get(json_array_get(items, n - 1), "id")));
  rl_reply_list(res, items, more && n > 0 ? next : NULL);
}

void h_keys_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, key_spec, 0) != 0)
    return;
  const char *name = json_string_value(json_object_get(req->body, "name"));
  enum rl_role role = rl_role_parse(json_string_value(json_object_get(req->body, "role")));
  json_t *key;
  char secret[RL_APIKEY_LEN + 1];
  int rc = keys_create(&key, secret, name, role);
  memset(secret, 0, sizeof secret);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/keys/%lld",
           (long long)json_integer_value(json_object_get(key, "id")));
  rl_reply_json(res, 201, key);
  u_map_put(res->map_header, "Location", loc);
  u_map_put(res->map_header, "Cache-Control", "no-store");
}

void h_keys_get(struct rl_req *req, struct _u_response *res)
{
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *key;
  int rc = id > 0 ? store_apikey_get(&key, id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no key has this id" : NULL);
    return;
  }
  rl_reply_object(req, res, 200, key);
}

void h_keys_revoke(struct rl_req *req, struct _u_response *res)
{
  long long id = rl_parse_id(rl_path(req, "id"));
  if (id == 0) {
    rl_reply_error(res, RL_ENOTFOUND, "no key has this id");
    return;
  }
  json_t *key;
  int rc = keys_revoke(&key, id);
  if (rc != RL_OK) {
    rl_reply_error(res, rc,
                   rc == RL_ENOTFOUND   ? "no key has this id"
                   : rc == RL_ECONFLICT ? "this is the last admin key; create another first"
                                        : NULL);
    return;
  }
  json_decref(key);
  rl_reply_no_content(res);
}
