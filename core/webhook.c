/* Webhook subscriptions: the admin rules (core/webhook.h). */
#include "core/webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/random.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_event.h"
#include "core/store/store_webhook.h"
#include "core/webhook_send.h"

#define WEBHOOK_TYPES                                                                              \
  "device.received", "device.status_changed", "repair.recorded", "loan.started", "loan.renewed",   \
      "loan.returned", "loan.due_soon", "loan.overdue", "part.low_stock"

const char *const webhook_event_types[] = {WEBHOOK_TYPES, NULL};
const char *const webhook_all_event_types[] = {WEBHOOK_TYPES, "webhook.test", NULL};

#define TYPES_LIST                                                                                 \
  "device.received, device.status_changed, repair.recorded, loan.started, loan.renewed,"           \
  " loan.returned, loan.due_soon, loan.overdue, part.low_stock, or \"*\" alone for every type"

static int known_type(const char *t)
{
  for (const char *const *k = webhook_event_types; *k; k++)
    if (strcmp(*k, t) == 0)
      return 1;
  return 0;
}

static void check_types(json_t *errors, const json_t *types)
{
  size_t i, j, n = json_array_size(types);
  const json_t *t;
  json_array_foreach(types, i, t) {
    const char *s = json_string_value(t);
    if (s == NULL)
      continue;
    if (strcmp(s, "*") == 0) {
      if (n > 1)
        rl_spec_error(errors, "event_types", "wildcard_alone",
                      "may hold \"*\" (every type) only alone");
      continue;
    }
    if (!known_type(s)) {
      char msg[400];
      snprintf(msg, sizeof msg,
               "holds \"%.40s\", which is not an event type; the types are " TYPES_LIST, s);
      struct rl_suggest sg;
      rl_suggest_init(&sg, s);
      for (const char *const *k = webhook_event_types; *k; k++)
        rl_suggest_offer(&sg, *k, *k);
      rl_spec_error_suggest(errors, "event_types", "unknown_event_type", msg, rl_suggest_best(&sg));
      continue;
    }
    for (j = 0; j < i; j++)
      if (json_equal(json_array_get(types, j), t)) {
        rl_spec_error(errors, "event_types", "listed_twice", "lists the same type twice");
        break;
      }
  }
}

/* https (http too when allowed), a host, no user or password; a literal
 * address must be public unless the settings allow its block. Host names
 * are checked when a delivery connects (core/webhook_send.c). */
static void check_url(json_t *errors, const char *url, const struct rl_outbox_settings *o)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
  if (u == NULL) {
    rl_spec_error(errors, "url", "bad_url", "could not be read (out of memory)");
    return;
  }
  /* libcurl reads "https:///x" as the host "x": a host must follow "//". */
  const char *sep = strstr(url, "://");
  if (sep == NULL || sep[3] == '/' || sep[3] == '\0' ||
      curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
    rl_spec_error(errors, "url", "bad_url", "is not an absolute URL with a host");
    goto out;
  }
  if (strcmp(scheme, "https") != 0 && !(o->allow_http && strcmp(scheme, "http") == 0)) {
    rl_spec_error(errors, "url", "not_https",
                  o->allow_http ? "must start with https:// or http://"
                                : "must start with https:// (http:// only when the service "
                                  "allows it: REPAIRD_WEBHOOK_ALLOW_HTTP)");
    goto out;
  }
  if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
      curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
    rl_spec_error(errors, "url", "credentials_in_url",
                  "must not hold a user name or password (user@host): the signature "
                  "authenticates the sender");
    goto out;
  }
  size_t n = strlen(host);
  const char *h = host;
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
    h = host + 1;
    n -= 2;
  }
  struct rl_netaddr a;
  if (rl_netaddr_parse(&a, h, n) == RL_OK && !webhook_address_allowed(&a, &o->allow_networks))
    rl_spec_error(errors, "url", "private_address",
                  "points to an address that is not public (loopback, private, link-local, "
                  "reserved…); the service's REPAIRD_WEBHOOK_ALLOW_NETWORKS does not allow it");
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(user);
  curl_free(password);
  curl_url_cleanup(u);
}

static void check_subscription(json_t *errors, const json_t *s, const struct rl_outbox_settings *o)
{
  check_url(errors, rl_spec_str(s, "url"), o);
  check_types(errors, json_object_get(s, "event_types"));
}

static int invalid_if_any(json_t **errors, json_t *found)
{
  if (json_array_size(found) == 0) {
    json_decref(found);
    return RL_OK;
  }
  *errors = found;
  return RL_EINVALID;
}

/* FNV-1a of the reply's members, so that the ETag changes with what the
 * workers change without a new version (failing_since); never 0. */
static unsigned long long digest_of(const json_t *sub)
{
  char *text = json_dumps(sub, JSON_COMPACT | JSON_SORT_KEYS);
  unsigned long long h = 1469598103934665603ULL;
  for (const char *p = text; p && *p; p++) {
    h ^= (unsigned char)*p;
    h *= 1099511628211ULL;
  }
  free(text);
  return h ? h : 1;
}

static int make_secret(char *out)
{
  unsigned char raw[32];
  if (rl_random_bytes(raw, sizeof raw) != RL_OK)
    return RL_EUNAVAILABLE;
  /* EVP_EncodeBlock ends the base64 with a NUL. */
  snprintf(out, WEBHOOK_SECRET_LEN, "whsec_");
  EVP_EncodeBlock((unsigned char *)out + 6, raw, (int)sizeof raw);
  OPENSSL_cleanse(raw, sizeof raw);
  return RL_OK;
}

static void fields_of(struct store_webhook_fields *f, const json_t *s, char **types)
{
  const json_t *enabled = json_object_get(s, "enabled");
  const char *d = rl_spec_str(s, "description");
  *types = json_dumps(json_object_get(s, "event_types"), JSON_COMPACT);
  *f = (struct store_webhook_fields){
      .url = rl_spec_str(s, "url"),
      .event_types = *types,
      .description = d ? d : "",
      .enabled = enabled == NULL || json_is_true(enabled),
  };
}

/* Adds the new secret to the reply, after the digest was taken. */
static int with_secret(json_t *sub, unsigned long long *digest, char *secret)
{
  *digest = digest_of(sub);
  int rc = json_object_set_new(sub, "secret", json_string(secret)) == 0 ? RL_OK : RL_ENOMEM;
  OPENSSL_cleanse(secret, WEBHOOK_SECRET_LEN);
  return rc;
}

int webhook_create(json_t **out, int *version, unsigned long long *digest, json_t **errors,
                   const json_t *body, const struct rl_outbox_settings *o)
{
  *errors = NULL;
  json_t *found = json_array();
  check_subscription(found, body, o);
  int rc = invalid_if_any(errors, found);
  if (rc != RL_OK)
    return rc;
  char secret[WEBHOOK_SECRET_LEN];
  rc = make_secret(secret);
  if (rc != RL_OK)
    return rc;
  char *types;
  struct store_webhook_fields f;
  fields_of(&f, body, &types);
  rc = types ? store_webhook_insert(out, version, &f, secret) : RL_ENOMEM;
  free(types);
  if (rc != RL_OK) {
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
  }
  return with_secret(*out, digest, secret);
}

int webhook_get(json_t **out, int *version, unsigned long long *digest, long long id)
{
  int rc = store_webhook_get(out, version, id, 0);
  if (rc == RL_OK)
    *digest = digest_of(*out);
  return rc;
}

int webhook_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  int64_t after;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int more;
  rc = store_webhook_list(out, &more, after, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    rl_spec_next_cursor(next_cursor,
                        json_integer_value(json_object_get(json_array_get(*out, n - 1), "id")));
  return rc;
}

struct change {
  long long id;
  const json_t *patch;
  int if_match;
  const struct rl_outbox_settings *o;
  json_t *out, *errors;
  int version;
};

static int patch_tx(void *ctx)
{
  struct change *c = ctx;
  json_decref(c->out);
  json_decref(c->errors);
  c->out = c->errors = NULL;
  json_t *cur;
  int v;
  int rc = store_webhook_get(&cur, &v, c->id, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != v) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  json_object_update(cur, (json_t *)c->patch);
  json_t *found = json_array();
  /* Only what the patch changes is checked again: a subscription made
   * before a setting changed (REPAIRD_WEBHOOK_ALLOW_HTTP) can still be
   * disabled or described. */
  if (json_object_get(c->patch, "url"))
    check_url(found, rl_spec_str(cur, "url"), c->o);
  if (json_object_get(c->patch, "event_types"))
    check_types(found, json_object_get(cur, "event_types"));
  rc = invalid_if_any(&c->errors, found);
  if (rc == RL_OK) {
    char *types;
    struct store_webhook_fields f;
    fields_of(&f, cur, &types);
    store_tx_commit_next();
    rc = types ? store_webhook_update(&c->out, &c->version, c->id, &f) : RL_ENOMEM;
    free(types);
  }
  json_decref(cur);
  return rc;
}

int webhook_patch(json_t **out, int *version, unsigned long long *digest, json_t **errors,
                  long long id, const json_t *patch, int if_match,
                  const struct rl_outbox_settings *o)
{
  struct change c = {id, patch, if_match, o, NULL, NULL, 0};
  int rc = id > 0 ? store_tx_run(STORE_READ_COMMITTED, patch_tx, &c) : RL_ENOTFOUND;
  *errors = c.errors;
  if (rc == RL_OK) {
    *out = c.out;
    *version = c.version;
    *digest = digest_of(c.out);
  } else {
    json_decref(c.out);
  }
  return rc;
}

int webhook_delete(long long id) { return id > 0 ? store_webhook_delete(id) : RL_ENOTFOUND; }

int webhook_rotate(json_t **out, int *version, unsigned long long *digest, long long id)
{
  if (id <= 0)
    return RL_ENOTFOUND;
  char secret[WEBHOOK_SECRET_LEN];
  int rc = make_secret(secret);
  if (rc != RL_OK)
    return rc;
  rc = store_webhook_rotate(out, version, id, secret, WEBHOOK_ROTATION_OVERLAP_S);
  if (rc != RL_OK) {
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
  }
  return with_secret(*out, digest, secret);
}

int webhook_test(json_t **out, long long id)
{
  if (id <= 0)
    return RL_ENOTFOUND;
  char *uid;
  int rc = store_webhook_test_event(&uid, id);
  if (rc != RL_OK)
    return rc;
  rc = store_event_get(out, uid);
  free(uid);
  return rc;
}

int webhook_deliveries(json_t **out, char *next_cursor, json_t **errors, long long subscription,
                       const char *status, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, cursor, errors);
  if (rc != RL_OK)
    return rc;
  json_t *sub;
  int v;
  rc = subscription > 0 ? store_webhook_get(&sub, &v, subscription, 0) : RL_ENOTFOUND;
  if (rc != RL_OK)
    return rc;
  json_decref(sub);
  int more;
  rc = store_delivery_list(out, &more, subscription, status, before, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    rl_spec_next_cursor(next_cursor,
                        json_integer_value(json_object_get(json_array_get(*out, n - 1), "id")));
  return rc;
}

int webhook_delivery_get(json_t **out, long long subscription, long long id)
{
  if (subscription <= 0 || id <= 0)
    return RL_ENOTFOUND;
  return store_delivery_get(out, subscription, id);
}

int webhook_redeliver(json_t **out, const char **why, long long subscription, long long id)
{
  *why = NULL;
  if (subscription <= 0 || id <= 0)
    return RL_ENOTFOUND;
  int rc = store_delivery_redeliver(why, subscription, id);
  return rc == RL_OK ? store_delivery_get(out, subscription, id) : rc;
}
