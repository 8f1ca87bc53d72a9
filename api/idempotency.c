/* Idempotency-Key on POST routes: the handler runs inside the transaction
 * that also stores its reply (core/idem.c), into a reply of its own that is
 * copied out once the transaction has committed. */
#include "api/idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/apikey.h"
#include "core/error.h"
#include "core/idem.h"
#include "core/privacy.h"

struct idem_call {
  struct rl_req *req;
  struct _u_response scratch;
  int scratch_ready;
  char *stored; /* the body as stored: personal data removed */
};

static void scratch_reset(struct idem_call *c)
{
  if (c->scratch_ready)
    ulfius_clean_response(&c->scratch);
  c->scratch_ready = ulfius_init_response(&c->scratch) == U_OK;
  free(c->stored);
  c->stored = NULL;
}

/* The copy of a reply body that may be kept: a JSON object loses its
 * personal members; anything else is kept as it is. */
static char *storable_body(const char *body, size_t len)
{
  if (body == NULL || len == 0)
    return NULL;
  json_t *j = json_loadb(body, len, 0, NULL);
  if (!json_is_object(j)) {
    json_decref(j);
    return strndup(body, len);
  }
  privacy_strip(j);
  char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
  json_decref(j);
  return text;
}

static void work(void *ctx, struct idem_reply *reply)
{
  struct idem_call *c = ctx;
  scratch_reset(c);
  if (!c->scratch_ready) {
    reply->status = 503;
    return;
  }
  c->req->route->handler(c->req, &c->scratch);
  reply->status = (int)c->scratch.status;
  reply->location = u_map_get(c->scratch.map_header, "Location");
  reply->etag = u_map_get(c->scratch.map_header, "ETag");
  c->stored = storable_body(c->scratch.binary_body, c->scratch.binary_body_length);
  reply->body = c->stored;
}

static void copy_reply(struct _u_response *res, const struct _u_response *from)
{
  if (from->binary_body_length > 0)
    ulfius_set_binary_body_response(res, (unsigned)from->status, from->binary_body,
                                    from->binary_body_length);
  else
    ulfius_set_empty_body_response(res, (unsigned)from->status);
  const char **keys = u_map_enum_keys(from->map_header);
  for (size_t i = 0; keys && keys[i]; i++)
    u_map_put(res->map_header, keys[i], u_map_get(from->map_header, keys[i]));
}

static void send_replay(struct _u_response *res, const struct idem_replay *r)
{
  const char *body = r->body ? r->body : "";
  ulfius_set_binary_body_response(res, (unsigned)r->status, body, strlen(body));
  u_map_put(res->map_header, "Content-Type",
            r->status >= 400 ? "application/problem+json" : "application/json");
  if (r->location)
    u_map_put(res->map_header, "Location", r->location);
  if (r->etag)
    u_map_put(res->map_header, "ETag", r->etag);
  u_map_put(res->map_header, "Idempotent-Replayed", "true");
  u_map_put(res->map_header, "Cache-Control", "private, no-store");
  u_map_put(res->map_header, "Vary", "Authorization");
}

void rl_idempotent_run(struct rl_req *req, struct _u_response *res, const char *key)
{
  size_t klen = strlen(key);
  int ok = klen >= 1 && klen <= 255;
  for (size_t i = 0; ok && i < klen; i++)
    ok = key[i] > ' ' && key[i] < 0x7f;
  if (!ok) {
    rl_reply_bad_field(res, "Idempotency-Key", "not_an_idempotency_key",
                       "must be 1 to 255 visible ASCII characters");
    return;
  }
  /* The fingerprint covers what the request asks for: method, path, body. */
  size_t plen = strlen(req->u->http_verb) + strlen(req->u->url_path) + 2;
  size_t blen = req->u->binary_body_length;
  char *material = malloc(plen + blen + 1);
  if (material == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  int off = snprintf(material, plen + 1, "%s %s\n", req->u->http_verb, req->u->url_path);
  if (blen)
    memcpy(material + off, req->u->binary_body, blen);
  char fingerprint[RL_APIKEY_HASH_HEX + 1];
  rl_apikey_hash(fingerprint, material, (size_t)off + blen);
  free(material);

  struct idem_call call = {.req = req};
  enum idem_outcome outcome;
  struct idem_replay replay;
  int rc = idem_run(&outcome, &replay, req->who.key_id, key, fingerprint,
                    req->cfg->idempotency_ttl_s, work, &call);
  if (rc != RL_OK)
    rl_reply_error(res, rc, NULL);
  else if (outcome == IDEM_REPLAYED)
    send_replay(res, &replay);
  else if (call.scratch_ready)
    copy_reply(res, &call.scratch);
  else
    rl_reply_error(res, RL_ENOMEM, NULL);
  idem_replay_free(&replay);
  if (call.scratch_ready)
    ulfius_clean_response(&call.scratch);
  free(call.stored);
}
