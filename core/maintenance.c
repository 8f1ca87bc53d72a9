/* The maintenance thread: its own database connection (the store's
 * per-thread one), woken by a timer or by the stop. */
#include "core/maintenance.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "core/idem.h"
#include "core/log.h"
#include "core/retention.h"
#include "core/store/pool.h"
#include "core/waitlist.h"

static pthread_t g_thread;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static int g_running, g_stop;
static unsigned g_interval_s;
static const struct rl_config *g_cfg;

static void pass(void)
{
  long deleted = 0;
  int rc = idem_purge(&deleted);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "maintenance", "purging stored replies: %s", rl_err_name(rc));
  else if (deleted > 0)
    rl_log(RL_LOG_INFO, "maintenance", "purged %ld expired stored replies", deleted);
  long holds = 0;
  rc = waitlist_sweep(&holds, g_cfg->loans.hold_days);
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "maintenance", "passing on waiting-list holds: %s", rl_err_name(rc));
  else if (holds > 0)
    rl_log(RL_LOG_INFO, "maintenance", "%ld waiting-list holds ended or placed", holds);
  /* The day's retention run, in whichever instance comes first: the
   * others find the day taken. */
  int ran;
  json_t *counts;
  rc = retention_daily(&ran, &counts, g_cfg);
  if (rc != RL_OK) {
    rl_log(RL_LOG_WARN, "maintenance", "retention run: %s", rl_err_name(rc));
  } else if (ran) {
    char *c = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS);
    rl_log(RL_LOG_INFO, "maintenance", "retention run: purged %s", c ? c : "?");
    free(c);
    json_decref(counts);
  }
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
    until.tv_sec += g_interval_s;
    while (!g_stop && pthread_cond_timedwait(&g_wake, &g_lock, &until) == 0)
      ;
  }
  pthread_mutex_unlock(&g_lock);
  store_pool_close_thread();
  return NULL;
}

int rl_maintenance_start(unsigned interval_s, const struct rl_config *cfg)
{
  g_cfg = cfg;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_wake, &attr);
  pthread_condattr_destroy(&attr);
  g_interval_s = interval_s ? interval_s : 1;
  g_stop = 0;
  if (pthread_create(&g_thread, NULL, run, NULL) != 0)
    return RL_ENOMEM;
  g_running = 1;
  return RL_OK;
}

void rl_maintenance_stop(void)
{
  if (!g_running)
    return;
  pthread_mutex_lock(&g_lock);
  g_stop = 1;
  pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  pthread_join(g_thread, NULL);
  pthread_cond_destroy(&g_wake);
  g_running = 0;
}
