/* /api/v1/loans: lending donated devices to members, renewals, returns,
 * lists and history (docs/loans.md). */
#include <stdio.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/loan.h"

#define NO_LOAN "no loan has this id"

static struct loan_env env_of(const struct rl_req *req)
{
  struct loan_env env = {&req->cfg->loans, req->cfg->timezone, req->cfg->public_url, &req->who};
  return env;
}

/* A loan with its ETag, without the public page's URL for reader keys. */
static void reply_loan(struct rl_req *req, struct _u_response *res, unsigned status, json_t *loan,
                       int version)
{
  if (req->who.role < RL_ROLE_VOLUNTEER)
    loan_strip_personal(loan);
  rl_reply_versioned(req, res, status, loan, version, 0);
}

void h_loans_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_loan, 0) != 0)
    return;
  struct loan_env env = env_of(req);
  json_t *loan, *errors;
  int version;
  int rc = loan_create(&loan, &version, &errors, req->body, &env);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/loans/%lld",
           (long long)json_integer_value(json_object_get(loan, "id")));
  reply_loan(req, res, 201, loan, version);
  u_map_put(res->map_header, "Location", loc);
}

void h_loans_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_loan_filters, &query) != 0)
    return;
  struct loan_env env = env_of(req);
  json_t *items, *errors;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = loan_list(&items, next, &errors, query, &env);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  if (req->who.role < RL_ROLE_VOLUNTEER) {
    size_t i;
    json_t *loan;
    json_array_foreach(items, i, loan) {
      loan_strip_personal(loan);
    }
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_loans_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  struct loan_env env = env_of(req);
  json_t *loan;
  int version;
  int rc = id > 0 ? loan_get(&loan, &version, id, &env) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_LOAN : NULL);
    return;
  }
  reply_loan(req, res, 200, loan, version);
}

void h_loans_history(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = id > 0 ? loan_history(&items, next, &errors, id, rl_spec_str(query, "cursor"),
                                 rl_spec_limit(query))
                  : RL_ENOTFOUND;
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NO_LOAN);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

/* A renewal or a return: one body, one core call, the loan back. */
static void change(struct rl_req *req, struct _u_response *res, const struct rl_field *spec,
                   int (*fn)(json_t **, int *, json_t **, int64_t, const json_t *,
                             const struct loan_env *))
{
  if (rl_check_body(req, res, spec, 0) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  struct loan_env env = env_of(req);
  json_t *loan, *errors = NULL;
  int version;
  int rc = id > 0 ? fn(&loan, &version, &errors, id, req->body, &env) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NO_LOAN);
    return;
  }
  reply_loan(req, res, 200, loan, version);
}

void h_loans_renew(struct rl_req *req, struct _u_response *res)
{
  change(req, res, fields_loan_renewal, loan_renew);
}

void h_loans_return(struct rl_req *req, struct _u_response *res)
{
  change(req, res, fields_loan_return, loan_return);
}
