/* /api/v1/parts: the spare-parts catalogue. Bodies are checked by
 * core/part.c against fields_part and the catalogue's rules at once. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/part.h"

#define NOT_FOUND "no part has this sku"

static void reply_failure(struct _u_response *res, int rc, json_t *errors)
{
  if (rc == RL_EDUPLICATE) {
    json_decref(errors);
    rl_reply_error(res, rc, "another part has this sku (SKUs are compared without regard to case)");
    return;
  }
  rl_reply_failure(res, rc, errors, NOT_FOUND);
}

void h_parts_create(struct rl_req *req, struct _u_response *res)
{
  json_t *part, *errors;
  int version;
  int rc = part_create(&part, &version, &errors, req->body);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/parts/%s", rl_spec_str(part, "sku"));
  rl_reply_versioned(req, res, 201, part, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_parts_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *part, *errors;
  int version;
  int rc = part_get(&part, &version, &errors, rl_path(req, "sku"));
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  rl_reply_versioned(req, res, 200, part, version, 0);
}

void h_parts_patch(struct rl_req *req, struct _u_response *res)
{
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *part, *errors;
  int version;
  int rc = part_patch(&part, &version, &errors, rl_path(req, "sku"), req->body, if_match);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  rl_reply_versioned(req, res, 200, part, version, 0);
}

void h_parts_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_part_filters, &query) != 0)
    return;
  const json_t *active = json_object_get(query, "active");
  struct part_query q = {
      .q = rl_spec_str(query, "q"),
      .category = rl_spec_str(query, "category"),
      .in_stock_at = rl_spec_str(query, "in_stock_at"),
      .active = active ? (json_is_true(active) ? "true" : "false") : NULL,
      .cursor = rl_spec_str(query, "cursor"),
      .limit = rl_spec_limit(query),
  };
  json_t *items, *errors;
  char next[PART_SKU_MAX + 1];
  int rc = part_list(&items, next, &errors, &q);
  json_decref(query);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
