/* /api/v1/devices/{code}/repairs, /api/v1/repairs/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/repair.h"

static void reply_failure(struct _u_response *res, int rc, json_t *errors, json_t *allowed,
                          const char *what)
{
  if (rc == RL_ECONFLICT && allowed) {
    rl_reply_error(res, RL_ECONFLICT,
                   json_array_size(allowed) == 0
                       ? "no repair can be recorded in the device's current status"
                       : "the device's current status does not allow this outcome");
    rl_reply_add_member(res, "allowed", allowed);
    return;
  }
  json_decref(allowed);
  rl_reply_failure(res, rc, errors, what);
}

void h_repairs_create(struct rl_req *req, struct _u_response *res)
{
  json_t *repair, *errors, *allowed;
  int version;
  int rc = repair_create(&repair, &version, &errors, &allowed, rl_path(req, "code"), req->body,
                         &req->who);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, allowed, "no device has this code");
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/repairs/%lld",
           (long long)json_integer_value(json_object_get(repair, "id")));
  rl_reply_versioned(req, res, 201, repair, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_repairs_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = repair_list(&items, next, &errors, rl_path(req, "code"), rl_spec_str(query, "cursor"),
                       rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, NULL, "no device has this code");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_repairs_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *repair;
  int version;
  int rc = id > 0 ? repair_get(&repair, &version, id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no repair has this id" : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, repair, version, 0);
}

void h_repairs_patch(struct rl_req *req, struct _u_response *res)
{
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  if (id == 0) {
    rl_reply_error(res, RL_ENOTFOUND, "no repair has this id");
    return;
  }
  json_t *repair, *errors, *allowed;
  int version;
  int rc = repair_patch(&repair, &version, &errors, &allowed, id, req->body, if_match, &req->who);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, allowed, "no repair has this id");
    return;
  }
  rl_reply_versioned(req, res, 200, repair, version, 0);
}
