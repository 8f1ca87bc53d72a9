/* Erasure (GDPR art. 17, docs/privacy.md): a person put everywhere the
 * service keeps contact data (owner of two devices, a member with notes
 * and a loan, notes on transitions, a queued e-mail, stored replies,
 * searches), then erased by their e-mail: a pg_dump of the whole database
 * and the server's log hold none of their name, e-mail or phone (in any
 * case, and the phone's digits alone), another person's contact is still
 * there, open data is byte for byte what it was, and the erasure's record
 * holds no value. Its own server: its log is searched, and its outbox
 * queues the e-mail. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

static pid_t g_pid = -1;
static char g_url[64], g_log[128], g_site[96];

/* The whole database as pg_dump writes it, lower-cased (malloc; caller
 * frees). Also used by tests/process/test_retention.c. */
char *pd_dump_lower(void);
char *pd_dump_lower(void)
{
  const char *psql = getenv("RL_TEST_PSQL"), *db = getenv("RL_TEST_DATABASE_URL");
  cr_assert(psql && db, "RL_TEST_PSQL and RL_TEST_DATABASE_URL are set");
  char dir[512];
  snprintf(dir, sizeof dir, "%s", psql);
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s/pg_dump' --no-owner '%s'", dirname(dir), db);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t cap = 1 << 20, n = 0;
  char *buf = malloc(cap);
  cr_assert_not_null(buf);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (cap - n < 4096) {
      cap *= 2;
      buf = realloc(buf, cap);
      cr_assert_not_null(buf);
    }
  }
  cr_assert_eq(pclose(p), 0, "pg_dump ran");
  buf[n] = '\0';
  cr_assert_gt(n, 10000, "a dump of the whole database");
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)tolower((unsigned char)buf[i]);
  return buf;
}

/* Whether the lower-cased text holds value, compared without case. */
int pd_has(const char *lower_text, const char *value);
int pd_has(const char *lower_text, const char *value)
{
  char v[256];
  size_t i = 0;
  for (; value[i] && i + 1 < sizeof v; i++)
    v[i] = (char)tolower((unsigned char)value[i]);
  v[i] = '\0';
  return strstr(lower_text, v) != NULL;
}

/* A file's bytes, lower-cased (malloc). */
static char *file_lower(const char *path)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)len + 1);
  cr_assert_not_null(buf);
  size_t n = fread(buf, 1, (size_t)len, f);
  fclose(f);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)tolower((unsigned char)buf[i]);
  return buf;
}

/* A person's distinctive values: a name, an e-mail, a phone typed the
 * French way, its digits alone and its national number. */
struct person {
  char name[64], email[96], phone[32], digits[16], national[16];
};

static void person_make(struct person *p, const char *tag)
{
  static unsigned n;
  unsigned long x =
      ((unsigned long)getpid() * 7919UL + (unsigned long)time(NULL) + ++n * 104729UL) % 100000000UL;
  snprintf(p->name, sizeof p->name, "Zyxw%sname%lu", tag, x);
  snprintf(p->email, sizeof p->email, "Zyxw.%s.%lu@Example.org", tag, x);
  snprintf(p->digits, sizeof p->digits, "07%08lu", x);
  snprintf(p->national, sizeof p->national, "7%08lu", x);
  snprintf(p->phone, sizeof p->phone, "07 %.2s %.2s %.2s %.2s", p->digits + 2, p->digits + 4,
           p->digits + 6, p->digits + 8);
}

/* None of p's values in the lower-cased text (what names where). */
static void assert_absent(const char *text, const struct person *p, const char *where)
{
  const char *values[] = {p->name, p->email, p->phone, p->digits, p->national};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    cr_assert(!pd_has(text, values[i]), "%s is still in %s", values[i], where);
}

static struct th_resp *as(const char *key, const char *method, const char *path, const char *body,
                          const char *const *extra)
{
  return th_request_to(g_url, method, path, key, body, body ? strlen(body) : 0, extra);
}

static struct th_resp *erase(const char *key, const char *body)
{
  return as(key, "POST", "/api/v1/people/erasures", body, NULL);
}

static long count_of(const struct th_resp *r, const char *kind)
{
  return (long)json_integer_value(json_object_get(json_object_get(r->json, "counts"), kind));
}

/* A port nothing listens on: the outbox's SMTP attempts fail at once and
 * the message waits for its next try. */
static int closed_port(void)
{
  for (int p = 20000 + (int)(getpid() % 5000);; p++) {
    char cmd[96];
    snprintf(cmd, sizeof cmd, "(echo >/dev/tcp/127.0.0.1/%d) 2>/dev/null", p);
    if (system(cmd) != 0)
      return p;
  }
}

static void start(void)
{
  th_sql("UPDATE clock_shift SET shift = interval '0'");
  snprintf(g_log, sizeof g_log, "/tmp/rl-erasure-%d.log", (int)getpid());
  unlink(g_log);
  setenv("RL_TEST_SERVER_LOG_FILE", g_log, 1);
  static char smtp[96];
  snprintf(smtp, sizeof smtp, "REPAIRD_SMTP_URL=smtp://127.0.0.1:%d", closed_port());
  const char *env[] = {"REPAIRD_LOG_LEVEL=debug",
                       smtp,
                       "REPAIRD_MAIL_FROM=desk@example.org",
                       "REPAIRD_OUTBOX_WORKERS=1",
                       "REPAIRD_OUTBOX_POLL_MS=50",
                       "REPAIRD_DELIVERY_SCHEDULE=1h",
                       "REPAIRD_TIMEZONE=Europe/Paris",
                       NULL};
  /* What earlier tests left is not this test's to send. */
  th_sql("UPDATE events SET dispatched = true WHERE NOT dispatched");
  g_pid = th_server_start(g_url, sizeof g_url, env);
  unsetenv("RL_TEST_SERVER_LOG_FILE");
  cr_assert_gt(g_pid, 0, "the server starts");
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
  /* The day's retention run (the first maintenance pass, here or in an
   * earlier server) is over before open data is read: it may take out
   * contacts that earlier tests aged, and ords.csv with them. */
  for (int i = 0; i < 600; i++) {
    const char *n = th_sql("SELECT count(*) FROM retention_runs WHERE trigger = 'daily'"
                           " AND day = (rl_now() AT TIME ZONE 'Europe/Paris')::date");
    if (n && strcmp(n, "0") != 0)
      return;
    usleep(100 * 1000);
  }
  cr_assert_fail("no retention run today after 60 s");
}

static void stop(void)
{
  if (g_pid > 0)
    th_server_stop(g_pid, SIGTERM);
  g_pid = -1;
}

/* A resident's device with p as owner (notify: e-mail consent) and notes
 * naming them; Idempotency-Key given so that a reply is stored. */
static void owner_device(char *code, const struct person *p, const char *email, int notify)
{
  char body[1024], key[96];
  snprintf(body, sizeof body,
           "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\",\"brand\":\"Lenovo\","
           "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\",\"notify\":%s},"
           "\"notes\":\"call %s back\"}",
           g_site, p->name, email, p->phone, notify ? "true" : "false", p->name);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("erase-"));
  const char *extra[] = {key, NULL};
  struct th_resp *r = as(ds_vol(), "POST", "/api/v1/devices", body, extra);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

/* A member with p's contact and notes naming them (stored reply too). */
static void member(char *number, const struct person *p)
{
  char body[1024], key[96];
  snprintf(body, sizeof body,
           "{\"notes\":\"prefers %s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\","
           "\"phone\":\"%s\"}}",
           p->name, p->name, p->email, p->phone);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("erase-"));
  const char *extra[] = {key, NULL};
  struct th_resp *r = as(ds_vol(), "POST", "/api/v1/members", body, extra);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(number, NUMBER_CAP, "%s", th_str(r, "number"));
  th_free(r);
}

static int by_text(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* text's lines sorted, joined with newlines (a quoted field's newline
 * splits its record, but the same records still give the same lines).
 * Caller frees. */
static char *sorted_lines(const char *text)
{
  char *copy = strdup(text);
  cr_assert_not_null(copy);
  size_t n = 0, cap = 64;
  char **lines = malloc(cap * sizeof *lines);
  cr_assert_not_null(lines);
  for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (n == cap) {
      cap *= 2;
      lines = realloc(lines, cap * sizeof *lines);
      cr_assert_not_null(lines);
    }
    lines[n++] = line;
  }
  qsort(lines, n, sizeof *lines, by_text);
  char *out = malloc(strlen(text) + 2);
  cr_assert_not_null(out);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(lines[i]);
    memcpy(out + o, lines[i], l);
    o += l;
    out[o++] = '\n';
  }
  out[o] = '\0';
  free(lines);
  free(copy);
  return out;
}

static void get_ok(const char *path, const char *key, char **out)
{
  struct th_resp *r = as(key, "GET", path, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  if (out)
    *out = strdup(r->body);
  th_free(r);
}

static void wait_message(const char *code)
{
  for (int i = 0; i < 200; i++) {
    if (ds_count("SELECT count(*) FROM email_messages m JOIN devices d ON d.id = m.device_id"
                 " WHERE d.code = '%s'",
                 code) > 0)
      return;
    struct timespec t = {0, 50000000L};
    nanosleep(&t, NULL);
  }
  cr_assert_fail("no repair_finished message was queued for %s", code);
}

Test(erasure, a_person_is_erased_everywhere_and_open_data_stays, .init = start, .fini = stop,
     .timeout = 120)
{
  struct person p, other;
  person_make(&p, "erase");
  person_make(&other, "keep");

  /* p everywhere: two visits (the second with the e-mail in capitals),
   * a repair, a transition with a note, a finished repair that queues
   * an e-mail; a member with contact and notes, a loan with a note, a
   * suspension with a note; searches by name, e-mail and phone. */
  char dev1[CODE_CAP], dev2[CODE_CAP], dev3[CODE_CAP], num[NUMBER_CAP], keep[CODE_CAP];
  owner_device(dev1, &p, p.email, 1);
  char upper[96];
  snprintf(upper, sizeof upper, "%s", p.email);
  for (char *c = upper; *c; c++)
    *c = (char)toupper((unsigned char)*c);
  owner_device(dev2, &p, upper, 0);
  owner_device(keep, &other, other.email, 1);
  char path[256], body[512];
  snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", dev1);
  snprintf(body, sizeof body, "{\"to\":\"diagnosing\",\"note\":\"%s says it fell\"}", p.name);
  struct th_resp *r = as(ds_vol(), "POST", path, body, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", dev1);
  r = as(ds_vol(), "POST", path, "{\"outcome\":\"fixed\",\"actions\":\"new fuse\"}", NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev1), "repaired", "a fixed repair finishes the device");
  wait_message(dev1);

  member(num, &p);
  ls_device(dev3, "laptop", g_site);
  char extra[256];
  snprintf(extra, sizeof extra, ",\"note\":\"%s will bring it back\"", p.name);
  ls_lend_ok(dev3, num, extra);
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", num);
  snprintf(body, sizeof body, "{\"to\":\"suspended\",\"note\":\"%s asked\"}", p.name);
  r = as(ds_vol(), "POST", path, body, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  char q[256], enc[160];
  const char *searches[] = {p.name, p.email, p.phone};
  for (size_t i = 0; i < 3; i++) {
    ds_urlenc(enc, sizeof enc, searches[i]);
    snprintf(q, sizeof q, "/api/v1/members?q=%s", enc);
    get_ok(q, ds_vol(), NULL);
    snprintf(q, sizeof q, "/api/v1/devices?q=%s", enc);
    get_ok(q, ds_vol(), NULL);
  }

  char *impact, *ords;
  get_ok("/opendata/impact.json", NULL, &impact);
  get_ok("/opendata/ords.csv", NULL, &ords);

  /* Erased by the e-mail, typed another way: every record sharing it or
   * the phone. */
  snprintf(body, sizeof body, "{\"email\":\"%s\",\"reason\":\"ticket 4242\"}", upper);
  r = erase(th_admin_key(), body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(count_of(r, "owner_contacts"), 2, "%s", r->body);
  cr_assert_eq(count_of(r, "member_contacts"), 1, "%s", r->body);
  cr_assert_eq(count_of(r, "emails_cancelled"), 1, "%s", r->body);
  cr_assert_geq(count_of(r, "stored_replies"), 3, "%s", r->body);
  /* members.notes, member_events, devices.notes x2, device_events, loan_events */
  cr_assert_geq(count_of(r, "notes"), 6, "%s", r->body);
  cr_assert_str_eq(th_str(r, "found_by"), "email");
  cr_assert_str_eq(th_str(r, "reason"), "ticket 4242");
  json_t *records = json_object_get(r->json, "records");
  cr_assert_eq(json_array_size(json_object_get(records, "devices")), 2, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(records, "members"), 0)), num);
  json_t *by = json_object_get(r->json, "by");
  cr_assert(json_is_integer(json_object_get(by, "key_id")), "%s", r->body);
  char *record = strdup(r->body);
  long id = (long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);

  /* What stays: the devices (owner gone, tracking and history kept), the
   * member and its loan, the sent-or-cancelled message. */
  snprintf(path, sizeof path, "/api/v1/devices/%s", dev1);
  r = as(ds_vol(), "GET", path, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert(json_is_null(json_object_get(r->json, "owner")) ||
                json_object_get(r->json, "owner") == NULL,
            "%s", r->body);
  cr_assert_str_eq(th_str(r, "status"), "repaired");
  th_free(r);
  cr_assert_str_eq(
      ds_sql("SELECT m.status || ',' || m.last_error FROM email_messages m JOIN devices"
             " d ON d.id = m.device_id WHERE d.code = '%s'",
             dev1),
      "cancelled,erased");
  snprintf(path, sizeof path, "/api/v1/members/%s", num);
  r = as(ds_vol(), "GET", path, NULL, NULL);
  cr_assert_eq(r->status, 200, "the member and its number stay: %s", r->body);
  cr_assert_eq(ls_open_loans(num), 1, "the loan stays");
  th_free(r);
  cr_assert_eq(
      ds_count("SELECT count(*) FROM devices WHERE code IN ('%s', '%s', '%s')", dev1, dev2, dev3),
      3);

  /* Open data: the same bytes. */
  char *impact2, *ords2;
  get_ok("/opendata/impact.json", NULL, &impact2);
  get_ok("/opendata/ords.csv", NULL, &ords2);
  cr_assert_str_eq(impact2, impact, "impact.json changed");
  /* The same rows: the export promises no order (docs/open-data.md: rows
   * come in storage order, and the erasure's updates move them), so the
   * lines are compared sorted. */
  char *sorted = sorted_lines(ords), *sorted2 = sorted_lines(ords2);
  cr_assert_str_eq(sorted2, sorted, "ords.csv changed (%zu bytes, then %zu)", strlen(ords),
                   strlen(ords2));
  free(sorted);
  free(sorted2);

  /* The record names records, never values; listed and read back. */
  char *lower = strdup(record);
  for (char *c = lower; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  assert_absent(lower, &p, "the erasure record");
  free(lower);
  snprintf(path, sizeof path, "/api/v1/people/erasures/%ld", id);
  r = as(th_admin_key(), "GET", path, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "reason"), "ticket 4242");
  th_free(r);
  r = as(th_admin_key(), "GET", "/api/v1/people/erasures?limit=1", NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(json_integer_value(
                   json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id")),
               id, "newest first: %s", r->body);
  th_free(r);

  /* Erased again, by the member's number: nothing left, still recorded. */
  snprintf(body, sizeof body, "{\"member\":\"%s\"}", num);
  r = erase(th_admin_key(), body);
  cr_assert_eq(r->status, 200, "%s", r->body);
  const char *kinds[] = {"owner_contacts", "member_contacts", "notes", "emails_cancelled",
                         "stored_replies"};
  for (size_t i = 0; i < 5; i++)
    cr_assert_eq(count_of(r, kinds[i]), 0, "%s: %s", kinds[i], r->body);
  cr_assert(json_is_null(json_object_get(r->json, "reason")), "%s", r->body);
  long again = (long)json_integer_value(json_object_get(r->json, "id"));
  cr_assert_gt(again, id);
  th_free(r);

  /* The whole database and the log: none of p's values; other's stay. */
  char *dump = pd_dump_lower();
  assert_absent(dump, &p, "pg_dump");
  cr_assert(pd_has(dump, other.name) && pd_has(dump, other.email), "another person's contact");
  free(dump);
  stop();
  char *log = file_lower(g_log);
  cr_assert(strstr(log, "/api/v1/people/erasures") != NULL, "the log has the requests");
  assert_absent(log, &p, "the server's log");
  free(log);
  unlink(g_log);
  free(record);
  free(impact);
  free(impact2);
  free(ords);
  free(ords2);
}

Test(erasure, refused_requests, .init = start, .fini = stop, .timeout = 60)
{
  struct th_resp *r = erase(ds_vol(), "{\"email\":\"someone@example.org\"}");
  cr_assert_eq(r->status, 403, "a volunteer may not erase: %s", r->body);
  th_free(r);
  r = erase(ds_reader(), "{\"email\":\"someone@example.org\"}");
  cr_assert_eq(r->status, 403, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{\"email\":\"a@example.org\",\"phone\":\"0612345678\"}");
  cr_assert(th_is_problem(r, 400), "two keys: %ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "exactly_one_key") != NULL, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{\"reason\":\"no one named\"}");
  cr_assert(th_is_problem(r, 400), "none: %ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "exactly_one_key") != NULL, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);
  /* A bad value is reported, never echoed. */
  r = erase(th_admin_key(), "{\"email\":\"Zyxwnotanemail\"}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "not_an_email") != NULL, "%s", r->body);
  cr_assert_null(strstr(r->body, "Zyxwnotanemail"), "echoed: %s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{\"phone\":\"06 12\"}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "too_few_digits") != NULL, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{\"device\":\"12\"}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "not_a_device_code") != NULL, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "{\"email\":\"a@example.org\",\"name\":\"Zyxw\"}");
  cr_assert(th_is_problem(r, 400), "names are not a way to find a person: %s", r->body);
  cr_assert(strstr(r->body, "unknown_field") != NULL, "%s", r->body);
  th_free(r);
  r = erase(th_admin_key(), "[1]");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);
  /* A well-formed code or number that names nothing: 422, nothing
   * recorded. */
  long before = ds_count("SELECT count(*) FROM erasures");
  char dev[CODE_CAP];
  ds_device(dev, "donation", g_site, "Seb");
  char body[128];
  snprintf(body, sizeof body, "{\"device\":\"%s\"}", dev);
  r = erase(th_admin_key(), body);
  cr_assert(th_is_problem(r, 422), "a donated device has no owner: %ld %s", r->status, r->body);
  cr_assert(strstr(r->body, "unknown_device") != NULL, "%s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM erasures"), before, "nothing recorded");
  /* An e-mail nobody has: a 200 with zero counts, recorded. */
  r = erase(th_admin_key(), "{\"email\":\"nobody-zyxw@example.org\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(count_of(r, "owner_contacts") + count_of(r, "member_contacts"), 0);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM erasures"), before + 1);
  /* The lists: filters checked, the volunteer refused. */
  r = as(th_admin_key(), "GET", "/api/v1/people/erasures?since=yesterday", NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);
  r = as(th_admin_key(), "GET",
         "/api/v1/people/erasures?since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z", NULL,
         NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_geq(json_array_size(json_object_get(r->json, "items")), 1, "%s", r->body);
  th_free(r);
  r = as(ds_vol(), "GET", "/api/v1/people/erasures", NULL, NULL);
  cr_assert_eq(r->status, 403, "%s", r->body);
  th_free(r);
  r = as(th_admin_key(), "GET", "/api/v1/people/erasures/999999999", NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(erasure, by_phone_typed_another_way_and_by_device_code, .init = start, .fini = stop,
     .timeout = 60)
{
  struct person p, q;
  person_make(&p, "phone");
  person_make(&q, "code");
  char a[CODE_CAP], b[CODE_CAP], c[CODE_CAP];
  owner_device(a, &p, p.email, 0);
  owner_device(b, &q, q.email, 0);
  owner_device(c, &q, "zyxw-other@example.org", 0);
  /* Stored as "07 12 34 56 78"; asked as "+33 7 12 34 56 78". */
  char body[256];
  snprintf(body, sizeof body, "{\"phone\":\"+33 %s\"}", p.phone + 1);
  struct th_resp *r = erase(th_admin_key(), body);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(count_of(r, "owner_contacts"), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_array_get(
                       json_object_get(json_object_get(r->json, "records"), "devices"), 0)),
                   a);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id ="
                        " o.device_id WHERE d.code = '%s'",
                        a),
               0);
  /* By one device's code, typed in lower case: q's other device shares
   * the phone, so it goes too. */
  char lower[CODE_CAP];
  snprintf(lower, sizeof lower, "%s", b);
  for (char *x = lower; *x; x++)
    *x = (char)tolower((unsigned char)*x);
  snprintf(body, sizeof body, "{\"device\":\"%s\",\"reason\":null}", lower);
  r = erase(th_admin_key(), body);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(count_of(r, "owner_contacts"), 2, "%s", r->body);
  cr_assert_str_eq(th_str(r, "found_by"), "device");
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id ="
                        " o.device_id WHERE d.code IN ('%s', '%s')",
                        b, c),
               0);
  /* The device erased by its code is still named, with nothing left. */
  snprintf(body, sizeof body, "{\"device\":\"%s\"}", b);
  r = erase(th_admin_key(), body);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(count_of(r, "owner_contacts"), 0, "%s", r->body);
  th_free(r);
}
