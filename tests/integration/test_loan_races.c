/* Loans under real concurrency: threads, each with its own HTTP requests,
 * racing for one device, for one member's limit, returning while renewing,
 * and two desks lending the same held device. Whatever the order, the
 * database ends in one consistent state: a device on one loan at most, a
 * member at their limit at most, open_loans equal to the loans not
 * returned. (th_sql and th_unique are not thread-safe: only the main
 * thread calls them.) */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

static char g_site[96];

static void setup(void)
{
  ds_site(g_site, sizeof g_site, 1);
  (void)ds_vol(); /* the keys are made before any thread needs them */
  (void)ds_reader();
}

struct lender {
  const char *device, *member;
  pthread_barrier_t *go;
  long status;
  char code[48]; /* the refusal's first code */
};

static void *lend_thread(void *arg)
{
  struct lender *x = arg;
  pthread_barrier_wait(x->go);
  struct th_resp *r = ls_lend(x->device, x->member, "");
  x->status = r->status;
  json_t *e0 = json_array_get(json_object_get(r->json, "errors"), 0);
  const char *c = json_string_value(json_object_get(e0, "code"));
  snprintf(x->code, sizeof x->code, "%s", c ? c : "");
  th_free(r);
  return NULL;
}

/* Runs n lenders at once; counts the 201s and checks the rest are 409s
 * with one of the codes given. */
static int race_lend(struct lender *x, int n, const char *code1, const char *code2)
{
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, (unsigned)n);
  pthread_t t[16];
  for (int i = 0; i < n; i++) {
    x[i].go = &go;
    pthread_create(&t[i], NULL, lend_thread, &x[i]);
  }
  int made = 0;
  for (int i = 0; i < n; i++) {
    pthread_join(t[i], NULL);
    cr_assert(x[i].status == 201 || x[i].status == 409, "lender %d: %ld", i, x[i].status);
    if (x[i].status == 201)
      made++;
    else
      cr_assert(strcmp(x[i].code, code1) == 0 || (code2 && strcmp(x[i].code, code2) == 0),
                "lender %d refused with %s", i, x[i].code);
  }
  pthread_barrier_destroy(&go);
  return made;
}

Test(loan_races, ten_desks_lend_one_device_to_ten_members, .init = setup, .timeout = 60)
{
  enum { N = 10 };
  char dev[CODE_CAP], m[N][NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  struct lender x[N];
  for (int i = 0; i < N; i++) {
    ls_member(m[i], -1);
    x[i] = (struct lender){.device = dev, .member = m[i]};
  }
  int made = race_lend(x, N, "device_not_available", NULL);
  cr_assert_eq(made, 1, "exactly one loan (%d)", made);
  cr_assert_eq(ds_count("SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
                        " WHERE d.code = '%s' AND l.returned_at IS NULL",
                        dev),
               1);
  cr_assert_str_eq(ls_device_status(dev), "on_loan");
  long sum = 0;
  for (int i = 0; i < N; i++) {
    long open = ls_db_open_loans(m[i]);
    cr_assert_eq(open, ls_db_unreturned(m[i]), "member %d: open_loans equals their loans", i);
    cr_assert_eq(open, x[i].status == 201 ? 1 : 0, "member %d", i);
    sum += open;
  }
  cr_assert_eq(sum, 1);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
                        " WHERE d.code = '%s' AND e.to_status = 'on_loan'",
                        dev),
               1, "one move to on_loan");
}

Test(loan_races, six_loans_at_once_for_a_member_with_a_limit_of_two, .init = setup, .timeout = 60)
{
  enum { N = 6 };
  char d[N][CODE_CAP], m[NUMBER_CAP];
  ls_member(m, 2);
  struct lender x[N];
  for (int i = 0; i < N; i++) {
    ls_device(d[i], "laptop", g_site);
    x[i] = (struct lender){.device = d[i], .member = m};
  }
  int made = race_lend(x, N, "loan_limit_reached", NULL);
  cr_assert_eq(made, 2, "exactly the limit (%d)", made);
  cr_assert_eq(ls_db_open_loans(m), 2);
  cr_assert_eq(ls_db_unreturned(m), 2);
  cr_assert_eq(ls_open_loans(m), 2);
  int on_loan = 0;
  for (int i = 0; i < N; i++) {
    const char *st = ls_device_status(d[i]);
    cr_assert(strcmp(st, x[i].status == 201 ? "on_loan" : "available") == 0, "device %d: %s", i,
              st);
    on_loan += strcmp(st, "on_loan") == 0;
  }
  cr_assert_eq(on_loan, 2);
}

struct action {
  long loan;
  const char *path, *body;
  pthread_barrier_t *go;
  long status;
  char code[48]; /* a refusal's first code */
};

static void *action_thread(void *arg)
{
  struct action *x = arg;
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/%s", x->loan, x->path);
  pthread_barrier_wait(x->go);
  struct th_resp *r = th_req("POST", path, ds_vol(), x->body, NULL);
  x->status = r->status;
  json_t *e0 = json_array_get(json_object_get(r->json, "errors"), 0);
  const char *c = json_string_value(json_object_get(e0, "code"));
  snprintf(x->code, sizeof x->code, "%s", c ? c : "");
  th_free(r);
  return NULL;
}

Test(loan_races, a_return_racing_a_renewal, .init = setup, .timeout = 90)
{
  enum { ROUNDS = 6 };
  char m[NUMBER_CAP];
  ls_member(m, ROUNDS);
  int renewed_first = 0, returned_first = 0;
  for (int k = 0; k < ROUNDS; k++) {
    char dev[CODE_CAP];
    ls_device(dev, "laptop", g_site);
    long loan = ls_lend_ok(dev, m, "");
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    struct action ret = {loan, "return", "{\"condition\":\"ok\"}", &go, 0, ""};
    struct action ren = {loan, "renewals", "{}", &go, 0, ""};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, action_thread, &ret);
    pthread_create(&t2, NULL, action_thread, &ren);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&go);

    cr_assert_eq(ret.status, 200, "round %d: the return always succeeds", k);
    cr_assert(ren.status == 200 || (ren.status == 409 && strcmp(ren.code, "loan_returned") == 0),
              "round %d: renewal %ld %s", k, ren.status, ren.code);
    /* The loan, its events, the device and the member agree. */
    long renewals = ds_count("SELECT renewals FROM loans WHERE id = %ld", loan);
    cr_assert_eq(renewals, ren.status == 200 ? 1 : 0, "round %d", k);
    cr_assert_eq(
        ds_count("SELECT count(*) FROM loan_events WHERE loan_id = %ld AND type = 'renewal'", loan),
        renewals);
    cr_assert_eq(ds_count("SELECT count(*) FROM loans WHERE id = %ld AND returned_at IS NOT NULL"
                          " AND return_condition = 'ok'",
                          loan),
                 1);
    if (ren.status == 200)
      cr_assert_eq(
          ds_count("SELECT count(*) FROM loan_events a, loan_events b WHERE a.loan_id = %ld"
                   " AND b.loan_id = a.loan_id AND a.type = 'renewal' AND b.type = 'return'"
                   " AND a.id < b.id",
                   loan),
          1, "round %d: a renewal that succeeded came before the return", k);
    cr_assert_str_eq(ls_device_status(dev), "available", "round %d", k);
    cr_assert_eq(ls_db_open_loans(m), 0, "round %d", k);
    cr_assert_eq(ls_db_unreturned(m), 0, "round %d", k);
    renewed_first += ren.status == 200;
    returned_first += ren.status == 409;
  }
  cr_log_info("renewed before the return: %d, refused after it: %d", renewed_first, returned_first);
}

Test(loan_races, two_desks_lend_the_held_device_to_its_holder, .init = setup, .timeout = 60)
{
  const char *cat = "hifi-separates"; /* no other test waits for it */
  char a[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  long entry = ls_join_ok(a, cat, g_site);
  ls_device(dev, cat, g_site);
  cr_assert_str_eq(ls_entry_status(entry), "held");
  struct lender x[2] = {{.device = dev, .member = a}, {.device = dev, .member = a}};
  int made = race_lend(x, 2, "device_not_available", NULL);
  cr_assert_eq(made, 1, "one loan (%d)", made);
  cr_assert_eq(ds_count("SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
                        " WHERE d.code = '%s'",
                        dev),
               1);
  cr_assert_eq(ls_db_open_loans(a), 1);
  cr_assert_str_eq(ls_entry_status(entry), "served");
  cr_assert_eq(
      ds_count("SELECT count(*) FROM waitlist WHERE id = %ld AND loan_id IS NOT NULL", entry), 1);
}

struct joiner {
  const char *member, *category;
  pthread_barrier_t *go;
  long status;
};

static void *join_thread(void *arg)
{
  struct joiner *x = arg;
  pthread_barrier_wait(x->go);
  struct th_resp *r = ls_join(x->member, x->category, NULL);
  x->status = r->status;
  th_free(r);
  return NULL;
}

/* A member joining the line for the category of the one free device while
 * a desk lends that device to a walk-in: either the walk-in has it and the
 * member waits, or the member holds it and the walk-in is refused; never a
 * device on loan with someone's hold on it (the checkout once read holds
 * as of its statement's start, before the lock it waited for). */
Test(loan_races, a_member_joining_the_line_races_a_walk_in_for_the_free_device, .init = setup,
     .timeout = 120)
{
  const char *cat = "dslr-video-camera";
  for (int round = 0; round < 12; round++) {
    char dev[CODE_CAP], waiter[NUMBER_CAP], walk_in[NUMBER_CAP];
    ls_device(dev, cat, g_site);
    ls_member(waiter, -1);
    ls_member(walk_in, -1);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    struct joiner j = {.member = waiter, .category = cat, .go = &go};
    struct lender l = {.device = dev, .member = walk_in, .go = &go};
    pthread_t tj, tl;
    pthread_create(&tj, NULL, join_thread, &j);
    pthread_create(&tl, NULL, lend_thread, &l);
    pthread_join(tj, NULL);
    pthread_join(tl, NULL);
    pthread_barrier_destroy(&go);
    cr_assert_eq(j.status, 201, "round %d: join %ld", round, j.status);
    cr_assert(l.status == 201 ||
                  (l.status == 409 && strcmp(l.code, "held_for_another_member") == 0),
              "round %d: lend %ld %s", round, l.status, l.code);
    char q[512];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM waitlist w JOIN devices d ON d.id = w.held_device_id"
             " WHERE d.code = '%s' AND w.status = 'held' AND d.status <> 'available'",
             dev);
    cr_assert_str_eq(th_sql(q), "0", "round %d: %s is held while on loan", round, dev);
    snprintf(q, sizeof q,
             "SELECT (status = 'on_loan')::int + (held_for IS NOT NULL)::int FROM devices"
             " WHERE code = '%s'",
             dev);
    cr_assert_str_eq(th_sql(q), "1", "round %d: %s neither lent nor held, or both", round, dev);
    /* The line is left empty for the next round. */
    snprintf(q, sizeof q,
             "UPDATE waitlist SET status = 'left', ended_at = now(), held_device_id = NULL,"
             " held_until = NULL WHERE category = '%s' AND status IN ('waiting', 'held')",
             cat);
    th_sql(q);
    snprintf(q, sizeof q, "UPDATE devices SET held_for = NULL, held_until = NULL WHERE code = '%s'",
             dev);
    th_sql(q);
  }
}
