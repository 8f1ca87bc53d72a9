/* A member's contact is personal data: it never reaches a log line, not
 * from a body, a refused body, a search or an edit, even at debug level. */
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

Test(members_log, contact_values_stay_out_of_the_log)
{
  char dir[] = "/tmp/rl-member-log-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char file[64];
  snprintf(file, sizeof file, "%s/server.log", dir);
  setenv("RL_TEST_SERVER_LOG_FILE", file, 1);
  const char *env[] = {"REPAIRD_LOG_LEVEL=debug", NULL};
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, env);
  cr_assert_gt(pid, 0);

  char name[64], email[96], phone[48], body[512];
  snprintf(name, sizeof name, "Logname%s", th_unique(""));
  snprintf(email, sizeof email, "log%s@example.org", th_unique(""));
  snprintf(phone, sizeof phone, "0612%s", th_unique(""));
  snprintf(body, sizeof body,
           "{\"notes\":\"%s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}",
           name, name, email, phone);
  struct th_resp *r = call(url, "POST", "/api/v1/members", body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  char path[256];
  snprintf(path, sizeof path, "/api/v1/members/%s", th_str(r, "number"));
  th_free(r);

  /* Refused: a bad e-mail beside the name. */
  snprintf(body, sizeof body, "{\"contact\":{\"name\":\"%s\",\"email\":\"%s\"}}", name, phone);
  r = call(url, "POST", "/api/v1/members", body);
  cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
  th_free(r);
  /* Searched: the query string holds the e-mail (its @ encoded) and the phone. */
  char q[256];
  snprintf(q, sizeof q, "/api/v1/members?q=%s", phone);
  r = call(url, "GET", q, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_neq(strstr(r->body, phone), NULL, "the search finds the member");
  th_free(r);
  snprintf(body, sizeof body, "{\"contact\":{\"phone\":\"%s9\"}}", phone);
  r = call(url, "PATCH", path, body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);

  char log[65536];
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f);
  size_t n = fread(log, 1, sizeof log - 1, f);
  fclose(f);
  log[n] = '\0';
  cr_assert_not_null(strstr(log, "\"route\":\"/api/v1/members\""), "no access line: %s", log);
  const char *values[] = {name, email, phone};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert_null(strstr(log, values[i]), "%s is in the log: %s", values[i], log);
  unlink(file);
  rmdir(dir);
}
