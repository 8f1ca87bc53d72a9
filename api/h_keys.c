/* /api/v1/keys: admin-only management of API keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/keys.h"

void h_keys_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = keys_list(&items, next, &errors, rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_keys_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_key, 0) != 0)
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
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *key;
  int rc = keys_get(&key, rl_parse_id(rl_path(req, "id")));
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
