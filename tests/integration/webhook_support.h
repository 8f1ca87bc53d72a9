/* Helpers of the webhook tests: subscriptions through the API (base NULL:
 * the shared server), the events the database holds, and the test
 * receiver (tests/tools/webhook_receiver.mjs), started by a test on a free
 * 127.0.0.1 port. */
#ifndef RL_TESTS_WEBHOOK_SUPPORT_H
#define RL_TESTS_WEBHOOK_SUPPORT_H

#include "tests/helpers/th.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A URL that fails at once wherever it is tried: a host name (so that
 * creating it is allowed) on this machine's discard port, refused by the
 * address check or by the port. */
#define WH_DEAD_URL "https://localhost:9/hook"

static inline __attribute__((format(printf, 3, 4))) struct th_resp *
wh_req(const char *base, const char *method, const char *fmt, ...)
{
  char path[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  return th_request_to(base, method, path, th_admin_key(), NULL, 0, NULL);
}

/* POST /api/v1/webhooks with this body as admin. */
static inline struct th_resp *wh_post(const char *base, const char *body)
{
  return th_request_to(base, "POST", "/api/v1/webhooks", th_admin_key(), body, strlen(body), NULL);
}

/* Creates a subscription; returns its id, and copies its secret into
 * secret (64 bytes) when not NULL. */
static inline long long wh_create(const char *base, const char *url, const char *types,
                                  char *secret)
{
  char body[2300];
  snprintf(body, sizeof body, "{\"url\":\"%s\",\"event_types\":%s,\"description\":\"%s\"}", url,
           types, th_unique("test "));
  struct th_resp *r = wh_post(base, body);
  cr_assert_eq(r->status, 201, "creating a subscription: %ld %s", r->status, r->body);
  long long id = json_integer_value(json_object_get(r->json, "id"));
  if (secret)
    snprintf(secret, 64, "%s", th_str(r, "secret"));
  th_free(r);
  return id;
}

static inline void wh_delete(const char *base, long long id)
{
  struct th_resp *r = wh_req(base, "DELETE", "/api/v1/webhooks/%lld", id);
  cr_assert_eq(r->status, 204, "deleting subscription %lld: %ld %s", id, r->status, r->body);
  th_free(r);
}

/* The uid of the newest event of this type about subject (static), or
 * NULL. */
static inline const char *wh_event_uid(const char *type, const char *subject)
{
  static char uid[64];
  char q[512];
  snprintf(q, sizeof q,
           "SELECT uid FROM events WHERE type = '%s' AND subject = '%s' ORDER BY id DESC LIMIT 1",
           type, subject);
  const char *v = th_sql(q);
  if (v == NULL || *v == '\0')
    return NULL;
  snprintf(uid, sizeof uid, "%s", v);
  return uid;
}

/* GET /api/v1/events/{uid} of the newest event of type about subject; the
 * reply must be 200. Caller frees. */
static inline struct th_resp *wh_event(const char *type, const char *subject)
{
  const char *uid = wh_event_uid(type, subject);
  cr_assert_not_null(uid, "an event %s about %s was written", type, subject);
  struct th_resp *r = wh_req(NULL, "GET", "/api/v1/events/%s", uid);
  cr_assert_eq(r->status, 200, "event %s: %ld %s", uid, r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), type);
  cr_assert_str_eq(th_str(r, "subject"), subject);
  return r;
}

/* The test receiver. */
struct receiver {
  pid_t pid;
  char base[64]; /* http://127.0.0.1:port */
};

static inline void wh_receiver_start(struct receiver *rv)
{
  rv->pid = th_webhook_receiver(rv->base, sizeof rv->base);
  cr_assert_gt(rv->pid, 0, "the webhook receiver starts");
}

static inline void wh_receiver_stop(struct receiver *rv) { th_child_stop(&rv->pid); }

/* A request to the receiver (not recorded for the contract check: it is
 * not the service); returns the body as JSON, caller owns. */
static inline json_t *wh_receiver_call(const struct receiver *rv, const char *method,
                                       const char *path, const char *body)
{
  char *text = th_webhook_receiver_call(rv->base, method, path, body);
  cr_assert_not_null(text, "receiver %s %s: not 200", method, path);
  json_t *j = json_loads(text, 0, NULL);
  free(text);
  return j;
}

/* A command to the receiver: POST path with body (or ""). */
static inline void wh_receiver_post(const struct receiver *rv, const char *path, const char *body)
{
  json_decref(wh_receiver_call(rv, "POST", path, body ? body : ""));
}

static inline void wh_receiver_mode(const struct receiver *rv, const char *name, const char *mode)
{
  char path[128];
  snprintf(path, sizeof path, "/_mode/%s/%s", name, mode);
  wh_receiver_post(rv, path, NULL);
}

/* Secrets: a JSON array text of "whsec_…". */
static inline void wh_receiver_secrets(const struct receiver *rv, const char *name,
                                       const char *secrets)
{
  char path[128];
  snprintf(path, sizeof path, "/_secrets/%s", name);
  wh_receiver_post(rv, path, secrets);
}

/* What name received, in order (caller owns the array). */
static inline json_t *wh_received(const struct receiver *rv, const char *name)
{
  char path[128];
  snprintf(path, sizeof path, "/_received/%s", name);
  json_t *a = wh_receiver_call(rv, "GET", path, NULL);
  cr_assert(json_is_array(a));
  return a;
}

static inline void wh_sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Waits up to ms for name to have received at least n deliveries; returns
 * them (caller owns). */
static inline json_t *wh_wait_received(const struct receiver *rv, const char *name, size_t n,
                                       long ms)
{
  for (long waited = 0;; waited += 50) {
    json_t *a = wh_received(rv, name);
    if (json_array_size(a) >= n || waited >= ms)
      return a;
    json_decref(a);
    wh_sleep_ms(50);
  }
}

#endif
