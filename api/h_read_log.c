/* /api/v1/privacy/reads: who read personal data, for admins
 * (docs/privacy.md, "Who read what"). */
#include "api/routes.h"
#include "core/error.h"
#include "core/read_log.h"
#include "core/spec.h"

void h_privacy_reads(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_read_log_filters, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = read_log_list(&items, next, &errors, query);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
