/* /api/v1/publishing: the city portals the open data is published to, and
 * the attempts to publish it (admin only). */
#include <stdio.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/publish.h"

#define NO_TARGET "no publication target has this id"
#define NO_ATTEMPT "no publication attempt has this id"

void h_publishing_targets_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_publish_target, 0) != 0)
    return;
  json_t *target, *errors;
  int version;
  int rc = publish_target_create(&target, &version, &errors, req->body, req->cfg->timezone);
  if (rc != RL_OK) {
    if (rc == RL_EDUPLICATE)
      rl_reply_bad_field(res, "name", "duplicate_name", "is taken by another publication target");
    else
      rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  char loc[80];
  snprintf(loc, sizeof loc, "/api/v1/publishing/targets/%lld",
           (long long)json_integer_value(json_object_get(target, "id")));
  rl_reply_versioned(req, res, 201, target, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_publishing_targets_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = publish_target_list(&items, next, &errors, rl_spec_str(query, "cursor"),
                               rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_publishing_targets_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *target;
  int version;
  int rc = publish_target_get(&target, &version, rl_parse_id(rl_path(req, "id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_TARGET : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, target, version, 0);
}

void h_publishing_targets_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_publish_target, 1) != 0)
    return;
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *target, *errors = NULL;
  int version;
  int rc = publish_target_patch(&target, &version, &errors, rl_parse_id(rl_path(req, "id")),
                                req->body, if_match);
  if (rc != RL_OK) {
    if (rc == RL_EDUPLICATE)
      rl_reply_bad_field(res, "name", "duplicate_name", "is taken by another publication target");
    else
      rl_reply_failure(res, rc, errors, NO_TARGET);
    return;
  }
  rl_reply_versioned(req, res, 200, target, version, 0);
}

/* The upload is the publisher thread's (core/publisher.h), never this
 * request's: 202 with the queued attempt, to be read at its Location
 * until it ends. A call while one is already waiting is answered that
 * one again. */
void h_publishing_publish(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *attempt;
  int rc = publish_now(&attempt, rl_parse_id(rl_path(req, "id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_TARGET : NULL);
    return;
  }
  char loc[80];
  snprintf(loc, sizeof loc, "/api/v1/publishing/attempts/%lld",
           (long long)json_integer_value(json_object_get(attempt, "id")));
  rl_reply_json(res, 202, attempt);
  u_map_put(res->map_header, "Location", loc);
}

void h_publishing_attempts_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_publish_attempt_filters, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = publish_attempt_list(&items, next, &errors,
                                (long long)json_integer_value(json_object_get(query, "target")),
                                rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_publishing_attempts_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *attempt;
  int rc = publish_attempt_get(&attempt, rl_parse_id(rl_path(req, "id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_ATTEMPT : NULL);
    return;
  }
  rl_reply_object(req, res, 200, attempt);
}
