/* The publisher thread (core/publisher.h), woken by a timer, a queued
 * publication or the stop. */
#include "core/publisher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/publish.h"
#include "core/store/pool.h"

static pthread_t g_thread;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static int g_running, g_stop, g_woken;
/* Read by libcurl's progress callback, to stop an upload at once. */
static atomic_int g_cancel;
static const struct rl_config *g_cfg;

static void pass(void)
{
  long n = 0;
  int rc = publish_due(&n, g_cfg, &g_cancel);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "publisher", "scheduled publications: %s", rl_err_name(rc));
  else if (n > 0)
    rl_log(RL_LOG_INFO, "publisher", "%ld scheduled uploads made", n);
  rc = publish_queued(&n, g_cfg, &g_cancel);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "publisher", "queued publications: %s", rl_err_name(rc));
  else if (n > 0)
    rl_log(RL_LOG_INFO, "publisher", "%ld queued uploads made", n);
}

static void *run(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&g_lock);
  while (!g_stop) {
    pthread_mutex_unlock(&g_lock);
    pass();
    pthread_mutex_lock(&g_lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += g_cfg->publish.interval_s;
    /* A wake that came during the pass runs the next one at once. */
    while (!g_stop && !g_woken && pthread_cond_timedwait(&g_wake, &g_lock, &until) == 0)
      ;
    g_woken = 0;
  }
  pthread_mutex_unlock(&g_lock);
  store_pool_close_thread();
  return NULL;
}

int rl_publisher_start(const struct rl_config *cfg)
{
  g_cfg = cfg;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_wake, &attr);
  pthread_condattr_destroy(&attr);
  g_stop = 0;
  atomic_store(&g_cancel, 0);
  if (pthread_create(&g_thread, NULL, run, NULL) != 0)
    return RL_ENOMEM;
  pthread_mutex_lock(&g_lock);
  g_running = 1;
  pthread_mutex_unlock(&g_lock);
  return RL_OK;
}

void rl_publisher_wake(void)
{
  pthread_mutex_lock(&g_lock);
  g_woken = 1;
  if (g_running)
    pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
}

void rl_publisher_stop(void)
{
  if (!g_running)
    return;
  atomic_store(&g_cancel, 1);
  pthread_mutex_lock(&g_lock);
  g_stop = 1;
  pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  pthread_join(g_thread, NULL);
  pthread_mutex_lock(&g_lock);
  g_running = 0;
  pthread_mutex_unlock(&g_lock);
  pthread_cond_destroy(&g_wake);
}
