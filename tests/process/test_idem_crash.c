/* Idempotent writes through a crash of the database (an immediate stop, as
 * a power cut would do it): four clients keep creating devices, each
 * request with a key of its own, while PostgreSQL is killed and started
 * again. Afterwards each key, sent again with its request, settles within
 * seconds: a create that was acknowledged (201) is replayed from its stored
 * reply, one that was refused (503) runs now (its key is not left claimed,
 * answering 409), and every key made exactly one device. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"

#define CLIENTS 4
#define MAX_KEYS 4000

struct attempt {
  char key[48];
  long status;   /* the first answer */
  char code[32]; /* the device code of a 201 */
};

static char g_url[64], g_site[64];
static struct attempt g_attempts[MAX_KEYS];
static atomic_int g_n, g_stop;

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static struct th_resp *create(const char *key)
{
  char body[256], header[96];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"%s\"}",
           g_site, key);
  snprintf(header, sizeof header, "Idempotency-Key: %s", key);
  const char *extra[] = {header, NULL};
  return th_request_to(g_url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), extra);
}

static void *client(void *arg)
{
  (void)arg;
  while (!atomic_load(&g_stop)) {
    int i = atomic_fetch_add(&g_n, 1);
    if (i >= MAX_KEYS)
      break;
    struct attempt *a = &g_attempts[i];
    snprintf(a->key, sizeof a->key, "crash-%d-%d", (int)getpid(), i);
    struct th_resp *r = create(a->key);
    a->status = r->status;
    if (r->status == 201 && th_str(r, "code"))
      snprintf(a->code, sizeof a->code, "%s", th_str(r, "code"));
    th_free(r);
  }
  return NULL;
}

static int pg(const char *what)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", getenv("RL_TEST_PG_SCRIPT"), what);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(idem_crash, every_key_settles_to_one_device_after_the_database_crashes, .timeout = 300)
{
  pid_t pid =
      th_server_start(g_url, sizeof g_url, (const char *const[]){"REPAIRD_OUTBOX_WORKERS=0", NULL});
  cr_assert_gt(pid, 0);
  snprintf(g_site, sizeof g_site, "%s", th_unique("crash"));
  char body[128];
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Crash\"}", g_site);
  struct th_resp *r =
      th_request_to(g_url, "POST", "/api/v1/sites", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);

  pthread_t t[CLIENTS];
  for (int i = 0; i < CLIENTS; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, client, NULL), 0);
  sleep_ms(1000);
  cr_assert_eq(pg("crash"), 0, "cannot crash the database");
  sleep_ms(700);
  cr_assert_eq(pg("start"), 0, "cannot start the database again");
  sleep_ms(1500);
  atomic_store(&g_stop, 1);
  for (int i = 0; i < CLIENTS; i++)
    pthread_join(t[i], NULL);
  int n = atomic_load(&g_n);
  if (n > MAX_KEYS)
    n = MAX_KEYS;

  int acknowledged = 0, refused = 0;
  for (int i = 0; i < n; i++) {
    struct attempt *a = &g_attempts[i];
    cr_assert(a->status == 201 || a->status == 503, "%s: first answer %ld", a->key, a->status);
    if (a->status == 201)
      acknowledged++;
    else
      refused++;
    /* Sent again: settled within 5 s. */
    long status = 0;
    const char *replayed = NULL;
    char code[32] = "";
    for (int k = 0; k < 50; k++) {
      r = create(a->key);
      status = r->status;
      replayed = th_header(r, "Idempotent-Replayed");
      int was_replayed = replayed && strcmp(replayed, "true") == 0;
      if (status == 201 && th_str(r, "code"))
        snprintf(code, sizeof code, "%s", th_str(r, "code"));
      th_free(r);
      if (status == 201) {
        if (a->status == 201) {
          cr_assert(was_replayed, "%s: an acknowledged create was not replayed", a->key);
          cr_assert_str_eq(code, a->code, "%s: replayed another device", a->key);
        }
        break;
      }
      cr_assert(status == 503 || status == 409, "%s: %ld", a->key, status);
      sleep_ms(100);
    }
    cr_assert_eq(status, 201, "%s (first answer %ld) did not settle: %ld", a->key, a->status,
                 status);
  }
  cr_assert_gt(acknowledged, 0);
  cr_assert_gt(refused, 0, "the crash came between requests: nothing was refused");

  char q[256];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM (SELECT brand FROM devices WHERE brand LIKE 'crash-%d-%%'"
           " GROUP BY brand HAVING count(*) <> 1) x",
           (int)getpid());
  const char *twice = th_sql(q);
  cr_assert_not_null(twice);
  cr_assert_str_eq(twice, "0", "keys with other than one device");
  snprintf(q, sizeof q, "SELECT count(DISTINCT brand) FROM devices WHERE brand LIKE 'crash-%d-%%'",
           (int)getpid());
  const char *distinct = th_sql(q);
  cr_assert_not_null(distinct);
  cr_assert_eq(atoi(distinct), n, "devices for %d keys", n);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}
