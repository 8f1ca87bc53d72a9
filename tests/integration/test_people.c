/* Finding a person (POST /api/v1/people/search) and the access export
 * (POST /api/v1/people/export), docs/privacy.md: phone numbers however
 * they are written, e-mails whatever their case, names in part, LIKE's
 * wildcards as plain characters; an export that lists exactly one
 * person's records and nothing of another's; bad input a 400 that never
 * repeats the value. */
#include "tests/helpers/th.h"
#include "tests/integration/people_support.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_site[64];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static const char *upper(const char *s)
{
  static char out[4][128];
  static unsigned next;
  char *o = out[next++ % 4];
  size_t i = 0;
  for (; s[i] && i + 1 < 128; i++)
    o[i] = (char)toupper((unsigned char)s[i]);
  o[i] = '\0';
  return o;
}

static const char *lower(const char *s)
{
  static char out[4][128];
  static unsigned next;
  char *o = out[next++ % 4];
  size_t i = 0;
  for (; s[i] && i + 1 < 128; i++)
    o[i] = (char)tolower((unsigned char)s[i]);
  o[i] = '\0';
  return o;
}

static size_t n_items(const struct th_resp *r)
{
  return json_array_size(json_object_get(r->json, "items"));
}

/* ---- Search ------------------------------------------------------------ */

Test(people_search, finds_owners_and_members_by_phone_however_written, .init = setup)
{
  struct person p;
  pp_person(&p, "Odile");
  char code[CODE_CAP], number[NUMBER_CAP];
  pp_device(code, g_site, &p, NULL, pp_phone(&p, 0)); /* "07 12 34 56 78" */
  pp_member(number, &p, pp_phone(&p, 4));             /* "+33712345678" */
  for (int how = 0; how <= 5; how++) {
    struct th_resp *r = pp_search(pp_phone(&p, how));
    cr_assert(pp_lists(r, "owner", code), "%s: %s", pp_phone(&p, how), r->body);
    cr_assert(pp_lists(r, "member", number), "%s: %s", pp_phone(&p, how), r->body);
    cr_assert_eq(n_items(r), 2, "%s: %s", pp_phone(&p, how), r->body);
    /* As a volunteer reads them: the owner's and the member's contact. */
    cr_assert(strstr(r->body, p.name) && strstr(r->body, p.notes), "%s", r->body);
    th_free(r);
  }
  /* The same digits in another country are another number. */
  char other[40];
  snprintf(other, sizeof other, "+32 7 %s", p.digits);
  struct th_resp *r = pp_search(other);
  cr_assert_eq(n_items(r), 0, "%s", r->body);
  th_free(r);
  /* The members list reads a phone number the same way. */
  for (int how = 0; how <= 3; how++) {
    r = search(ds_vol(), pp_phone(&p, how));
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    cr_assert(lists(r, number), "members?q=%s: %s", pp_phone(&p, how), r->body);
    th_free(r);
  }
}

/* A number is one number only when the whole of it is: "07 12 34 56 78"
 * is not "+49 712345678", nor is a short "56 78 12" the end of someone's
 * "01 99 56 78 12". Neither a search, nor an export, joins them. */
Test(people_search, numbers_that_only_end_alike_are_other_people, .init = setup)
{
  struct person fr, de, shorty, longer;
  pp_person(&fr, "Fanny");
  pp_person(&de, "Dieter");
  pp_person(&shorty, "Sacha");
  pp_person(&longer, "Lou");
  char fr_code[CODE_CAP], de_code[CODE_CAP], short_code[CODE_CAP], long_code[CODE_CAP];
  char de_phone[40], short_phone[40], long_phone[40];
  pp_device(fr_code, g_site, &fr, fr.email, pp_phone(&fr, 0));
  snprintf(de_phone, sizeof de_phone, "+49 7%s", fr.digits);
  pp_device(de_code, g_site, &de, de.email, de_phone);
  /* Six digits, the first not a zero (a trunk zero would be read off). */
  snprintf(short_phone, sizeof short_phone, "5%.1s %.2s %.2s", shorty.digits, shorty.digits + 1,
           shorty.digits + 3);
  pp_device(short_code, g_site, &shorty, shorty.email, short_phone);
  snprintf(long_phone, sizeof long_phone, "01 99 5%.5s", shorty.digits);
  pp_device(long_code, g_site, &longer, longer.email, long_phone);

  struct th_resp *r = pp_search(pp_phone(&fr, 2));
  cr_assert(pp_lists(r, "owner", fr_code) && !pp_lists(r, "owner", de_code), "%s", r->body);
  th_free(r);
  r = pp_search(short_phone);
  cr_assert(pp_lists(r, "owner", short_code) && !pp_lists(r, "owner", long_code), "%s", r->body);
  th_free(r);

  r = pp_export("email", fr.email);
  cr_assert_str_eq(pp_list(json_object_get(r->json, "devices"), "code"), fr_code, "%s", r->body);
  cr_assert_null(strstr(r->body, de.name), "%s", r->body);
  th_free(r);
  r = pp_export("email", shorty.email);
  cr_assert_str_eq(pp_list(json_object_get(r->json, "devices"), "code"), short_code, "%s", r->body);
  cr_assert_null(strstr(r->body, longer.name), "%s", r->body);
  th_free(r);
  r = pp_export("phone", de_phone);
  cr_assert_str_eq(pp_list(json_object_get(r->json, "devices"), "code"), de_code, "%s", r->body);
  th_free(r);
}

Test(people_search, finds_by_email_whatever_its_case_and_only_whole, .init = setup)
{
  struct person p;
  pp_person(&p, "Eve");
  char code[CODE_CAP], number[NUMBER_CAP];
  pp_device(code, g_site, &p, upper(p.email), NULL);
  pp_member(number, &p, pp_phone(&p, 4));
  const char *qs[] = {p.email, upper(p.email), lower(upper(p.email))};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    struct th_resp *r = pp_search(qs[i]);
    cr_assert(pp_lists(r, "owner", code) && pp_lists(r, "member", number), "%s: %s", qs[i],
              r->body);
    cr_assert_eq(n_items(r), 2, "%s", r->body);
    th_free(r);
  }
  /* An e-mail is compared whole: a part of one finds nobody. */
  char part[96];
  snprintf(part, sizeof part, "%.*s", (int)strlen(p.email) - 1, p.email);
  struct th_resp *r = pp_search(part);
  cr_assert_eq(n_items(r), 0, "%s", r->body);
  th_free(r);
  r = pp_search(strchr(p.email, '@'));
  cr_assert_eq(n_items(r), 0, "%s", r->body);
  th_free(r);
}

Test(people_search, finds_by_part_of_a_name_newest_first, .init = setup)
{
  struct person p;
  pp_person(&p, "Noor");
  char code[CODE_CAP], number[NUMBER_CAP];
  pp_device(code, g_site, &p, NULL, NULL);
  pp_member(number, &p, pp_phone(&p, 4));
  const char *surname = strchr(p.name, ' ') + 1;
  const char *qs[] = {surname, upper(surname), lower(p.name)};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    struct th_resp *r = pp_search(qs[i]);
    cr_assert_eq(n_items(r), 2, "%s: %s", qs[i], r->body);
    /* The member came after the device: first. */
    json_t *first = json_array_get(json_object_get(r->json, "items"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "type")), "member", "%s", r->body);
    cr_assert(pp_lists(r, "owner", code), "%s", r->body);
    th_free(r);
  }
  char body[256];
  snprintf(body, sizeof body, "{\"q\":\"%s\",\"limit\":1}", surname);
  struct th_resp *r = pp_search_body(ds_vol(), body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(n_items(r), 1, "%s", r->body);
  cr_assert(pp_lists(r, "member", number), "%s", r->body);
  th_free(r);
  /* The admin key searches too. */
  r = pp_search_body(ds_admin(), body);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
}

/* A member with only a name (a JSON string's content). */
static void named_member(char *number, const char *name)
{
  struct th_resp *r =
      th_reqf("POST", "/api/v1/members", ds_vol(), "{\"contact\":{\"name\":\"%s\"}}", name);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(number, NUMBER_CAP, "%s", th_str(r, "number"));
  th_free(r);
}

Test(people_search, like_wildcards_are_plain_characters)
{
  const char *u = th_unique("u"); /* not all digits: "1000…" must read as a name */
  char pct[NUMBER_CAP], zero[NUMBER_CAP], under[NUMBER_CAP], x[NUMBER_CAP], bs[NUMBER_CAP],
      nobs[NUMBER_CAP], name[128], q[128];
  snprintf(name, sizeof name, "Kim 100%%%s", u);
  named_member(pct, name);
  snprintf(name, sizeof name, "Kim 1000%s", u);
  named_member(zero, name);
  snprintf(name, sizeof name, "Lee a_b%s", u);
  named_member(under, name);
  snprintf(name, sizeof name, "Lee axb%s", u);
  named_member(x, name);
  snprintf(name, sizeof name, "Roy c\\\\d%s", u); /* c\d in JSON */
  named_member(bs, name);
  snprintf(name, sizeof name, "Roy cd%s", u);
  named_member(nobs, name);

  snprintf(q, sizeof q, "100%%%s", u);
  struct th_resp *r = pp_search(q);
  cr_assert(pp_lists(r, "member", pct) && n_items(r) == 1, "%s: %s", q, r->body);
  th_free(r);
  snprintf(q, sizeof q, "a_b%s", u);
  r = pp_search(q);
  cr_assert(pp_lists(r, "member", under) && n_items(r) == 1, "%s: %s", q, r->body);
  th_free(r);
  snprintf(q, sizeof q, "c\\\\d%s", u);
  r = pp_search(q);
  cr_assert(pp_lists(r, "member", bs) && n_items(r) == 1, "%s: %s", q, r->body);
  th_free(r);
  /* And the others are found by their own names. */
  snprintf(q, sizeof q, "axb%s", u);
  r = pp_search(q);
  cr_assert(pp_lists(r, "member", x) && n_items(r) == 1, "%s: %s", q, r->body);
  th_free(r);
  snprintf(q, sizeof q, "1000%s", u);
  r = pp_search(q);
  cr_assert(pp_lists(r, "member", zero) && n_items(r) == 1, "%s: %s", q, r->body);
  th_free(r);
  (void)nobs;
}

/* A 400 validation problem naming field with code, that does not hold
 * `secret` (NULL: nothing to look for). */
static void expect_400(const char *path, const char *body, const char *field, const char *code,
                       const char *secret)
{
  struct th_resp *r = th_req("POST", path, ds_admin(), body, NULL);
  cr_assert(th_is_problem(r, 400), "%.120s: %ld %s", body, r->status, r->body);
  if (code)
    cr_assert(ls_has_error(r, field, code), "%.120s: want %s on %s: %s", body, code, field,
              r->body);
  if (secret)
    cr_assert_null(strstr(r->body, secret), "%.120s: the problem repeats the value: %s", body,
                   r->body);
  th_free(r);
}

Test(people_search, bad_queries_are_400_and_never_repeat_q)
{
  const char *s = "/api/v1/people/search";
  expect_400(s, "{\"q\":\"Z\"}", "q", "too_short", NULL);
  expect_400(s, "{\"q\":\"\"}", "q", NULL, NULL);
  expect_400(s, "{\"q\":\"    Z    \"}", "q", "too_short", NULL);
  expect_400(s, "{}", "q", "required", NULL);
  expect_400(s, "{\"q\":[\"Quuxly\"]}", "q", "not_a_string", "Quuxly");
  expect_400(s, "{\"q\":61234567}", "q", "not_a_string", "61234567");
  expect_400(s, "{\"q\":null}", "q", NULL, NULL);
  expect_400(s, "{\"q\":\"Quuxly\\u0001Zed\"}", "q", "control_characters", "Quuxly");
  expect_400(s, "{\"q\":\"Quuxly\",\"limit\":0}", "limit", "out_of_range", "Quuxly");
  expect_400(s, "{\"q\":\"Quuxly\",\"limit\":51}", "limit", "out_of_range", "Quuxly");
  expect_400(s, "{\"q\":\"Quuxly\",\"limit\":\"5\"}", "limit", "not_a_whole_number", "Quuxly");
  expect_400(s, "{\"q\":\"Quuxly\",\"phone\":\"0612\"}", "phone", "unknown_field", "Quuxly");
  /* Malformed JSON is answered by the router, which says where the
   * parser stopped, not the token it stopped at. */
  expect_400(s, "{\"q\":\"Quuxly", NULL, NULL, "Quuxly");
  expect_400(s, "{\"q\":\"Quuxly\",\"q\":\"Quuxly\"}", NULL, NULL, "Quuxly");
  expect_400(s, "{\"q\":Quuxly}", NULL, NULL, "Quuxly");
  expect_400(s, "[\"Quuxly\"]", NULL, NULL, "Quuxly");
  char body[400], q[300];
  memset(q, 'W', 255);
  q[255] = '\0';
  snprintf(body, sizeof body, "{\"q\":\"%s\"}", q);
  expect_400(s, body, "q", "too_long", "WWWWWWWW");
}

Test(people_search, needs_a_volunteer_key_and_stores_no_reply)
{
  struct th_resp *r = pp_search_body(ds_reader(), "{\"q\":\"Quenouille\"}");
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  r = pp_search_body(NULL, "{\"q\":\"Quenouille\"}");
  cr_assert(th_is_problem(r, 401), "%ld %s", r->status, r->body);
  th_free(r);
  /* Personal: no cache keeps it, and no Idempotency-Key stores it. */
  char h[96], key[64];
  snprintf(key, sizeof key, "%s", th_unique("people-search-"));
  snprintf(h, sizeof h, "Idempotency-Key: %s", key);
  const char *headers[] = {h, NULL};
  r = th_req("POST", "/api/v1/people/search", ds_vol(), "{\"q\":\"Quenouille\"}", headers);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  const char *cc = th_header(r, "Cache-Control");
  cr_assert(cc && strstr(cc, "no-store"), "Cache-Control: %s", cc ? cc : "(none)");
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM idempotency_keys WHERE idem_key = '%s'", key), 0);
}

/* ---- Export ------------------------------------------------------------ */

/* Two people, each with distinctive values. Ada brought two devices on
 * different days with one e-mail (in two cases), her phone the first time
 * only; one was repaired, and an e-mail was sent about the other. Bert is
 * a member (with notes, and a note on his history) with two loans (one
 * returned, one with an e-mail about it) and a place in a waiting list,
 * who also brought a device, giving only his phone, written another way. */
struct scene {
  struct person a, b;
  char a1[CODE_CAP], a2[CODE_CAP], b1[CODE_CAP], bm[NUMBER_CAP], event_note[128];
  char repair[24], a_message[24], loans[64], b_message[24], wait[24];
};

static void make_scene(struct scene *s)
{
  pp_person(&s->a, "Ada");
  pp_person(&s->b, "Bert");
  pp_device(s->a1, g_site, &s->a, s->a.email, pp_phone(&s->a, 0));
  pp_device(s->a2, g_site, &s->a, upper(s->a.email), NULL);
  cr_assert_not_null(ds_sql("UPDATE devices SET received_at = received_at - interval '3 days'"
                            " WHERE code = '%s' RETURNING id",
                            s->a1));
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", s->a1);
  struct th_resp *r =
      th_reqf("POST", path, ds_vol(), "{\"outcome\":\"repairable\",\"problem\":\"hinge\"}");
  cr_assert_eq(r->status, 201, "repair: %ld %s", r->status, r->body);
  snprintf(s->repair, sizeof s->repair, "%lld",
           (long long)json_integer_value(json_object_get(r->json, "id")));
  th_free(r);
  const char *v = ds_sql("INSERT INTO email_messages (kind, device_id, language)"
                         " SELECT 'repair_finished', id, 'fr' FROM devices WHERE code = '%s'"
                         " RETURNING id",
                         s->a2);
  cr_assert_not_null(v);
  snprintf(s->a_message, sizeof s->a_message, "%s", v);

  pp_member(s->bm, &s->b, pp_phone(&s->b, 4));
  snprintf(s->event_note, sizeof s->event_note, "card lost %s", th_unique("e"));
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", s->bm);
  r = th_reqf("POST", path, ds_vol(), "{\"to\":\"suspended\",\"note\":\"%s\"}", s->event_note);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  ls_member_move(s->bm, "active");
  char d1[CODE_CAP], d2[CODE_CAP];
  ls_device(d1, "laptop", g_site);
  ls_device(d2, "laptop", g_site);
  long l1 = ls_lend_ok(d1, s->bm, "");
  r = ls_return(l1, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "return: %ld %s", r->status, r->body);
  th_free(r);
  long l2 = ls_lend_ok(d2, s->bm, "");
  snprintf(s->loans, sizeof s->loans, "%ld %ld", l1, l2);
  v = ds_sql("INSERT INTO email_messages (kind, loan_id, language) VALUES ('loan_due_soon', %ld,"
             " 'fr') RETURNING id",
             l2);
  cr_assert_not_null(v);
  snprintf(s->b_message, sizeof s->b_message, "%s", v);
  /* A line no other test waits in: positions are counted over the line. */
  snprintf(s->wait, sizeof s->wait, "%ld", ls_join_ok(s->bm, "musical-instrument", NULL));
  pp_device(s->b1, g_site, &s->b, NULL, pp_phone(&s->b, 1));
}

/* The loans, loan messages and waiting-list entries of every member. */
static const char *member_records(const struct th_resp *r, const char *what, const char *name)
{
  json_t *members = json_object_get(r->json, "members");
  if (strcmp(what, "loan_messages") != 0)
    return pp_list_of_all(members, what, name);
  json_t *loans = json_array();
  size_t i, j;
  json_t *m, *l;
  json_array_foreach(members, i, m) {
    json_array_foreach(json_object_get(m, "loans"), j, l)
      json_array_append(loans, l);
  }
  const char *out = pp_list_of_all(loans, "messages", "id");
  json_decref(loans);
  return out;
}

static void assert_absent(const struct th_resp *r, const char *const *values, size_t n)
{
  for (size_t i = 0; i < n; i++)
    cr_assert_null(strstr(r->body, values[i]), "the export holds another's value %s: %s", values[i],
                   r->body);
}

static void assert_present(const struct th_resp *r, const char *const *values, size_t n)
{
  for (size_t i = 0; i < n; i++)
    cr_assert_not_null(strstr(r->body, values[i]), "the export lacks %s: %s", values[i], r->body);
}

static void assert_file(const struct th_resp *r, const char *key, const char *value)
{
  const char *cc = th_header(r, "Cache-Control");
  cr_assert(cc && strstr(cc, "no-store"), "Cache-Control: %s", cc ? cc : "(none)");
  const char *cd = th_header(r, "Content-Disposition");
  cr_assert(cd && strncmp(cd, "attachment; filename=\"personal-data-", 36) == 0,
            "Content-Disposition: %s", cd ? cd : "(none)");
  json_t *subject = json_object_get(r->json, "subject");
  cr_assert_eq(json_object_size(subject), 1, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(subject, key)), value, "%s", r->body);
  cr_assert(ds_time(json_string_value(json_object_get(r->json, "generated_at"))) > 0, "%s",
            r->body);
}

static void check_ada(const struct scene *s, const char *key, const char *value)
{
  struct th_resp *r = pp_export(key, value);
  assert_file(r, key, value);
  json_t *devices = json_object_get(r->json, "devices");
  cr_assert_str_eq(pp_list(devices, "code"), pp_sorted(s->a1, s->a2), "by %s: %s", key, r->body);
  /* Oldest first: the one brought three days ago. */
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(devices, 0), "code")), s->a1);
  cr_assert_eq(json_array_size(json_object_get(r->json, "members")), 0, "%s", r->body);
  cr_assert_str_eq(pp_list_of_all(devices, "repairs", "id"), s->repair, "%s", r->body);
  cr_assert_str_eq(pp_list_of_all(devices, "messages", "id"), s->a_message, "%s", r->body);
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d) {
    json_t *first = json_array_get(json_object_get(d, "history"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "type")), "intake", "%s", r->body);
    json_t *owner = json_object_get(d, "owner");
    cr_assert_str_eq(json_string_value(json_object_get(owner, "name")), s->a.name, "%s", r->body);
  }
  const char *own[] = {s->a.name, s->a.email, upper(s->a.email), pp_phone(&s->a, 0)};
  assert_present(r, own, sizeof own / sizeof own[0]);
  const char *others[] = {s->b.name,          s->b.email, s->b.notes,         s->bm,
                          pp_phone(&s->b, 4), s->b1,      pp_phone(&s->b, 1), s->event_note,
                          s->b.digits};
  assert_absent(r, others, sizeof others / sizeof others[0]);
  th_free(r);
}

static void check_bert(const struct scene *s, const char *key, const char *value)
{
  struct th_resp *r = pp_export(key, value);
  assert_file(r, key, value);
  json_t *devices = json_object_get(r->json, "devices");
  json_t *members = json_object_get(r->json, "members");
  cr_assert_str_eq(pp_list(devices, "code"), s->b1, "by %s: %s", key, r->body);
  cr_assert_str_eq(pp_list(members, "number"), s->bm, "by %s: %s", key, r->body);
  cr_assert_str_eq(pp_list_of_all(devices, "repairs", "id"), "", "%s", r->body);
  cr_assert_str_eq(member_records(r, "loans", "id"), s->loans, "%s", r->body);
  cr_assert_str_eq(member_records(r, "loan_messages", "id"), s->b_message, "%s", r->body);
  cr_assert_str_eq(member_records(r, "waitlist", "id"), s->wait, "%s", r->body);
  json_t *m = json_array_get(members, 0);
  cr_assert_str_eq(json_string_value(json_object_get(m, "notes")), s->b.notes, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "contact"), "email")),
                   s->b.email);
  cr_assert_str_eq(pp_list(json_object_get(m, "history"), "type"), "created reactivated suspended",
                   "%s", r->body);
  const char *own[] = {s->b.name,          s->b.email,         s->b.notes,
                       pp_phone(&s->b, 4), pp_phone(&s->b, 1), s->event_note};
  assert_present(r, own, sizeof own / sizeof own[0]);
  const char *others[] = {s->a.name, s->a.email,         upper(s->a.email), s->a1,
                          s->a2,     pp_phone(&s->a, 0), s->a.digits};
  assert_absent(r, others, sizeof others / sizeof others[0]);
  th_free(r);
}

Test(people_export, lists_exactly_each_persons_records_by_every_key, .init = setup, .timeout = 120)
{
  struct scene s;
  make_scene(&s);
  /* Ada: by either e-mail, by her phone however written (it joins the
   * device given without it, by the e-mail), by either device. */
  check_ada(&s, "email", s.a.email);
  check_ada(&s, "email", upper(s.a.email));
  check_ada(&s, "phone", pp_phone(&s.a, 3));
  check_ada(&s, "phone", pp_phone(&s.a, 2));
  check_ada(&s, "device", s.a2);
  check_ada(&s, "device", lower(s.a1));
  /* Bert: by number, e-mail, phone (which joins the device he brought),
   * or that device (which joins his membership, by the phone). */
  check_bert(&s, "member", s.bm);
  check_bert(&s, "member", lower(s.bm));
  check_bert(&s, "email", upper(s.b.email));
  check_bert(&s, "phone", pp_phone(&s.b, 0));
  check_bert(&s, "phone", pp_phone(&s.b, 5));
  check_bert(&s, "device", s.b1);
}

/* An export that names nobody: 200, and no records. */
static void expect_empty(const char *key, const char *value)
{
  struct th_resp *r = pp_export(key, value);
  assert_file(r, key, value);
  cr_assert_eq(json_array_size(json_object_get(r->json, "devices")), 0, "%s", r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "members")), 0, "%s", r->body);
  th_free(r);
}

Test(people_export, nobody_known_is_an_empty_export)
{
  char number[NUMBER_CAP], code[CODE_CAP], email[96], phone[32];
  pp_unknown_number(number);
  expect_empty("member", number);
  ls_unknown_code(code);
  expect_empty("device", code);
  snprintf(email, sizeof email, "nobody%s@example.org", th_unique(""));
  expect_empty("email", email);
  struct person p;
  pp_person(&p, "Nemo");
  snprintf(phone, sizeof phone, "%s", pp_phone(&p, 2));
  expect_empty("phone", phone);
}

Test(people_export, bad_bodies_are_400_and_never_repeat_the_value, .init = setup)
{
  const char *e = "/api/v1/people/export";
  char number[NUMBER_CAP], typo[NUMBER_CAP], body[256];
  struct person p;
  pp_person(&p, "Ines");
  pp_member(number, &p, pp_phone(&p, 4));
  expect_400(e, "{}", "", "exactly_one_key", NULL);
  snprintf(body, sizeof body, "{\"member\":\"%s\",\"email\":\"%s\"}", number, p.email);
  expect_400(e, body, "", "exactly_one_key", p.email);
  expect_400(e, "{\"device\":\"RL-12\"}", "device", "not_a_device_code", NULL);
  expect_400(e, "{\"member\":\"M-XYZ\"}", "member", "not_a_member_number", NULL);
  ls_typo(typo, sizeof typo, number);
  snprintf(body, sizeof body, "{\"member\":\"%s\"}", typo);
  expect_400(e, body, "member", "check_character_mismatch", NULL);
  expect_400(e, "{\"phone\":\"07 12\"}", "phone", "too_few_digits", NULL);
  /* Six digits, but a national number of four once "+33" and the trunk
   * zero are read: it would find nobody, and say "nothing held". */
  expect_400(e, "{\"phone\":\"+33 0 61 23\"}", "phone", "too_few_digits", NULL);
  snprintf(body, sizeof body, "{\"phone\":\"call %s\"}", p.digits);
  expect_400(e, body, "phone", "not_a_phone", p.digits);
  snprintf(body, sizeof body, "{\"email\":\"%s\"}", p.name);
  expect_400(e, body, "email", "not_an_email", p.name);
  snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"%s\"}", p.email, p.name);
  expect_400(e, body, "name", "unknown_field", p.name);
  snprintf(body, sizeof body, "{\"email\":[\"%s\"]}", p.email);
  expect_400(e, body, "email", "not_a_string", p.email);
}

Test(people_export, needs_an_admin_key, .init = setup)
{
  struct person p;
  pp_person(&p, "Vera");
  char number[NUMBER_CAP], body[128];
  pp_member(number, &p, pp_phone(&p, 4));
  snprintf(body, sizeof body, "{\"member\":\"%s\"}", number);
  const char *keys[] = {ds_vol(), ds_reader()};
  for (size_t i = 0; i < 2; i++) {
    struct th_resp *r = pp_export_as(keys[i], body);
    cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
    cr_assert_null(strstr(r->body, p.name), "%s", r->body);
    th_free(r);
  }
  struct th_resp *r = pp_export_as(NULL, body);
  cr_assert(th_is_problem(r, 401), "%ld %s", r->status, r->body);
  th_free(r);
}

/* GET path as a volunteer: its JSON (caller decrefs). */
static json_t *get_json(const char *fmt, const char *arg)
{
  char path[160];
  snprintf(path, sizeof path, fmt, arg);
  struct th_resp *r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  json_t *j = json_incref(r->json);
  th_free(r);
  return j;
}

static int g_compared; /* objects assert_same compared */

/* That an object of an export, without its records, is what a route gives,
 * and its records what the routes that list them give. */
static void assert_same(json_t *got, const char *route, const char *arg, const char *const *lists,
                        const char *const *list_routes)
{
  json_t *bare = json_deep_copy(got);
  for (size_t i = 0; lists[i]; i++)
    json_object_del(bare, lists[i]);
  json_t *want = get_json(route, arg);
  char *g = json_dumps(bare, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
  cr_assert(json_equal(bare, want), "%s:\nexport %s\nroute  %s", route, g, w);
  g_compared++;
  free(g);
  free(w);
  json_decref(bare);
  json_decref(want);
  for (size_t i = 0; lists[i]; i++) {
    if (list_routes[i] == NULL)
      continue;
    json_t *page = get_json(list_routes[i], arg);
    json_t *items = json_object_get(page, "items");
    g = json_dumps(json_object_get(got, lists[i]), JSON_SORT_KEYS);
    w = json_dumps(items, JSON_SORT_KEYS);
    cr_assert(json_equal(json_object_get(got, lists[i]), items), "%s:\nexport %s\nroute  %s",
              list_routes[i], g, w);
    free(g);
    free(w);
    json_decref(page);
  }
}

/* The reads of the person's records, with the key and the route: who had
 * access (art. 15(1)(c)), never anyone else's. */
Test(people_export, says_who_read_the_records, .init = setup, .timeout = 120)
{
  struct scene s;
  make_scene(&s);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", s.a1);
  struct th_resp *r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/members/%s", s.bm);
  r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);

  r = pp_export("email", s.a.email);
  size_t i, j;
  json_t *d, *e;
  int a1_read = 0;
  json_array_foreach(json_object_get(r->json, "devices"), i, d) {
    int is_a1 = strcmp(json_string_value(json_object_get(d, "code")), s.a1) == 0;
    json_array_foreach(json_object_get(d, "reads"), j, e) {
      const char *route = json_string_value(json_object_get(e, "route"));
      cr_assert_not_null(route);
      cr_assert(strchr(route, '?') == NULL && strstr(route, s.a1) == NULL, "a pattern: %s", route);
      if (is_a1 && strcmp(route, "/api/v1/devices/:code") == 0 &&
          strcmp(json_string_value(json_object_get(json_object_get(e, "key"), "role")),
                 "volunteer") == 0)
        a1_read = 1;
    }
  }
  cr_assert(a1_read, "the volunteer's read of %s is in the export: %s", s.a1, r->body);
  cr_assert_null(strstr(r->body, s.bm), "nothing of Bert's: %s", r->body);
  th_free(r);

  r = pp_export("member", s.bm);
  json_t *m = json_array_get(json_object_get(r->json, "members"), 0);
  int bm_read = 0;
  json_array_foreach(json_object_get(m, "reads"), j, e)
    bm_read |=
        strcmp(json_string_value(json_object_get(e, "route")), "/api/v1/members/:number") == 0;
  cr_assert(bm_read, "the volunteer's read of %s is in the export: %s", s.bm, r->body);
  th_free(r);
}

Test(people_export, records_have_the_shapes_their_routes_give, .init = setup, .timeout = 120)
{
  struct scene s;
  make_scene(&s);
  static const char *const device_lists[] = {"history", "repairs", "messages", "reads", NULL};
  static const char *const device_routes[] = {"/api/v1/devices/%s/history",
                                              "/api/v1/devices/%s/repairs",
                                              "/api/v1/devices/%s/messages", NULL, NULL};
  static const char *const member_lists[] = {"history", "loans", "waitlist", "reads", NULL};
  static const char *const member_routes[] = {"/api/v1/members/%s/history", NULL, NULL, NULL, NULL};
  static const char *const loan_lists[] = {"history", "messages", NULL};
  static const char *const loan_routes[] = {"/api/v1/loans/%s/history", "/api/v1/loans/%s/messages",
                                            NULL};
  static const char *const none[] = {NULL};

  struct th_resp *r = pp_export("email", s.a.email);
  size_t i, j;
  json_t *d, *m, *l, *w;
  json_array_foreach(json_object_get(r->json, "devices"), i, d)
    assert_same(d, "/api/v1/devices/%s", json_string_value(json_object_get(d, "code")),
                device_lists, device_routes);
  th_free(r);

  r = pp_export("member", s.bm);
  json_array_foreach(json_object_get(r->json, "devices"), i, d)
    assert_same(d, "/api/v1/devices/%s", json_string_value(json_object_get(d, "code")),
                device_lists, device_routes);
  json_array_foreach(json_object_get(r->json, "members"), i, m) {
    assert_same(m, "/api/v1/members/%s", s.bm, member_lists, member_routes);
    json_array_foreach(json_object_get(m, "loans"), j, l) {
      char id[24];
      snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(l, "id")));
      assert_same(l, "/api/v1/loans/%s", id, loan_lists, loan_routes);
    }
    json_array_foreach(json_object_get(m, "waitlist"), j, w) {
      char id[24];
      snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(w, "id")));
      assert_same(w, "/api/v1/waitlist/%s", id, none, none);
    }
  }
  th_free(r);

  /* A search's items too. */
  r = pp_search(pp_phone(&s.b, 0));
  cr_assert_eq(n_items(r), 2, "%s", r->body);
  json_array_foreach(json_object_get(r->json, "items"), i, d) {
    json_t *dev = json_object_get(d, "device");
    if (dev)
      assert_same(dev, "/api/v1/devices/%s", json_string_value(json_object_get(dev, "code")), none,
                  none);
    else
      assert_same(json_object_get(d, "member"), "/api/v1/members/%s", s.bm, none, none);
  }
  th_free(r);
  /* Ada's 2 devices; Bert's device, membership, 2 loans, 1 place; 2 items. */
  cr_assert_eq(g_compared, 9);
}
