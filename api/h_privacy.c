/* Personal data (docs/privacy.md): erasures (POST, GET
 * /api/v1/people/erasures) and the retention run (/api/v1/privacy/
 * retention), admin only. Neither reply holds a contact value: an erasure
 * names records by code and number, a run counts. Not idempotent on
 * purpose: erasing twice does no harm, and a stored reply would be one more
 * copy of which records were erased. */
#include "api/routes.h"
#include "core/erasure.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/retention.h"

static int no_query(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return -1;
  json_decref(query);
  return 0;
}

void h_erasures_create(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0 || rl_check_body(req, res, erasure_fields, 0) != 0)
    return;
  json_t *erasure, *errors;
  int rc = erasure_run(&erasure, &errors, req->body, &req->who, &req->cfg->privacy);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_json(res, 200, erasure);
}

void h_erasures_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, erasure_filters, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = erasure_list(&items, next, &errors, query);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_erasures_get(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *erasure;
  int rc = erasure_get(&erasure, rl_parse_id(rl_path(req, "id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no erasure has this id" : NULL);
    return;
  }
  rl_reply_object(req, res, 200, erasure);
}

void h_retention_get(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *preview;
  int rc = retention_preview(&preview, req->cfg);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  rl_reply_json(res, 200, preview);
}

void h_retention_run(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *run;
  int rc = retention_run_now(&run, &req->who, req->cfg);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  rl_reply_json(res, 200, run);
}

void h_retention_runs(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = retention_list(&items, next, &errors, query);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
