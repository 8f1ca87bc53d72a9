/* The publishing tests' portal: tests/tools/portal.py, a stand-in for
 * data.gouv.fr or CKAN started by each test on a free 127.0.0.1 port,
 * which checks what it receives and records it; and targets pointing at
 * it. The secret is REPAIRD_PORTAL_TEST_SECRET, set by scripts/run-tests
 * for the servers and the tests alike. */
#ifndef RL_TESTS_PUBLISH_SUPPORT_H
#define RL_TESTS_PUBLISH_SUPPORT_H

#include "tests/helpers/th.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct portal {
  pid_t pid;
  char base[64];    /* http://127.0.0.1:port */
  char record[128]; /* what it received, one JSON line an upload */
};

static inline const char *ps_secret(void)
{
  const char *s = getenv("REPAIRD_PORTAL_TEST_SECRET");
  cr_assert(s && *s, "REPAIRD_PORTAL_TEST_SECRET is set (scripts/run-tests)");
  return s;
}

/* Starts the stand-in; dataset NULL for CKAN. */
static inline void ps_portal_start(struct portal *p, const char *kind, const char *dataset,
                                   const char *resource, const char *mode)
{
  const char *root = getenv("RL_TEST_ROOT");
  cr_assert_not_null(root);
  char script[512];
  snprintf(script, sizeof script, "%s/tests/tools/portal.py", root);
  snprintf(p->record, sizeof p->record, "/tmp/rl-portal-%d-%s.jsonl", (int)getpid(), th_unique(""));
  unlink(p->record);
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  p->pid = fork();
  if (p->pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fds[1], 1);
    close(fds[0]);
    const char *argv[16] = {"python3",    script,   "--kind",   kind,      "--secret", ps_secret(),
                            "--resource", resource, "--record", p->record, "--mode",   mode};
    int n = 12;
    if (dataset) {
      argv[n++] = "--dataset";
      argv[n++] = dataset;
    }
    argv[n] = NULL;
    execvp("python3", (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  int port = 0;
  cr_assert(f && fscanf(f, "PORT %d", &port) == 1, "the stand-in portal starts");
  fclose(f);
  snprintf(p->base, sizeof p->base, "http://127.0.0.1:%d", port);
}

static inline void ps_portal_stop(struct portal *p)
{
  if (p->pid > 0) {
    kill(p->pid, SIGTERM);
    waitpid(p->pid, NULL, 0);
    p->pid = 0;
  }
  unlink(p->record);
}

/* Tells the stand-in how to answer next: ok, 401, 500, stall. */
static inline void ps_portal_mode(const struct portal *p, const char *mode)
{
  char url[128];
  snprintf(url, sizeof url, "%s/_mode/%s", p->base, mode);
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  FILE *devnull = fopen("/dev/null", "w");
  curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  fclose(devnull);
  curl_easy_cleanup(c);
}

/* How many uploads the stand-in received, and the last one (caller owns;
 * NULL if none). */
static inline json_t *ps_portal_last(const struct portal *p, int *count)
{
  FILE *f = fopen(p->record, "r");
  json_t *last = NULL;
  *count = 0;
  char line[8192];
  while (f && fgets(line, sizeof line, f)) {
    json_decref(last);
    last = json_loads(line, 0, NULL);
    (*count)++;
  }
  if (f)
    fclose(f);
  return last;
}

/* Creates a target at the stand-in through the API; returns its id. body
 * members beyond the usual ones may be added with extra (JSON members,
 * starting with a comma, or ""). Inactive: the schedule leaves it alone. */
static inline long long ps_target(const struct portal *p, const char *kind, const char *source,
                                  const char *extra)
{
  char body[1024];
  snprintf(body, sizeof body,
           "{\"name\":\"%s\",\"kind\":\"%s\",\"base_url\":\"%s\",%s\"resource_id\":\"res-1\","
           "\"source\":\"%s\",\"secret_env\":\"REPAIRD_PORTAL_TEST_SECRET\",\"active\":false%s}",
           th_unique("portal-"), kind, p->base,
           strcmp(kind, "datagouv") == 0 ? "\"dataset_id\":\"ds-1\"," : "", source, extra);
  struct th_resp *r = th_req("POST", "/api/v1/publishing/targets", th_admin_key(), body, NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  long long id = json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  return id;
}

/* POST /api/v1/publishing/targets/{id}/publish as admin. */
static inline struct th_resp *ps_publish(long long id)
{
  char path[96];
  snprintf(path, sizeof path, "/api/v1/publishing/targets/%lld/publish", id);
  return th_req("POST", path, th_admin_key(), NULL, NULL);
}

static inline long long ps_int(const struct th_resp *r, const char *member)
{
  return json_integer_value(json_object_get(r->json, member));
}

/* Reads the attempt at loc (a publish reply's Location) until it ends,
 * for at most 30 s; the ended attempt (caller frees). */
static inline struct th_resp *ps_attempt_wait(const char *loc)
{
  char path[128];
  snprintf(path, sizeof path, "%s", loc); /* th_header's buffer is reused */
  for (int i = 0; i < 600; i++) {
    struct th_resp *g = th_req("GET", path, th_admin_key(), NULL, NULL);
    cr_assert_eq(g->status, 200, "%s: %s", path, g->body);
    const char *st = json_string_value(json_object_get(g->json, "status"));
    cr_assert_not_null(st);
    if (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
      return g;
    th_free(g);
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
  }
  cr_assert_fail("the attempt at %s did not end within 30 s", path);
  return NULL;
}

/* Publish now, checked as queued (202, Location), then its ended attempt
 * (caller frees). */
static inline struct th_resp *ps_publish_done(long long id)
{
  struct th_resp *r = ps_publish(id);
  cr_assert_eq(r->status, 202, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "queued", "%s", r->body);
  const char *loc = th_header(r, "Location");
  cr_assert_not_null(loc);
  char want[96];
  snprintf(want, sizeof want, "/api/v1/publishing/attempts/%lld", ps_int(r, "id"));
  cr_assert_str_eq(loc, want);
  struct th_resp *done = ps_attempt_wait(loc);
  cr_assert_eq(ps_int(done, "id"), ps_int(r, "id"), "the attempt queued is the one that ran");
  th_free(r);
  return done;
}

#endif
