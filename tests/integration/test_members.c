/* Members over HTTP: what is stored, what each role sees and can search,
 * numbers as people type them, edits with If-Match, suspensions and
 * history. */
#include "tests/helpers/th.h"
#include "tests/integration/member_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

Test(members, created_with_contact_kept_apart)
{
  struct contact c;
  fresh_contact(&c);
  char body[512];
  snprintf(body, sizeof body,
           "{\"language\":\"en\",\"loan_limit\":3,\"notes\":\"%s\","
           "\"contact\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}",
           c.notes, c.name, c.email, c.phone);
  struct th_resp *r = post_member(ds_vol(), body, NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  const char *number = th_str(r, "number");
  cr_assert_not_null(number);
  cr_assert(strlen(number) == 9 && strncmp(number, "M-", 2) == 0 && number[5] == '-', "number %s",
            number);
  char num[NUMBER_CAP], loc[96];
  snprintf(num, sizeof num, "%s", number);
  snprintf(loc, sizeof loc, "/api/v1/members/%s", num);
  cr_assert_str_eq(th_header(r, "Location"), loc);
  cr_assert_str_eq(th_header(r, "ETag"), "\"1\"");
  cr_assert_str_eq(th_str(r, "language"), "en");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "loan_limit")), 3);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "open_loans")), 0);
  cr_assert_str_eq(th_str(r, "status"), "active");
  cr_assert_str_eq(th_str(r, "notes"), c.notes);
  json_t *contact = json_object_get(r->json, "contact");
  cr_assert_str_eq(json_string_value(json_object_get(contact, "name")), c.name);
  cr_assert_str_eq(json_string_value(json_object_get(contact, "email")), c.email);
  cr_assert_str_eq(json_string_value(json_object_get(contact, "phone")), c.phone);
  cr_assert_not_null(th_str(r, "created_at"));
  th_free(r);

  char want[320];
  snprintf(want, sizeof want, "%s|%s|%s", c.name, c.email, c.phone);
  cr_assert_str_eq(ds_sql("SELECT c.name||'|'||c.email||'|'||c.phone FROM member_contacts c"
                          " JOIN members m ON m.id = c.member_id WHERE m.number = '%s'",
                          num),
                   want);
  cr_assert_str_eq(ds_sql("SELECT string_agg(e.type, ',') FROM member_events e JOIN members m"
                          " ON m.id = e.member_id WHERE m.number = '%s'",
                          num),
                   "created");

  /* A volunteer sees everything; a reader gets the member without it. */
  r = get_member(ds_vol(), num);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "notes"), c.notes);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "private, no-store");
  th_free(r);
  r = get_member(ds_reader(), num);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "number"), num);
  cr_assert_null(json_object_get(r->json, "contact"));
  cr_assert_null(json_object_get(r->json, "notes"));
  cr_assert_null(strstr(r->body, c.email));
  th_free(r);
}

Test(members, defaults_and_no_contact)
{
  struct th_resp *r = post_member(ds_vol(), "{}", NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "language"), "fr");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "loan_limit")), 2,
               "REPAIRD_LOAN_LIMIT's default");
  cr_assert(json_is_null(json_object_get(r->json, "contact")));
  cr_assert(json_is_null(json_object_get(r->json, "notes")));
  char num[NUMBER_CAP];
  snprintf(num, sizeof num, "%s", th_str(r, "number"));
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM member_contacts c JOIN members m"
                        " ON m.id = c.member_id WHERE m.number = '%s'",
                        num),
               0);
  /* An empty contact is no contact. */
  r = post_member(ds_vol(), "{\"contact\":{}}", NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "contact")));
  th_free(r);
}

Test(members, readers_cannot_register_or_change)
{
  struct th_resp *r = post_member(ds_reader(), "{}", NULL);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  char num[NUMBER_CAP];
  new_member(num, NULL);
  r = move_member(ds_reader(), num, "{\"to\":\"suspended\"}");
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s", num);
  r = th_req("PATCH", path, ds_reader(), "{\"language\":\"en\"}", NULL);
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT status||language FROM members WHERE number = '%s'", num),
                   "activefr");
}

Test(members, numbers_read_as_typed_typos_told_apart_from_unknown)
{
  char num[NUMBER_CAP];
  new_member(num, NULL);
  /* Lower case, no dashes, no prefix: the same member. */
  char typed[NUMBER_CAP];
  snprintf(typed, sizeof typed, "%c%c%c%s", num[2] + 32 * (num[2] >= 'A'),
           num[3] + 32 * (num[3] >= 'A'), num[4] + 32 * (num[4] >= 'A'), num + 6);
  struct th_resp *r = get_member(ds_reader(), typed);
  cr_assert_eq(r->status, 200, "%s: %ld %s", typed, r->status, r->body);
  cr_assert_str_eq(th_str(r, "number"), num);
  th_free(r);

  char typo[NUMBER_CAP];
  mistype(typo, num);
  r = get_member(ds_reader(), typo);
  cr_assert(th_is_problem(r, 400), "%s: %ld %s", typo, r->status, r->body);
  cr_assert_str_eq(error_code(r, "number"), "check_character_mismatch");
  th_free(r);
  r = get_member(ds_reader(), "hello");
  cr_assert(th_is_problem(r, 400));
  cr_assert_str_eq(error_code(r, "number"), "not_a_member_number");
  th_free(r);
  r = move_member(ds_vol(), typo, "{\"to\":\"suspended\"}");
  cr_assert(th_is_problem(r, 400));
  cr_assert_str_eq(error_code(r, "number"), "check_character_mismatch");
  th_free(r);

  /* A well-formed number of nobody: register one, then remove it. */
  char gone[NUMBER_CAP];
  new_member(gone, NULL);
  cr_assert_not_null(ds_sql("DELETE FROM members WHERE number = '%s' RETURNING id", gone));
  r = get_member(ds_reader(), gone);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/history", gone);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
  r = patch_member(gone, "{\"language\":\"en\"}", NULL);
  cr_assert(th_is_problem(r, 404));
  th_free(r);
  r = move_member(ds_vol(), gone, "{\"to\":\"suspended\"}");
  cr_assert(th_is_problem(r, 404));
  th_free(r);
}

Test(members, search_by_number_for_all_by_contact_for_volunteers_only)
{
  struct contact c;
  fresh_contact(&c);
  char num[NUMBER_CAP];
  new_member(num, &c);
  const char *by_contact[] = {c.name, c.name + 4, c.email, c.phone};
  for (size_t i = 0; i < sizeof by_contact / sizeof by_contact[0]; i++) {
    struct th_resp *r = search(ds_vol(), by_contact[i]);
    cr_assert_eq(r->status, 200, "%s: %ld %s", by_contact[i], r->status, r->body);
    cr_assert(lists(r, num), "a volunteer finds %s by %s: %s", num, by_contact[i], r->body);
    cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 1);
    th_free(r);
    r = search(ds_reader(), by_contact[i]);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0,
                 "a reader finds nobody by %s: %s", by_contact[i], r->body);
    th_free(r);
  }
  /* Upper case: ILIKE. */
  char upper[sizeof c.name];
  snprintf(upper, sizeof upper, "%s", c.name);
  memcpy(upper, "AWA DIALLO", 10);
  struct th_resp *r = search(ds_vol(), upper);
  cr_assert(lists(r, num), "%s", r->body);
  th_free(r);

  char typed[NUMBER_CAP];
  snprintf(typed, sizeof typed, "%.1s%.3s%s", num, num + 2, num + 6);
  const char *keys[] = {ds_reader(), ds_vol()};
  for (int k = 0; k < 2; k++) {
    r = search(keys[k], typed);
    cr_assert_eq(r->status, 200);
    cr_assert(lists(r, num), "%s by %s: %s", num, typed, r->body);
    json_t *m = json_array_get(json_object_get(r->json, "items"), 0);
    cr_assert_eq(json_object_get(m, "contact") != NULL, k == 1, "contact only for volunteers");
    cr_assert_eq(json_object_get(m, "notes") != NULL, k == 1);
    th_free(r);
  }
}

Test(members, list_filters_by_status_and_pages)
{
  char a[NUMBER_CAP], b[NUMBER_CAP];
  new_member(a, NULL);
  new_member(b, NULL);
  struct th_resp *r = move_member(ds_vol(), a, "{\"to\":\"suspended\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/members?status=suspended&limit=500", ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert(lists(r, a));
  cr_assert(!lists(r, b));
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(r->json, "items"), i, m) {
    cr_assert_str_eq(json_string_value(json_object_get(m, "status")), "suspended");
    cr_assert_null(json_object_get(m, "contact"));
  }
  th_free(r);

  /* Newest first, one a page: b, then a. */
  r = th_req("GET", "/api/v1/members?limit=1", ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  const char *cursor = th_str(r, "next_cursor");
  cr_assert_not_null(cursor);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members?limit=1&cursor=%s", cursor);
  struct th_resp *r2 = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r2->status, 200);
  cr_assert_eq(json_array_size(json_object_get(r2->json, "items")), 1);
  cr_assert_str_neq(json_string_value(json_object_get(
                        json_array_get(json_object_get(r->json, "items"), 0), "number")),
                    json_string_value(json_object_get(
                        json_array_get(json_object_get(r2->json, "items"), 0), "number")));
  th_free(r);
  th_free(r2);

  const char *bad[] = {"/api/v1/members?status=gone", "/api/v1/members?cursor=abc",
                       "/api/v1/members?limit=0", "/api/v1/members?name=x"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    r = th_req("GET", bad[k], ds_reader(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[k], r->status, r->body);
    th_free(r);
  }
}

Test(members, patch_with_if_match_and_contact_erase)
{
  struct contact c;
  fresh_contact(&c);
  char num[NUMBER_CAP];
  new_member(num, &c);
  struct th_resp *r = get_member(ds_vol(), num);
  char v1[32];
  snprintf(v1, sizeof v1, "%s", th_header(r, "ETag"));
  th_free(r);

  r = patch_member(num, "{\"language\":\"en\",\"loan_limit\":0,\"contact\":{\"phone\":null}}", v1);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "language"), "en");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "loan_limit")), 0);
  json_t *contact = json_object_get(r->json, "contact");
  cr_assert_str_eq(json_string_value(json_object_get(contact, "name")), c.name);
  cr_assert(json_is_null(json_object_get(contact, "phone")), "phone removed: %s", r->body);
  cr_assert_str_neq(th_header(r, "ETag"), v1);
  th_free(r);

  /* The ETag read before that change no longer matches: nothing changes. */
  r = patch_member(num, "{\"language\":\"fr\"}", v1);
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT language FROM members WHERE number = '%s'", num), "en");

  /* Refused fields: the server's own, and unknown ones. */
  const char *bad[] = {"{\"status\":\"suspended\"}", "{\"number\":\"M-000-000\"}",
                       "{\"open_loans\":1}",         "{\"loan_limit\":51}",
                       "{\"language\":null}",        "{\"contact\":{\"email\":\"no-at\"}}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = patch_member(num, bad[i], NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i], r->status, r->body);
    th_free(r);
  }

  /* Erasing the contact removes its row; the notes go with null. */
  r = patch_member(num, "{\"contact\":null,\"notes\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "contact")));
  cr_assert(json_is_null(json_object_get(r->json, "notes")));
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM member_contacts c JOIN members m"
                        " ON m.id = c.member_id WHERE m.number = '%s'",
                        num),
               0);
  cr_assert_eq(ds_count("SELECT count(*) FROM member_contacts WHERE email = '%s'", c.email), 0);
  r = search(ds_vol(), c.email);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0);
  th_free(r);
  /* Each edit names its fields, never their values. */
  cr_assert_str_eq(ds_sql("SELECT string_agg(array_to_string(e.fields, '+'), ',' ORDER BY e.id)"
                          " FROM member_events e JOIN members m ON m.id = e.member_id"
                          " WHERE m.number = '%s' AND e.type = 'edit'",
                          num),
                   "language+loan_limit+contact,contact+notes");
}

Test(members, suspend_reactivate_and_history)
{
  char num[NUMBER_CAP];
  new_member(num, NULL);
  struct th_resp *r = move_member(ds_vol(), num, "{\"to\":\"suspended\",\"note\":\"two laptops\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "status"), "suspended");
  cr_assert_str_eq(th_header(r, "ETag"), "\"2\"");
  th_free(r);
  r = move_member(ds_vol(), num, "{\"to\":\"suspended\"}");
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  json_t *allowed = json_object_get(r->json, "allowed");
  cr_assert_eq(json_array_size(allowed), 1);
  cr_assert_str_eq(json_string_value(json_array_get(allowed, 0)), "active");
  th_free(r);
  r = move_member(ds_vol(), num, "{\"to\":\"active\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "status"), "active");
  th_free(r);
  r = move_member(ds_vol(), num, "{\"to\":\"active\"}");
  cr_assert(th_is_problem(r, 409));
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "allowed"), 0)),
                   "suspended");
  th_free(r);
  const char *bad[] = {"{\"to\":\"gone\"}", "{}", "{\"to\":\"active\",\"extra\":1}", "{\"to\":5}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = move_member(ds_vol(), num, bad[i]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i], r->status, r->body);
    th_free(r);
  }

  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/history", num);
  r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 3, "%s", r->body);
  const char *types[] = {"created", "suspended", "reactivated"};
  for (size_t i = 0; i < 3; i++)
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, i), "type")),
                     types[i]);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "note")),
                   "two laptops");
  th_free(r);
  /* Paged, oldest first; a reader sees the events without their notes. */
  snprintf(path, sizeof path, "/api/v1/members/%s/history?limit=2", num);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2);
  cr_assert_null(json_object_get(json_array_get(items, 1), "note"));
  cr_assert_null(strstr(r->body, "two laptops"));
  char next[160];
  snprintf(next, sizeof next, "/api/v1/members/%s/history?limit=2&cursor=%s", num,
           th_str(r, "next_cursor"));
  th_free(r);
  r = th_req("GET", next, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 1);
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_array_get(json_object_get(r->json, "items"), 0), "type")),
                   "reactivated");
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);
}
