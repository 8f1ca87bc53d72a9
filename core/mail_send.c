/* E-mail over SMTP with libcurl (core/mail_send.h). */
#include "core/mail_send.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/curl_cancel.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mail.h"
#include "core/outbox.h"
#include "core/random.h"
#include "core/store/store_mail.h"

/* Messages claimed at once by a worker. */
#define CLAIM_BATCH 8

struct mail_sender {
  CURL *curl;
  const struct rl_config *cfg;
  /* Per attempt. */
  const atomic_int *cancel;
  const char *msg;
  size_t len, off;
};

struct mail_sender *mail_sender_new(const struct rl_config *cfg)
{
  struct mail_sender *s = calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  if ((s->curl = curl_easy_init()) == NULL) {
    free(s);
    return NULL;
  }
  s->cfg = cfg;
  return s;
}

void mail_sender_free(struct mail_sender *s)
{
  if (s == NULL)
    return;
  curl_easy_cleanup(s->curl);
  free(s);
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
  struct mail_sender *s = arg;
  size_t n = s->len - s->off;
  if (n > size * nitems)
    n = size * nitems;
  memcpy(buf, s->msg + s->off, n);
  s->off += n;
  return n;
}

/* Why an attempt failed without an SMTP reply, as a name: never the
 * server's text, which may repeat the address. */
static const char *curl_error_code(CURLcode c)
{
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
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_USE_SSL_FAILED: return "tls_failed";
  case CURLE_LOGIN_DENIED: return "login_denied";
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING: return "connection_lost";
  case CURLE_ABORTED_BY_CALLBACK: return "cancelled";
  default: return "failed";
  }
}

/* The message of job, built: RL_OK, RL_EINVALID (an address that cannot
 * go in a header), RL_ENOMEM. *id gets the Message-ID (a new one unless
 * an earlier attempt made it). */
static int build(char **msg, size_t *len, char *id, size_t idcap, const struct mail_sender *s,
                 const struct mail_job *job)
{
  const struct rl_config *cfg = s->cfg;
  int en = strcmp(job->language, "en") == 0;
  char link[700], unsub[700], boundary[40];
  unsigned char rnd[16], rb[12];
  if (rl_random_bytes(rnd, sizeof rnd) != RL_OK || rl_random_bytes(rb, sizeof rb) != RL_OK)
    return RL_EUNAVAILABLE;
  if (job->message_id)
    snprintf(id, idcap, "%s", job->message_id);
  else if (mail_message_id(id, idcap, rnd, sizeof rnd, cfg->mail.from) != RL_OK)
    return RL_EINVALID;
  char hex[2 * sizeof rb + 1];
  rl_hex(hex, rb, sizeof rb);
  snprintf(boundary, sizeof boundary, "=_rl_%s", hex);
  int repair = strcmp(job->kind, "repair_finished") == 0;
  snprintf(link, sizeof link, "%s/%s/%s", cfg->public_url, repair ? "t" : "l",
           job->token ? job->token : "");
  snprintf(unsub, sizeof unsub, "%s/u/%s", cfg->public_url, job->unsubscribe_token);
  struct mail_content c = {
      .kind = repair                                    ? MAIL_REPAIR_FINISHED
              : strcmp(job->kind, "loan_due_soon") == 0 ? MAIL_LOAN_DUE_SOON
                                                        : MAIL_LOAN_OVERDUE,
      .lang = en ? RL_LANG_EN : RL_LANG_FR,
      .name = job->name,
      .category = en ? job->category_en : job->category_fr,
      .brand = job->brand,
      .model = job->model,
      .code = job->code,
      .repaired = job->repaired,
      .due_date = job->due_date,
      .days = job->days,
      .site_name = job->site_name,
      .site_address = job->site_address,
      .site_hours = job->site_hours,
      .link = link,
      .unsubscribe = unsub,
      .signature = cfg->mail.from_name,
  };
  struct mail_texts t;
  int rc = mail_texts_build(&t, &c);
  if (rc != RL_OK)
    return rc;
  struct mail_envelope e = {.from = cfg->mail.from,
                            .from_name = cfg->mail.from_name,
                            .to = job->to,
                            .date = time(NULL),
                            .message_id = id,
                            .boundary = boundary};
  rc = mail_message(msg, len, &e, &t, &c);
  mail_texts_free(&t);
  return rc;
}

/* One attempt of one message, recorded. */
static int send_one(struct mail_sender *s, const struct mail_job *job)
{
  const struct rl_outbox_settings *o = &s->cfg->outbox;
  const struct rl_mail_settings *m = &s->cfg->mail;
  char id[160], from[340], rcpt[340];
  char *msg = NULL;
  size_t len = 0;
  int rc = build(&msg, &len, id, sizeof id, s, job);
  if (rc == RL_EINVALID) {
    rl_log(RL_LOG_WARN, "mail", "e-mail %lld: the address cannot be written in a header: failed",
           job->id);
    return store_mail_record(job, MAIL_FAILED, 0, NULL, "bad_address");
  }
  if (rc != RL_OK)
    return rc; /* the lease runs out and the message is tried again */
  snprintf(from, sizeof from, "<%s>", m->from);
  snprintf(rcpt, sizeof rcpt, "<%s>", job->to);
  struct curl_slist *to = curl_slist_append(NULL, rcpt);
  if (to == NULL) {
    free(msg);
    return RL_ENOMEM;
  }
  CURL *c = s->curl;
  curl_easy_reset(c);
  s->msg = msg;
  s->len = len;
  s->off = 0;
  curl_easy_setopt(c, CURLOPT_URL, m->smtp_url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  /* STARTTLS when the server offers it; required when there is a login to
   * send, so that a man in the middle who strips the offer gets neither it
   * nor the message. */
  if (strncmp(m->smtp_url, "smtp://", 7) == 0)
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     (long)(m->user[0] != '\0' ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (m->user[0] != '\0') {
    curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, m->password);
  }
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(c, CURLOPT_READDATA, s);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)o->timeout_s);
  rl_curl_cancel_on(c, s->cancel);
  CURLcode cc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(to);
  s->msg = NULL;
  free(msg);

  enum mail_outcome out;
  double delay = 0;
  char error[32] = "";
  if (cc == CURLE_ABORTED_BY_CALLBACK && s->cancel && atomic_load(s->cancel)) {
    out = MAIL_RELEASE;
  } else if (cc == CURLE_OK) {
    out = MAIL_SENT;
  } else {
    if (code >= 200 && code <= 599)
      snprintf(error, sizeof error, "smtp_%ld", code);
    else
      snprintf(error, sizeof error, "%s", curl_error_code(cc));
    /* A 5xx reply is the server's final word (no such mailbox, refused). */
    delay = code >= 500 && code <= 599 ? 0 : outbox_retry_delay(o, job->attempt);
    out = delay > 0 ? MAIL_RETRY : MAIL_FAILED;
  }
  rc = store_mail_record(job, out, delay, out == MAIL_RELEASE ? NULL : id, error[0] ? error : NULL);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "mail", "e-mail %lld: the attempt was made but not recorded: %s", job->id,
           rl_err_name(rc));
  else if (out == MAIL_FAILED)
    rl_log(RL_LOG_WARN, "mail", "e-mail %lld (%s): failed after %d attempts: %s", job->id,
           job->kind, job->attempt, error);
  return rc;
}

int mail_work(long *done, struct mail_sender *s, const atomic_int *cancel)
{
  *done = 0;
  s->cancel = cancel;
  const struct rl_outbox_settings *o = &s->cfg->outbox;
  unsigned lease = o->connect_timeout_s + o->timeout_s + 60;
  while (!atomic_load(cancel)) {
    struct mail_job *jobs;
    int n;
    int rc = store_mail_claim(&jobs, &n, CLAIM_BATCH, lease, s->cfg->timezone);
    if (rc != RL_OK && jobs == NULL)
      return rc;
    int away = 0;
    for (int i = 0; i < n; i++) {
      if (away) {
        /* The database is away: the rest stays leased and comes back when
         * the leases run out, rather than sent with no record and sent
         * again then. */
      } else if (atomic_load(cancel)) {
        (void)store_mail_record(&jobs[i], MAIL_RELEASE, 0, NULL, NULL);
      } else if (jobs[i].to && jobs[i].unsubscribe_token && jobs[i].kind && jobs[i].language) {
        int held = 1;
        rc = i == 0 ? RL_OK : store_mail_renew(&held, &jobs[i], lease);
        if (rc == RL_OK && held) {
          rc = send_one(s, &jobs[i]);
          (*done)++;
        }
        away = rc == RL_EUNAVAILABLE || rc == RL_EINDOUBT;
      }
      mail_job_free(&jobs[i]);
    }
    free(jobs);
    if (away)
      return RL_EUNAVAILABLE;
    if (n < CLAIM_BATCH)
      break;
  }
  return RL_OK;
}
