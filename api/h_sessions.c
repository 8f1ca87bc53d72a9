/* /api/v1/sessions: repair café events and their figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/hash.h"
#include "core/session.h"

static void reply_session(struct rl_req *req, struct _u_response *res, unsigned status,
                            json_t *obj, int version)
{
  unsigned long long digest = 0;
  const json_t *figures = json_object_get(obj, "figures");
  if (figures) {
    /* A session's figures change with its repairs, not its row: the ETag
     * covers both. */
    char *text = json_dumps(figures, JSON_COMPACT | JSON_SORT_KEYS);
    digest = rl_fnv1a(RL_FNV_OFFSET, text ? text : "", text ? strlen(text) : 0) | 1;
    free(text);
  }
  rl_reply_versioned(req, res, status, obj, version, digest);
}

void h_sessions_create(struct rl_req *req, struct _u_response *res)
{
  json_t *session, *errors;
  int version;
  int rc = session_create(&session, &version, &errors, req->body);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  long long id = json_integer_value(json_object_get(session, "id"));
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/sessions/%lld", id);
  reply_session(req, res, 201, session, version);
  u_map_put(res->map_header, "Location", loc);
}

void h_sessions_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_session_filters, &query) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = session_list(&items, next, &errors, rl_spec_str(query, "site"),
                        rl_spec_str(query, "from"), rl_spec_str(query, "to"),
                        rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_sessions_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *session;
  int version;
  int rc = id > 0 ? session_get(&session, &version, id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no session has this id" : NULL);
    return;
  }
  reply_session(req, res, 200, session, version);
}

void h_sessions_patch(struct rl_req *req, struct _u_response *res)
{
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *session, *errors;
  int version;
  int rc = id > 0 ? session_patch(&session, &version, &errors, id, req->body, if_match)
                  : RL_ENOTFOUND;
  if (rc != RL_OK) {
    if (id == 0)
      errors = NULL;
    rl_reply_failure(res, rc, errors, "no session has this id");
    return;
  }
  reply_session(req, res, 200, session, version);
}

void h_sessions_repairs(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *items, *errors = NULL;
  char next[32];
  int rc = id > 0 ? session_repairs(&items, next, &errors, id, rl_spec_str(query, "cursor"),
                                    rl_spec_limit(query))
                  : RL_ENOTFOUND;
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no session has this id");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
