/* /api/v1/events: the events every change recorded, as the webhooks carry
 * them (admin only; docs/webhooks.md). */
#include "api/routes.h"
#include "core/error.h"
#include "core/event.h"
#include "core/fields.h"

void h_events_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_event_filters, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = event_list(&items, next, &errors, query);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_events_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *event;
  int rc = event_get(&event, rl_path(req, "id"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no event has this id" : NULL);
    return;
  }
  rl_reply_object(req, res, 200, event);
}
