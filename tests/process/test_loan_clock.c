/* Loan dates against the programme's clock (clock_shift, rl_now()): a loan
 * is overdue from the day after its due date in REPAIRD_TIMEZONE, through
 * midnight and both DST changes, and a hold runs out after
 * REPAIRD_LOAN_HOLD_DAYS and passes to the next member in line. Process
 * tests run one at a time, so moving the shared clock is safe here; every
 * test puts it back to 0 when it ends, failed or not (.fini), and at its
 * start in case an earlier run crashed. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

static pid_t g_pid = -1;
static char g_url[64], g_site[96];

static void reset_clock(void) { th_sql("UPDATE clock_shift SET shift = interval '0'"); }

/* Puts the programme's clock at this instant (a timestamptz literal such as
 * '2027-03-28 00:30 Europe/Paris'). The shift is whole seconds, never days:
 * now() + '1 day' keeps the wall-clock time across a DST change in the
 * session's zone, which would land an hour off. */
static void clock_at(const char *when)
{
  char q[256];
  snprintf(q, sizeof q,
           "UPDATE clock_shift SET shift = extract(epoch FROM timestamptz '%s' - now())"
           " * interval '1 second' RETURNING 1",
           when);
  const char *v = th_sql(q);
  cr_assert(v && strcmp(v, "1") == 0, "setting the clock to %s", when);
  snprintf(q, sizeof q, "SELECT abs(extract(epoch FROM rl_now() - timestamptz '%s')) < 5", when);
  cr_assert_str_eq(th_sql(q), "t", "the clock is at %s", when);
}

/* Once more when the whole run ends, in the runner: a test that crashed
 * (a signal, a timeout) ran no .fini. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
  (void)stats;
  reset_clock();
}

static void start(void)
{
  reset_clock();
  static const char *const env[] = {"REPAIRD_TIMEZONE=Europe/Paris", "REPAIRD_LOAN_HOLD_DAYS=3",
                                    NULL};
  g_pid = th_server_start(g_url, sizeof g_url, env);
  cr_assert_gt(g_pid, 0, "the server starts");
  /* Every helper talks to this server. */
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
}

static void stop(void)
{
  reset_clock();
  if (g_pid > 0) {
    th_server_stop(g_pid, SIGTERM);
    g_pid = -1;
  }
}

/* The loan's status and days overdue now. */
static void assert_overdue(long loan, const char *when, const char *status, long days)
{
  clock_at(when);
  struct th_resp *r = ls_loan_as(ds_reader(), loan);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "status"), status, "at %s: %s", when, r->body);
  cr_assert_eq(ls_int(r, "days_overdue"), days, "at %s: %s", when, r->body);
  th_free(r);
  /* The overdue list agrees. */
  char path[160];
  snprintf(path, sizeof path, "/api/v1/loans?status=overdue&site=%s", g_site);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  size_t n = json_array_size(json_object_get(r->json, "items"));
  cr_assert_eq(n, days > 0 ? 1 : 0, "at %s, the overdue list: %s", when, r->body);
  th_free(r);
}

/* A loan due on due (YYYY-MM-DD), lent at lent_at (programme time). */
static long lend_due(const char *lent_at, const char *due)
{
  clock_at(lent_at);
  char dev[CODE_CAP], mem[NUMBER_CAP], extra[64];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", due);
  struct th_resp *r = ls_lend(dev, mem, extra);
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), due);
  long id = ls_int(r, "id");
  th_free(r);
  return id;
}

Test(loan_clock, overdue_from_the_day_after_the_due_date, .init = start, .fini = stop,
     .timeout = 60)
{
  long loan = lend_due("2027-01-10 12:00 Europe/Paris", "2027-01-20");
  struct th_resp *r = ls_loan_as(ds_reader(), loan);
  cr_assert_str_eq(th_str(r, "start_date"), "2027-01-10", "the start date is the clock's");
  th_free(r);
  assert_overdue(loan, "2027-01-20 23:59:30 Europe/Paris", "open", 0);
  assert_overdue(loan, "2027-01-21 00:00:30 Europe/Paris", "overdue", 1);
  assert_overdue(loan, "2027-01-22 12:00 Europe/Paris", "overdue", 2);
  /* 23:30 UTC on the due date is already the next day in Paris. */
  assert_overdue(loan, "2027-01-20 23:30 UTC", "overdue", 1);
}

Test(loan_clock, overdue_across_the_spring_dst_change, .init = start, .fini = stop, .timeout = 60)
{
  /* Paris moves from +01 to +02 at 02:00 on Sunday 28 March 2027. */
  long loan = lend_due("2027-03-20 12:00 Europe/Paris", "2027-03-27");
  assert_overdue(loan, "2027-03-27 23:59:30 Europe/Paris", "open", 0);
  assert_overdue(loan, "2027-03-28 00:30 Europe/Paris", "overdue", 1);
  assert_overdue(loan, "2027-03-28 23:30 Europe/Paris", "overdue", 1);
  assert_overdue(loan, "2027-03-29 00:30 Europe/Paris", "overdue", 2);
}

Test(loan_clock, overdue_across_the_autumn_dst_change, .init = start, .fini = stop, .timeout = 60)
{
  /* Paris moves from +02 to +01 at 03:00 on Sunday 31 October 2027. */
  long loan = lend_due("2027-10-25 12:00 Europe/Paris", "2027-10-30");
  assert_overdue(loan, "2027-10-30 23:59:30 Europe/Paris", "open", 0);
  assert_overdue(loan, "2027-10-31 00:00:30 Europe/Paris", "overdue", 1);
  assert_overdue(loan, "2027-10-31 23:30 Europe/Paris", "overdue", 1);
  assert_overdue(loan, "2027-11-01 00:30 Europe/Paris", "overdue", 2);
}

Test(loan_clock, the_default_due_date_counts_days_in_paris, .init = start, .fini = stop,
     .timeout = 60)
{
  /* 23:30 UTC on 31 December is 1 January in Paris: due 28 days after. */
  clock_at("2026-12-31 23:30 UTC");
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  struct th_resp *r = ls_lend(dev, mem, "");
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert_str_eq(th_str(r, "start_date"), "2027-01-01", "%s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), "2027-01-29", "%s", r->body);
  th_free(r);
  /* A due date of 31 December is in the past there. */
  char other[CODE_CAP];
  ls_device(other, "laptop", g_site);
  r = ls_lend(other, mem, ",\"due_date\":\"2026-12-31\"");
  ls_assert_invalid(r, "due_date", "in_the_past");
  th_free(r);
}

Test(loan_clock, too_overdue_to_renew_after_seven_days, .init = start, .fini = stop, .timeout = 60)
{
  long loan = lend_due("2027-02-01 10:00 Europe/Paris", "2027-02-10");
  clock_at("2027-02-17 23:00 Europe/Paris"); /* 7 days overdue: still renewable */
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld", loan);
  struct th_resp *r = ls_renew(loan, "{\"due_date\":\"2027-02-20\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  clock_at("2027-02-28 10:00 Europe/Paris"); /* 8 days past the new due date */
  r = ls_renew(loan, "{}");
  ls_assert_refused(r, "", "too_overdue");
  th_free(r);
}

Test(loan_clock, a_hold_runs_out_and_passes_to_the_next_in_line, .init = start, .fini = stop,
     .timeout = 60)
{
  const char *cat = "paper-shredder"; /* no other test waits for it */
  clock_at("2027-05-03 10:00 Europe/Paris");
  char a[NUMBER_CAP], b[NUMBER_CAP], c[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  ls_member(c, -1);
  long ea = ls_join_ok(a, cat, g_site), eb = ls_join_ok(b, cat, g_site);
  ls_device(dev, cat, g_site);
  struct th_resp *r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "held", "%s", r->body);
  double until = ds_time(th_str(r, "held_until"));
  th_free(r);
  const char *expect = th_sql("SELECT extract(epoch FROM timestamptz '2027-05-06 10:00"
                              " Europe/Paris')");
  cr_assert(expect && until > atof(expect) - 60 && until < atof(expect) + 60, "held for 3 days: %f",
            until);

  /* Just before the end: still a's. */
  clock_at("2027-05-06 09:58 Europe/Paris");
  r = ls_lend(dev, b, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
  cr_assert_str_eq(ls_entry_status(ea), "held");

  /* Past it: a desk trying to lend passes the device on at once, to b. */
  clock_at("2027-05-06 10:02 Europe/Paris");
  r = ls_lend(dev, c, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
  r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "expired", "%s", r->body);
  cr_assert_not_null(th_str(r, "ended_at"));
  th_free(r);
  r = ls_entry_as(ds_reader(), eb);
  cr_assert_str_eq(th_str(r, "status"), "held", "%s", r->body);
  cr_assert_str_eq(th_str(r, "held_device"), dev);
  cr_assert_eq(ls_int(r, "position"), 1);
  th_free(r);
  r = ds_get(ds_vol(), dev);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "hold"), "member")),
                   b, "%s", r->body);
  th_free(r);

  r = ls_lend(dev, a, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
  ls_lend_ok(dev, b, "");
  cr_assert_str_eq(ls_entry_status(eb), "served");
}

Test(loan_clock, after_a_hold_runs_out_the_next_in_line_borrows_at_once, .init = start,
     .fini = stop, .timeout = 60)
{
  const char *cat = "paper-shredder";
  clock_at("2027-06-07 10:00 Europe/Paris");
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, g_site), eb = ls_join_ok(b, cat, g_site);
  ls_device(dev, cat, g_site);
  cr_assert_str_eq(ls_entry_status(ea), "held");
  cr_assert_str_eq(ls_entry_status(eb), "waiting");
  /* 3 days and 2 minutes later, before any sweep has run: b's desk lends. */
  clock_at("2027-06-10 10:02 Europe/Paris");
  struct th_resp *r = ls_lend(dev, b, "");
  cr_assert_eq(r->status, 201, "the hold ran out: %s", r->body);
  long loan = ls_int(r, "id");
  th_free(r);
  cr_assert_str_eq(ls_entry_status(ea), "expired");
  r = ls_entry_as(ds_reader(), eb);
  cr_assert_str_eq(th_str(r, "status"), "served", "%s", r->body);
  cr_assert_eq(ls_int(r, "loan_id"), loan);
  th_free(r);
}

Test(loan_clock, the_sweep_passes_an_expired_hold_on, .init = start, .fini = stop, .timeout = 60)
{
  const char *cat = "paper-shredder";
  clock_at("2027-07-05 10:00 Europe/Paris");
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, g_site), eb = ls_join_ok(b, cat, g_site);
  ls_device(dev, cat, g_site);
  cr_assert_str_eq(ls_entry_status(ea), "held");
  clock_at("2027-07-08 10:01 Europe/Paris");
  /* The maintenance sweep runs when a server starts, then every minute: a
   * second server's first pass ends the hold, with no desk involved. Poll
   * for its effect (not a wait for the programme's time). */
  char url2[64];
  pid_t second = th_server_start(url2, sizeof url2, NULL);
  cr_assert_gt(second, 0);
  const char *st = "held";
  for (int i = 0; i < 100 && strcmp(st, "held") == 0; i++) {
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
    st = ls_entry_status(ea);
  }
  th_server_stop(second, SIGTERM);
  cr_assert_str_eq(st, "expired", "the sweep ended a's hold");
  struct th_resp *r = ls_entry_as(ds_reader(), eb);
  cr_assert_str_eq(th_str(r, "status"), "held", "%s", r->body);
  cr_assert_str_eq(th_str(r, "held_device"), dev);
  th_free(r);
}
