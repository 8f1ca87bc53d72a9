/* /api/v1/devices/{code}/repairs, /api/v1/repairs/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/repair.h"
#include "core/spec.h"

static const char *const outcomes[] = {"fixed", "repairable", "end_of_life", "unknown", NULL};
static const char *const barriers[] = {"spare_parts_not_available", "spare_parts_too_expensive",
                                       "no_way_to_open", "repair_information_not_available",
                                       "lack_of_equipment", "too_worn_out", NULL};
static const char *const next_steps[] = {"more_time_needed", "professional_help",
                                         "do_it_yourself", NULL};

static const struct rl_field repair_spec[] = {
    {.name = "session_id", .type = RL_T_INT, .flags = RL_F_NULLABLE, .min = 1, .max = 9e15},
    {.name = "problem", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "diagnosis", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "actions", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "outcome", .type = RL_T_ENUM, .values = outcomes},
    {.name = "barrier", .type = RL_T_ENUM, .flags = RL_F_NULLABLE, .values = barriers},
    {.name = "next_steps", .type = RL_T_ENUM, .flags = RL_F_NULLABLE, .values = next_steps},
    {.name = "minutes", .type = RL_T_INT, .flags = RL_F_NULLABLE, .min = 0, .max = 10000},
    {.name = "repairer", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "device", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

static void reply_failure(struct _u_response *res, int rc, json_t *errors, json_t *allowed,
                          const char *what)
{
  if (rc == RL_ECONFLICT && allowed) {
    rl_reply_error(res, RL_ECONFLICT,
                   json_array_size(allowed) == 0
                       ? "no repair can be recorded in the device's current status"
                       : "the device's current status does not allow this outcome");
    rl_reply_add_member(res, "allowed", allowed);
    return;
  }
  json_decref(allowed);
  rl_reply_failure(res, rc, errors, what);
}

void h_repairs_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, repair_spec, 0) != 0)
    return;
  json_t *repair, *errors, *allowed;
  int version;
  int rc = repair_create(&repair, &version, &errors, &allowed, rl_path(req, "code"), req->body,
                         &req->who);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, allowed, "no device has this code");
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/repairs/%lld",
           (long long)json_integer_value(json_object_get(repair, "id")));
  rl_reply_versioned(req, res, 201, repair, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_repairs_list(struct rl_req *req, struct _u_response *res)
{
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = repair_list(&items, next, &errors, rl_path(req, "code"), cursor, limit);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, NULL, "no device has this code");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_repairs_get(struct rl_req *req, struct _u_response *res)
{
  long long id = rl_parse_id(rl_path(req, "id"));
  json_t *repair;
  int version;
  int rc = id > 0 ? repair_get(&repair, &version, id) : RL_ENOTFOUND;
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no repair has this id" : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, repair, version, 0);
}

void h_repairs_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, repair_spec, 1) != 0)
    return;
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  long long id = rl_parse_id(rl_path(req, "id"));
  if (id == 0) {
    rl_reply_error(res, RL_ENOTFOUND, "no repair has this id");
    return;
  }
  json_t *repair, *errors, *allowed;
  int version;
  int rc = repair_patch(&repair, &version, &errors, &allowed, id, req->body, if_match, &req->who);
  if (rc != RL_OK) {
    reply_failure(res, rc, errors, allowed, "no repair has this id");
    return;
  }
  rl_reply_versioned(req, res, 200, repair, version, 0);
}
