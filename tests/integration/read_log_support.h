/* Helpers shared by the read-log and reader-walk tests: a scenario of
 * personal data with distinctive values (a device with its owner, a member
 * with contact and notes, a loan, a waiting-list entry, notes in
 * histories), keys of the test's own, and the read log as admins list it. */
#ifndef RL_TESTS_READ_LOG_SUPPORT_H
#define RL_TESTS_READ_LOG_SUPPORT_H

#include "tests/integration/loan_support.h"
#include "tests/integration/member_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key of the test's own: its secret and id. */
struct rk_key {
  char secret[96];
  long long id;
};

static inline void rk_new_key(struct rk_key *k, const char *role)
{
  struct th_resp *r = th_reqf("POST", "/api/v1/keys", th_admin_key(),
                              "{\"name\":\"%s\",\"role\":\"%s\"}", th_unique("rl-"), role);
  cr_assert_eq(r->status, 201, "key: %ld %s", r->status, r->body);
  snprintf(k->secret, sizeof k->secret, "%s", th_str(r, "key"));
  k->id = (long long)json_integer_value(json_object_get(r->json, "id"));
  cr_assert_gt(k->id, 0, "%s", r->body);
  th_free(r);
}

struct rk_scenario {
  char site[64];
  char code[CODE_CAP]; /* repair device with an owner (notify consent) */
  char lent[CODE_CAP]; /* donated device lent to the member */
  char number[NUMBER_CAP];
  long loan, repair, session, entry, movement, key_id;
  char sku[64];
  /* The person's values, each distinctive. */
  char owner_name[64], owner_email[96], owner_phone[48], owner_digits[24];
  char member_name[64], member_email[96], member_phone[48], member_digits[24];
  char member_notes[96], member_note[96];
};

/* A phone number of fresh digits: "+33 7 dd dd dd dd" and its national
 * digits ("7dddddddd"). */
static inline void rk_phone(char *phone, size_t cap, char *digits, size_t dcap)
{
  const char *u = th_unique("");
  size_t n = strlen(u);
  char d[9];
  for (size_t i = 0; i < 8; i++)
    d[i] = u[n >= 8 ? n - 8 + i : i % (n ? n : 1)];
  d[8] = '\0';
  snprintf(phone, cap, "+33 7 %.2s %.2s %.2s %.2s", d, d + 2, d + 4, d + 6);
  snprintf(digits, dcap, "7%s", d);
}

static inline long rk_id(const struct th_resp *r)
{
  json_t *id = json_object_get(r->json, "id");
  cr_assert(json_is_integer(id), "id: %ld %s", r->status, r->body);
  return (long)json_integer_value(id);
}

static inline void rk_scenario(struct rk_scenario *s)
{
  memset(s, 0, sizeof *s);
  ds_site(s->site, sizeof s->site, 1);
  snprintf(s->owner_name, sizeof s->owner_name, "Ownername%s", th_unique("q"));
  snprintf(s->owner_email, sizeof s->owner_email, "owner%s@example.org", th_unique(""));
  rk_phone(s->owner_phone, sizeof s->owner_phone, s->owner_digits, sizeof s->owner_digits);
  snprintf(s->member_name, sizeof s->member_name, "Membername%s", th_unique("q"));
  snprintf(s->member_email, sizeof s->member_email, "member%s@example.org", th_unique(""));
  rk_phone(s->member_phone, sizeof s->member_phone, s->member_digits, sizeof s->member_digits);
  snprintf(s->member_notes, sizeof s->member_notes, "Membernotes%s", th_unique("q"));
  snprintf(s->member_note, sizeof s->member_note, "Transitionnote%s", th_unique("q"));

  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"Walk\",\"problem\":\"does not start\","
                              "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\","
                              "\"notify\":true,\"language\":\"en\"}}",
                              s->site, s->owner_name, s->owner_email, s->owner_phone);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(s->code, sizeof s->code, "%s", th_str(r, "code"));
  th_free(r);
  ds_move(s->code, "diagnosing");

  char path[160];
  r = th_reqf("POST", "/api/v1/sessions", ds_vol(),
              "{\"site\":\"%s\",\"starts_at\":\"2026-04-11T09:00:00Z\","
              "\"ends_at\":\"2026-04-11T12:00:00Z\"}",
              s->site);
  cr_assert_eq(r->status, 201, "session: %ld %s", r->status, r->body);
  s->session = rk_id(r);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", s->code);
  r = th_reqf("POST", path, ds_vol(),
              "{\"session_id\":%ld,\"outcome\":\"fixed\",\"actions\":\"new fuse\"}", s->session);
  cr_assert_eq(r->status, 201, "repair: %ld %s", r->status, r->body);
  s->repair = rk_id(r);
  th_free(r);

  struct contact c;
  snprintf(c.name, sizeof c.name, "%s", s->member_name);
  snprintf(c.email, sizeof c.email, "%s", s->member_email);
  snprintf(c.phone, sizeof c.phone, "%s", s->member_phone);
  snprintf(c.notes, sizeof c.notes, "%s", s->member_notes);
  new_member(s->number, &c);
  snprintf(path, sizeof path, "{\"to\":\"suspended\",\"note\":\"%s\"}", s->member_note);
  r = move_member(ds_vol(), s->number, path);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  r = move_member(ds_vol(), s->number, "{\"to\":\"active\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);

  ls_device(s->lent, "laptop", s->site);
  s->loan = ls_lend_ok(s->lent, s->number, "");
  /* A category no other test lines up for: their lines stay their own. */
  s->entry = ls_join_ok(s->number, "musical-instrument", NULL);

  snprintf(s->sku, sizeof s->sku, "%s", th_unique("RK"));
  r = th_reqf("POST", "/api/v1/parts", th_admin_key(),
              "{\"sku\":\"%s\",\"name\":\"Walk part\",\"categories\":[\"laptop\"]}", s->sku);
  cr_assert_eq(r->status, 201, "part: %ld %s", r->status, r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", s->sku);
  r = th_reqf("POST", path, ds_vol(),
              "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":3,\"source\":\"donated\"}",
              s->site);
  cr_assert_eq(r->status, 201, "movement: %ld %s", r->status, r->body);
  json_t *m = json_array_get(json_object_get(r->json, "movements"), 0);
  cr_assert(json_is_integer(json_object_get(m, "id")), "%s", r->body);
  s->movement = (long)json_integer_value(json_object_get(m, "id"));
  th_free(r);
}

/* GET /api/v1/privacy/reads + query (starting with '?', or "") as admin. */
static inline struct th_resp *rk_reads(const char *query)
{
  char path[512];
  snprintf(path, sizeof path, "/api/v1/privacy/reads%s", query);
  return th_req("GET", path, th_admin_key(), NULL, NULL);
}

/* The items of the reads by this key, newest first (a new reference). */
static inline json_t *rk_reads_of(long long key_id)
{
  char q[64];
  snprintf(q, sizeof q, "?key=%lld&limit=500", key_id);
  struct th_resp *r = rk_reads(q);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_incref(json_object_get(r->json, "items"));
  th_free(r);
  return items;
}

/* Whether a JSON array of strings is exactly {want} (NULL: empty). */
static inline int rk_only(const json_t *a, const char *want)
{
  if (want == NULL)
    return json_array_size(a) == 0;
  return json_array_size(a) == 1 && json_string_value(json_array_get(a, 0)) &&
         strcmp(json_string_value(json_array_get(a, 0)), want) == 0;
}

#endif
