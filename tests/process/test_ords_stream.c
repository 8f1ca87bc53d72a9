/* The ORDS export streams: ~200,000 repairs seeded by SQL go out while the
 * server's resident memory (VmRSS, sampled as the bytes arrive) stays
 * within 16 MB of what it was before; clients that hang up mid-stream
 * release their cursor and connection (more of them than the store's
 * cursor limit, and the server still exports and answers). Its own server,
 * so that no other test's requests move its memory. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (s->stop_after == 0)
    cr_assert_eq(rc, CURLE_OK, "%s", curl_easy_strerror(rc));
  return status;
}

static void seed(const char *tag)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "%s '%s' -1 -q -v ON_ERROR_STOP=1 -v repairs=%d -v devices=%d -v tag=%s "
           "-f %s/scripts/bench.d/seed_ords.sql >/dev/null",
           getenv("RL_TEST_PSQL"), getenv("RL_TEST_DATABASE_URL"), SEED_REPAIRS, SEED_REPAIRS / 2,
           tag, getenv("RL_TEST_ROOT"));
  cr_assert_eq(system(cmd), 0, "seeding failed: %s", cmd);
}

Test(ords_stream, memory_stays_flat_and_hangups_release_everything, .timeout = 600)
{
  char tag[64];
  snprintf(tag, sizeof tag, "%s", th_unique("ords"));
  seed(tag);
  char base[64], url[160];
  pid_t pid = th_server_start(base, sizeof base, NULL);
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
    struct sink cut = {.pid = pid, .stop_after = 512 * 1024};
    stream(url, &cut);
    cr_assert_geq(cut.bytes, 512 * 1024);
  }
  snprintf(url, sizeof url, "%s/opendata/ords.csv?site=%s-2", base, tag);
  long status = 0;
  for (int i = 0; i < 50 && status != 200; i++) {
    struct sink again = {.pid = pid};
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
