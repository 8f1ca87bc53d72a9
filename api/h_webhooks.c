/* /api/v1/webhooks: subscriptions, their secrets, test events and
 * deliveries (admin only; docs/webhooks.md). Creating one and rotating its
 * secret are not idempotent on purpose: a stored reply would keep the
 * secret. */
#include <stdio.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/webhook.h"

#define NO_SUBSCRIPTION "no webhook subscription has this id"
#define NO_DELIVERY "this subscription has no delivery with this id"

static long long sub_id(struct rl_req *req) { return rl_parse_id(rl_path(req, "id")); }

/* A reply holding a secret is kept by no cache. */
static void no_store(struct _u_response *res)
{
  u_map_put(res->map_header, "Cache-Control", "no-store");
}

static int no_query(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return -1;
  json_decref(query);
  return 0;
}

void h_webhooks_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_webhook, 0) != 0)
    return;
  json_t *sub, *errors;
  int version;
  unsigned long long digest;
  int rc = webhook_create(&sub, &version, &digest, &errors, req->body, &req->cfg->outbox);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/webhooks/%lld",
           (long long)json_integer_value(json_object_get(sub, "id")));
  rl_reply_versioned(req, res, 201, sub, version, digest);
  u_map_put(res->map_header, "Location", loc);
  no_store(res);
}

void h_webhooks_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = webhook_list(&items, next, &errors, rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_webhooks_get(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *sub;
  int version;
  unsigned long long digest;
  int rc = webhook_get(&sub, &version, &digest, sub_id(req));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_SUBSCRIPTION : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, sub, version, digest);
}

void h_webhooks_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_webhook, 1) != 0)
    return;
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *sub, *errors = NULL;
  int version;
  unsigned long long digest;
  int rc = webhook_patch(&sub, &version, &digest, &errors, sub_id(req), req->body, if_match,
                         &req->cfg->outbox);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NO_SUBSCRIPTION);
    return;
  }
  rl_reply_versioned(req, res, 200, sub, version, digest);
}

void h_webhooks_delete(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  int rc = webhook_delete(sub_id(req));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_SUBSCRIPTION : NULL);
    return;
  }
  rl_reply_no_content(res);
}

void h_webhooks_rotate(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *sub;
  int version;
  unsigned long long digest;
  int rc = webhook_rotate(&sub, &version, &digest, sub_id(req));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_SUBSCRIPTION : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, sub, version, digest);
  no_store(res);
}

void h_webhooks_test(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *event;
  int rc = webhook_test(&event, sub_id(req));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_SUBSCRIPTION : NULL);
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/events/%s", json_string_value(json_object_get(event, "id")));
  rl_reply_json(res, 202, event);
  u_map_put(res->map_header, "Location", loc);
}

void h_webhooks_deliveries(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_delivery_filters, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc = webhook_deliveries(&items, next, &errors, sub_id(req), rl_spec_str(query, "status"),
                              rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NO_SUBSCRIPTION);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_webhooks_delivery_get(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *d;
  int rc = webhook_delivery_get(&d, sub_id(req), rl_parse_id(rl_path(req, "delivery_id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_DELIVERY : NULL);
    return;
  }
  rl_reply_object(req, res, 200, d);
}

void h_webhooks_redeliver(struct rl_req *req, struct _u_response *res)
{
  if (no_query(req, res) != 0)
    return;
  json_t *d;
  const char *why;
  int rc = webhook_redeliver(&d, &why, sub_id(req), rl_parse_id(rl_path(req, "delivery_id")));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? NO_DELIVERY : why);
    return;
  }
  rl_reply_json(res, 202, d);
}
