/* Webhook deliveries over HTTP with libcurl (core/webhook_send.h). */
#include "core/webhook_send.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/curl_cancel.h"
#include "core/error.h"
#include "core/log.h"
#include "core/outbox.h"
#include "core/store/store_outbox.h"

/* Deliveries claimed at once by a worker. */
#define CLAIM_BATCH 8
/* What is kept of a receiver's answer. */
#define HEAD_MAX 256
#define SECRET_PREFIX "whsec_"
#define USER_AGENT "RepairLedger-Webhooks/1"

/* Not public: what a webhook must not reach unless allowed. */
static const char *const g_not_public =
    "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,"
    "192.0.0.0/24,192.0.2.0/24,192.88.99.0/24,192.168.0.0/16,198.18.0.0/15,198.51.100.0/24,"
    "203.0.113.0/24,224.0.0.0/4,240.0.0.0/4,::/128,::1/128,64:ff9b::/96,64:ff9b:1::/48,"
    "100::/64,2001:db8::/32,2002::/16,fc00::/7,fe80::/10,fec0::/10,ff00::/8";

struct webhook_sender {
  CURL *curl;
  const struct rl_outbox_settings *settings;
  /* Per attempt. */
  const atomic_int *cancel;
  int refused;
  char head[HEAD_MAX + 1];
  size_t head_len;
};

struct webhook_sender *webhook_sender_new(const struct rl_outbox_settings *settings)
{
  struct webhook_sender *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  if ((s->curl = curl_easy_init()) == NULL) {
    free(s);
    return NULL;
  }
  s->settings = settings;
  return s;
}

void webhook_sender_free(struct webhook_sender *s)
{
  if (s == NULL)
    return;
  curl_easy_cleanup(s->curl);
  free(s);
}

static struct rl_cidrs g_not_public_blocks;
static int g_not_public_ok;
static pthread_once_t g_not_public_once = PTHREAD_ONCE_INIT;

static void parse_not_public(void)
{
  char why[128];
  g_not_public_ok =
      rl_netaddr_cidrs_parse(&g_not_public_blocks, g_not_public, why, sizeof why) == RL_OK;
}

int webhook_address_allowed(const struct rl_netaddr *addr, const struct rl_cidrs *allowed)
{
  if (addr->family == 0)
    return 0;
  if (rl_netaddr_cidrs_match(allowed, addr))
    return 1;
  pthread_once(&g_not_public_once, parse_not_public);
  return g_not_public_ok && !rl_netaddr_cidrs_match(&g_not_public_blocks, addr);
}

int webhook_sign(char *out, size_t cap, const char *secret, const char *id, long long timestamp,
                 const char *body, size_t body_len)
{
  size_t plen = strlen(SECRET_PREFIX);
  if (strncmp(secret, SECRET_PREFIX, plen) != 0)
    return RL_EINVALID;
  const char *b64 = secret + plen;
  size_t b64len = strlen(b64);
  unsigned char key[96];
  if (b64len == 0 || b64len % 4 != 0 || b64len / 4 * 3 > sizeof key)
    return RL_EINVALID;
  int klen = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)b64len);
  if (klen < 0)
    return RL_EINVALID;
  klen -= (b64len >= 1 && b64[b64len - 1] == '=') + (b64len >= 2 && b64[b64len - 2] == '=');
  size_t cap_msg = strlen(id) + 32 + body_len;
  char *msg = malloc(cap_msg);
  if (msg == NULL)
    return RL_ENOMEM;
  int pl = snprintf(msg, cap_msg, "%s.%lld.", id, timestamp);
  if (pl < 0 || (size_t)pl + body_len > cap_msg) {
    free(msg);
    return RL_EINVALID;
  }
  memcpy(msg + pl, body, body_len);
  size_t mlen = (size_t)pl + body_len;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  unsigned char *ok = HMAC(EVP_sha256(), key, klen, (const unsigned char *)msg, mlen, mac, &maclen);
  free(msg);
  OPENSSL_cleanse(key, sizeof key);
  if (ok == NULL || cap < 4 + 4 * ((maclen + 2) / 3) + 1)
    return RL_EINVALID;
  snprintf(out, cap, "v1,");
  EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen);
  return RL_OK;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
  struct webhook_sender *s = clientp;
  (void)purpose;
  struct rl_netaddr a;
  rl_netaddr_from_sockaddr(&a, &address->addr);
  if (!webhook_address_allowed(&a, &s->settings->allow_networks)) {
    s->refused = 1;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

/* Keeps the answer's first bytes, as printable ASCII; the rest is read and
 * dropped. */
static size_t on_answer(char *ptr, // NOLINT(readability-non-const-parameter): libcurl's type
                        size_t size, size_t nmemb, void *userdata)
{
  struct webhook_sender *s = userdata;
  size_t n = size * nmemb;
  size_t room = HEAD_MAX - s->head_len;
  size_t take = n < room ? n : room;
  memcpy(s->head + s->head_len, ptr, take);
  for (size_t i = s->head_len; i < s->head_len + take; i++) {
    unsigned char c = (unsigned char)s->head[i];
    if (c < 0x20 || c >= 0x7f)
      s->head[i] = ' ';
  }
  s->head_len += take;
  s->head[s->head_len] = '\0';
  return n;
}

static double now_real(void)
{
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_mono(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *curl_error_code(CURLcode c, int refused)
{
  if (refused)
    return "address_refused";
  switch (c) {
  case CURLE_OPERATION_TIMEDOUT: return "timeout";
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT: return "connect_failed";
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT: return "bad_url";
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE: return "tls_failed";
  case CURLE_ABORTED_BY_CALLBACK: return "cancelled";
  default: return "failed";
  }
}

/* One attempt of one delivery, recorded. */
static int send_one(struct webhook_sender *s, const struct webhook_job *job)
{
  const struct rl_outbox_settings *o = s->settings;
  long long ts = (long long)now_real();
  size_t body_len = strlen(job->body);
  char sig[200], sig_old[100];
  char h_id[160], h_ts[48], h_sig[240];
  int rc = webhook_sign(sig, sizeof sig, job->secret, job->msg_id, ts, job->body, body_len);
  if (rc == RL_OK && job->previous_secret != NULL &&
      webhook_sign(sig_old, sizeof sig_old, job->previous_secret, job->msg_id, ts, job->body,
                   body_len) == RL_OK) {
    size_t n = strlen(sig);
    snprintf(sig + n, sizeof sig - n, " %s", sig_old);
  }
  struct webhook_attempt a = {.started_at = now_real()};
  if (rc != RL_OK) {
    a.error = "failed";
    return store_outbox_record_webhook(job, &a, WEBHOOK_FAILED, 0, o->disable_after_s);
  }
  snprintf(h_id, sizeof h_id, "webhook-id: %s", job->msg_id);
  snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", ts);
  snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
  struct curl_slist *hdrs = NULL, *h;
  const char *lines[] = {"Content-Type: application/json", h_id, h_ts, h_sig, "Expect:"};
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    h = curl_slist_append(hdrs, lines[i]);
    if (h == NULL) {
      curl_slist_free_all(hdrs);
      return RL_ENOMEM;
    }
    hdrs = h;
  }
  CURL *c = s->curl;
  curl_easy_reset(c);
  s->refused = 0;
  s->head_len = 0;
  s->head[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, job->url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o->allow_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)o->timeout_s);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, s);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  rl_curl_cancel_on(c, s->cancel);
  double t0 = now_mono();
  CURLcode cc = curl_easy_perform(c);
  a.duration_ms = (long)((now_mono() - t0) * 1000.0);
  curl_slist_free_all(hdrs);
  long code = 0;
  if (cc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  a.http_status = (int)code;
  a.response_head = s->head_len > 0 ? s->head : NULL;
  enum webhook_outcome out;
  double delay = 0;
  if (cc == CURLE_ABORTED_BY_CALLBACK && s->cancel && atomic_load(s->cancel)) {
    out = WEBHOOK_RELEASE;
  } else if (cc == CURLE_OK && code >= 200 && code < 300) {
    out = WEBHOOK_SUCCEEDED;
  } else if (cc == CURLE_OK && code == 410) {
    out = WEBHOOK_GONE;
  } else {
    if (cc != CURLE_OK)
      a.error = curl_error_code(cc, s->refused);
    delay = outbox_retry_delay(o, job->attempt);
    out = delay > 0 ? WEBHOOK_RETRY : WEBHOOK_FAILED;
  }
  rc = store_outbox_record_webhook(job, &a, out, delay, o->disable_after_s);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "webhooks", "delivery %lld: the attempt was made but not recorded: %s",
           job->id, rl_err_name(rc));
  else if (out == WEBHOOK_GONE)
    rl_log(RL_LOG_WARN, "webhooks",
           "delivery %lld: the receiver answered 410: subscription "
           "disabled",
           job->id);
  return rc;
}

/* Whether a claimed job has all it needs (a copy may have run out of
 * memory: its lease then runs out and it is tried again). */
static int job_whole(const struct webhook_job *j)
{
  return j->url && j->secret && j->msg_id && j->type && j->body;
}

int webhook_work(long *done, struct webhook_sender *s, const atomic_int *cancel)
{
  *done = 0;
  s->cancel = cancel;
  unsigned lease = s->settings->connect_timeout_s + s->settings->timeout_s + 60;
  while (!atomic_load(cancel)) {
    struct webhook_job *jobs;
    int n;
    int rc = store_outbox_claim_webhooks(&jobs, &n, CLAIM_BATCH, lease);
    if (rc != RL_OK && jobs == NULL)
      return rc;
    int away = 0;
    for (int i = 0; i < n; i++) {
      if (away) {
        /* The database is away: the rest of the batch stays leased and comes
         * back when the leases run out, rather than each being sent with no
         * record of it and sent again then. */
      } else if (atomic_load(cancel)) {
        struct webhook_attempt none = {0};
        (void)store_outbox_record_webhook(&jobs[i], &none, WEBHOOK_RELEASE, 0, 0);
      } else if (job_whole(&jobs[i])) {
        int held = 1;
        rc = i == 0 ? RL_OK : store_outbox_renew_webhook(&held, &jobs[i], lease);
        if (rc == RL_OK && held) {
          rc = send_one(s, &jobs[i]);
          (*done)++;
        }
        away = rc == RL_EUNAVAILABLE || rc == RL_EINDOUBT;
      }
      webhook_job_free(&jobs[i]);
    }
    free(jobs);
    if (away)
      return RL_EUNAVAILABLE;
    if (n < CLAIM_BATCH)
      break;
  }
  return RL_OK;
}
