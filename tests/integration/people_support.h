/* Helpers of the person search and access export tests: people with
 * distinctive contacts (a phone number of fresh digits, spelled several
 * ways), their devices and memberships made through the API, and reading
 * the codes, numbers and ids a reply lists. */
#ifndef RL_TESTS_PEOPLE_SUPPORT_H
#define RL_TESTS_PEOPLE_SUPPORT_H

#include "tests/integration/loan_support.h"
#include "tests/integration/member_support.h"

#include <time.h>
#include <unistd.h>

/* One person's distinctive values. digits: 8 fresh digits; their mobile
 * number is 07 followed by them, national number 7 + digits. */
struct person {
  char name[80], email[96], digits[9], notes[96];
};

static inline void pp_person(struct person *p, const char *first)
{
  static unsigned n;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned long v =
      ((unsigned long)getpid() * 7919UL + (unsigned long)ts.tv_nsec / 1000UL + 104729UL * n++) %
      100000000UL;
  snprintf(p->digits, sizeof p->digits, "%08lu", v);
  const char *u = th_unique("");
  snprintf(p->name, sizeof p->name, "%s Quenouille%s", first, u);
  snprintf(p->email, sizeof p->email, "%s.q%s@example.org", first, u);
  snprintf(p->notes, sizeof p->notes, "prefers Tuesdays %s", th_unique("n"));
}

/* Their phone number written one of the ways people write it:
 * 0: "07 12 34 56 78", 1: "07.12.34.56.78", 2: "+33 7 12 34 56 78",
 * 3: "0033712345678", 4: "+33712345678", 5: "0712345678". */
static inline const char *pp_phone(const struct person *p, int how)
{
  static char out[8][32];
  static unsigned next;
  char *o = out[next++ % 8];
  const char *d = p->digits;
  switch (how) {
  case 0: snprintf(o, 32, "07 %.2s %.2s %.2s %.2s", d, d + 2, d + 4, d + 6); break;
  case 1: snprintf(o, 32, "07.%.2s.%.2s.%.2s.%.2s", d, d + 2, d + 4, d + 6); break;
  case 2: snprintf(o, 32, "+33 7 %.2s %.2s %.2s %.2s", d, d + 2, d + 4, d + 6); break;
  case 3: snprintf(o, 32, "00337%s", d); break;
  case 4: snprintf(o, 32, "+337%s", d); break;
  default: snprintf(o, 32, "07%s", d); break;
  }
  return o;
}

/* A repair device brought by this person (email and phone NULL: none),
 * its code into code (CODE_CAP bytes). */
static inline void pp_device(char *code, const char *site, const struct person *p,
                             const char *email, const char *phone)
{
  char owner[400];
  size_t n = (size_t)snprintf(owner, sizeof owner, "{\"name\":\"%s\"", p->name);
  if (email)
    n += (size_t)snprintf(owner + n, sizeof owner - n, ",\"email\":\"%s\"", email);
  if (phone)
    n += (size_t)snprintf(owner + n, sizeof owner - n, ",\"phone\":\"%s\"", phone);
  snprintf(owner + n, sizeof owner - n, "}");
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"Quenouille\",\"owner\":%s}",
                              site, owner);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

/* A member with this person's contact (phone as written) and notes. */
static inline void pp_member(char *number, const struct person *p, const char *phone)
{
  struct th_resp *r = th_reqf("POST", "/api/v1/members", ds_vol(),
                              "{\"notes\":\"%s\",\"contact\":{\"name\":\"%s\",\"email\":\"%s\","
                              "\"phone\":\"%s\"}}",
                              p->notes, p->name, p->email, phone);
  cr_assert_eq(r->status, 201, "member: %ld %s", r->status, r->body);
  snprintf(number, NUMBER_CAP, "%s", th_str(r, "number"));
  th_free(r);
}

/* POST /api/v1/people/search with this body, as key. */
static inline struct th_resp *pp_search_body(const char *key, const char *body)
{
  return th_req("POST", "/api/v1/people/search", key, body, NULL);
}

/* Searches for q (a JSON string's content: no quote or backslash to
 * escape but those given escaped). */
static inline struct th_resp *pp_search(const char *q)
{
  char body[512];
  snprintf(body, sizeof body, "{\"q\":\"%s\"}", q);
  struct th_resp *r = pp_search_body(ds_vol(), body);
  cr_assert_eq(r->status, 200, "search %s: %ld %s", q, r->status, r->body);
  return r;
}

/* Whether a search reply lists the owner of this device, or this member. */
static inline int pp_lists(const struct th_resp *r, const char *type, const char *id)
{
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(r->json, "items"), i, it) {
    const char *t = json_string_value(json_object_get(it, "type"));
    int owner = t && strcmp(t, "owner") == 0;
    json_t *o = json_object_get(it, owner ? "device" : "member");
    const char *v = json_string_value(json_object_get(o, owner ? "code" : "number"));
    if (t && strcmp(t, type) == 0 && v && strcmp(v, id) == 0)
      return 1;
  }
  return 0;
}

/* POST /api/v1/people/export with this body, as key. */
static inline struct th_resp *pp_export_as(const char *key, const char *body)
{
  return th_req("POST", "/api/v1/people/export", key, body, NULL);
}

/* An export by "key": "value" that must succeed. */
static inline struct th_resp *pp_export(const char *key, const char *value)
{
  char body[256];
  snprintf(body, sizeof body, "{\"%s\":\"%s\"}", key, value);
  struct th_resp *r = pp_export_as(ds_admin(), body);
  cr_assert_eq(r->status, 200, "export %s: %ld %s", body, r->status, r->body);
  cr_assert_not_null(r->json, "%s", r->body);
  return r;
}

static inline int pp_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* The values of member `name` of the objects of array arr, sorted and
 * joined with spaces (integers as decimals): "" for none. */
static inline const char *pp_list(const json_t *arr, const char *name)
{
  static char out[4][1024];
  static unsigned next;
  char *o = out[next++ % 4];
  char vals[32][48];
  size_t n = 0, i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    json_t *v = json_object_get(it, name);
    cr_assert(n < 32);
    if (json_is_integer(v))
      snprintf(vals[n++], 48, "%020lld", (long long)json_integer_value(v));
    else
      snprintf(vals[n++], 48, "%s", json_is_string(v) ? json_string_value(v) : "?");
  }
  qsort(vals, n, sizeof vals[0], pp_cmp);
  size_t len = 0;
  o[0] = '\0';
  for (i = 0; i < n; i++) {
    const char *v = vals[i];
    if (v[0] == '0') /* an integer: without its padding */
      while (v[0] == '0' && v[1])
        v++;
    len += (size_t)snprintf(o + len, 1024 - len, "%s%s", i ? " " : "", v);
  }
  return o;
}

/* The same list of every object of an array member of each object of arr
 * ("repairs" of every device). */
static inline const char *pp_list_of_all(const json_t *arr, const char *inner, const char *name)
{
  json_t *all = json_array();
  size_t i, j;
  json_t *it, *x;
  json_array_foreach(arr, i, it) {
    json_array_foreach(json_object_get(it, inner), j, x)
      json_array_append(all, x);
  }
  const char *s = pp_list(all, name);
  json_decref(all);
  return s;
}

/* Sorted, space-separated: "a b" from two strings (either may be ""). */
static inline const char *pp_sorted(const char *a, const char *b)
{
  static char out[4][256];
  static unsigned next;
  char *o = out[next++ % 4];
  if (!*a || !*b)
    snprintf(o, 256, "%s", *a ? a : b);
  else if (strcmp(a, b) <= 0)
    snprintf(o, 256, "%s %s", a, b);
  else
    snprintf(o, 256, "%s %s", b, a);
  return o;
}

/* A well-formed member number that names nobody: five random symbols and
 * the one check symbol of 32 that the service does not call a typo. */
static inline void pp_unknown_number(char *number)
{
  char body5[6];
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int attempt = 0; attempt < 5; attempt++) {
    for (int i = 0; i < 5; i++)
      body5[i] = ds_alphabet[rand() % 32];
    body5[5] = '\0';
    for (int k = 0; k < 32; k++) {
      snprintf(number, NUMBER_CAP, "M-%.3s-%.2s%c", body5, body5 + 3, ds_alphabet[k]);
      struct th_resp *r = get_member(ds_reader(), number);
      long st = r->status;
      th_free(r);
      if (st == 404)
        return;
    }
  }
  cr_assert_fail("no well-formed unknown member number found");
}

#endif
