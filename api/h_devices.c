/* /api/v1/devices: intake, reading, editing, lifecycle, history, search. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/device.h"
#include "core/error.h"
#include "core/lifecycle.h"
#include "core/spec.h"

static const char *const kinds[] = {"donation", "repair", NULL};

static const struct rl_field owner_spec[] = {
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 200},
    {.name = "email", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 3, .max = 254},
    {.name = "phone", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 3, .max = 40},
    {0},
};

static const struct rl_field device_spec[] = {
    {.name = "kind", .type = RL_T_ENUM, .flags = RL_F_REQUIRED | RL_F_IMMUTABLE, .values = kinds},
    {.name = "category", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "site", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "brand", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "model", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "serial", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "year_of_manufacture", .type = RL_T_INT, .flags = RL_F_NULLABLE, .min = 1900, .max = 2200},
    {.name = "weight_kg", .type = RL_T_NUMBER, .flags = RL_F_NULLABLE, .min = 0.001, .max = 2000},
    {.name = "problem", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "notes", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "owner", .type = RL_T_OBJECT, .flags = RL_F_NULLABLE, .sub = owner_spec},
    {.name = "code", .flags = RL_F_READONLY},
    {.name = "status", .flags = RL_F_READONLY},
    {.name = "tracking_token", .flags = RL_F_READONLY},
    {.name = "received_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

static const struct rl_field transition_spec[] = {
    {.name = "to", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = rl_status_names},
    {.name = "note", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 1000},
    {0},
};

/* Replies with a device, its ETag (the row version) and no personal data
 * for keys below volunteer. */
static void reply_device(struct rl_req *req, struct _u_response *res, unsigned status,
                         json_t *device, int version)
{
  if (req->who.role < RL_ROLE_VOLUNTEER)
    device_strip_personal(device);
  rl_reply_versioned(req, res, status, device, version, 0);
}

void h_devices_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, device_spec, 0) != 0)
    return;
  json_t *device, *errors;
  int version;
  int rc = device_create(&device, &version, &errors, req->body, &req->who, req->cfg->code_prefix);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/devices/%s", json_string_value(json_object_get(device, "code")));
  reply_device(req, res, 201, device, version);
  u_map_put(res->map_header, "Location", loc);
}

void h_devices_get(struct rl_req *req, struct _u_response *res)
{
  json_t *device, *errors;
  int version;
  int rc = device_get(&device, &version, &errors, rl_path(req, "code"));
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  reply_device(req, res, 200, device, version);
}

void h_devices_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, device_spec, 1) != 0)
    return;
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *device, *errors;
  int version;
  int rc = device_patch(&device, &version, &errors, rl_path(req, "code"), req->body, if_match,
                        &req->who);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  reply_device(req, res, 200, device, version);
}

void h_devices_transition(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, transition_spec, 0) != 0)
    return;
  const char *to = json_string_value(json_object_get(req->body, "to"));
  const char *note = json_string_value(json_object_get(req->body, "note"));
  json_t *device, *errors, *allowed;
  int version;
  int rc = device_transition(&device, &version, &errors, &allowed, rl_path(req, "code"), to,
                             note, &req->who);
  if (rc == RL_ECONFLICT && allowed) {
    char detail[160];
    if (strcmp(to, "on_loan") == 0)
      snprintf(detail, sizeof detail, "a device goes on loan only through a loan");
    else
      snprintf(detail, sizeof detail, "this device cannot move to %s from its current status",
               to);
    rl_reply_error(res, RL_ECONFLICT, detail);
    rl_reply_add_member(res, "allowed", allowed);
    return;
  }
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  reply_device(req, res, 200, device, version);
}

void h_devices_list(struct rl_req *req, struct _u_response *res)
{
  struct device_query q;
  if (rl_page_params(req, res, &q.limit, &q.cursor) != 0)
    return;
  q.status = rl_param(req, "status");
  q.kind = rl_param(req, "kind");
  q.category = rl_param(req, "category");
  q.site = rl_param(req, "site");
  q.received_from = rl_param(req, "received_from");
  q.received_to = rl_param(req, "received_to");
  q.q = rl_param(req, "q");
  json_t *items, *errors;
  char next[32];
  int rc = device_list(&items, next, &errors, &q);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  if (req->who.role < RL_ROLE_VOLUNTEER) {
    size_t i;
    json_t *d;
    json_array_foreach(items, i, d) device_strip_personal(d);
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_devices_history(struct rl_req *req, struct _u_response *res)
{
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = device_history(&items, next, &errors, rl_path(req, "code"), cursor, limit);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
