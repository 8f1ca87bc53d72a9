/* Members: bad bodies (each a 400, nothing stored) and personal data
 * (no contact in what a reader key gets or in a stored reply). */
#include "tests/helpers/th.h"
#include "tests/integration/member_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Bad input: each is a 400 naming the field, and nothing is stored. */

static char g_key[64], *g_secret;

static void setup_bad(void)
{
  snprintf(g_key, sizeof g_key, "%s", th_unique("members-bad-"));
  g_secret = ds_new_key("volunteer", g_key);
}

static void teardown_bad(void) { free(g_secret); }

/* Members registered by this test's own key. */
static long stored(void)
{
  return ds_count("SELECT count(*) FROM member_events WHERE actor = '%s'", g_key);
}

static void expect_bad(const char *body, const char *field, const char *code)
{
  struct th_resp *r = post_member(g_secret, body, NULL);
  cr_assert(th_is_problem(r, 400), "%.200s: %ld %s", body, r->status, r->body);
  if (field) {
    const char *got = error_code(r, field);
    cr_assert_not_null(got, "%.200s: errors do not name %s: %s", body, field, r->body);
    if (code)
      cr_assert_str_eq(got, code, "%.200s: %s", body, r->body);
  }
  th_free(r);
  cr_assert_eq(stored(), 0, "%.200s: something was stored", body);
}

Test(members_bad, every_bad_body_is_400_and_stores_nothing, .init = setup_bad, .fini = teardown_bad)
{
  char longname[260], longnotes[4100];
  memset(longname, 'a', 201);
  longname[201] = '\0';
  memset(longnotes, 'n', 4001);
  longnotes[4001] = '\0';
  char body[4300];
  expect_bad("{\"nickname\":\"Awa\"}", "nickname", "unknown_field");
  expect_bad("{\"status\":\"active\"}", "status", "read_only");
  expect_bad("{\"number\":\"M-4K7-Q9M\"}", "number", "read_only");
  expect_bad("{\"open_loans\":0}", "open_loans", "read_only");
  expect_bad("{\"language\":\"de\"}", "language", "not_one_of");
  expect_bad("{\"language\":1}", "language", NULL);
  expect_bad("{\"loan_limit\":51}", "loan_limit", "out_of_range");
  expect_bad("{\"loan_limit\":-1}", "loan_limit", "out_of_range");
  expect_bad("{\"loan_limit\":\"2\"}", "loan_limit", "not_a_whole_number");
  expect_bad("{\"loan_limit\":1.5}", "loan_limit", "not_a_whole_number");
  expect_bad("{\"notes\":\"\"}", "notes", NULL);
  expect_bad("{\"notes\":5}", "notes", "not_a_string");
  snprintf(body, sizeof body, "{\"notes\":\"%s\"}", longnotes);
  expect_bad(body, "notes", "too_long");
  expect_bad("{\"contact\":\"Awa\"}", "contact", "not_an_object");
  expect_bad("{\"contact\":{\"email\":\"awa.example.org\"}}", "contact.email", "not_an_email");
  expect_bad("{\"contact\":{\"phone\":\"call me\"}}", "contact.phone", "not_a_phone");
  expect_bad("{\"contact\":{\"name\":\"Awa\",\"age\":30}}", "contact.age", "unknown_field");
  snprintf(body, sizeof body, "{\"contact\":{\"name\":\"%s\"}}", longname);
  expect_bad(body, "contact.name", "too_long");
  expect_bad("{\"contact\":{\"name\":\"Awa\\u0000\"}}", NULL, NULL);
  expect_bad("[]", NULL, NULL);

  struct th_resp *r = post_member(g_secret, "{\"language\":", NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(stored(), 0);
  /* The key works: a good body is stored. */
  r = post_member(g_secret, "{}", NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(stored(), 1);
}

/* ---- Personal data: nowhere a reader key or a stored reply can reach. */

/* How many times s appears in a plain dump of the whole test database. */
static long dump_count(const char *s)
{
  char dump[1024], cmd[2048];
  snprintf(dump, sizeof dump, "%s", getenv("RL_TEST_PSQL"));
  char *slash = strrchr(dump, '/');
  cr_assert_not_null(slash);
  snprintf(slash + 1, sizeof dump - (size_t)(slash + 1 - dump), "pg_dump");
  snprintf(cmd, sizeof cmd, "'%s' --data-only '%s' | grep -c -F -- '%s'", dump,
           getenv("RL_TEST_DATABASE_URL"), s);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  char line[32] = "";
  if (fgets(line, sizeof line, p) == NULL)
    line[0] = '\0';
  pclose(p);
  return atol(line);
}

static long stored_replies_holding(const char *s)
{
  return ds_count("SELECT count(*) FROM idempotency_keys WHERE strpos(coalesce(body, ''), '%s') > 0"
                  " OR strpos(coalesce(location, ''), '%s') > 0",
                  s, s);
}

Test(members_privacy, contact_never_reaches_readers_or_stored_replies)
{
  struct contact c;
  fresh_contact(&c);
  const char *values[] = {c.name, c.email, c.phone, c.notes};
  char body[512], idem[64];
  snprintf(body, sizeof body,
           "{\"notes\":\"%s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}",
           c.notes, c.name, c.email, c.phone);
  snprintf(idem, sizeof idem, "%s", th_unique("member-"));
  struct th_resp *a = post_member(ds_vol(), body, idem);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  cr_assert_not_null(strstr(a->body, c.email), "the first reply shows the contact");
  char num[NUMBER_CAP];
  snprintf(num, sizeof num, "%s", th_str(a, "number"));
  th_free(a);

  /* Suspended through an idempotent call too: its stored reply is a member. */
  char path[128], h[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", num);
  snprintf(h, sizeof h, "Idempotency-Key: %s", th_unique("member-move-"));
  const char *headers[] = {h, NULL};
  struct th_resp *r = th_req("POST", path, ds_vol(), "{\"to\":\"suspended\"}", headers);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  /* A refused body with a key: its stored 400 names the field, not the value. */
  char bad[256];
  snprintf(bad, sizeof bad, "{\"contact\":{\"name\":\"%s\",\"email\":\"%s x\"}}", c.name, c.email);
  r = post_member(ds_vol(), bad, th_unique("member-bad-"));
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);

  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    cr_assert_eq(stored_replies_holding(values[i]), 0, "a stored reply holds %s", values[i]);
    cr_assert_eq(dump_count(values[i]), 1, "only the member's own row holds %s", values[i]);
  }

  /* The replay is the member without them. */
  a = post_member(ds_vol(), body, idem);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  cr_assert_str_eq(th_header(a, "Idempotent-Replayed"), "true");
  cr_assert_str_eq(th_str(a, "number"), num);
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert_null(strstr(a->body, values[i]), "the replay holds %s", values[i]);
  th_free(a);

  /* Every reply a reader key gets. */
  char q[64];
  snprintf(q, sizeof q, "/api/v1/members/%s/history", num);
  struct th_resp *seen[] = {get_member(ds_reader(), num),
                            search(ds_reader(), num),
                            search(ds_reader(), c.name),
                            search(ds_reader(), c.email),
                            th_req("GET", "/api/v1/members?limit=500", ds_reader(), NULL, NULL),
                            th_req("GET", q, ds_reader(), NULL, NULL)};
  for (size_t k = 0; k < sizeof seen / sizeof seen[0]; k++) {
    cr_assert_eq(seen[k]->status, 200, "%ld %s", seen[k]->status, seen[k]->body);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
      cr_assert_null(strstr(seen[k]->body, values[i]), "reply %zu holds %s", k, values[i]);
    th_free(seen[k]);
  }

  /* Erased: no copy is left anywhere. */
  r = patch_member(num, "{\"contact\":null,\"notes\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert_eq(dump_count(values[i]), 0, "%s is still in the database", values[i]);
}
