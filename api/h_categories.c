/* /api/v1/categories: the device categories (ORDS reference data). */
#include "api/routes.h"
#include "core/category.h"
#include "core/error.h"
#include "core/fields.h"

void h_categories_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items;
  char next[RL_SPEC_CURSOR_MAX];
  json_t *errors;
  int rc = category_list(&items, next, &errors, rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_categories_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  const char *json, *etag;
  size_t len;
  int rc = category_get(&json, &len, &etag, rl_path(req, "slug"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no category has this slug" : NULL);
    return;
  }
  rl_reply_json_text(req, res, json, len, etag);
}
