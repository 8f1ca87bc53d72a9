/* Helpers shared by the member tests: fresh contacts, members made
 * through the API, calls on one member, searches. */
#ifndef RL_TESTS_MEMBER_SUPPORT_H
#define RL_TESTS_MEMBER_SUPPORT_H

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NUMBER_CAP 32

/* A contact made of fresh values, so that a search or a scan of the
 * database finds this test's member and nobody else's. */
struct contact {
  char name[64], email[96], phone[48], notes[96];
};

static inline void fresh_contact(struct contact *c)
{
  snprintf(c->name, sizeof c->name, "Awa Diallo%s", th_unique("x"));
  snprintf(c->email, sizeof c->email, "awa%s@example.org", th_unique(""));
  snprintf(c->phone, sizeof c->phone, "+33 6 %s", th_unique(""));
  snprintf(c->notes, sizeof c->notes, "prefers mornings %s", th_unique("n"));
}

static inline struct th_resp *post_member(const char *key, const char *body, const char *idem)
{
  char h[160];
  snprintf(h, sizeof h, "Idempotency-Key: %s", idem ? idem : "");
  const char *headers[] = {h, NULL};
  return th_req("POST", "/api/v1/members", key, body, idem ? headers : NULL);
}

/* Registers a member with this contact (NULL: none) as a volunteer and
 * copies their number. */
static inline void new_member(char *number, const struct contact *c)
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

static inline struct th_resp *get_member(const char *key, const char *number)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s", number);
  return th_req("GET", path, key, NULL, NULL);
}

static inline struct th_resp *move_member(const char *key, const char *number, const char *body)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/members/%s/transitions", number);
  return th_req("POST", path, key, body, NULL);
}

/* PATCH with If-Match (NULL: none). */
static inline struct th_resp *patch_member(const char *number, const char *body,
                                           const char *if_match)
{
  char path[128], h[96];
  snprintf(path, sizeof path, "/api/v1/members/%s", number);
  snprintf(h, sizeof h, "If-Match: %s", if_match ? if_match : "");
  const char *headers[] = {h, NULL};
  return th_req("PATCH", path, ds_vol(), body, if_match ? headers : NULL);
}

/* GET /api/v1/members?q=… (percent-encoded) as key. */
static inline struct th_resp *search(const char *key, const char *q)
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
static inline int lists(const struct th_resp *r, const char *number)
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
static inline const char *error_code(const struct th_resp *r, const char *field)
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
static inline void mistype(char *out, const char *number)
{
  snprintf(out, NUMBER_CAP, "%s", number);
  char *sym = strchr(out, '-') + 2;
  *sym = *sym == '7' ? '8' : '7';
}

#endif
