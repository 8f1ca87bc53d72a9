/* The retention run (docs/privacy.md, "Retention"): data aged by moving
 * the programme's clock (clock_shift) past each cutoff is purged by a run
 * asked for by an admin, as an erasure erases it: a pg_dump of the whole
 * database holds none of the aged person's values while a recent person's
 * contact is still there; what the preview counted is what the run
 * purged. Two instances passing on the same day at once run it once.
 * Process tests run one at a time, so moving the shared clock is safe;
 * every test puts it back (.fini). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

/* In tests/process/test_erasure.c. */
char *pd_dump_lower(void);
int pd_has(const char *lower_text, const char *value);

static pid_t g_pid = -1;
static char g_url[64], g_log[128], g_site[96];

static void reset_clock(void) { th_sql("UPDATE clock_shift SET shift = interval '0'"); }

/* The programme's clock `days` days from now; the day's daily run is
 * marked done, so that the maintenance pass does not purge between a
 * preview and the run that the test compares with it. */
static void clock_days(int days, int claim_day)
{
  char q[512];
  snprintf(q, sizeof q, "UPDATE clock_shift SET shift = interval '%d days' RETURNING 1", days);
  cr_assert_str_eq(th_sql(q), "1");
  if (claim_day) {
    th_sql("INSERT INTO retention_runs (day, trigger, started_at, finished_at, counts)"
           " VALUES ((rl_now() AT TIME ZONE 'Europe/Paris')::date, 'daily', rl_now(), rl_now(),"
           " '{\"owner_contacts\": 0, \"member_contacts\": 0, \"delivery_records\": 0,"
           " \"email_records\": 0, \"read_log_entries\": 0, \"stored_replies\": 0}')"
           " ON CONFLICT DO NOTHING");
  }
}

static const char *const g_env[] = {
    "REPAIRD_LOG_LEVEL=debug",         "REPAIRD_TIMEZONE=Europe/Paris",
    "REPAIRD_OUTBOX_WORKERS=0",        "REPAIRD_RETAIN_OWNER_DAYS=10",
    "REPAIRD_RETAIN_MEMBER_DAYS=20",   "REPAIRD_RETAIN_DELIVERY_DAYS=5",
    "REPAIRD_RETAIN_READ_LOG_DAYS=30", NULL};

static void start(void)
{
  reset_clock();
  snprintf(g_log, sizeof g_log, "/tmp/rl-retention-%d.log", (int)getpid());
  unlink(g_log);
  setenv("RL_TEST_SERVER_LOG_FILE", g_log, 1);
  g_pid = th_server_start(g_url, sizeof g_url, g_env);
  unsetenv("RL_TEST_SERVER_LOG_FILE");
  cr_assert_gt(g_pid, 0, "the server starts");
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
}

static void stop(void)
{
  reset_clock();
  if (g_pid > 0)
    th_server_stop(g_pid, SIGTERM);
  g_pid = -1;
}

struct person {
  char name[64], email[96], phone[32], digits[16];
};

static void person_make(struct person *p, const char *tag)
{
  static unsigned n;
  unsigned long x =
      ((unsigned long)getpid() * 7919UL + (unsigned long)time(NULL) + ++n * 104729UL) % 100000000UL;
  snprintf(p->name, sizeof p->name, "Zyxw%sname%lu", tag, x);
  snprintf(p->email, sizeof p->email, "zyxw.%s.%lu@example.org", tag, x);
  snprintf(p->digits, sizeof p->digits, "06%08lu", x);
  snprintf(p->phone, sizeof p->phone, "+33 6 %.2s %.2s %.2s %.2s", p->digits + 2, p->digits + 4,
           p->digits + 6, p->digits + 8);
}

/* Whether any of p's values is in the dump. */
static int in_dump(const char *dump, const struct person *p)
{
  return pd_has(dump, p->name) || pd_has(dump, p->email) || pd_has(dump, p->phone) ||
         pd_has(dump, p->digits + 1);
}

static void owner_device(char *code, const struct person *p)
{
  char body[1024], key[96];
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Moulinex\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\",\"notify\":true},"
           "\"notes\":\"%s\"}",
           g_site, p->name, p->email, p->phone, p->name);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("ret-"));
  const char *extra[] = {key, NULL};
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, extra);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static void member(char *number, const struct person *p)
{
  struct th_resp *r = th_reqf("POST", "/api/v1/members", ds_vol(),
                              "{\"notes\":\"%s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\","
                              "\"phone\":\"%s\"}}",
                              p->name, p->name, p->email, p->phone);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(number, NUMBER_CAP, "%s", th_str(r, "number"));
  th_free(r);
}

static json_t *admin_json(const char *method, const char *path, long status)
{
  struct th_resp *r = th_req(method, path, th_admin_key(), NULL, NULL);
  cr_assert_eq(r->status, status, "%s %s: %ld %s", method, path, r->status, r->body);
  json_t *j = json_incref(r->json);
  th_free(r);
  return j;
}

static long count_of(const json_t *counts, const char *kind)
{
  return (long)json_integer_value(json_object_get(counts, kind));
}

/* Previews, runs, and checks that the run purged what the preview said;
 * returns the run's counts (caller owns). */
static json_t *preview_then_run(void)
{
  json_t *preview = admin_json("GET", "/api/v1/privacy/retention", 200);
  json_t *next = json_incref(json_object_get(preview, "next_run"));
  const char *kinds[] = {"owner_contacts", "member_contacts",  "delivery_records",
                         "email_records",  "read_log_entries", "stored_replies"};
  for (size_t i = 0; i < 6; i++)
    cr_assert(json_is_integer(json_object_get(next, kinds[i])), "preview counts %s", kinds[i]);
  json_decref(preview);
  json_t *run = admin_json("POST", "/api/v1/privacy/retention/runs", 200);
  json_t *counts = json_incref(json_object_get(run, "counts"));
  char *a = json_dumps(next, JSON_SORT_KEYS), *b = json_dumps(counts, JSON_SORT_KEYS);
  cr_assert(json_equal(next, counts), "the preview said %s, the run purged %s", a, b);
  free(a);
  free(b);
  json_decref(next);
  cr_assert_str_eq(json_string_value(json_object_get(run, "trigger")), "manual");
  cr_assert_not_null(json_object_get(json_object_get(run, "by"), "name"));
  /* Nothing more is due right after. */
  preview = admin_json("GET", "/api/v1/privacy/retention", 200);
  next = json_object_get(preview, "next_run");
  for (size_t i = 0; i < 6; i++)
    cr_assert_eq(count_of(next, kinds[i]), 0, "after the run, %s", kinds[i]);
  cr_assert(json_equal(json_object_get(json_object_get(preview, "last_run"), "id"),
                       json_object_get(run, "id")),
            "the last run is this one");
  json_decref(preview);
  json_decref(run);
  return counts;
}

Test(retention, aged_contacts_are_purged_recent_ones_kept, .init = start, .fini = stop,
     .timeout = 120)
{
  struct person owner, mem, idle, recent;
  person_make(&owner, "retowner");
  person_make(&mem, "retmember");
  person_make(&idle, "retidle");
  person_make(&recent, "retrecent");

  /* owner: a device repaired and given back (it left). mem: a member
   * whose one loan ended. idle: a member who never borrowed. recent: a
   * device still being repaired, and a member with a loan open. */
  char gone[CODE_CAP], here[CODE_CAP], lent[CODE_CAP], lent2[CODE_CAP];
  char m_mem[NUMBER_CAP], m_idle[NUMBER_CAP], m_recent[NUMBER_CAP];
  owner_device(gone, &owner);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", gone);
  struct th_resp *r = th_req("POST", path, ds_vol(), "{\"outcome\":\"fixed\"}", NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  const char *give_back[] = {"returned", NULL};
  ds_drive(gone, give_back);
  /* A message that went to the owner, and one in the queue. */
  ds_sql("INSERT INTO email_messages (kind, device_id, language, status, finished_at, message_id)"
         " SELECT 'repair_finished', id, 'fr', 'sent', now(), '<x@example.org>' FROM devices"
         " WHERE code = '%s' RETURNING id",
         gone);
  owner_device(here, &recent);
  member(m_mem, &mem);
  member(m_idle, &idle);
  member(m_recent, &recent);
  ls_device(lent, "laptop", g_site);
  long loan = ls_lend_ok(lent, m_mem, "");
  snprintf(path, sizeof path, "/api/v1/loans/%ld/return", loan);
  r = th_req("POST", path, ds_vol(), "{\"condition\":\"ok\"}", NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  ls_device(lent2, "laptop", g_site);
  ls_lend_ok(lent2, m_recent, "");

  json_t *preview = admin_json("GET", "/api/v1/privacy/retention", 200);
  const json_t *settings = json_object_get(preview, "settings");
  cr_assert_eq(count_of(settings, "owner_days"), 10);
  cr_assert_eq(count_of(settings, "member_days"), 20);
  cr_assert_eq(count_of(settings, "delivery_days"), 5);
  cr_assert_eq(count_of(settings, "read_log_days"), 30);
  json_decref(preview);

  char *impact = NULL;
  r = th_req("GET", "/opendata/impact.json", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  impact = strdup(r->body);
  th_free(r);

  /* 15 days on: past the owner's 10, not the member's 20. */
  clock_days(15, 1);
  json_t *counts = preview_then_run();
  cr_assert_geq(count_of(counts, "owner_contacts"), 1);
  cr_assert_geq(count_of(counts, "email_records"), 1, "the sent message, 15 days old");
  cr_assert_geq(count_of(counts, "stored_replies"), 1, "the intake's stored reply");
  json_decref(counts);
  char *dump = pd_dump_lower();
  cr_assert(!in_dump(dump, &owner), "the owner of a device that left 15 days ago is purged");
  cr_assert(in_dump(dump, &mem) && in_dump(dump, &idle), "members: not yet");
  cr_assert(in_dump(dump, &recent), "the recent person stays");
  free(dump);
  cr_assert_eq(ds_count("SELECT count(*) FROM email_messages m JOIN devices d ON d.id ="
                        " m.device_id WHERE d.code = '%s'",
                        gone),
               0, "the sent message's record is gone");

  /* 25 days on: past the member's 20. */
  clock_days(25, 1);
  counts = preview_then_run();
  cr_assert_geq(count_of(counts, "member_contacts"), 2);
  json_decref(counts);
  dump = pd_dump_lower();
  cr_assert(!in_dump(dump, &owner) && !in_dump(dump, &mem) && !in_dump(dump, &idle),
            "the aged people are purged");
  cr_assert(pd_has(dump, recent.name) && pd_has(dump, recent.email) && pd_has(dump, recent.phone),
            "the recent person (device still here, loan open) stays");
  free(dump);
  /* Their records stay, without contact. */
  snprintf(path, sizeof path, "/api/v1/members/%s", m_mem);
  r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_null(strstr(r->body, mem.name), "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ls_device_status(gone), "returned");

  r = th_req("GET", "/opendata/impact.json", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(r->body, impact, "the figures are unchanged");
  th_free(r);
  free(impact);

  json_t *runs = admin_json("GET", "/api/v1/privacy/retention/runs?limit=2", 200);
  json_t *items = json_object_get(runs, "items");
  cr_assert_eq(json_array_size(items), 2);
  cr_assert_gt(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
               json_integer_value(json_object_get(json_array_get(items, 1), "id")), "newest first");
  cr_assert(json_is_string(json_object_get(runs, "next_cursor")), "more pages");
  json_decref(runs);

  r = th_req("POST", "/api/v1/privacy/retention/runs", ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 403, "%s", r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/privacy/retention", ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 403, "%s", r->body);
  th_free(r);

  stop();
  FILE *f = fopen(g_log, "rb");
  cr_assert_not_null(f);
  static char log[1 << 22];
  size_t n = fread(log, 1, sizeof log - 1, f);
  fclose(f);
  log[n] = '\0';
  for (size_t i = 0; i < n; i++)
    log[i] = (char)tolower((unsigned char)log[i]);
  cr_assert(!in_dump(log, &owner) && !in_dump(log, &mem) && !in_dump(log, &idle),
            "no contact value in the log");
  unlink(g_log);
}

/* Lines of the file holding s. */
static long lines_with(const char *path, const char *s)
{
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  long n = 0;
  char line[8192];
  while (fgets(line, sizeof line, f))
    n += strstr(line, s) != NULL;
  fclose(f);
  return n;
}

Test(retention, two_instances_run_the_day_once, .fini = stop, .timeout = 120)
{
  /* A day no run has had: 40 days on. Its run is held back until both
   * instances wait on it (the runs' advisory lock, held here), then
   * both go at once. */
  clock_days(40, 0);
  th_sql("DELETE FROM retention_runs WHERE trigger = 'daily'"
         " AND day = (rl_now() AT TIME ZONE 'Europe/Paris')::date");
  pid_t lock = th_sql_background("SELECT pg_advisory_lock(7306198), pg_sleep(4)");
  cr_assert_gt(lock, 0);
  for (int i = 0; i < 100 && ds_count("SELECT count(*) FROM pg_locks WHERE locktype ="
                                      " 'advisory' AND objid = 7306198 AND granted") == 0;
       i++) {
    struct timespec t = {0, 50000000L};
    nanosleep(&t, NULL);
  }
  char logs[2][128], urls[2][64];
  pid_t pids[2];
  for (int i = 0; i < 2; i++) {
    snprintf(logs[i], sizeof logs[i], "/tmp/rl-retention-%d-%d.log", (int)getpid(), i);
    unlink(logs[i]);
    setenv("RL_TEST_SERVER_LOG_FILE", logs[i], 1);
    pids[i] = th_server_start(urls[i], sizeof urls[i], g_env);
    cr_assert_gt(pids[i], 0);
  }
  unsetenv("RL_TEST_SERVER_LOG_FILE");
  cr_assert_eq(ds_count("SELECT count(*) FROM retention_runs WHERE trigger = 'daily'"
                        " AND day = (rl_now() AT TIME ZONE 'Europe/Paris')::date"),
               0, "held back while the lock is held");
  cr_assert_eq(th_sql_wait(lock), 0);
  /* Both passes end: one ran, the other found the day taken. */
  long runs = 0;
  for (int i = 0; i < 200 && runs == 0; i++) {
    runs = ds_count("SELECT count(*) FROM retention_runs WHERE trigger = 'daily'"
                    " AND day = (rl_now() AT TIME ZONE 'Europe/Paris')::date");
    struct timespec t = {0, 50000000L};
    nanosleep(&t, NULL);
  }
  sleep(1);
  cr_assert_eq(ds_count("SELECT count(*) FROM retention_runs WHERE trigger = 'daily'"
                        " AND day = (rl_now() AT TIME ZONE 'Europe/Paris')::date"),
               1, "one run for the day");
  for (int i = 0; i < 2; i++)
    cr_assert_eq(th_server_stop(pids[i], SIGTERM), 0);
  cr_assert_eq(lines_with(logs[0], "retention run: purged") +
                   lines_with(logs[1], "retention run: purged"),
               1, "one instance ran it");
  cr_assert_eq(lines_with(logs[0], "retention run") + lines_with(logs[1], "retention run"), 1,
               "and neither failed");
  for (int i = 0; i < 2; i++)
    unlink(logs[i]);
}
