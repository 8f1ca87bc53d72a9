/* /api/v1/parts: the spare-parts catalogue. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/part.h"
#include "core/spec.h"

#define NOT_FOUND "no part has this sku"

static const char *const units[] = {"piece", "g", "m", "ml", NULL};

/* site_low_stock is keyed by site slugs, which a field spec cannot list:
 * core/part.c checks it whole (its shape, the sites, the unit's rules). */
static const struct rl_field part_spec[] = {
    {.name = "sku", .type = RL_T_STRING, .flags = RL_F_REQUIRED | RL_F_IMMUTABLE, .min = 1,
     .max = PART_SKU_MAX},
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 200},
    {.name = "description", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "categories", .type = RL_T_STRINGS, .flags = RL_F_NULLABLE, .min = 0, .max = 100,
     .item_max = 64},
    {.name = "unit", .type = RL_T_ENUM, .flags = RL_F_IMMUTABLE, .values = units},
    {.name = "low_stock", .type = RL_T_NUMBER, .min = 0, .max = 1000000},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

/* The body against part_spec, without site_low_stock; replies 400 and
 * returns -1 when it fails. */
static int check_part_body(const struct rl_req *req, struct _u_response *res, int update)
{
  json_t *rest = json_copy(req->body);
  json_object_del(rest, "site_low_stock");
  json_t *errors = NULL;
  int rc = rl_spec_check(&errors, rest, part_spec, update ? RL_SPEC_UPDATE : RL_SPEC_CREATE);
  json_decref(rest);
  if (rc == RL_OK)
    return 0;
  if (errors)
    rl_reply_invalid(res, errors);
  else
    rl_reply_error(res, rc, NULL);
  return -1;
}

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
  if (check_part_body(req, res, 0) != 0)
    return;
  json_t *part, *errors;
  int version;
  int rc = part_create(&part, &version, &errors, req->body);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/parts/%s", json_string_value(json_object_get(part, "sku")));
  rl_reply_versioned(req, res, 201, part, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_parts_get(struct rl_req *req, struct _u_response *res)
{
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
  if (check_part_body(req, res, 1) != 0)
    return;
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
  struct part_query q;
  if (rl_page_params(req, res, &q.limit, &q.cursor) != 0)
    return;
  q.q = rl_param(req, "q");
  q.category = rl_param(req, "category");
  q.in_stock_at = rl_param(req, "in_stock_at");
  q.active = rl_param(req, "active");
  json_t *items, *errors;
  char next[PART_SKU_MAX + 1];
  int rc = part_list(&items, next, &errors, &q);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
