/* Stock of spare parts: /api/v1/parts/{sku}/movements and /stock, a site's
 * low stock, the ledger check, and harvesting a device. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/spec.h"
#include "core/stock.h"

static void reply_stock_failure(struct _u_response *res, int rc, json_t *errors)
{
  rl_reply_failure(res, rc, errors,
                   rc == RL_EFORBIDDEN ? NULL : "no part has this sku (or no site this slug)");
  if (rc == RL_EFORBIDDEN && errors == NULL)
    rl_reply_error(res, RL_EFORBIDDEN, "a count (adjusted) needs the admin role");
}

void h_stock_movement_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_movement, 0) != 0)
    return;
  json_t *out, *errors;
  const char *sku = rl_path(req, "sku");
  int rc = stock_movement_create(&out, &errors, sku, req->body, &req->who);
  if (rc != RL_OK) {
    reply_stock_failure(res, rc, errors);
    return;
  }
  char loc[160];
  snprintf(loc, sizeof loc, "/api/v1/parts/%s/movements/%lld", sku,
           (long long)json_integer_value(
               json_object_get(json_array_get(json_object_get(out, "movements"), 0), "id")));
  rl_reply_json(res, 201, out);
  u_map_put(res->map_header, "Location", loc);
}

void h_stock_movements(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_movement_filters, &query) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = stock_movements(&items, next, &errors, rl_path(req, "sku"), rl_spec_str(query, "site"),
                           rl_spec_str(query, "type"), rl_spec_str(query, "from"),
                           rl_spec_str(query, "to"), req->cfg->timezone,
                           rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no part has this sku (or no site this slug)");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_stock_movement_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *m;
  int rc = id > 0 ? stock_movement_get(&m, rl_path(req, "sku"), id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "this part has no movement with this id" : NULL);
    return;
  }
  rl_reply_object(req, res, 200, m);
}

static void stock_reply(struct rl_req *req, struct _u_response *res, const char *site)
{
  json_t *query;
  if (rl_check_query(req, res, fields_stock_query, &query) != 0)
    return;
  json_t *out, *errors;
  int rc = stock_get(&out, &errors, rl_path(req, "sku"), site, rl_spec_str(query, "as_of"),
                     req->cfg->timezone);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no part has this sku (or no site this slug)");
    return;
  }
  rl_reply_object(req, res, 200, out);
}

void h_stock_get(struct rl_req *req, struct _u_response *res) { stock_reply(req, res, NULL); }

void h_stock_get_site(struct rl_req *req, struct _u_response *res)
{
  stock_reply(req, res, rl_path(req, "site"));
}

void h_stock_low(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items;
  char next[64];
  int rc = stock_low(&items, next, rl_path(req, "slug"), rl_spec_str(query, "cursor"),
                     rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no site has this slug" : NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_stock_check(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *out;
  int rc = stock_check(&out);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  rl_reply_json(res, 200, out);
}

void h_devices_harvest(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_harvest, 0) != 0)
    return;
  json_t *out, *errors;
  int rc = stock_harvest(&out, &errors, rl_path(req, "code"), req->body, &req->who);
  if (rc != RL_OK) {
    if (rc == RL_ECONFLICT && errors) {
      rl_reply_error(res, RL_ECONFLICT,
                     json_string_value(json_object_get(json_array_get(errors, 0), "message")));
      json_decref(errors);
      return;
    }
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  rl_reply_json(res, 200, out);
}
