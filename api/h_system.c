/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include <stdlib.h>

#include "api/metrics.h"
#include "api/routes.h"
#include "core/embedded.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/store/pool.h"

/* These take no parameters: a probe that sends one is misconfigured. */
static int no_query(const struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return -1;
  json_decref(query);
  return 0;
}

void h_healthz(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  rl_reply_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

void h_readyz(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  if (store_ping() == RL_OK) {
    rl_reply_json(res, 200, json_pack("{s:s}", "status", "ready"));
    return;
  }
  rl_reply_error(res, RL_EUNAVAILABLE, "the database does not answer");
}

void h_metrics(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  size_t len = 0;
  char *text = rl_metrics_render(&len);
  if (text == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_bytes(res, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
  free(text);
}

void h_openapi(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  const struct rl_embedded_file *f = rl_embedded_find("openapi/openapi.yaml");
  if (f == NULL) {
    rl_reply_error(res, RL_ENOTFOUND, NULL);
    return;
  }
  rl_reply_bytes(res, 200, "application/yaml; charset=utf-8", f->data, f->len);
  u_map_put(res->map_header, "Cache-Control", "public, max-age=300");
}
