/* Waiting lists over HTTP (docs/loans.md "Waiting lists"): joining, the
 * line's order, a device that becomes available held for the head of the
 * line (by a transition or a return), what the hold shows to whom, lending
 * the held device, leaving, site-specific lines, suspended members skipped.
 * Each test waits for a category no other test uses, so that lines of tests
 * running at the same time never meet. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static json_t *entry_json(long id, struct th_resp **keep)
{
  *keep = ls_entry_as(ds_reader(), id);
  cr_assert_eq((*keep)->status, 200, "entry %ld: %s", id, (*keep)->body);
  return (*keep)->json;
}

/* The entry holds this device, for about REPAIRD_LOAN_HOLD_DAYS from now. */
static void assert_holds(long entry, const char *device, const char *member)
{
  struct th_resp *r;
  json_t *e = entry_json(entry, &r);
  cr_assert_str_eq(json_string_value(json_object_get(e, "status")), "held", "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(e, "held_device")), device, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(e, "member")), member);
  double until = ds_time(json_string_value(json_object_get(e, "held_until")));
  double now = atof(ds_sql("SELECT extract(epoch FROM rl_now())"));
  cr_assert(until > now + 3 * 86400 - 120 && until < now + 3 * 86400 + 120, "held for 3 days: %s",
            r->body);
  cr_assert(json_is_null(json_object_get(e, "ended_at")));
  th_free(r);

  /* The device shows the hold to a volunteer, not to a reader. */
  r = ds_get(ds_vol(), device);
  json_t *hold = json_object_get(r->json, "hold");
  cr_assert(json_is_object(hold), "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(hold, "member")), member, "%s", r->body);
  cr_assert_eq(ds_time(json_string_value(json_object_get(hold, "until"))), until, "%s", r->body);
  cr_assert_str_eq(th_str(r, "status"), "available");
  th_free(r);
  r = ds_get(ds_reader(), device);
  cr_assert_eq(r->status, 200);
  hold = json_object_get(r->json, "hold");
  cr_assert(hold == NULL || json_is_null(hold), "a reader sees no hold: %s", r->body);
  cr_assert_null(strstr(r->body, member), "%s", r->body);
  th_free(r);
}

static long position(long entry)
{
  struct th_resp *r;
  json_t *e = entry_json(entry, &r);
  json_t *p = json_object_get(e, "position");
  long n = json_is_integer(p) ? (long)json_integer_value(p) : 0;
  th_free(r);
  return n;
}

Test(waitlist, join_in_line_order, .init = setup)
{
  const char *cat = "tablet";
  char m[3][NUMBER_CAP];
  long id[3];
  for (int i = 0; i < 3; i++) {
    ls_member(m[i], -1);
    struct th_resp *r = ls_join(m[i], cat, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    id[i] = ls_int(r, "id");
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/waitlist/%ld", id[i]);
    cr_assert_str_eq(th_header(r, "Location"), loc);
    cr_assert_str_eq(th_str(r, "status"), "waiting");
    cr_assert_str_eq(th_str(r, "member"), m[i]);
    cr_assert_str_eq(th_str(r, "category"), cat);
    cr_assert(json_is_null(json_object_get(r->json, "site")), "%s", r->body);
    cr_assert(json_is_null(json_object_get(r->json, "held_device")));
    cr_assert_eq(ls_int(r, "position"), i + 1, "%s", r->body);
    th_free(r);
  }
  for (int i = 0; i < 3; i++)
    cr_assert_eq(position(id[i]), i + 1);

  /* The list: the line in order. */
  struct th_resp *r = th_req("GET", "/api/v1/waitlist?category=tablet", ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 3, "%s", r->body);
  for (size_t i = 0; i < 3; i++)
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, i), "id")), id[i]);
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/waitlist?member=%s", m[1]);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  th_free(r);

  /* Already in this line: 409, nothing stored. */
  r = ls_join(m[0], cat, NULL);
  ls_assert_refused(r, NULL, "already_waiting");
  th_free(r);
  r = ls_join(m[0], cat, g_site);
  ls_assert_refused(r, NULL, "already_waiting");
  th_free(r);
  char body[16];
  ls_number_body(body, sizeof body, m[0]);
  cr_assert_eq(ds_count("SELECT count(*) FROM waitlist w JOIN members m ON m.id = w.member_id"
                        " WHERE m.number_body = '%s'",
                        body),
               1);

  /* Leaving moves the others up. */
  snprintf(path, sizeof path, "/api/v1/waitlist/%ld", id[0]);
  r = th_req("DELETE", path, ds_vol(), NULL, NULL);
  cr_assert(r->status == 200 || r->status == 204, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ls_entry_status(id[0]), "left");
  cr_assert_eq(position(id[0]), 0, "no position once ended");
  cr_assert_eq(position(id[1]), 1);
  cr_assert_eq(position(id[2]), 2);
  r = th_req("GET", "/api/v1/waitlist?category=tablet", ds_reader(), NULL, NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 2, "%s", r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/waitlist?category=tablet&status=all", ds_reader(), NULL, NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 3, "%s", r->body);
  th_free(r);
  /* ...and may join again, at the back. */
  long again = ls_join_ok(m[0], cat, NULL);
  cr_assert_eq(position(again), 3);
}

Test(waitlist, bad_joins, .init = setup)
{
  char m[NUMBER_CAP], typo[NUMBER_CAP];
  ls_member(m, -1);
  ls_typo(typo, sizeof typo, m);
  struct th_resp *r = ls_join(typo, "tablet", NULL);
  ls_assert_invalid(r, "member", "check_character_mismatch");
  th_free(r);
  r = ls_join(m, "no-such-category", NULL);
  ls_assert_invalid(r, "category", "unknown_category");
  th_free(r);
  r = ls_join(m, "tablet", "no-such-site");
  ls_assert_invalid(r, "site", "unknown_site");
  th_free(r);
  r = th_reqf("POST", "/api/v1/waitlist", ds_vol(),
              "{\"member\":\"%s\",\"category\":\"tablet\",\"colour\":1}", m);
  ls_assert_invalid(r, "colour", "unknown_field");
  th_free(r);
  r = th_reqf("POST", "/api/v1/waitlist", ds_reader(),
              "{\"member\":\"%s\",\"category\":\"tablet\"}", m);
  cr_assert(th_is_problem(r, 403), "%ld", r->status);
  th_free(r);
  char body[16];
  ls_number_body(body, sizeof body, m);
  cr_assert_eq(ds_count("SELECT count(*) FROM waitlist w JOIN members m ON m.id = w.member_id"
                        " WHERE m.number_body = '%s'",
                        body),
               0);
  char suspended[NUMBER_CAP];
  ls_member(suspended, -1);
  ls_member_move(suspended, "suspended");
  r = ls_join(suspended, "tablet", NULL);
  ls_assert_refused(r, NULL, "member_suspended");
  th_free(r);
  r = th_req("GET", "/api/v1/waitlist/999999999", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld", r->status);
  th_free(r);
  r = th_req("GET", "/api/v1/waitlist?status=gone", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld", r->status);
  th_free(r);
}

Test(waitlist, a_repaired_device_is_held_for_the_head_of_the_line, .init = setup)
{
  const char *cat = "desktop-computer";
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, NULL), eb = ls_join_ok(b, cat, NULL);
  ls_intake(dev, "donation", cat, g_site);
  ls_to_repaired(dev);
  cr_assert_str_eq(ls_entry_status(ea), "waiting", "repaired is not available yet");
  struct th_resp *r = ds_move(dev, "available");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  assert_holds(ea, dev, a);
  cr_assert_str_eq(ls_entry_status(eb), "waiting");
  cr_assert_eq(position(ea), 1);
  cr_assert_eq(position(eb), 2);

  /* Someone else: refused, nothing stored. */
  r = ls_lend(dev, b, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
  cr_assert_eq(ls_db_unreturned(b), 0);
  cr_assert_str_eq(ls_entry_status(eb), "waiting");

  /* The holder: lent, the entry served. */
  r = ls_lend(dev, a, "");
  cr_assert_eq(r->status, 201, "%s", r->body);
  long loan = ls_int(r, "id");
  th_free(r);
  r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "served", "%s", r->body);
  cr_assert_eq(ls_int(r, "loan_id"), loan, "%s", r->body);
  cr_assert_gt(ds_time(th_str(r, "ended_at")), 0, "%s", r->body);
  cr_assert(json_is_null(json_object_get(r->json, "position")), "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev), "on_loan");
  r = ds_get(ds_vol(), dev);
  json_t *hold = json_object_get(r->json, "hold");
  cr_assert(hold == NULL || json_is_null(hold), "no hold on a lent device: %s", r->body);
  th_free(r);
  cr_assert_eq(position(eb), 1, "b is now the head of the line");
}

Test(waitlist, a_device_returned_ok_is_held_for_the_head_of_the_line, .init = setup)
{
  const char *cat = "printer-scanner";
  char borrower[NUMBER_CAP], a[NUMBER_CAP], dev[CODE_CAP];
  ls_member(borrower, -1);
  ls_member(a, -1);
  ls_device(dev, cat, g_site);
  long loan = ls_lend_ok(dev, borrower, "");
  long ea = ls_join_ok(a, cat, NULL);
  cr_assert_str_eq(ls_entry_status(ea), "waiting");
  struct th_resp *r = ls_return(loan, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  assert_holds(ea, dev, a);
  /* The borrower cannot take it back meanwhile. */
  r = ls_lend(dev, borrower, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
}

Test(waitlist, a_device_returned_for_a_check_is_not_held, .init = setup)
{
  const char *c = "hifi-integrated";
  char borrower[NUMBER_CAP], a[NUMBER_CAP], dev[CODE_CAP];
  ls_member(borrower, -1);
  ls_member(a, -1);
  ls_device(dev, c, g_site);
  long loan = ls_lend_ok(dev, borrower, "");
  long ea = ls_join_ok(a, c, NULL);
  struct th_resp *r = ls_return(loan, "{\"condition\":\"needs_check\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ls_entry_status(ea), "waiting", "a device in diagnosis is held for no one");
  /* Checked and available again: now it is. */
  static const char *const path[] = {"repaired", "available", NULL};
  ds_drive(dev, path);
  assert_holds(ea, dev, a);
}

Test(waitlist, leaving_passes_the_hold_on, .init = setup)
{
  const char *cat = "sewing-machine";
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, NULL), eb = ls_join_ok(b, cat, NULL);
  ls_device(dev, cat, g_site);
  assert_holds(ea, dev, a);
  char path[64];
  snprintf(path, sizeof path, "/api/v1/waitlist/%ld", ea);
  struct th_resp *r = th_req("DELETE", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 403), "a reader cannot: %ld", r->status);
  th_free(r);
  r = th_req("DELETE", path, ds_vol(), NULL, NULL);
  cr_assert(r->status == 200 || r->status == 204, "%ld %s", r->status, r->body);
  th_free(r);
  r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "left", "%s", r->body);
  cr_assert_gt(ds_time(th_str(r, "ended_at")), 0);
  th_free(r);
  assert_holds(eb, dev, b);
  /* Leaving twice is refused. */
  r = th_req("DELETE", path, ds_vol(), NULL, NULL);
  ls_assert_refused(r, NULL, "entry_ended");
  th_free(r);
  cr_assert_str_eq(ls_entry_status(ea), "left");
  /* The last one leaves: the device is free for anyone. */
  snprintf(path, sizeof path, "/api/v1/waitlist/%ld", eb);
  r = th_req("DELETE", path, ds_vol(), NULL, NULL);
  cr_assert(r->status == 200 || r->status == 204, "%ld %s", r->status, r->body);
  th_free(r);
  r = ds_get(ds_vol(), dev);
  json_t *hold = json_object_get(r->json, "hold");
  cr_assert(hold == NULL || json_is_null(hold), "%s", r->body);
  th_free(r);
  ls_lend_ok(dev, a, "");
}

Test(waitlist, a_free_device_is_held_at_once, .init = setup)
{
  const char *cat = "power-tool";
  char a[NUMBER_CAP], dev[CODE_CAP];
  ls_device(dev, cat, g_site);
  ls_member(a, -1);
  struct th_resp *r = ls_join(a, cat, NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert_str_eq(th_str(r, "status"), "held", "%s", r->body);
  cr_assert_str_eq(th_str(r, "held_device"), dev, "%s", r->body);
  long ea = ls_int(r, "id");
  th_free(r);
  assert_holds(ea, dev, a);
}

Test(waitlist, lending_another_device_of_the_category_serves_the_entry, .init = setup)
{
  /* a waits at another site only; a device here is held for no one, and
   * lending it to a ends their place in the line. */
  const char *cat = "headphones";
  char other[96], a[NUMBER_CAP], dev[CODE_CAP];
  ds_site(other, sizeof other, 1);
  ls_member(a, -1);
  long ea = ls_join_ok(a, cat, other);
  ls_device(dev, cat, g_site);
  cr_assert_str_eq(ls_entry_status(ea), "waiting");
  long loan = ls_lend_ok(dev, a, "");
  struct th_resp *r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "served", "%s", r->body);
  cr_assert_eq(ls_int(r, "loan_id"), loan, "%s", r->body);
  th_free(r);
  /* A device at the other site later is held for no one: the line is empty. */
  char later[CODE_CAP];
  ls_device(later, cat, other);
  r = ds_get(ds_vol(), later);
  json_t *hold = json_object_get(r->json, "hold");
  cr_assert(hold == NULL || json_is_null(hold), "%s", r->body);
  th_free(r);
}

Test(waitlist, lines_at_one_site, .init = setup)
{
  const char *cat = "watch-clock";
  char other[96], a[NUMBER_CAP], b[NUMBER_CAP], c[NUMBER_CAP], d1[CODE_CAP], d2[CODE_CAP];
  ds_site(other, sizeof other, 1);
  ls_member(a, -1);
  ls_member(b, -1);
  ls_member(c, -1);
  long ea = ls_join_ok(a, cat, other);  /* first, but only at the other site */
  long eb = ls_join_ok(b, cat, g_site); /* second, at this site */
  long ec = ls_join_ok(c, cat, NULL);   /* third, anywhere */
  struct th_resp *r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "site"), other, "%s", r->body);
  th_free(r);

  ls_device(d1, cat, g_site);
  assert_holds(eb, d1, b);
  cr_assert_str_eq(ls_entry_status(ea), "waiting", "a waits at the other site");
  cr_assert_str_eq(ls_entry_status(ec), "waiting");

  ls_device(d2, cat, other);
  assert_holds(ea, d2, a);
  cr_assert_str_eq(ls_entry_status(ec), "waiting");

  char path[160];
  snprintf(path, sizeof path, "/api/v1/waitlist?category=%s&site=%s", cat, g_site);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *items = json_object_get(r->json, "items");
  int has_b = 0, has_a = 0;
  size_t i;
  json_t *e;
  json_array_foreach(items, i, e) {
    long id = (long)json_integer_value(json_object_get(e, "id"));
    has_b |= id == eb;
    has_a |= id == ea;
  }
  cr_assert(has_b && !has_a, "the line at this site: %s", r->body);
  th_free(r);
}

Test(waitlist, suspended_members_keep_their_place_but_are_skipped, .init = setup)
{
  const char *cat = "hair-beauty-item";
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, NULL), eb = ls_join_ok(b, cat, NULL);
  ls_member_move(a, "suspended");
  ls_device(dev, cat, g_site);
  assert_holds(eb, dev, b);
  cr_assert_str_eq(ls_entry_status(ea), "waiting", "a keeps their place");
}

Test(waitlist, a_held_device_taken_off_the_shelf_gives_the_hold_back, .init = setup)
{
  const char *cat = "digital-compact-camera";
  char a[NUMBER_CAP], b[NUMBER_CAP], dev[CODE_CAP];
  ls_member(a, -1);
  ls_member(b, -1);
  long ea = ls_join_ok(a, cat, NULL), eb = ls_join_ok(b, cat, NULL);
  ls_device(dev, cat, g_site);
  assert_holds(ea, dev, a);
  struct th_resp *r = ds_move(dev, "diagnosing");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  r = ls_entry_as(ds_reader(), ea);
  cr_assert_str_eq(th_str(r, "status"), "waiting", "a waits again: %s", r->body);
  cr_assert_eq(ls_int(r, "position"), 1, "in their place: %s", r->body);
  cr_assert(json_is_null(json_object_get(r->json, "held_device")), "%s", r->body);
  th_free(r);
  cr_assert_eq(position(eb), 2);
  /* Back on the shelf: held for a again. */
  static const char *const path[] = {"repaired", "available", NULL};
  ds_drive(dev, path);
  assert_holds(ea, dev, a);
}
