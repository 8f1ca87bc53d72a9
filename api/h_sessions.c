/* /api/v1/sessions: repair café events and their figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/session.h"
#include "core/spec.h"

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

static const struct rl_field session_spec[] = {
    {.name = "site", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "starts_at", .type = RL_T_TIME, .flags = RL_F_REQUIRED},
    {.name = "ends_at", .type = RL_T_TIME, .flags = RL_F_REQUIRED},
    {.name = "volunteers", .type = RL_T_INT, .min = 0, .max = 1000},
    {.name = "notes", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "figures", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

void h_sessions_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, session_spec, 0) != 0)
    return;
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
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = session_list(&items, next, &errors, rl_param(req, "site"), rl_param(req, "from"),
                        rl_param(req, "to"), cursor, limit);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_sessions_get(struct rl_req *req, struct _u_response *res)
{
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
  if (rl_check_body(req, res, session_spec, 1) != 0)
    return;
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
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *items, *errors = NULL;
  char next[32];
  int rc = id > 0 ? session_repairs(&items, next, &errors, id, cursor, limit) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no session has this id");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
