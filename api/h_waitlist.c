/* /api/v1/waitlist: members in line for a category of device, and the
 * holds the line places (docs/loans.md). */
#include <stdio.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/waitlist.h"

#define NO_ENTRY "no waiting-list entry has this id"

void h_waitlist_join(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_waitlist_join, 0) != 0)
    return;
  json_t *entry, *errors;
  int rc = waitlist_join(&entry, &errors, req->body, req->cfg->loans.hold_days, &req->who);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/waitlist/%lld",
           (long long)json_integer_value(json_object_get(entry, "id")));
  rl_reply_object(req, res, 201, entry);
  u_map_put(res->map_header, "Location", loc);
}

void h_waitlist_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_waitlist_filters, &query) != 0)
    return;
  json_t *items, *errors;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = waitlist_list(&items, next, &errors, query);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_waitlist_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *entry;
  int rc = id > 0 ? waitlist_get(&entry, id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_ENTRY : NULL);
    return;
  }
  rl_reply_object(req, res, 200, entry);
}

void h_waitlist_leave(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *entry, *errors = NULL;
  int rc = id > 0 ? waitlist_leave(&entry, &errors, id, req->cfg->loans.hold_days) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NO_ENTRY);
    return;
  }
  rl_reply_json(res, 200, entry);
}
