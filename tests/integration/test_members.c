/* Members over HTTP: what is stored, what each role sees and can search,
 * numbers as people type them, edits with If-Match, suspensions, history,
 * bad input, and no copy of a contact where it does not belong. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_CAP 32

/* A contact made of fresh values, so that a search or a scan of the
 * database finds this test's member and nobody else's. */
struct contact {
  char name[64], email[96], phone[48], notes[96];
};

static void fresh_contact(struct contact *c)
{
  snprintf(c->name, sizeof c->name, "Awa Diallo%s", th_unique("x"));
  snprintf(c->email, sizeof c->email, "awa%s@example.org", th_unique(""));
  snprintf(c->phone, sizeof c->phone, "+33 6 %s", th_unique(""));
  snprintf(c->notes, sizeof c->notes, "prefers mornings %s", th_unique("n"));
}

static struct th_resp *post_member(const char *key, const char *body, const char *idem)
{
  char h[160];
  snprintf(h, sizeof h, "Idempotency-Key: %s", idem ? idem : "");
  const char *headers[] = {h, NULL};
  return th_req("POST", "/api/v1/members", key, body, idem ? headers : NULL);
}

/* Registers a member with this contact (NULL: none) as a volunteer and
 * copies their number. */
static void new_member(char *number, const struct contact *c)
{
  char body[512];
  if (c)
    snprintf(body, sizeof body,
             "{\"notes\":\"%s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"}}",
             c->notes, c->name, c->email, c->phone);
  else
    snprintf(body, sizeof body, "{}");
  struct th_resp *r = post_member(ds_vol(), body, NULL);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(number, NUMBER_CAP, "%s", th_str(r, "number"));
  th_free(r);
}

static struct th_resp *get_member(const char *key, const char *number)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s", number);
  return th_req("GET", path, key, NULL, NULL);
}

static struct th_resp *move_member(const char *key, const char *number, const char *body)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", number);
  return th_req("POST", path, key, body, NULL);
}

/* PATCH with If-Match (NULL: none). */
static struct th_resp *patch_member(const char *number, const char *body, const char *if_match)
{
  char path[128], h[96];
  snprintf(path, sizeof path, "/api/v1/members/%s", number);
  snprintf(h, sizeof h, "If-Match: %s", if_match ? if_match : "");
  const char *headers[] = {h, NULL};
  return th_req("PATCH", path, ds_vol(), body, if_match ? headers : NULL);
}

/* GET /api/v1/members?q=… (percent-encoded) as key. */
static struct th_resp *search(const char *key, const char *q)
{
  char path[512];
  size_t n = (size_t)snprintf(path, sizeof path, "/api/v1/members?q=");
  for (const unsigned char *p = (const unsigned char *)q; *p && n + 4 < sizeof path; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '.' || *p == '_')
      path[n++] = (char)*p;
    else
      n += (size_t)snprintf(path + n, sizeof path - n, "%%%02X", *p);
  }
  path[n] = '\0';
  return th_req("GET", path, key, NULL, NULL);
}

/* Whether a list reply holds the member with this number. */
static int lists(const struct th_resp *r, const char *number)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(r->json, "items"), i, m) {
    if (strcmp(json_string_value(json_object_get(m, "number")), number) == 0)
      return 1;
  }
  return 0;
}

/* The first error code of a problem naming field, or NULL. */
static const char *error_code(const struct th_resp *r, const char *field)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return json_string_value(json_object_get(e, "code"));
  }
  return NULL;
}

/* "M-4K7-Q9M" with its second symbol replaced by another one. */
static void mistype(char *out, const char *number)
{
  snprintf(out, NUMBER_CAP, "%s", number);
  char *sym = strchr(out, '-') + 2;
  *sym = *sym == '7' ? '8' : '7';
}

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
