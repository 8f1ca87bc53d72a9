/* The outbox tests' helpers: the webhook receiver (tests/tools/
 * webhook_receiver.mjs, which verifies signatures with the standardwebhooks
 * package) started by each test on a free 127.0.0.1 port; subscriptions
 * written straight into the database (the admin API is not on this branch);
 * servers with delivery workers; concurrent intakes; SQL polls. */
#ifndef RL_TESTS_OUTBOX_SUPPORT_H
#define RL_TESTS_OUTBOX_SUPPORT_H

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OB_SECRET_CAP 64

struct ob_receiver {
  pid_t pid;
  char base[64]; /* http://127.0.0.1:port */
};

static inline void ob_sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static inline double ob_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Starts the receiver (installing its npm package first when missing). */
static inline void ob_receiver_start(struct ob_receiver *r)
{
  r->pid = th_webhook_receiver(r->base, sizeof r->base);
  cr_assert_gt(r->pid, 0, "the webhook receiver starts");
}

static inline void ob_receiver_stop(struct ob_receiver *r) { th_child_stop(&r->pid); }

struct ob_buf {
  char *p;
  size_t len;
};

static inline size_t ob_on_data(char *ptr, size_t size, size_t n, void *ud)
{
  struct ob_buf *b = ud;
  size_t add = size * n;
  char *p = realloc(b->p, b->len + add + 1);
  if (p == NULL)
    return 0;
  memcpy(p + b->len, ptr, add);
  b->p = p;
  b->len += add;
  b->p[b->len] = '\0';
  return add;
}

/* A request to the receiver's control paths; the body of the answer
 * (caller frees), NULL when it did not answer 200. */
static inline char *ob_control(const struct ob_receiver *r, const char *method, const char *path,
                               const char *body)
{
  return th_webhook_receiver_call(r->base, method, path, body);
}

/* Gives the receiver <name> its secret. */
static inline void ob_receiver_secret(const struct ob_receiver *r, const char *name,
                                      const char *secret)
{
  char path[128], body[128];
  snprintf(path, sizeof path, "/_secrets/%s", name);
  snprintf(body, sizeof body, "[\"%s\"]", secret);
  char *a = ob_control(r, "POST", path, body);
  cr_assert_not_null(a, "setting the receiver's secret");
  free(a);
}

/* ok, 500, 410, stall, slow<ms>. */
static inline void ob_receiver_mode(const struct ob_receiver *r, const char *name, const char *mode)
{
  char path[128];
  snprintf(path, sizeof path, "/_mode/%s/%s", name, mode);
  char *a = ob_control(r, "POST", path, "");
  cr_assert_not_null(a, "setting the receiver's mode");
  free(a);
}

/* What <name> received, in order (caller decrefs). */
static inline json_t *ob_received(const struct ob_receiver *r, const char *name)
{
  char path[128];
  snprintf(path, sizeof path, "/_received/%s", name);
  char *a = ob_control(r, "GET", path, NULL);
  cr_assert_not_null(a, "reading what the receiver received");
  json_t *v = json_loads(a, 0, NULL);
  free(a);
  cr_assert(json_is_array(v));
  return v;
}

/* A fresh Standard Webhooks secret: whsec_ + base64 of 32 random bytes. */
static inline void ob_secret(char *out)
{
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[33] = {0};
  int fd = open("/dev/urandom", O_RDONLY);
  cr_assert_geq(fd, 0);
  cr_assert_eq(read(fd, raw, 32), 32);
  close(fd);
  size_t o = (size_t)snprintf(out, OB_SECRET_CAP, "whsec_");
  for (size_t i = 0; i < 32; i += 3) {
    unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | (unsigned)raw[i + 2];
    out[o++] = tab[v >> 18 & 63];
    out[o++] = tab[v >> 12 & 63];
    out[o++] = i + 1 < 32 ? tab[v >> 6 & 63] : '=';
    out[o++] = i + 2 < 32 ? tab[v & 63] : '=';
  }
  out[o] = '\0';
}

/* Before a test's own subscription: the subscriptions earlier suites left
 * are disabled, and the events they wrote (which no test waits on any
 * more) are marked dispatched, so that this test's workers deliver only
 * its own. */
static inline void ob_quiet(void)
{
  cr_assert_not_null(th_sql("UPDATE webhook_subscriptions SET enabled = false,"
                            " disabled_reason = 'admin', disabled_at = now() WHERE enabled"));
  cr_assert_not_null(th_sql("UPDATE events SET dispatched = true WHERE NOT dispatched"));
}

/* A subscription to every type at the receiver's <name>; returns its id. */
static inline long long ob_subscribe(const struct ob_receiver *r, const char *name,
                                     const char *secret)
{
  const char *v = ds_sql("INSERT INTO webhook_subscriptions (url, event_types, secret)"
                         " VALUES ('%s/hook/%s', '{*}', '%s') RETURNING id",
                         r->base, name, secret);
  cr_assert_not_null(v, "creating the subscription");
  return atoll(v);
}

/* Starts a repaird with `workers` delivery workers allowed to reach this
 * machine's receivers; extra: more NAME=value or NULL. */
static inline pid_t ob_server(char *url, size_t cap, const char *workers, const char *const *extra)
{
  static char w[8][48];
  static unsigned next;
  char *wv = w[next++ % 8];
  snprintf(wv, sizeof w[0], "REPAIRD_OUTBOX_WORKERS=%s", workers);
  const char *env[24] = {wv, "REPAIRD_WEBHOOK_ALLOW_HTTP=1",
                         "REPAIRD_WEBHOOK_ALLOW_NETWORKS=127.0.0.1/32",
                         "REPAIRD_OUTBOX_POLL_MS=50"};
  size_t n = 4;
  for (const char *const *e = extra; e && *e && n < 23; e++)
    env[n++] = *e;
  env[n] = NULL;
  pid_t pid = th_server_start(url, cap, env);
  cr_assert_gt(pid, 0, "a server with %s workers starts", workers);
  return pid;
}

/* Waits until the SQL count equals want (timeout_s); returns the last
 * count. */
static inline __attribute__((format(printf, 3, 4))) long ob_wait_count(long want, double timeout_s,
                                                                       const char *fmt, ...)
{
  char q[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  double end = ob_now() + timeout_s;
  long n = -1;
  for (;;) {
    const char *v = th_sql(q);
    n = v ? atol(v) : -1;
    if (n == want || ob_now() > end)
      return n;
    ob_sleep_ms(100);
  }
}

/* ---- concurrent intakes ---- */

struct ob_intakes {
  const char *const *bases; /* the servers, taken in turn */
  int nbases;
  const char *site;
  int n; /* intakes in all */
  char (*codes)[CODE_CAP];
  pthread_mutex_t lock;
  int next, created, other;
};

static inline void *ob_intake_thread(void *arg)
{
  struct ob_intakes *x = arg;
  CURL *c = curl_easy_init();
  char auth[160], body[256];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", th_admin_key());
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Outbox\"}",
           x->site);
  for (;;) {
    pthread_mutex_lock(&x->lock);
    int i = x->next < x->n ? x->next++ : -1;
    pthread_mutex_unlock(&x->lock);
    if (i < 0)
      break;
    char url[160];
    snprintf(url, sizeof url, "%s/api/v1/devices", x->bases[i % x->nbases]);
    struct ob_buf b = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ob_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    json_t *j = status == 201 && b.p ? json_loads(b.p, 0, NULL) : NULL;
    const char *code = json_string_value(json_object_get(j, "code"));
    pthread_mutex_lock(&x->lock);
    if (code) {
      snprintf(x->codes[i], CODE_CAP, "%s", code);
      x->created++;
    } else {
      x->other++;
    }
    pthread_mutex_unlock(&x->lock);
    json_decref(j);
    free(b.p);
  }
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return NULL;
}

/* n intakes at site from `threads` threads at once, over the servers in
 * turn; the codes go to codes[n] (caller's). Every one must answer 201. */
static inline void ob_intake_many(const char *const *bases, int nbases, const char *site, int n,
                                  int threads, char (*codes)[CODE_CAP])
{
  struct ob_intakes x = {bases, nbases, site, n, codes, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
  curl_global_init(CURL_GLOBAL_DEFAULT);
  pthread_t t[64];
  if (threads > 64)
    threads = 64;
  for (int i = 0; i < threads; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, ob_intake_thread, &x), 0);
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  pthread_mutex_destroy(&x.lock);
  cr_assert_eq(x.created, n, "%d intakes of %d answered 201 (%d other)", x.created, n, x.other);
}

#endif
