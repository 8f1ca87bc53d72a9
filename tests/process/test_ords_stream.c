/* The ORDS export streams: ~200,000 repairs seeded by SQL go out while the
 * server's resident memory (VmRSS, sampled as the bytes arrive) stays
 * within 16 MB of what it was before; clients that hang up mid-stream
 * release their cursor and connection (more of them than the store's
 * cursor limit, and the server still exports and answers); slow clients
 * that do not read hold two exports of their address at most. Its own
 * server, so that no other test's requests move its memory. It trusts
 * 127.0.0.1 as a proxy, so that X-Forwarded-For names each request's
 * client: every export counts against its client's public budget. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/store/cursor.h"
#include "tests/helpers/th.h"

/* Fewer under a sanitizer, whose server is many times slower: the stream
 * and the hang-ups are still exercised, the memory is not measured. */
#define SEED_REPAIRS (getenv("RL_SANITIZE") && *getenv("RL_SANITIZE") ? 20000 : 200000)
#define GROWTH_MAX_KB (16 * 1024)

static long rss_kb(pid_t pid)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb;
}

struct sink {
  const char *client; /* X-Forwarded-For, or NULL */
  pid_t pid;
  size_t bytes, rows, next_sample, stop_after; /* stop_after 0: read it all */
  long peak_kb;
};

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
  struct sink *s = ctx;
  size_t len = size * n;
  for (size_t i = 0; i < len; i++)
    s->rows += data[i] == '\n';
  s->bytes += len;
  if (s->bytes >= s->next_sample) { /* every 256 kB */
    long kb = rss_kb(s->pid);
    if (kb > s->peak_kb)
      s->peak_kb = kb;
    s->next_sample = s->bytes + 256 * 1024;
  }
  if (s->stop_after && s->bytes >= s->stop_after)
    return 0; /* hang up mid-stream */
  return len;
}

static long stream(const char *url, struct sink *s)
{
  CURL *c = curl_easy_init();
  cr_assert_not_null(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
  char xff[96];
  struct curl_slist *h = NULL;
  if (s->client) {
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", s->client);
    h = curl_slist_append(h, xff);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(h);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (s->stop_after == 0)
    cr_assert_eq(rc, CURLE_OK, "%s", curl_easy_strerror(rc));
  return status;
}

static void seed_n(const char *tag, int repairs)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "%s '%s' -1 -q -v ON_ERROR_STOP=1 -v repairs=%d -v devices=%d -v tag=%s "
           "-f %s/scripts/bench.d/seed_ords.sql >/dev/null",
           getenv("RL_TEST_PSQL"), getenv("RL_TEST_DATABASE_URL"), repairs, repairs / 2, tag,
           getenv("RL_TEST_ROOT"));
  cr_assert_eq(system(cmd), 0, "seeding failed: %s", cmd);
}

static void seed(const char *tag) { seed_n(tag, SEED_REPAIRS); }

Test(ords_stream, memory_stays_flat_and_hangups_release_everything, .timeout = 600)
{
  char tag[64];
  snprintf(tag, sizeof tag, "%s", th_unique("ords"));
  seed(tag);
  char base[64], url[160];
  const char *env[] = {"REPAIRD_TRUSTED_PROXIES=127.0.0.1/32", "REPAIRD_OUTBOX_WORKERS=0", NULL};
  pid_t pid = th_server_start(base, sizeof base, env);
  cr_assert_gt(pid, 0);

  /* Warm up: the first export opens what every export opens (libpq, TLS
   * tables, the thread's buffers); what comes after is the stream's own. */
  snprintf(url, sizeof url, "%s/opendata/ords.csv?site=%s-1", base, tag);
  struct sink warm = {.pid = pid};
  cr_assert_eq(stream(url, &warm), 200);
  cr_assert_gt(warm.rows, SEED_REPAIRS / 20);
  long before = rss_kb(pid);
  cr_assert_gt(before, 0);

  snprintf(url, sizeof url, "%s/opendata/ords.csv", base);
  struct sink all = {.pid = pid, .peak_kb = before};
  cr_assert_eq(stream(url, &all), 200);
  cr_assert_geq(all.rows, SEED_REPAIRS + 1, "%zu rows", all.rows);
  long after = rss_kb(pid);
  if (after > all.peak_kb)
    all.peak_kb = after;
  cr_log_info("ORDS stream: %zu rows, %zu bytes, VmRSS %ld kB before, peak %ld kB (+%ld kB)",
              all.rows, all.bytes, before, all.peak_kb, all.peak_kb - before);
  /* Under ASan or valgrind freed memory is held back on purpose (their
   * quarantine): the stream still runs, its memory is measured without. */
  const char *sanitize = getenv("RL_SANITIZE");
  if (sanitize == NULL || *sanitize == '\0')
    cr_assert_lt(all.peak_kb - before, GROWTH_MAX_KB, "VmRSS grew by %ld kB while streaming",
                 all.peak_kb - before);

  /* More hang-ups than cursors may be open at once: each must have
   * released its own, or the last exports would get 503. */
  for (int i = 0; i < STORE_CURSORS_MAX + 4; i++) {
    char client[32];
    snprintf(client, sizeof client, "10.1.0.%d", i + 1);
    struct sink cut = {.client = client, .pid = pid, .stop_after = 512 * 1024};
    stream(url, &cut);
    cr_assert_geq(cut.bytes, 512 * 1024);
  }
  snprintf(url, sizeof url, "%s/opendata/ords.csv?site=%s-2", base, tag);
  long status = 0;
  for (int i = 0; i < 50 && status != 200; i++) {
    char client[32];
    snprintf(client, sizeof client, "10.2.0.%d", i + 1);
    struct sink again = {.client = client, .pid = pid};
    status = stream(url, &again); /* the server notices a hang-up at its next write */
  }
  cr_assert_eq(status, 200);
  struct th_resp *r = th_request_to(base, "GET", "/readyz", NULL, NULL, 0, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  if (sanitize == NULL || *sanitize == '\0')
    cr_assert_lt(rss_kb(pid) - before, GROWTH_MAX_KB);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}

/* A client that asks for the export and reads nothing: a socket with a
 * small receive buffer, so that the server's writes stop at once and the
 * export stays under way. Returns the socket once the status line came. */
static int slow_client(int port, const char *client)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  int small = 4096;
  cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  char req[256];
  int n = snprintf(req, sizeof req,
                   "GET /opendata/ords.csv HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: %s\r\n\r\n",
                   client);
  cr_assert_eq(write(fd, req, (size_t)n), n);
  char got[16] = "";
  size_t have = 0;
  while (have < 12) {
    ssize_t r = read(fd, got + have, 12 - have);
    cr_assert_gt(r, 0, "the server answers");
    have += (size_t)r;
  }
  cr_assert(strncmp(got, "HTTP/1.1 200", 12) == 0, "the export starts: %.12s", got);
  return fd;
}

static long get_status(const char *base, const char *method, const char *path, const char *client,
                       char *retry_after, size_t cap)
{
  char xff[96];
  snprintf(xff, sizeof xff, "X-Forwarded-For: %s", client);
  const char *h[] = {xff, NULL};
  struct th_resp *r = th_request_to(base, method, path, NULL, NULL, 0, h);
  long status = r->status;
  if (retry_after) {
    const char *ra = th_header(r, "Retry-After");
    snprintf(retry_after, cap, "%s", ra ? ra : "");
    if (status == 429)
      cr_expect(th_is_problem(r, 429), "a problem: %s", r->body);
  }
  th_free(r);
  return status;
}

Test(ords_stream, slow_clients_hold_two_exports_of_their_address_at_most, .timeout = 600)
{
  char tag[64];
  snprintf(tag, sizeof tag, "%s", th_unique("slow"));
  /* The whole export must be more than the kernel keeps for a socket
   * that is not read (the server's send buffer grows to 4 MB): 40,000
   * rows are ~6 MB. After the memory test (tests run by name) there are
   * more already. */
  if (atol(th_sql("SELECT count(*) FROM repairs")) < 40000)
    seed_n(tag, 40000);
  else
    seed_n(tag, 20);
  char base[64];
  const char *env[] = {"REPAIRD_TRUSTED_PROXIES=127.0.0.1/32", "REPAIRD_OUTBOX_WORKERS=0", NULL};
  pid_t pid = th_server_start(base, sizeof base, env);
  cr_assert_gt(pid, 0);
  int port = atoi(strrchr(base, ':') + 1);

  int a = slow_client(port, "10.9.9.9"), b = slow_client(port, "10.9.9.9");
  char ra[16];
  cr_expect_eq(get_status(base, "GET", "/opendata/ords.csv", "10.9.9.9", ra, sizeof ra), 429,
               "a third export of the same client waits");
  cr_expect(atoi(ra) > 0, "with Retry-After: '%s'", ra);
  /* HEAD runs no export: it is answered while the two are held. */
  cr_expect_eq(get_status(base, "HEAD", "/opendata/ords.csv", "10.9.9.9", NULL, 0), 200);
  /* Another client is not held back by those two. */
  char path[160];
  snprintf(path, sizeof path, "/opendata/ords.csv?site=%s-3", tag);
  cr_expect_eq(get_status(base, "GET", path, "10.8.8.8", NULL, 0), 200);

  /* Once they hang up, the server gives their slots back (it notices at
   * its next write). */
  close(a);
  close(b);
  long status = 0;
  for (int i = 0; i < 100 && status != 200; i++) {
    if (i > 0)
      nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    status = get_status(base, "GET", path, "10.9.9.9", NULL, 0);
  }
  cr_expect_eq(status, 200, "the client exports again once its exports ended");

  /* Each export counts against the client's public budget (60 a minute
   * by default), a HEAD or a 304 does not. */
  int limited = 0;
  const char *none = "/opendata/ords.csv?from=2000-01-01&to=2000-01-01"; /* no rows: quick */
  for (int i = 0; i < 130 && !limited; i++)
    limited = get_status(base, "GET", none, "10.7.7.7", ra, sizeof ra) == 429;
  cr_expect(limited, "the 61st export in a minute is refused");
  cr_expect_eq(th_server_stop(pid, SIGTERM), 0);
}
