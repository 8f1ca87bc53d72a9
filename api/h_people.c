/* /api/v1/people: finding a person among owners and members, and the
 * access export of everything held about one (docs/privacy.md). Both take
 * their values in a POST body, so that names, e-mails and phones never sit
 * in a URL (proxy logs, browser history); neither is idempotent, so that
 * no reply is ever stored. */
#include <stdio.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/people.h"
#include "core/privacy.h"

void h_people_search(struct rl_req *req, struct _u_response *res)
{
  json_t *items, *errors;
  int rc = people_search(&items, &errors, req->body, req->cfg->privacy.phone_country);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_json(res, 200, json_pack("{s:o}", "items", items));
}

void h_people_export(struct rl_req *req, struct _u_response *res)
{
  struct people_env env = {req->cfg->privacy.phone_country, req->cfg->timezone,
                           req->cfg->public_url, &req->cfg->loans};
  json_t *doc, *errors;
  int rc = people_export(&doc, &errors, req->body, &env);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  /* Every record the export holds was read, whatever it still holds (a
   * member's contact may be gone while their loans' notes remain). */
  size_t i;
  json_t *rec;
  json_array_foreach(json_object_get(doc, "devices"), i, rec)
    rl_read_record(req, PRIVACY_DEVICE, json_string_value(json_object_get(rec, "code")));
  json_array_foreach(json_object_get(doc, "members"), i, rec)
    rl_read_record(req, PRIVACY_MEMBER, json_string_value(json_object_get(rec, "number")));
  /* The file a desk hands over: named by the day it was made. */
  char disposition[96];
  snprintf(disposition, sizeof disposition, "attachment; filename=\"personal-data-%.10s.json\"",
           json_string_value(json_object_get(doc, "generated_at")));
  rl_reply_json(res, 200, doc);
  u_map_put(res->map_header, "Content-Disposition", disposition);
}
