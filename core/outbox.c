/* The outbox worker threads (core/outbox.h). */
#include "core/outbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/mail_send.h"
#include "core/random.h"
#include "core/store/pool.h"
#include "core/store/store_outbox.h"
#include "core/webhook_send.h"

/* Events turned into deliveries at once. */
#define FANOUT_BATCH 500

struct worker {
  pthread_t thread;
  unsigned index;
  struct webhook_sender *sender;
  struct mail_sender *mail; /* NULL when no SMTP server is set */
};

static struct worker *g_workers;
static unsigned g_count;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static int g_stop;
/* Read by libcurl's progress callbacks, to cut an attempt short at once. */
static atomic_int g_cancel;
static const struct rl_config *g_cfg;

double outbox_retry_delay(const struct rl_outbox_settings *o, int attempt)
{
  if (attempt < 1 || (unsigned)attempt > o->retries)
    return 0;
  uint16_t r = 500;
  (void)rl_random_bytes(&r, sizeof r); /* without it, no jitter */
  return o->retry_s[attempt - 1] * (0.8 + 0.4 * (double)(r % 1000U) / 1000.0);
}

static int mail_enabled(void) { return g_cfg->mail.smtp_url[0] != '\0'; }

static double mono_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One round of work; returns how much was done (0: nothing was due). */
static long round_of(struct worker *w, double *next_schedule)
{
  long did = 0, n = 0;
  int rc;
  if (w->index == 0 && mono_now() >= *next_schedule) {
    *next_schedule = mono_now() + g_cfg->outbox.schedule_s;
    rc =
        store_outbox_schedule(&n, g_cfg->timezone, g_cfg->mail.due_days, g_cfg->outbox.retention_s);
    if (rc != RL_OK)
      rl_log(RL_LOG_WARN, "outbox", "time-based events: %s", rl_err_name(rc));
    else if (n > 0)
      rl_log(RL_LOG_INFO, "outbox", "%ld time-based events written", n);
  }
  /* Messages are queued whoever turns the event (an instance without an
   * SMTP server included): the instances that have one send them. */
  rc = store_outbox_fanout(&n, FANOUT_BATCH, 1);
  if (rc == RL_OK)
    did += n;
  else if (rc != RL_EUNAVAILABLE)
    rl_log(RL_LOG_WARN, "outbox", "turning events into deliveries: %s", rl_err_name(rc));
  if (rc == RL_EUNAVAILABLE)
    return 0; /* the database is away: wait, then try again */
  rc = webhook_work(&n, w->sender, &g_cancel);
  did += n;
  if (rc != RL_OK && rc != RL_EUNAVAILABLE)
    rl_log(RL_LOG_WARN, "outbox", "webhook deliveries: %s", rl_err_name(rc));
  if (w->mail != NULL) {
    rc = mail_work(&n, w->mail, &g_cancel);
    did += n;
    if (rc != RL_OK && rc != RL_EUNAVAILABLE)
      rl_log(RL_LOG_WARN, "outbox", "e-mail: %s", rl_err_name(rc));
  }
  return did;
}

static void *run(void *arg)
{
  struct worker *w = arg;
  double next_schedule = 0;
  pthread_mutex_lock(&g_lock);
  while (!g_stop) {
    pthread_mutex_unlock(&g_lock);
    long did = round_of(w, &next_schedule);
    pthread_mutex_lock(&g_lock);
    if (did > 0 || g_stop)
      continue;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(g_cfg->outbox.poll_ms % 1000) * 1000000L;
    until.tv_sec += (time_t)(g_cfg->outbox.poll_ms / 1000) + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    while (!g_stop && pthread_cond_timedwait(&g_wake, &g_lock, &until) == 0)
      ;
  }
  pthread_mutex_unlock(&g_lock);
  store_pool_close_thread();
  return NULL;
}

int rl_outbox_start(const struct rl_config *cfg)
{
  g_cfg = cfg;
  if (!mail_enabled())
    rl_log(RL_LOG_INFO, "outbox", "no SMTP server set (REPAIRD_SMTP_URL): no e-mail is sent");
  if (cfg->outbox.workers == 0) {
    rl_log(RL_LOG_INFO, "outbox", "REPAIRD_OUTBOX_WORKERS is 0: this instance delivers nothing");
    return RL_OK;
  }
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_wake, &attr);
  pthread_condattr_destroy(&attr);
  g_stop = 0;
  atomic_store(&g_cancel, 0);
  g_workers = calloc(cfg->outbox.workers, sizeof *g_workers);
  if (g_workers == NULL)
    return RL_ENOMEM;
  for (unsigned i = 0; i < cfg->outbox.workers; i++) {
    struct worker *w = &g_workers[i];
    w->index = i;
    w->sender = webhook_sender_new(&cfg->outbox);
    w->mail = mail_enabled() ? mail_sender_new(cfg) : NULL;
    if (w->sender == NULL || (mail_enabled() && w->mail == NULL) ||
        pthread_create(&w->thread, NULL, run, w) != 0) {
      webhook_sender_free(w->sender);
      w->sender = NULL;
      mail_sender_free(w->mail);
      w->mail = NULL;
      rl_outbox_stop();
      return RL_ENOMEM;
    }
    g_count = i + 1;
  }
  return RL_OK;
}

void rl_outbox_stop(void)
{
  if (g_workers == NULL)
    return;
  atomic_store(&g_cancel, 1);
  pthread_mutex_lock(&g_lock);
  g_stop = 1;
  pthread_cond_broadcast(&g_wake);
  pthread_mutex_unlock(&g_lock);
  for (unsigned i = 0; i < g_count; i++) {
    pthread_join(g_workers[i].thread, NULL);
    webhook_sender_free(g_workers[i].sender);
    mail_sender_free(g_workers[i].mail);
  }
  free(g_workers);
  g_workers = NULL;
  g_count = 0;
  pthread_cond_destroy(&g_wake);
}
