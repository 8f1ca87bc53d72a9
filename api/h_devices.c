/* /api/v1/devices: intake, reading, editing, lifecycle, history, search. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/device.h"
#include "core/error.h"
#include "core/fields.h"

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
  json_t *device, *errors;
  int version;
  int rc = device_create(&device, &version, &errors, req->body, &req->who, req->cfg->code_prefix);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/devices/%s",
           json_string_value(json_object_get(device, "code")));
  reply_device(req, res, 201, device, version);
  u_map_put(res->map_header, "Location", loc);
}

void h_devices_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
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
  if (rl_check_body(req, res, fields_transition, 0) != 0)
    return;
  const char *to = json_string_value(json_object_get(req->body, "to"));
  const char *note = json_string_value(json_object_get(req->body, "note"));
  json_t *device, *errors, *allowed;
  int version;
  int rc = device_transition(&device, &version, &errors, &allowed, rl_path(req, "code"), to, note,
                             req->cfg->loans.hold_days, &req->who);
  if (rc == RL_ECONFLICT && allowed) {
    char detail[160];
    if (strcmp(to, "on_loan") == 0)
      snprintf(detail, sizeof detail, "a device goes on loan only through a loan");
    else
      snprintf(detail, sizeof detail, "this device cannot move to %s from its current status", to);
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
  json_t *query;
  if (rl_check_query(req, res, fields_device_filters, &query) != 0)
    return;
  struct device_query q = {
      .status = rl_spec_str(query, "status"),
      .kind = rl_spec_str(query, "kind"),
      .category = rl_spec_str(query, "category"),
      .site = rl_spec_str(query, "site"),
      .received_from = rl_spec_str(query, "received_from"),
      .received_to = rl_spec_str(query, "received_to"),
      .q = rl_spec_str(query, "q"),
      .cursor = rl_spec_str(query, "cursor"),
      .limit = rl_spec_limit(query),
  };
  json_t *items, *errors;
  char next[32];
  int rc = device_list(&items, next, &errors, &q);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  if (req->who.role < RL_ROLE_VOLUNTEER) {
    size_t i;
    json_t *d;
    json_array_foreach(items, i, d)
      device_strip_personal(d);
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_devices_history(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = device_history(&items, next, &errors, rl_path(req, "code"), rl_spec_str(query, "cursor"),
                          rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no device has this code");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
