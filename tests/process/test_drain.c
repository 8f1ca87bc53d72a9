/* The graceful stop: with both HTTP threads busy rendering label batches
 * and more connections waiting in the kernel's accept queue, SIGTERM
 * answers every one of them (the batches and the queued requests), refuses
 * connections made after it, and exits 0. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/process/label_batch_support.h"

#define BATCHES 2
#define QUEUED 4

static char g_url[64];
static char *g_body;
static long g_batch_status[BATCHES];

/* Labels per batch: under valgrind a batch of 1,000 takes minutes. */
/* Whether the file at path holds text. */
static int file_holds(const char *path, const char *text)
{
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  char line[1024];
  int found = 0;
  while (!found && fgets(line, sizeof line, f))
    found = strstr(line, text) != NULL;
  fclose(f);
  return found;
}

static unsigned short port_of(const char *url)
{
  return (unsigned short)atoi(strrchr(url, ':') + 1);
}

static int connect_to(unsigned short port)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

/* The status of the reply on s (0: none within timeout_ms). */
static long read_status(int s, int timeout_ms)
{
  char buf[64];
  size_t got = 0;
  struct pollfd p = {.fd = s, .events = POLLIN};
  while (got < 12 && poll(&p, 1, timeout_ms) == 1) {
    ssize_t n = recv(s, buf + got, sizeof buf - 1 - got, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  return got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 ? strtol(buf + 9, NULL, 10) : 0;
}

static void *batch(void *arg)
{
  size_t i = (size_t)arg;
  struct th_resp *r =
      th_request_to(g_url, "POST", "/api/v1/labels", th_admin_key(), g_body, strlen(g_body), NULL);
  g_batch_status[i] = r->status;
  th_free(r);
  return NULL;
}

Test(drain, sigterm_answers_what_was_begun_or_queued_and_refuses_the_rest, .timeout = 300)
{
  const char *extra[] = {"REPAIRD_THREADS=2",        "REPAIRD_HEAVY_REQUESTS=2",
                         "REPAIRD_OUTBOX_WORKERS=0", "REPAIRD_DRAIN_TIMEOUT=10m",
                         "REPAIRD_LOG_LEVEL=info",   NULL};
  /* The log says when the stop has closed its listening socket. */
  char log[64];
  snprintf(log, sizeof log, "/tmp/rl-drain-%d.log", (int)getpid());
  unlink(log);
  setenv("RL_TEST_SERVER_LOG_FILE", log, 1);
  pid_t pid = th_server_start(g_url, sizeof g_url, extra);
  unsetenv("RL_TEST_SERVER_LOG_FILE");
  cr_assert_gt(pid, 0);
  char code[32];
  g_body = lb_batch_body(g_url, "drain", code, sizeof code);

  /* Both threads render; the next connections wait in the accept queue. */
  pthread_t t[BATCHES];
  for (size_t i = 0; i < BATCHES; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, batch, (void *)i), 0);
  struct timespec settle = {0, 300L * 1000 * 1000};
  nanosleep(&settle, NULL);
  unsigned short port = port_of(g_url);
  int queued[QUEUED];
  const char *probe = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < QUEUED; i++) {
    queued[i] = connect_to(port);
    cr_assert_geq(queued[i], 0);
    cr_assert_eq(send(queued[i], probe, strlen(probe), 0), (ssize_t)strlen(probe));
  }
  cr_assert_eq(kill(pid, SIGTERM), 0);
  /* Once the stop has taken the queued connections over and closed the
   * socket (a moment, or seconds under valgrind, which runs one thread at
   * a time), while the batches still keep the drain going. */
  const char *san = getenv("RL_SANITIZE");
  int tries = san && strcmp(san, "valgrind") == 0 ? 600 : 30;
  int closed = 0;
  for (int i = 0; i < tries && !closed; i++) {
    struct timespec tick = {0, 100L * 1000 * 1000};
    nanosleep(&tick, NULL);
    closed = file_holds(log, "stopped accepting");
  }
  cr_expect(closed, "the stop did not say it closed its listening socket");
  /* Made after the stop began: refused, not accepted and dropped. */
  int late = connect_to(port);
  int late_errno = errno;
  if (late >= 0)
    close(late);
  cr_expect_lt(late, 0, "a connection made during the drain was accepted");
  cr_expect_eq(late_errno, ECONNREFUSED);

  for (int i = 0; i < QUEUED; i++) {
    long status = read_status(queued[i], 120000);
    cr_expect_eq(status, 200, "queued request %d: %ld", i, status);
    close(queued[i]);
  }
  for (size_t i = 0; i < BATCHES; i++) {
    pthread_join(t[i], NULL);
    cr_expect_eq(g_batch_status[i], 200, "batch %zu: %ld", i, g_batch_status[i]);
  }
  free(g_body);
  cr_assert_eq(th_server_stop(pid, 0), 0, "repaird did not exit 0");
  unlink(log);
}
