/* A device owner's contact is personal data: it never reaches a log line
 * or a problem reply, not from an intake, a refused intake, an edit, a
 * refused edit or a search, even at debug level (tests/process/
 * test_member_log.c does the same for members). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers/th.h"

static struct th_resp *call(const char *url, const char *method, const char *path, const char *body)
{
  return th_request_to(url, method, path, th_admin_key(), body, body ? strlen(body) : 0, NULL);
}

/* The reply must be a problem holding none of values. */
static void refused(const struct th_resp *r, long status, const char *const *values, size_t n)
{
  cr_assert(th_is_problem(r, status), "%ld %s", r->status, r->body);
  for (size_t i = 0; i < n; i++)
    cr_assert_null(strstr(r->body, values[i]), "the problem echoes %s: %s", values[i], r->body);
}

Test(owners_log, contact_values_stay_out_of_the_log_and_problems, .timeout = 60)
{
  char dir[] = "/tmp/rl-owner-log-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char file[64];
  snprintf(file, sizeof file, "%s/server.log", dir);
  setenv("RL_TEST_SERVER_LOG_FILE", file, 1);
  const char *env[] = {"REPAIRD_LOG_LEVEL=debug", NULL};
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, env);
  cr_assert_gt(pid, 0);

  char site[64], name[64], email[96], phone[48], bad_email[96], bad_phone[64], body[1024];
  snprintf(site, sizeof site, "%s", th_unique("ol-"));
  snprintf(name, sizeof name, "Ownerlog%s", th_unique(""));
  snprintf(email, sizeof email, "ownerlog%s@example.org", th_unique(""));
  snprintf(phone, sizeof phone, "0712%s", th_unique(""));
  /* Refused values that hold the person's name and digits. */
  snprintf(bad_email, sizeof bad_email, "%s at home", name);
  snprintf(bad_phone, sizeof bad_phone, "call %s", phone);
  const char *values[] = {name, email, phone, bad_email, bad_phone};
  size_t nv = sizeof values / sizeof values[0];

  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"Owner log\",\"active\":true}", site);
  struct th_resp *r = call(url, "POST", "/api/v1/sites", body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);

  /* An intake with the owner. */
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Log\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\",\"notify\":true}}",
           site, name, email, phone);
  r = call(url, "POST", "/api/v1/devices", body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  char path[256];
  snprintf(path, sizeof path, "/api/v1/devices/%s", th_str(r, "code"));
  th_free(r);

  /* Refused intakes: a bad e-mail holding the name, a bad phone holding
   * the digits; the problem says which field, not what it held. */
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\"}}",
           site, name, bad_email);
  r = call(url, "POST", "/api/v1/devices", body);
  refused(r, 400, values, nv);
  th_free(r);
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
           "\"owner\":{\"name\":\"%s\",\"phone\":\"%s\"}}",
           site, name, bad_phone);
  r = call(url, "POST", "/api/v1/devices", body);
  refused(r, 400, values, nv);
  th_free(r);
  /* An owner on a donation. */
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"laptop\",\"site\":\"%s\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\"}}",
           site, name, email);
  r = call(url, "POST", "/api/v1/devices", body);
  refused(r, 400, values, nv);
  th_free(r);
  /* Edits of the owner: one accepted, one refused. */
  snprintf(body, sizeof body, "{\"owner\":{\"phone\":\"%s9\",\"email\":\"%s\"}}", phone, email);
  r = call(url, "PATCH", path, body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  snprintf(body, sizeof body, "{\"owner\":{\"email\":\"%s\"}}", bad_email);
  r = call(url, "PATCH", path, body);
  refused(r, 400, values, nv);
  th_free(r);

  /* Searches: the query strings hold the name, the e-mail (its @ encoded)
   * and the phone. */
  const char *asked[] = {name, email, phone};
  for (size_t i = 0; i < 3; i++) {
    char q[512], enc[256];
    size_t o = 0;
    for (const char *p = asked[i]; *p && o + 4 < sizeof enc; p++)
      o += (size_t)snprintf(enc + o, sizeof enc - o, *p == '@' || *p == ' ' ? "%%%02X" : "%c",
                            (unsigned char)*p);
    snprintf(q, sizeof q, "/api/v1/devices?q=%s", enc);
    r = call(url, "GET", q, NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    th_free(r);
    snprintf(q, sizeof q, "/api/v1/devices?q=%s&limit=x", enc);
    r = call(url, "GET", q, NULL);
    refused(r, 400, values, nv);
    th_free(r);
  }
  r = call(url, "GET", path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_not_null(strstr(r->body, email), "the admin sees the owner");
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);

  static char log[1 << 20];
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f);
  size_t n = fread(log, 1, sizeof log - 1, f);
  fclose(f);
  log[n] = '\0';
  cr_assert_not_null(strstr(log, "\"route\":\"/api/v1/devices\""), "no access line: %s", log);
  for (size_t i = 0; i < nv; i++)
    cr_assert_null(strstr(log, values[i]), "%s is in the log: %s", values[i], log);
  unlink(file);
  rmdir(dir);
}
