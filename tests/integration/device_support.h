/* Small helpers shared by the site and device tests: own sites, own devices,
 * own keys, SQL counts scoped to them, times. */
#ifndef RL_TESTS_DEVICE_SUPPORT_H
#define RL_TESTS_DEVICE_SUPPORT_H

#include "tests/helpers/th.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CODE_CAP 32

static const char ds_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static inline const char *ds_admin(void) { return th_admin_key(); }
static inline const char *ds_vol(void) { return th_key("volunteer"); }
static inline const char *ds_reader(void) { return th_key("reader"); }

/* A SQL query built printf-style; its first line, or NULL. */
static inline __attribute__((format(printf, 1, 2))) const char *ds_sql(const char *fmt, ...)
{
  char q[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  return th_sql(q);
}

/* A SQL count; -1 when the query failed. */
static inline __attribute__((format(printf, 1, 2))) long ds_count(const char *fmt, ...)
{
  char q[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q, sizeof q, fmt, ap);
  va_end(ap);
  const char *v = th_sql(q);
  return v ? atol(v) : -1;
}

/* Whether errors[] of a problem names this field. */
static inline int ds_names_field(const struct th_resp *r, const char *field)
{
  json_t *errors = json_object_get(r->json, "errors");
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && strcmp(f, field) == 0)
      return 1;
  }
  return 0;
}

/* Creates a site as admin (slug: fresh and unique) and copies its slug. */
static inline void ds_site(char *slug, size_t cap, int active)
{
  snprintf(slug, cap, "%s", th_unique("ds-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"Site %s\",\"active\":%s}", slug, slug,
                              active ? "true" : "false");
  cr_assert_eq(r->status, 201, "creating site %s: %ld %s", slug, r->status, r->body);
  th_free(r);
}

/* Posts an intake body with the volunteer key. */
static inline __attribute__((format(printf, 1, 2))) struct th_resp *ds_post(const char *fmt, ...)
{
  char *body = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&body, fmt, ap) < 0)
    body = NULL;
  va_end(ap);
  struct th_resp *r = th_req("POST", "/api/v1/devices", ds_vol(), body, NULL);
  free(body);
  return r;
}

/* Registers a device and copies its code (CODE_CAP bytes). */
static inline void ds_device(char *code, const char *kind, const char *site, const char *brand)
{
  struct th_resp *r = ds_post("{\"kind\":\"%s\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"%s\"}",
                              kind, site, brand);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  const char *c = th_str(r, "code");
  cr_assert_not_null(c);
  snprintf(code, CODE_CAP, "%s", c);
  th_free(r);
}

static inline struct th_resp *ds_move_as(const char *key, const char *code, const char *to,
                                         const char *note)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", code);
  if (note)
    return th_reqf("POST", path, key, "{\"to\":\"%s\",\"note\":\"%s\"}", to, note);
  return th_reqf("POST", path, key, "{\"to\":\"%s\"}", to);
}

static inline struct th_resp *ds_move(const char *code, const char *to)
{
  return ds_move_as(ds_vol(), code, to, NULL);
}

/* Moves along a NULL-terminated path; every step must succeed. */
static inline void ds_drive(const char *code, const char *const *path)
{
  for (const char *const *p = path; p && *p; p++) {
    struct th_resp *r = ds_move(code, *p);
    cr_assert_eq(r->status, 200, "%s -> %s: %ld %s", code, *p, r->status, r->body);
    cr_assert_str_eq(th_str(r, "status"), *p);
    th_free(r);
  }
}

static inline struct th_resp *ds_get(const char *key, const char *code)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  return th_req("GET", path, key, NULL, NULL);
}

/* Creates an API key with this role and name; returns its secret (malloc). */
static inline char *ds_new_key(const char *role, const char *name)
{
  struct th_resp *r =
      th_reqf("POST", "/api/v1/keys", ds_admin(), "{\"name\":\"%s\",\"role\":\"%s\"}", name, role);
  cr_assert_eq(r->status, 201, "key: %ld %s", r->status, r->body);
  char *k = strdup(th_str(r, "key"));
  th_free(r);
  return k;
}

/* Percent-encodes everything but unreserved characters. */
static inline void ds_urlenc(char *out, size_t cap, const char *in)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && n + 4 < cap; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '.' || *p == '~')
      out[n++] = (char)*p;
    else
      n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
  }
  out[n] = '\0';
}

/* An RFC 3339 UTC time as seconds (with fraction); -1 when malformed. */
static inline double ds_time(const char *s)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (s == NULL)
    return -1;
  const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == NULL)
    return -1;
  double frac = 0;
  if (*rest == '.') {
    char *end;
    frac = strtod(rest, &end);
    rest = end;
  }
  if (strcmp(rest, "Z") != 0)
    return -1;
  return (double)timegm(&tm) + frac;
}

#endif
