/* Loans over HTTP, as a loan desk and an integrator see them (docs/loans.md):
 * lending, every refusal with nothing stored, bad input, renewals, returns
 * and their deposits, the lists (open, overdue, returned, due soon, by
 * member, device and site, paged), and what a reader key is not shown.
 * The shared test server runs with the default settings (28 days, at most
 * 90, 2 renewals, 2 loans a member, holds of 3 days, no renewal past 7 days
 * overdue, Europe/Paris). Overdue loans are made by moving their dates back
 * (ls_set_due), never the shared clock: these tests run in parallel. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"
#include "tests/integration/loan_support.h"

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

/* The loan's device and member stay as they were: no loan, no event, the
 * device available, the member's count unchanged. */
static void assert_nothing_stored(const char *device, const char *member, long open_before)
{
  cr_assert_eq(ds_count("SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
                        " WHERE d.code = '%s'",
                        device),
               0, "no loan stored for %s", device);
  cr_assert_eq(ls_db_open_loans(member), open_before, "open_loans of %s unchanged", member);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
                        " WHERE d.code = '%s' AND e.to_status = 'on_loan'",
                        device),
               0, "no on_loan event for %s", device);
}

Test(loans, lend_a_device, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  struct th_resp *r = ls_lend(dev, mem,
                              ",\"checkout_condition\":\"small scratch on the lid\","
                              "\"note\":\"for her training\"");
  cr_assert_eq(r->status, 201, "%s", r->body);
  long id = ls_int(r, "id");
  char loc[64];
  snprintf(loc, sizeof loc, "/api/v1/loans/%ld", id);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_not_null(th_header(r, "ETag"));
  cr_assert_str_eq(th_str(r, "device"), dev);
  cr_assert_str_eq(th_str(r, "member"), mem);
  cr_assert_str_eq(th_str(r, "category"), "laptop");
  cr_assert_str_eq(th_str(r, "site"), g_site);
  cr_assert_str_eq(th_str(r, "status"), "open");
  cr_assert_str_eq(th_str(r, "start_date"), ls_date(0));
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(28), "default: today + REPAIRD_LOAN_DAYS");
  cr_assert_eq(ls_int(r, "days_overdue"), 0);
  cr_assert_eq(ls_int(r, "renewals"), 0);
  cr_assert_eq(ls_int(r, "renewals_left"), 2);
  cr_assert_str_eq(th_str(r, "checkout_condition"), "small scratch on the lid");
  cr_assert(json_is_null(json_object_get(r->json, "deposit")), "%s", r->body);
  cr_assert(json_is_null(json_object_get(r->json, "returned_at")));
  cr_assert(json_is_null(json_object_get(r->json, "return_condition")));
  cr_assert_gt(ds_time(th_str(r, "started_at")), 0);
  const char *url = th_str(r, "public_url");
  cr_assert(url && strstr(url, "/l/"), "a volunteer sees the public page: %s", r->body);
  th_free(r);

  cr_assert_str_eq(ls_device_status(dev), "on_loan");
  cr_assert_eq(ls_open_loans(mem), 1);
  cr_assert_eq(ls_db_open_loans(mem), 1);

  /* The device's history: available -> on_loan, noting the loan. */
  char path[128], idtxt[24];
  snprintf(idtxt, sizeof idtxt, "%ld", id);
  snprintf(path, sizeof path, "/api/v1/devices/%s/history", dev);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *items = json_object_get(r->json, "items"), *e, *found = NULL;
  size_t i;
  json_array_foreach(items, i, e) {
    const char *to = json_string_value(json_object_get(e, "to"));
    if (to && strcmp(to, "on_loan") == 0)
      found = e;
  }
  cr_assert_not_null(found, "an on_loan move in the history: %s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(found, "type")), "transition");
  cr_assert_str_eq(json_string_value(json_object_get(found, "from")), "available");
  const char *note = json_string_value(json_object_get(found, "note"));
  cr_assert(note && (strstr(note, idtxt) || strcasestr(note, "loan")),
            "the move notes the loan: %s", r->body);
  th_free(r);

  /* The loan's history: its checkout. */
  snprintf(path, sizeof path, "/api/v1/loans/%ld/history", id);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1, "%s", r->body);
  e = json_array_get(items, 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "checkout");
  cr_assert_str_eq(json_string_value(json_object_get(e, "due_date")), ls_date(28));
  cr_assert_str_eq(json_string_value(json_object_get(e, "note")), "for her training");
  cr_assert_not_null(json_string_value(json_object_get(e, "actor")));
  cr_assert_gt(ds_time(json_string_value(json_object_get(e, "at"))), 0);
  th_free(r);

  /* GET gives the same loan, with an ETag. */
  r = ls_loan_as(ds_vol(), id);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "device"), dev);
  cr_assert_not_null(th_header(r, "ETag"));
  th_free(r);
}

Test(loans, a_due_date_and_a_deposit, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  char extra[160];
  snprintf(extra, sizeof extra,
           ",\"due_date\":\"%s\",\"deposit\":{\"amount\":50,\"method\":\"cash\"}", ls_date(90));
  struct th_resp *r = ls_lend(dev, mem, extra);
  cr_assert_eq(r->status, 201, "the latest due date allowed: %s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(90));
  json_t *dep = json_object_get(r->json, "deposit");
  cr_assert(json_is_object(dep), "%s", r->body);
  cr_assert_float_eq(json_number_value(json_object_get(dep, "amount")), 50.0, 1e-9);
  cr_assert_str_eq(json_string_value(json_object_get(dep, "currency")), "EUR");
  cr_assert_str_eq(json_string_value(json_object_get(dep, "method")), "cash");
  cr_assert(json_is_null(json_object_get(dep, "outcome")));
  long id = ls_int(r, "id");
  th_free(r);
  cr_assert_str_eq(
      ds_sql("SELECT deposit_amount || ' ' || deposit_method FROM loans WHERE id = %ld", id),
      "50.00 cash");

  /* Due today is allowed too. */
  char dev2[CODE_CAP];
  ls_device(dev2, "laptop", g_site);
  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", ls_date(0));
  r = ls_lend(dev2, mem, extra);
  cr_assert_eq(r->status, 201, "due today: %s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(0));
  cr_assert_eq(ls_int(r, "days_overdue"), 0);
  cr_assert_str_eq(th_str(r, "status"), "open");
  th_free(r);
}

Test(loans, a_replayed_checkout_lends_once, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], body[160];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  snprintf(body, sizeof body, "{\"device\":\"%s\",\"member\":\"%s\"}", dev, mem);
  char hdr[128];
  snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", th_unique("loan-"));
  const char *extra[] = {hdr, NULL};
  struct th_resp *a = th_req("POST", "/api/v1/loans", ds_vol(), body, extra);
  struct th_resp *b = th_req("POST", "/api/v1/loans", ds_vol(), body, extra);
  cr_assert_eq(a->status, 201, "%s", a->body);
  cr_assert_eq(b->status, 201, "the replay: %s", b->body);
  cr_assert_str_eq(th_header(b, "Idempotent-Replayed"), "true");
  cr_assert_eq(ls_int(a, "id"), ls_int(b, "id"));
  th_free(a);
  th_free(b);
  cr_assert_eq(ds_count("SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
                        " WHERE d.code = '%s'",
                        dev),
               1);
  cr_assert_eq(ls_db_open_loans(mem), 1);
}

Test(loans, who_may_lend, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  struct th_resp *r = ls_lend_as(ds_reader(), dev, mem, "");
  cr_assert(th_is_problem(r, 403), "a reader cannot lend: %ld %s", r->status, r->body);
  th_free(r);
  r = ls_lend_as(NULL, dev, mem, "");
  cr_assert(th_is_problem(r, 401), "no key: %ld", r->status);
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_device_status(dev), "available");
}

Test(loans, a_residents_own_device_is_never_lent, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_intake(dev, "repair", "laptop", g_site);
  ls_member(mem, -1);
  struct th_resp *r = ls_lend(dev, mem, "");
  ls_assert_refused(r, "device", "not_a_donation");
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_device_status(dev), "received");
}

Test(loans, only_an_available_device_is_lent, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], other[NUMBER_CAP];
  ls_intake(dev, "donation", "laptop", g_site);
  ls_to_repaired(dev);
  ls_member(mem, -1);
  struct th_resp *r = ls_lend(dev, mem, "");
  ls_assert_refused(r, "device", "device_not_available");
  const char *msg = NULL;
  json_t *e0 = json_array_get(json_object_get(r->json, "errors"), 0);
  msg = json_string_value(json_object_get(e0, "message"));
  cr_assert(msg && strstr(msg, "repaired"), "the message says its status: %s", r->body);
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_device_status(dev), "repaired");

  /* On loan already: never on two loans. */
  char lent[CODE_CAP];
  ls_device(lent, "laptop", g_site);
  ls_lend_ok(lent, mem, "");
  ls_member(other, -1);
  r = ls_lend(lent, other, "");
  ls_assert_refused(r, "device", "device_not_available");
  th_free(r);
  cr_assert_eq(ls_db_open_loans(other), 0);
  cr_assert_eq(ds_count("SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
                        " WHERE d.code = '%s'",
                        lent),
               1);
}

Test(loans, a_suspended_member_cannot_borrow, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  ls_member_move(mem, "suspended");
  struct th_resp *r = ls_lend(dev, mem, "");
  ls_assert_refused(r, "member", "member_suspended");
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_device_status(dev), "available");
  ls_member_move(mem, "active");
  ls_lend_ok(dev, mem, "");
}

Test(loans, a_member_never_exceeds_their_limit, .init = setup)
{
  char d[3][CODE_CAP], mem[NUMBER_CAP];
  for (int i = 0; i < 3; i++)
    ls_device(d[i], "laptop", g_site);
  ls_member(mem, -1); /* REPAIRD_LOAN_LIMIT: 2 */
  ls_lend_ok(d[0], mem, "");
  ls_lend_ok(d[1], mem, "");
  struct th_resp *r = ls_lend(d[2], mem, "");
  ls_assert_refused(r, "member", "loan_limit_reached");
  th_free(r);
  assert_nothing_stored(d[2], mem, 2);
  cr_assert_str_eq(ls_device_status(d[2]), "available");

  /* A limit of 0 lends nothing; a limit of 3 lends a third. */
  char none[NUMBER_CAP], three[NUMBER_CAP];
  ls_member(none, 0);
  r = ls_lend(d[2], none, "");
  ls_assert_refused(r, "member", "loan_limit_reached");
  th_free(r);
  ls_member(three, 3);
  char e[3][CODE_CAP];
  for (int i = 0; i < 3; i++) {
    ls_device(e[i], "laptop", g_site);
    ls_lend_ok(e[i], three, "");
  }
  cr_assert_eq(ls_open_loans(three), 3);
}

Test(loans, a_device_held_for_a_waiting_member_is_not_lent_to_another, .init = setup)
{
  char dev[CODE_CAP], waiting[NUMBER_CAP], mem[NUMBER_CAP];
  ls_member(waiting, -1);
  ls_member(mem, -1);
  long entry = ls_join_ok(waiting, "toy", g_site);
  ls_device(dev, "toy", g_site);
  cr_assert_str_eq(ls_entry_status(entry), "held");
  struct th_resp *r = ls_lend(dev, mem, "");
  ls_assert_refused(r, "device", "held_for_another_member");
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_entry_status(entry), "held");
}

Test(loans, bad_input_is_400_and_stores_nothing, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], typo[NUMBER_CAP], extra[160];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);

  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", ls_date(-1));
  struct th_resp *r = ls_lend(dev, mem, extra);
  ls_assert_invalid(r, "due_date", "in_the_past");
  th_free(r);

  snprintf(extra, sizeof extra, ",\"due_date\":\"%s\"", ls_date(91));
  r = ls_lend(dev, mem, extra);
  ls_assert_invalid(r, "due_date", "beyond_max_period");
  th_free(r);

  r = ls_lend(dev, mem, ",\"due_date\":\"2026-02-30\"");
  ls_assert_invalid(r, "due_date", "not_a_date");
  th_free(r);

  r = ls_lend(dev, mem, ",\"deposit\":{\"amount\":0,\"method\":\"cash\"}");
  ls_assert_invalid(r, "deposit.amount", "out_of_range");
  th_free(r);
  r = ls_lend(dev, mem, ",\"deposit\":{\"amount\":-5,\"method\":\"cash\"}");
  ls_assert_invalid(r, "deposit.amount", "out_of_range");
  th_free(r);
  r = ls_lend(dev, mem, ",\"deposit\":{\"amount\":5,\"method\":\"bitcoin\"}");
  ls_assert_invalid(r, "deposit.method", "not_one_of");
  th_free(r);

  r = ls_lend("RL-12", mem, "");
  ls_assert_invalid(r, "device", "not_a_device_code");
  th_free(r);
  char devtypo[CODE_CAP];
  ls_typo(devtypo, sizeof devtypo, dev);
  r = ls_lend(devtypo, mem, "");
  ls_assert_invalid(r, "device", "check_character_mismatch");
  th_free(r);

  ls_typo(typo, sizeof typo, mem);
  r = ls_lend(dev, typo, "");
  ls_assert_invalid(r, "member", "check_character_mismatch");
  th_free(r);
  r = ls_lend(dev, "M-12", "");
  ls_assert_invalid(r, "member", "not_a_member_number");
  th_free(r);

  r = ls_lend(dev, mem, ",\"colour\":\"red\"");
  ls_assert_invalid(r, "colour", "unknown_field");
  th_free(r);
  r = ls_lend(dev, mem, ",\"status\":\"returned\"");
  ls_assert_invalid(r, "status", NULL);
  th_free(r);
  r = th_req("POST", "/api/v1/loans", ds_vol(), "{\"device\":\"x\"", NULL);
  cr_assert(th_is_problem(r, 400), "malformed JSON: %ld %s", r->status, r->body);
  th_free(r);
  r = th_req("POST", "/api/v1/loans", ds_vol(), "{}", NULL);
  ls_assert_invalid(r, "device", "required");
  cr_assert(ls_has_error(r, "member", "required"), "every missing field at once: %s", r->body);
  th_free(r);

  assert_nothing_stored(dev, mem, 0);
  cr_assert_str_eq(ls_device_status(dev), "available");
}

/* docs/loans.md and the API's conventions: validation reports every problem
 * of a request at once (formats, then what it names, then the rules). */
Test(loans, every_bad_field_in_one_reply, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], typo[NUMBER_CAP], devtypo[CODE_CAP], extra[160];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  ls_typo(typo, sizeof typo, mem);
  ls_typo(devtypo, sizeof devtypo, dev);
  struct th_resp *r;
  snprintf(extra, sizeof extra,
           ",\"due_date\":\"%s\",\"deposit\":{\"amount\":0,\"method\":\"cash\"}", ls_date(-3));
  r = ls_lend(devtypo, typo, extra);
  cr_assert(th_is_problem(r, 400), "%s", r->body);
  cr_assert(ds_names_field(r, "device") && ds_names_field(r, "member") &&
                ds_names_field(r, "due_date") && ds_names_field(r, "deposit.amount"),
            "%s", r->body);
  th_free(r);

  assert_nothing_stored(dev, mem, 0);
}

Test(loans, names_that_name_nothing_are_422, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], unknown[CODE_CAP], gone[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  ls_unknown_code(unknown);
  struct th_resp *r = ls_lend(unknown, mem, "");
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/unprocessable");
  cr_assert(ls_has_error(r, "device", "unknown_device"), "%s", r->body);
  th_free(r);

  /* A real number whose member is no more: well formed, names nobody. */
  ls_member(gone, -1);
  char body[16];
  ls_number_body(body, sizeof body, gone);
  cr_assert_not_null(ds_sql("DELETE FROM members WHERE number_body = '%s'", body));
  r = ls_lend(dev, gone, "");
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  cr_assert(ls_has_error(r, "member", "unknown_member"), "%s", r->body);
  th_free(r);
  assert_nothing_stored(dev, mem, 0);
}

Test(loans, member_numbers_read_as_typed, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], body[16], typed[40];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  ls_number_body(body, sizeof body, mem);
  /* lower case, no prefix, no dashes */
  for (size_t i = 0; body[i]; i++)
    typed[i] = (char)tolower((unsigned char)body[i]), typed[i + 1] = '\0';
  struct th_resp *r = ls_lend(dev, typed, "");
  cr_assert_eq(r->status, 201, "%s as %s: %s", mem, typed, r->body);
  cr_assert_str_eq(th_str(r, "member"), mem, "the number as printed");
  th_free(r);
}

Test(loans, renewals, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], body[96];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long id = ls_lend_ok(dev, mem, "");

  /* Default: 28 days after the later of today and the due date. */
  struct th_resp *r = ls_renew(id, "{\"note\":\"exams\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(56));
  cr_assert_eq(ls_int(r, "renewals"), 1);
  cr_assert_eq(ls_int(r, "renewals_left"), 1);
  cr_assert_str_eq(th_str(r, "status"), "open");
  th_free(r);

  /* Not after the current due date, or beyond the maximum: 400. */
  snprintf(body, sizeof body, "{\"due_date\":\"%s\"}", ls_date(56));
  r = ls_renew(id, body);
  ls_assert_invalid(r, "due_date", "not_after_due_date");
  th_free(r);
  snprintf(body, sizeof body, "{\"due_date\":\"%s\"}", ls_date(91));
  r = ls_renew(id, body);
  ls_assert_invalid(r, "due_date", "beyond_max_period");
  th_free(r);
  r = ls_renew(id, "{\"colour\":1}");
  ls_assert_invalid(r, "colour", "unknown_field");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT renewals || ' ' || due_date FROM loans WHERE id = %ld", id),
                   ds_sql("SELECT '1 ' || ((rl_now() AT TIME ZONE 'Europe/Paris')::date + 56)"));

  snprintf(body, sizeof body, "{\"due_date\":\"%s\"}", ls_date(80));
  r = ls_renew(id, body);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(80));
  cr_assert_eq(ls_int(r, "renewals"), 2);
  cr_assert_eq(ls_int(r, "renewals_left"), 0);
  th_free(r);

  snprintf(body, sizeof body, "{\"due_date\":\"%s\"}", ls_date(88));
  r = ls_renew(id, body);
  ls_assert_refused(r, "", "renewal_limit_reached");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT renewals || ' ' || due_date FROM loans WHERE id = %ld", id),
                   ds_sql("SELECT '2 ' || ((rl_now() AT TIME ZONE 'Europe/Paris')::date + 80)"),
                   "a refused renewal stores nothing");

  /* A renewal does not move the device: one move to on_loan in its history. */
  char dpath[128];
  snprintf(dpath, sizeof dpath, "/api/v1/devices/%s/history", dev);
  r = th_req("GET", dpath, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *evs = json_object_get(r->json, "items"), *ev;
  size_t k;
  int moves = 0;
  json_array_foreach(evs, k, ev) {
    const char *to = json_string_value(json_object_get(ev, "to"));
    moves += to && strcmp(to, "on_loan") == 0;
  }
  cr_assert_eq(moves, 1, "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev), "on_loan");

  /* The history: checkout, then each renewal with its new due date. */
  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/history", id);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 3, "%s", r->body);
  json_t *e1 = json_array_get(items, 1), *e2 = json_array_get(items, 2);
  cr_assert_str_eq(json_string_value(json_object_get(e1, "type")), "renewal");
  cr_assert_str_eq(json_string_value(json_object_get(e1, "due_date")), ls_date(56));
  cr_assert_str_eq(json_string_value(json_object_get(e1, "note")), "exams");
  cr_assert_str_eq(json_string_value(json_object_get(e2, "type")), "renewal");
  cr_assert_str_eq(json_string_value(json_object_get(e2, "due_date")), ls_date(80));
  th_free(r);
}

Test(loans, no_renewal_while_others_wait_and_nothing_is_free, .init = setup)
{
  /* projector: a category no other test lends or waits for. */
  char dev[CODE_CAP], mem[NUMBER_CAP], waiting[NUMBER_CAP];
  ls_device(dev, "projector", g_site);
  ls_member(mem, -1);
  ls_member(waiting, -1);
  long id = ls_lend_ok(dev, mem, "");
  long entry = ls_join_ok(waiting, "projector", g_site);
  cr_assert_str_eq(ls_entry_status(entry), "waiting");
  struct th_resp *r = ls_renew(id, "{}");
  ls_assert_refused(r, "", "others_waiting");
  th_free(r);
  cr_assert_eq(ds_count("SELECT renewals FROM loans WHERE id = %ld", id), 0);

  /* Another projector comes: held for the waiting member, who no longer
   * needs this one. */
  char other[CODE_CAP];
  ls_device(other, "projector", g_site);
  cr_assert_str_eq(ls_entry_status(entry), "held");
  r = ls_renew(id, "{}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(ls_int(r, "renewals"), 1);
  th_free(r);
}

Test(loans, no_renewal_past_seven_days_overdue, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long id = ls_lend_ok(dev, mem, "");
  ls_set_due(id, -8);
  struct th_resp *r = ls_loan_as(ds_reader(), id);
  cr_assert_str_eq(th_str(r, "status"), "overdue", "%s", r->body);
  cr_assert_eq(ls_int(r, "days_overdue"), 8);
  th_free(r);
  r = ls_renew(id, "{}");
  ls_assert_refused(r, "", "too_overdue");
  th_free(r);
  cr_assert_eq(ds_count("SELECT renewals FROM loans WHERE id = %ld", id), 0);

  /* 7 days overdue is not more than 7: renewed, from today. */
  ls_set_due(id, -7);
  r = ls_renew(id, "{}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "due_date"), ls_date(28));
  cr_assert_str_eq(th_str(r, "status"), "open");
  cr_assert_eq(ls_int(r, "days_overdue"), 0);
  th_free(r);
}

Test(loans, a_suspended_member_cannot_renew, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long id = ls_lend_ok(dev, mem, "");
  ls_member_move(mem, "suspended");
  struct th_resp *r = ls_renew(id, "{}");
  ls_assert_refused(r, "", "member_suspended");
  th_free(r);
  /* ...but returns as usual. */
  r = ls_return(id, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  cr_assert_eq(ls_db_open_loans(mem), 0);
}

static void check_return(const char *condition, const char *device_status)
{
  char dev[CODE_CAP], mem[NUMBER_CAP], body[96];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long id = ls_lend_ok(dev, mem, "");
  snprintf(body, sizeof body, "{\"condition\":\"%s\",\"note\":\"back\"}", condition);
  struct th_resp *r = ls_return(id, body);
  cr_assert_eq(r->status, 200, "%s: %s", condition, r->body);
  cr_assert_str_eq(th_str(r, "status"), "returned");
  cr_assert_str_eq(th_str(r, "return_condition"), condition);
  cr_assert_str_eq(th_str(r, "return_note"), "back");
  cr_assert_gt(ds_time(th_str(r, "returned_at")), 0);
  cr_assert_eq(ls_int(r, "days_overdue"), 0);
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev), device_status, "%s", condition);
  cr_assert_eq(ls_open_loans(mem), 0);
  cr_assert_eq(ls_db_unreturned(mem), 0);

  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/history", id);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  json_t *items = json_object_get(r->json, "items");
  json_t *last = json_array_get(items, json_array_size(items) - 1);
  cr_assert_str_eq(json_string_value(json_object_get(last, "type")), "return", "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(last, "condition")), condition);
  th_free(r);

  /* Twice: refused; a returned loan is not renewed either. */
  r = ls_return(id, "{\"condition\":\"ok\"}");
  ls_assert_refused(r, "", "loan_returned");
  th_free(r);
  r = ls_renew(id, "{}");
  ls_assert_refused(r, "", "loan_returned");
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev), device_status, "the refusals changed nothing");
  cr_assert_str_eq(
      ds_sql("SELECT return_condition || ' ' || renewals FROM loans WHERE id = %ld", id),
      ds_sql("SELECT '%s 0'", condition));
}

Test(loans, return_ok_makes_it_available, .init = setup) { check_return("ok", "available"); }
Test(loans, return_needs_check_sends_it_to_diagnosis, .init = setup)
{
  check_return("needs_check", "diagnosing");
}
Test(loans, return_lost_is_final, .init = setup) { check_return("lost", "lost"); }

Test(loans, a_returned_device_is_lent_again, .init = setup)
{
  char dev[CODE_CAP], a[NUMBER_CAP], b[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(a, -1);
  ls_member(b, -1);
  long first = ls_lend_ok(dev, a, "");
  struct th_resp *r = ls_return(first, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  long second = ls_lend_ok(dev, b, "");
  cr_assert_neq(first, second);
  cr_assert_str_eq(ls_device_status(dev), "on_loan");
}

Test(loans, bad_returns_are_400, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(mem, -1);
  long id = ls_lend_ok(dev, mem, "");
  struct th_resp *r = ls_return(id, "{\"condition\":\"broken\"}");
  ls_assert_invalid(r, "condition", "not_one_of");
  th_free(r);
  r = ls_return(id, "{}");
  ls_assert_invalid(r, "condition", "required");
  th_free(r);
  r = ls_return(id, "{\"condition\":\"ok\",\"deposit\":\"returned\"}");
  ls_assert_invalid(r, "deposit", "no_deposit");
  th_free(r);
  r = ls_return(999999999, "{\"condition\":\"ok\"}");
  cr_assert(th_is_problem(r, 404), "no such loan: %ld %s", r->status, r->body);
  th_free(r);
  r = ls_loan_as(ds_reader(), 999999999);
  cr_assert(th_is_problem(r, 404), "%ld", r->status);
  th_free(r);
  r = th_req("GET", "/api/v1/loans/abc", ds_reader(), NULL, NULL);
  cr_assert(r->status == 404 || r->status == 400, "%ld", r->status);
  th_free(r);
  cr_assert_str_eq(ls_device_status(dev), "on_loan", "nothing returned");
  cr_assert_eq(ls_db_unreturned(mem), 1);
}

Test(loans, a_deposit_is_returned_or_kept, .init = setup)
{
  char d1[CODE_CAP], d2[CODE_CAP], mem[NUMBER_CAP];
  const char *dep = ",\"deposit\":{\"amount\":20.5,\"method\":\"card\"}";
  ls_device(d1, "laptop", g_site);
  ls_device(d2, "laptop", g_site);
  ls_member(mem, -1);
  long kept = ls_lend_ok(d1, mem, dep), back = ls_lend_ok(d2, mem, dep);

  struct th_resp *r = ls_return(kept, "{\"condition\":\"lost\"}");
  ls_assert_invalid(r, "deposit", "required");
  th_free(r);
  cr_assert_str_eq(ls_device_status(d1), "on_loan");
  r = ls_return(kept, "{\"condition\":\"lost\",\"deposit\":\"maybe\"}");
  ls_assert_invalid(r, "deposit", "not_one_of");
  th_free(r);

  r = ls_return(kept, "{\"condition\":\"lost\",\"deposit\":\"kept\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  json_t *d = json_object_get(r->json, "deposit");
  cr_assert_str_eq(json_string_value(json_object_get(d, "outcome")), "kept", "%s", r->body);
  cr_assert_float_eq(json_number_value(json_object_get(d, "amount")), 20.5, 1e-9);
  th_free(r);
  cr_assert_str_eq(ls_device_status(d1), "lost");

  r = ls_return(back, "{\"condition\":\"ok\",\"deposit\":\"returned\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  d = json_object_get(r->json, "deposit");
  cr_assert_str_eq(json_string_value(json_object_get(d, "outcome")), "returned");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT string_agg(deposit_outcome, ',' ORDER BY id) FROM loans"
                          " WHERE id IN (%ld, %ld)",
                          kept, back),
                   kept < back ? "kept,returned" : "returned,kept");

  char path[96];
  snprintf(path, sizeof path, "/api/v1/loans/%ld/history", kept);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  json_t *items = json_object_get(r->json, "items");
  json_t *last = json_array_get(items, json_array_size(items) - 1);
  cr_assert_str_eq(json_string_value(json_object_get(last, "deposit")), "kept", "%s", r->body);
  th_free(r);
}

/* The ids of a list reply's items, in order, into ids (at most cap). */
static size_t list_ids(const struct th_resp *r, long *ids, size_t cap)
{
  json_t *items = json_object_get(r->json, "items"), *e;
  size_t i, n = 0;
  json_array_foreach(items, i, e) {
    if (n < cap)
      ids[n++] = (long)json_integer_value(json_object_get(e, "id"));
  }
  return n;
}

static struct th_resp *list(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct th_resp *list(const char *key, const char *fmt, ...)
{
  char q[512], path[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "/api/v1/loans?%s", q);
  struct th_resp *r = th_req("GET", path, key, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  return r;
}

Test(loans, lists, .init = setup)
{
  char d[5][CODE_CAP], a[NUMBER_CAP], b[NUMBER_CAP], c[NUMBER_CAP];
  for (int i = 0; i < 5; i++)
    ls_device(d[i], "laptop", g_site);
  ls_member(a, 5);
  ls_member(b, 5);
  ls_member(c, 5);
  char e3[48], e10[48];
  snprintf(e3, sizeof e3, ",\"due_date\":\"%s\"", ls_date(3));
  snprintf(e10, sizeof e10, ",\"due_date\":\"%s\"", ls_date(10));
  long l0 = ls_lend_ok(d[0], a, "");  /* overdue by 2 */
  long l1 = ls_lend_ok(d[1], a, e10); /* due in 10 days */
  long l2 = ls_lend_ok(d[2], b, "");  /* overdue by 5 */
  long l3 = ls_lend_ok(d[3], b, e3);  /* due in 3 days */
  long l4 = ls_lend_ok(d[4], c, "");  /* returned */
  ls_set_due(l0, -2);
  ls_set_due(l2, -5);
  struct th_resp *r = ls_return(l4, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200);
  th_free(r);

  long ids[16];
  size_t n;
  /* Open (the default): newest first, the returned one left out. */
  r = list(ds_reader(), "site=%s", g_site);
  n = list_ids(r, ids, 16);
  cr_assert_eq(n, 4, "%s", r->body);
  cr_assert(ids[0] == l3 && ids[1] == l2 && ids[2] == l1 && ids[3] == l0, "%s", r->body);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);
  r = list(ds_reader(), "site=%s&status=open", g_site);
  cr_assert_eq(list_ids(r, ids, 16), 4);
  th_free(r);

  /* Overdue: oldest due first, with the days. */
  r = list(ds_reader(), "site=%s&status=overdue", g_site);
  n = list_ids(r, ids, 16);
  cr_assert_eq(n, 2, "%s", r->body);
  cr_assert(ids[0] == l2 && ids[1] == l0, "%s", r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "days_overdue")), 5);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 1), "days_overdue")), 2);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "status")),
                   "overdue");
  th_free(r);

  /* Returned, and all. */
  r = list(ds_reader(), "site=%s&status=returned", g_site);
  n = list_ids(r, ids, 16);
  cr_assert(n == 1 && ids[0] == l4, "%s", r->body);
  th_free(r);
  r = list(ds_reader(), "site=%s&status=all", g_site);
  cr_assert_eq(list_ids(r, ids, 16), 5, "%s", r->body);
  th_free(r);

  /* By member and by device (another site's loans too). */
  r = list(ds_reader(), "member=%s", b);
  n = list_ids(r, ids, 16);
  cr_assert(n == 2 && ids[0] == l3 && ids[1] == l2, "%s", r->body);
  th_free(r);
  r = list(ds_reader(), "member=%s&status=all", c);
  n = list_ids(r, ids, 16);
  cr_assert(n == 1 && ids[0] == l4, "%s", r->body);
  th_free(r);
  r = list(ds_reader(), "device=%s", d[1]);
  n = list_ids(r, ids, 16);
  cr_assert(n == 1 && ids[0] == l1, "%s", r->body);
  th_free(r);

  /* A reader sees no public page. */
  r = list(ds_reader(), "site=%s&status=all", g_site);
  items = json_object_get(r->json, "items");
  json_t *e;
  size_t i;
  json_array_foreach(items, i, e)
    cr_assert_null(json_object_get(e, "public_url"), "%s", r->body);
  th_free(r);
  r = list(ds_vol(), "site=%s", g_site);
  items = json_object_get(r->json, "items");
  json_array_foreach(items, i, e)
    cr_assert_not_null(json_object_get(e, "public_url"));
  th_free(r);

  /* Bad parameters: 400. */
  const char *bad[] = {"status=late", "due_within_days=-1", "due_within_days=x", "limit=0",
                       "stauts=open", "member=nobody",      "cursor=zzz"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/loans?%s", bad[k]);
    r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[k], r->status, r->body);
    th_free(r);
  }
}

/* Due soon: open loans due from today to N days ahead, by due date; an
 * overdue loan is not due soon (it is overdue). */
Test(loans, the_due_soon_list, .init = setup)
{
  char d[4][CODE_CAP], a[NUMBER_CAP];
  for (int i = 0; i < 4; i++)
    ls_device(d[i], "laptop", g_site);
  ls_member(a, 5);
  char e0[48], e3[48], e10[48];
  snprintf(e0, sizeof e0, ",\"due_date\":\"%s\"", ls_date(0));
  snprintf(e3, sizeof e3, ",\"due_date\":\"%s\"", ls_date(3));
  snprintf(e10, sizeof e10, ",\"due_date\":\"%s\"", ls_date(10));
  long l1 = ls_lend_ok(d[0], a, e10);
  long l3 = ls_lend_ok(d[1], a, e3);
  long late = ls_lend_ok(d[2], a, "");
  long today = ls_lend_ok(d[3], a, e0);
  ls_set_due(late, -2);
  long ids[16];
  size_t n;
  struct th_resp *r;
  r = list(ds_reader(), "site=%s&due_within_days=7", g_site);
  n = list_ids(r, ids, 16);
  cr_assert(n == 2 && ids[0] == today && ids[1] == l3, "%s", r->body);
  th_free(r);
  r = list(ds_reader(), "site=%s&due_within_days=14", g_site);
  n = list_ids(r, ids, 16);
  cr_assert(n == 3 && ids[0] == today && ids[1] == l3 && ids[2] == l1, "%s", r->body);
  th_free(r);

  r = list(ds_reader(), "site=%s&due_within_days=0", g_site);
  n = list_ids(r, ids, 16);
  cr_assert(n == 1 && ids[0] == today, "due today: %s", r->body);
  th_free(r);
}

Test(loans, lists_are_paged, .init = setup)
{
  enum { N = 5 };
  char d[N][CODE_CAP], m[NUMBER_CAP];
  long made[N];
  ls_member(m, N);
  for (int i = 0; i < N; i++) {
    ls_device(d[i], "laptop", g_site);
    made[i] = ls_lend_ok(d[i], m, "");
  }
  long seen[N + 2];
  size_t total = 0;
  char cursor[256] = "";
  int pages = 0;
  do {
    struct th_resp *r = cursor[0] ? list(ds_reader(), "site=%s&limit=2&cursor=%s", g_site, cursor)
                                  : list(ds_reader(), "site=%s&limit=2", g_site);
    size_t n = list_ids(r, seen + total, (size_t)(N + 2) - total);
    cr_assert(n <= 2, "%s", r->body);
    total += n;
    json_t *next = json_object_get(r->json, "next_cursor");
    if (json_is_string(next))
      ds_urlenc(cursor, sizeof cursor, json_string_value(next));
    else
      cursor[0] = '\0';
    th_free(r);
    pages++;
  } while (cursor[0] && pages < 10);
  cr_assert_eq(total, N, "every loan once over the pages");
  cr_assert_eq(pages, 3);
  for (int i = 0; i < N; i++)
    cr_assert_eq(seen[i], made[N - 1 - i], "newest first, page after page");
}

Test(loans, a_reader_sees_no_public_page_and_no_contact, .init = setup)
{
  char dev[CODE_CAP], mem[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  struct th_resp *r = th_req("POST", "/api/v1/members", ds_vol(),
                             "{\"contact\":{\"name\":\"Awa Diallo\",\"email\":\"awa@example.org\"},"
                             "\"notes\":\"prefers mornings\"}",
                             NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  snprintf(mem, sizeof mem, "%s", th_str(r, "number"));
  th_free(r);
  long id = ls_lend_ok(dev, mem, "");

  r = ls_loan_as(ds_reader(), id);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_null(json_object_get(r->json, "public_url"), "%s", r->body);
  cr_assert_null(strstr(r->body, "Awa"), "%s", r->body);
  cr_assert_str_eq(th_str(r, "member"), mem);
  th_free(r);
  r = ls_loan_as(ds_vol(), id);
  cr_assert_not_null(th_str(r, "public_url"), "%s", r->body);
  th_free(r);

  char path[96];
  snprintf(path, sizeof path, "/api/v1/members/%s", mem);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_null(json_object_get(r->json, "contact"), "%s", r->body);
  cr_assert_null(json_object_get(r->json, "notes"), "%s", r->body);
  cr_assert_eq(ls_int(r, "open_loans"), 1);
  th_free(r);
  r = th_req("GET", path, ds_vol(), NULL, NULL);
  json_t *contact = json_object_get(r->json, "contact");
  cr_assert_str_eq(json_string_value(json_object_get(contact, "name")), "Awa Diallo", "%s",
                   r->body);
  th_free(r);
}
