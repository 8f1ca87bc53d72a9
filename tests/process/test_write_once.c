/* A write is never applied twice. repaird talks to PostgreSQL through a
 * small TCP proxy that can lose the reply to one statement: the statement
 * reaches the server and commits, then the connection drops before repaird
 * hears back. repaird must not send it again on a fresh connection; it
 * answers 503 (outcome unknown), and a retry with the same Idempotency-Key
 * replays the stored reply instead of doing the work twice. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"

/* ---- the proxy ---- */

static int g_listen = -1, g_upstream_port;
static char g_trigger[64]; /* a prepared statement's name */
static atomic_int g_armed, g_fired;

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

static int connect_port(int port)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

/* Whether buf holds a Bind message ('B', length, empty portal name) of the
 * trigger statement: its execution, not its preparation. */
static int binds_trigger(const char *buf, size_t n)
{
  size_t tl = strlen(g_trigger);
  for (size_t i = 6; i + tl < n; i++)
    if (buf[i - 6] == 'B' && buf[i - 1] == '\0' && memcmp(buf + i, g_trigger, tl) == 0 &&
        buf[i + tl] == '\0')
      return 1;
  return 0;
}

static void *pump(void *arg)
{
  int client = (int)(intptr_t)arg;
  int server = connect_port(g_upstream_port);
  int cut = 0;
  char buf[65536];
  while (server >= 0) {
    struct pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (poll(fds, 2, cut ? 400 : 5000) <= 0)
      break; /* after a cut: the server has had time to finish */
    if (fds[0].revents) {
      ssize_t n = read(client, buf, sizeof buf);
      if (n <= 0)
        break;
      if (!cut && atomic_load(&g_armed) && binds_trigger(buf, (size_t)n)) {
        atomic_store(&g_armed, 0);
        cut = 1;
      }
      if (write(server, buf, (size_t)n) != n)
        break;
    }
    if (fds[1].revents) {
      ssize_t n = read(server, buf, sizeof buf);
      if (n <= 0)
        break;
      if (!cut && write(client, buf, (size_t)n) != n)
        break; /* after a cut the server's replies are lost */
    }
  }
  if (cut)
    atomic_store(&g_fired, 1);
  if (server >= 0)
    close(server);
  close(client);
  return NULL;
}

static void *accept_loop(void *arg)
{
  (void)arg;
  for (;;) {
    int c = accept(g_listen, NULL, NULL);
    if (c < 0)
      return NULL;
    pthread_t t;
    pthread_create(&t, NULL, pump, (void *)(intptr_t)c);
    pthread_detach(t);
  }
}

/* Starts the proxy in front of the test cluster's TCP port; writes a
 * DATABASE_URL through it. */
static void proxy_start(char *db_url, size_t cap)
{
  char cmd[512], tcp[512] = "";
  snprintf(cmd, sizeof cmd, "%s tcp-url", getenv("RL_TEST_PG_SCRIPT"));
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  cr_assert_not_null(fgets(tcp, sizeof tcp, p));
  pclose(p);
  tcp[strcspn(tcp, "\n")] = '\0';
  /* postgresql://user:password@127.0.0.1:PORT/db */
  char *at = strrchr(tcp, '@'), *colon = at ? strchr(at, ':') : NULL;
  cr_assert_not_null(colon, "unexpected tcp-url %s", tcp);
  g_upstream_port = atoi(colon + 1);
  const char *rest = strchr(colon, '/');

  g_listen = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(bind(g_listen, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(g_listen, (struct sockaddr *)&a, &len);
  cr_assert_eq(listen(g_listen, 64), 0);
  pthread_t t;
  pthread_create(&t, NULL, accept_loop, NULL);
  pthread_detach(t);
  snprintf(db_url, cap, "%.*s:%d%s", (int)(colon - tcp), tcp, ntohs(a.sin_port), rest);
}

/* ---- the tests ---- */

static pid_t start_behind_proxy(char *url, size_t cap)
{
  static char db[600], env[640];
  proxy_start(db, sizeof db);
  snprintf(env, sizeof env, "DATABASE_URL=%s", db);
  const char *extra[] = {env, NULL};
  pid_t pid = th_server_start(url, cap, extra);
  cr_assert_gt(pid, 0);
  return pid;
}

static const char *new_site(const char *url)
{
  static char slug[64];
  char body[128];
  snprintf(slug, sizeof slug, "%s", th_unique("once-"));
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Once\"}", slug);
  struct th_resp *r =
      th_request_to(url, "POST", "/api/v1/sites", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201);
  th_free(r);
  return slug;
}

static long count_brand(const char *brand)
{
  char q[256];
  snprintf(q, sizeof q, "SELECT count(*) FROM devices WHERE brand = '%s'", brand);
  const char *v = th_sql(q);
  return v ? atol(v) : -1;
}

Test(write_once, a_lost_reply_to_an_intake_is_not_sent_again)
{
  char url[64];
  pid_t pid = start_behind_proxy(url, sizeof url);
  const char *site = new_site(url);
  const char *brand = th_unique("Once-");
  char body[256];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"%s\"}", site,
           brand);
  snprintf(g_trigger, sizeof g_trigger, "device_insert");
  atomic_store(&g_armed, 1);
  struct th_resp *r =
      th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), NULL);
  cr_assert(atomic_load(&g_fired) || !atomic_load(&g_armed), "the proxy never saw the insert");
  cr_assert(th_is_problem(r, 503), "got %ld %s", r->status, r->body);
  cr_assert_not_null(strstr(r->body, "outcome-unknown"), "%s", r->body);
  th_free(r);
  cr_assert_eq(count_brand(brand), 1, "the insert reached the database once");

  /* The service is still fine afterwards. */
  r = th_request_to(url, "GET", "/readyz", NULL, NULL, 0, NULL);
  for (int i = 0; i < 20 && r->status != 200; i++) {
    th_free(r);
    sleep_ms(100);
    r = th_request_to(url, "GET", "/readyz", NULL, NULL, 0, NULL);
  }
  cr_assert_eq(r->status, 200);
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

Test(write_once, a_lost_commit_is_settled_by_the_idempotency_key)
{
  char url[64];
  pid_t pid = start_behind_proxy(url, sizeof url);
  const char *site = new_site(url);
  const char *brand = th_unique("OnceKey-");
  char body[256], key[96];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"%s\"}", site,
           brand);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("once-key-"));
  const char *h[] = {key, NULL};
  /* The reply lost is the one to the statement that stores the reply and
   * the COMMIT sent with it. */
  snprintf(g_trigger, sizeof g_trigger, "idem_store");
  atomic_store(&g_armed, 1);
  struct th_resp *r =
      th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), h);
  cr_assert(th_is_problem(r, 503), "got %ld %s", r->status, r->body);
  cr_assert_not_null(strstr(r->body, "outcome-unknown"), "%s", r->body);
  th_free(r);
  cr_assert_eq(count_brand(brand), 1);

  r = th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), h);
  for (int i = 0; i < 20 && r->status == 503; i++) { /* the thread reconnects */
    th_free(r);
    sleep_ms(100);
    r = th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), h);
  }
  cr_assert_eq(r->status, 201, "got %ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Idempotent-Replayed"), "true");
  th_free(r);
  cr_assert_eq(count_brand(brand), 1, "the retry replayed the reply, it did not insert again");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

/* Under an Idempotency-Key the work and its stored reply commit together:
 * a move whose reply is lost is either not made (and the retry makes it) or
 * made with its reply stored (and the retry replays it); never made without
 * its reply, which would make the retry a 409. */
Test(write_once, a_move_and_its_stored_reply_commit_together)
{
  char url[64];
  pid_t pid = start_behind_proxy(url, sizeof url);
  const char *site = new_site(url);
  char body[256], key[96], path[96];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"lamp\",\"site\":\"%s\",\"brand\":\"Move\"}",
           site);
  struct th_resp *r =
      th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", th_str(r, "code"));
  th_free(r);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("move-key-"));
  const char *h[] = {key, NULL};
  const char *move = "{\"to\":\"diagnosing\"}";
  snprintf(g_trigger, sizeof g_trigger, "device_move");
  atomic_store(&g_armed, 1);
  r = th_request_to(url, "POST", path, th_admin_key(), move, strlen(move), h);
  cr_assert(th_is_problem(r, 503), "got %ld %s", r->status, r->body);
  th_free(r);
  r = th_request_to(url, "POST", path, th_admin_key(), move, strlen(move), h);
  for (int i = 0; i < 20 && r->status == 503; i++) {
    th_free(r);
    sleep_ms(100);
    r = th_request_to(url, "POST", path, th_admin_key(), move, strlen(move), h);
  }
  cr_assert_eq(r->status, 200, "the retry is the move or its replay, not a refusal: %ld %s",
               r->status, r->body);
  th_free(r);
  char q[256];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
           " WHERE d.brand = 'Move' AND d.site_id = (SELECT id FROM sites WHERE slug = '%s')"
           " AND e.type = 'transition'",
           site);
  cr_assert_str_eq(th_sql(q), "1");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

/* After the database closed every connection, reads are sent again on fresh
 * ones, statements built at run time (list shapes) included: they are
 * prepared again on the new connection, even when it reuses the old one's
 * memory. */
Test(write_once, lists_work_again_after_the_connections_were_closed)
{
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(pid, 0);
  const char *path = "/api/v1/devices?status=received&limit=5";
  for (int i = 0; i < 4; i++) { /* each worker thread prepares the shape */
    struct th_resp *r = th_request_to(url, "GET", path, th_admin_key(), NULL, 0, NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    th_free(r);
  }
  cr_assert_not_null(th_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE application_name = 'repaird'"));
  sleep_ms(200);
  for (int i = 0; i < 10; i++) {
    struct th_resp *r = th_request_to(url, "GET", path, th_admin_key(), NULL, 0, NULL);
    cr_assert(r->status == 200 || r->status == 503, "request %d: %ld %s", i, r->status, r->body);
    if (i >= 4) /* past the reconnect back-off, every thread is back */
      cr_assert_eq(r->status, 200, "request %d: %ld %s", i, r->status, r->body);
    th_free(r);
    sleep_ms(60);
  }
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}
