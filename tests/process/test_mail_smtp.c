/* E-mail to residents end to end: a real repaird sends through a real SMTP
 * server (tests/tools/smtp_sink.py, aiosmtpd) and each message is read by
 * Python's standard e-mail parser (tests/tools/mail_check.py), not by our
 * code. Process tests, one at a time: the shared integration server (no
 * SMTP server set) would otherwise take the events first, and the loan
 * tests move the programme's clock. Every test puts the clock back. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

#define FROM "cafe@repair.example.fr"

static pid_t g_server = -1, g_sink = -1;
static char g_url[64], g_dir[128], g_log[160], g_site[96];
static int g_port;

static void reset_clock(void) { th_sql("UPDATE clock_shift SET shift = interval '0'"); }

static int free_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
  getsockname(s, (struct sockaddr *)&a, &len);
  close(s);
  return ntohs(a.sin_port);
}

static void sink_start(const char *fail)
{
  snprintf(g_dir, sizeof g_dir, "/tmp/rl-mail-%d-%s", (int)getpid(), th_unique(""));
  cr_assert_eq(mkdir(g_dir, 0700), 0);
  g_port = free_port();
  char script[512], port[16];
  snprintf(script, sizeof script, "%s/tests/tools/smtp_sink.py", getenv("RL_TEST_ROOT"));
  snprintf(port, sizeof port, "%d", g_port);
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  g_sink = fork();
  if (g_sink == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fds[1], 1);
    close(fds[0]);
    execl("/usr/bin/python3", "python3", script, "--port", port, "--dir", g_dir, "--fail",
          fail ? fail : "0:0", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[32] = "";
  cr_assert(f && fgets(line, sizeof line, f) && strncmp(line, "READY", 5) == 0,
            "the SMTP sink starts (python3-aiosmtpd)");
  fclose(f);
}

/* repaird with e-mail through the sink (smtp_url NULL: no SMTP server). */
static void server_start(const char *smtp_url)
{
  reset_clock();
  static char smtp[128];
  snprintf(smtp, sizeof smtp, "REPAIRD_SMTP_URL=%s", smtp_url ? smtp_url : "");
  snprintf(g_log, sizeof g_log, "/tmp/rl-mail-%d-%s.log", (int)getpid(), th_unique(""));
  setenv("RL_TEST_SERVER_LOG_FILE", g_log, 1);
  const char *env[] = {smtp,
                       "REPAIRD_MAIL_FROM=" FROM,
                       "REPAIRD_MAIL_FROM_NAME=Repair Café de Fontenay",
                       "REPAIRD_OUTBOX_POLL_MS=50",
                       "REPAIRD_OUTBOX_SCHEDULE=1s",
                       "REPAIRD_DELIVERY_SCHEDULE=1s,1s",
                       "REPAIRD_TIMEZONE=Europe/Paris",
                       "REPAIRD_LOG_LEVEL=info",
                       NULL};
  /* What earlier tests left (events, messages) is not this test's: the
   * database is shared by every process test. */
  th_sql("UPDATE events SET dispatched = true WHERE NOT dispatched");
  th_sql("UPDATE email_messages SET status = 'cancelled', lease_until = NULL,"
         " finished_at = now() WHERE status IN ('pending', 'sending')");
  g_server = th_server_start(g_url, sizeof g_url, env);
  unsetenv("RL_TEST_SERVER_LOG_FILE");
  cr_assert_gt(g_server, 0, "the server starts");
  setenv("RL_TEST_URL", g_url, 1);
  snprintf(g_site, sizeof g_site, "%s", th_unique("mail-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"Tiers-lieu Médiathèque\","
                              "\"address\":\"10 rue Roublot, Fontenay-sous-Bois\","
                              "\"opening_hours\":\"Mer. 14h-18h\"}",
                              g_site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
}

static void start_with_sink(void)
{
  sink_start(NULL);
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", g_port);
  server_start(url);
}

static void stop(void)
{
  reset_clock();
  if (g_server > 0)
    th_server_stop(g_server, SIGTERM);
  g_server = -1;
  if (g_sink > 0) {
    kill(g_sink, SIGTERM);
    waitpid(g_sink, NULL, 0);
  }
  g_sink = -1;
}

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static int mail_exists(int n)
{
  char p[200];
  snprintf(p, sizeof p, "%s/%04d.eml", g_dir, n);
  return access(p, F_OK) == 0;
}

/* Waits for the sink's n-th message (10 s at most). */
static void wait_mail(int n)
{
  for (int i = 0; i < 200 && !mail_exists(n); i++)
    sleep_ms(50);
  cr_assert(mail_exists(n), "message %d arrived", n);
}

/* The n-th message as Python's e-mail parser reads it. */
static json_t *parsed(int n)
{
  char cmd[700];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/tools/mail_check.py %s/%04d.eml",
           getenv("RL_TEST_ROOT"), g_dir, n);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  json_error_t e;
  json_t *j = json_loadf(p, 0, &e);
  pclose(p);
  cr_assert_not_null(j, "mail_check.py: %s", e.text);
  return j;
}

static const char *hdr(const json_t *m, const char *name)
{
  return json_string_value(json_object_get(json_object_get(m, "headers"), name));
}

static const char *part(const json_t *m, const char *type)
{
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(m, "parts"), i, p) {
    if (strcmp(json_string_value(json_object_get(p, "content_type")), type) == 0)
      return json_string_value(json_object_get(p, "text"));
  }
  return NULL;
}

/* A repair-kind device with this owner JSON, moved to `to`; its code. */
static void repair_device(char *code, const char *owner, const char *to)
{
  struct th_resp *r = th_reqf("POST", "/api/v1/devices", ds_vol(),
                              "{\"kind\":\"repair\",\"category\":\"laptop-medium\",\"site\":\"%s\","
                              "\"brand\":\"Lenovo\",\"model\":\"ThinkPad T440\",\"owner\":%s}",
                              g_site, owner);
  cr_assert_eq(r->status, 201, "%s", r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
  const char *path[] = {"diagnosing", to, NULL};
  ds_drive(code, path);
}

/* The file's bytes contain s. */
static int file_has(const char *path, const char *s)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, s) != NULL;
}

static long count_text(const char *path, const char *s)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  long n = 0;
  char line[4096];
  while (fgets(line, sizeof line, f))
    if (strstr(line, s))
      n++;
  fclose(f);
  return n;
}

static const char *message_status(const char *code, int wait_for_end)
{
  for (int i = 0; i < 200; i++) {
    const char *s = ds_sql("SELECT m.status FROM email_messages m JOIN devices d ON"
                           " d.id = m.device_id WHERE d.code = '%s' ORDER BY m.id DESC LIMIT 1",
                           code);
    if (!wait_for_end || (s && *s && strcmp(s, "pending") != 0 && strcmp(s, "sending") != 0))
      return s;
    sleep_ms(50);
  }
  return "timeout";
}

Test(mail, repair_finished_in_french_and_english, .init = start_with_sink, .fini = stop,
     .timeout = 60)
{
  char fr[CODE_CAP], en[CODE_CAP];
  const char *email = th_unique("awa-"), *name = "Awa Diallo-Fernández";
  char owner[400], addr[120];
  snprintf(addr, sizeof addr, "%s@example.org", email);
  snprintf(owner, sizeof owner,
           "{\"name\":\"%s\",\"email\":\"%s\",\"notify\":true,\"language\":\"fr\"}", name, addr);
  repair_device(fr, owner, "repaired");
  wait_mail(1);
  json_t *m = parsed(1);
  cr_assert_eq(json_array_size(json_object_get(m, "defects")), 0, "no defect");
  cr_assert_str_eq(hdr(m, "From"), "Repair Café de Fontenay <" FROM ">");
  cr_assert_str_eq(hdr(m, "To"), addr);
  char subject[200];
  snprintf(subject, sizeof subject, "Bonne nouvelle : votre appareil est réparé (%s)", fr);
  cr_assert_str_eq(hdr(m, "Subject"), subject);
  cr_assert_not_null(hdr(m, "Date"));
  cr_assert(strstr(hdr(m, "Message-ID"), "@repair.example.fr>") != NULL);
  cr_assert_str_eq(hdr(m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  cr_assert_str_eq(hdr(m, "Auto-Submitted"), "auto-generated");
  cr_assert_str_eq(json_string_value(json_object_get(m, "content_type")), "multipart/alternative");
  const char *text = part(m, "text/plain"), *html = part(m, "text/html");
  cr_assert(text && html, "both parts");
  cr_assert(strstr(text, "Bonjour Awa Diallo-Fernández,") != NULL, "%s", text);
  cr_assert(strstr(text, "Ordinateur portable") != NULL, "%s", text);
  cr_assert(strstr(text, "Tiers-lieu Médiathèque") && strstr(text, "Mer. 14h-18h"), "%s", text);
  cr_assert(strstr(html, "<html lang=\"fr\">") != NULL);
  cr_assert_leq(json_integer_value(json_object_get(m, "max_line")), 78);
  /* The tracking link opens the resident's page. */
  const char *t = strstr(text, "/t/");
  cr_assert_not_null(t, "%s", text);
  char path[96];
  snprintf(path, sizeof path, "%.*s", (int)strcspn(t, "\r\n"), t);
  struct th_resp *r = th_req("GET", path, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s opens", path);
  th_free(r);
  json_decref(m);

  snprintf(
      owner, sizeof owner,
      "{\"name\":\"Sam\",\"email\":\"sam-%s@example.org\",\"notify\":true,\"language\":\"en\"}",
      email);
  repair_device(en, owner, "unrepairable");
  wait_mail(2);
  m = parsed(2);
  snprintf(subject, sizeof subject, "Your device could not be repaired (%s)", en);
  cr_assert_str_eq(hdr(m, "Subject"), subject);
  cr_assert(strstr(part(m, "text/plain"), "Medium laptop") ||
                strstr(part(m, "text/plain"), "aptop"),
            "the category in English: %s", part(m, "text/plain"));
  cr_assert(strstr(part(m, "text/html"), "<html lang=\"en\">") != NULL);
  json_decref(m);

  /* A reader sees that it went, not to whom. */
  char list[96];
  snprintf(list, sizeof list, "/api/v1/devices/%s/messages", fr);
  r = th_req("GET", list, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(item, "status")), "sent", "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(item, "kind")), "repair_finished");
  cr_assert_null(strstr(r->body, "@"), "no address: %s", r->body);
  th_free(r);

  /* The person's address and name are nowhere else. */
  th_server_stop(g_server, SIGTERM);
  g_server = -1;
  cr_assert(!file_has(g_log, addr) && !file_has(g_log, "Awa"), "not in the log");
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE data::text LIKE '%%%s%%'"
                        " OR data::text LIKE '%%Awa%%'",
                        email),
               0, "not in events");
  cr_assert_eq(ds_count("SELECT count(*) FROM email_messages m WHERE m::text LIKE '%%%s%%'"
                        " OR m::text LIKE '%%Awa%%'",
                        email),
               0, "not in email_messages");
}

Test(mail, none_without_consent_or_address_and_unsubscribing_stops_the_next,
     .init = start_with_sink, .fini = stop, .timeout = 60)
{
  char a[CODE_CAP], b[CODE_CAP], c[CODE_CAP];
  repair_device(a, "{\"name\":\"Non\",\"email\":\"non@example.org\"}", "repaired");
  repair_device(b, "{\"name\":\"Tel\",\"phone\":\"+33 6 12 34 56 78\",\"notify\":true}",
                "repaired");
  repair_device(c, "{\"email\":\"oui@example.org\",\"notify\":true}", "repaired");
  wait_mail(1);
  sleep_ms(500);
  cr_assert(!mail_exists(2), "one message only");
  json_t *m = parsed(1);
  cr_assert_str_eq(hdr(m, "To"), "oui@example.org");
  cr_assert_eq(ds_count("SELECT count(*) FROM email_messages m JOIN devices d ON d.id ="
                        " m.device_id WHERE d.code IN ('%s', '%s')",
                        a, b),
               0);
  /* One click on the List-Unsubscribe URL, as a mail client does it. */
  const char *u = strstr(hdr(m, "List-Unsubscribe"), "/u/");
  char path[96];
  snprintf(path, sizeof path, "%.*s", (int)strcspn(u, ">"), u);
  json_decref(m);
  const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  const char *one = "List-Unsubscribe=One-Click";
  struct th_resp *r = th_request_to(NULL, "POST", path, NULL, one, strlen(one), form);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert(strstr(r->body, "vous ne recevrez plus ces e-mails") != NULL, "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT o.notify FROM device_owners o JOIN devices d ON d.id ="
                          " o.device_id WHERE d.code = '%s'",
                          c),
                   "f");
  /* The next one for that owner is cancelled when its turn comes. */
  ds_sql("INSERT INTO email_messages (kind, device_id, language) SELECT 'repair_finished', id,"
         " 'fr' FROM devices WHERE code = '%s' RETURNING id",
         c);
  cr_assert_str_eq(message_status(c, 1), "cancelled");
  cr_assert_str_eq(ds_sql("SELECT last_error FROM email_messages m JOIN devices d ON d.id ="
                          " m.device_id WHERE d.code = '%s' ORDER BY m.id DESC LIMIT 1",
                          c),
                   "no_consent");
  cr_assert(!mail_exists(2), "nothing more was sent");
  /* The page says it is done, without a button; a bad token is the 404 page. */
  r = th_req("GET", path, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(strstr(r->body, "<button"));
  th_free(r);
  r = th_req("GET", "/u/00000000000000000000000000000000", NULL, NULL, NULL);
  cr_assert_eq(r->status, 404);
  th_free(r);
  r = th_request_to(NULL, "POST", path, NULL, "x=1", 3, form);
  cr_assert_eq(r->status, 400, "not a one-click body");
  th_free(r);
}

static void start_451(void)
{
  sink_start("451:1");
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", g_port);
  server_start(url);
}

Test(mail, a_451_is_retried, .init = start_451, .fini = stop, .timeout = 60)
{
  char a[CODE_CAP];
  repair_device(a, "{\"email\":\"retry@example.org\",\"notify\":true}", "repaired");
  wait_mail(1);
  cr_assert_str_eq(message_status(a, 1), "sent");
  cr_assert_str_eq(ds_sql("SELECT attempts FROM email_messages m JOIN devices d ON d.id ="
                          " m.device_id WHERE d.code = '%s'",
                          a),
                   "2");
}

static void start_451_always(void)
{
  sink_start("451:10");
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", g_port);
  server_start(url);
}

Test(mail, failed_once_the_schedule_is_spent, .init = start_451_always, .fini = stop, .timeout = 60)
{
  char a[CODE_CAP];
  repair_device(a, "{\"email\":\"never@example.org\",\"notify\":true}", "repaired");
  cr_assert_str_eq(message_status(a, 1), "failed");
  cr_assert_str_eq(ds_sql("SELECT attempts || ' ' || last_error FROM email_messages m JOIN"
                          " devices d ON d.id = m.device_id WHERE d.code = '%s'",
                          a),
                   "3 smtp_451", "1 + the two retries of REPAIRD_DELIVERY_SCHEDULE=1s,1s");
  cr_assert_eq(ds_count("SELECT count(*) FROM email_messages m WHERE m::text LIKE"
                        " '%%never@%%'"),
               0, "the server's text (which repeats the address) is not kept");
  th_server_stop(g_server, SIGTERM);
  g_server = -1;
  cr_assert(!file_has(g_log, "never@example.org"), "nor logged");
}

static void start_without_smtp(void) { server_start(NULL); }

Test(mail, nothing_without_an_smtp_server, .init = start_without_smtp, .fini = stop, .timeout = 60)
{
  char a[CODE_CAP];
  repair_device(a, "{\"email\":\"quiet@example.org\",\"notify\":true}", "repaired");
  sleep_ms(1500);
  /* Queued for an instance that has a server, never tried here. */
  cr_assert_eq(ds_count("SELECT count(*) FROM email_messages m JOIN devices d ON d.id ="
                        " m.device_id WHERE d.code = '%s' AND m.status = 'pending'"
                        " AND m.attempts = 0",
                        a),
               1);
  cr_assert_eq(count_text(g_log, "no SMTP server set (REPAIRD_SMTP_URL)"), 1, "said once");
}

/* Sets the programme's clock days whole days ahead (in seconds: see
 * tests/process/test_loan_clock.c). */
static void clock_days(int days)
{
  char q[160];
  snprintf(q, sizeof q, "UPDATE clock_shift SET shift = interval '1 second' * %d RETURNING 1",
           days * 86400);
  cr_assert_str_eq(th_sql(q), "1");
}

static long loan_messages(long loan, const char *kind)
{
  return ds_count("SELECT count(*) FROM email_messages WHERE loan_id = %ld AND kind = '%s'", loan,
                  kind);
}

Test(mail, loan_due_soon_then_overdue_day_1_and_day_7, .init = start_with_sink, .fini = stop,
     .timeout = 90)
{
  char dev[CODE_CAP], number[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  struct th_resp *r = th_req("POST", "/api/v1/members", ds_vol(),
                             "{\"language\":\"en\",\"contact\":{\"name\":\"Lou\","
                             "\"email\":\"lou@example.org\",\"notify\":true}}",
                             NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert(json_is_true(json_object_get(json_object_get(r->json, "contact"), "notify")));
  snprintf(number, sizeof number, "%s", th_str(r, "number"));
  th_free(r);
  char extra[64];
  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", ls_date(2));
  long loan = ls_lend_ok(dev, number, extra);
  wait_mail(1);
  json_t *m = parsed(1);
  cr_assert(strstr(hdr(m, "Subject"), "Reminder: your loan is due back on") != NULL, "%s",
            hdr(m, "Subject"));
  cr_assert(strstr(part(m, "text/plain"), "(in 2 days)") != NULL, "%s", part(m, "text/plain"));
  cr_assert(strstr(part(m, "text/plain"), "/l/") != NULL);
  json_decref(m);
  sleep_ms(2500); /* two more schedule passes: still one message */
  cr_assert_eq(loan_messages(loan, "loan_due_soon"), 1);
  cr_assert(!mail_exists(2));

  clock_days(3); /* one day late */
  wait_mail(2);
  m = parsed(2);
  cr_assert(strstr(hdr(m, "Subject"), "Your loan was due back on") != NULL, "%s",
            hdr(m, "Subject"));
  json_decref(m);
  sleep_ms(2500);
  cr_assert_eq(loan_messages(loan, "loan_overdue"), 1, "one for day 1");

  clock_days(9); /* seven days late */
  wait_mail(3);
  m = parsed(3);
  cr_assert_str_eq(hdr(m, "Subject"), "Your loan is 7 days late: please bring it back");
  json_decref(m);
  sleep_ms(2500);
  cr_assert_eq(loan_messages(loan, "loan_overdue"), 2, "one more for day 7");
  cr_assert(!mail_exists(4));

  char list[96];
  snprintf(list, sizeof list, "/api/v1/loans/%ld/messages", loan);
  r = th_req("GET", list, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 3, "%s", r->body);
  cr_assert_null(strstr(r->body, "lou@"));
  th_free(r);
}
