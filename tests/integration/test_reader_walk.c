/* Readers never see personal data: after a scenario that holds some with
 * distinctive values (a device's owner with their consent to be told, a
 * repair, a member with contact and notes, a note on the member's
 * suspension, a loan, a waiting-list entry), every GET operation of
 * openapi/openapi.yaml is called with a reader key, path parameters filled
 * from the scenario, and no reply body or header holds the name, the
 * e-mail, the phone (as typed, or its digits) or a note. The operations
 * come from the document itself, checked against the route table, so that
 * a route added later is walked too (or the test says which parameter it
 * cannot fill). None of these replies is recorded in the read log. */
#include "tests/integration/read_log_support.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATHS_MAX 256

/* The GET paths of the OpenAPI document ("/api/v1/devices/{code}"). */
static size_t openapi_gets(char paths[][160])
{
  const char *root = getenv("RL_TEST_ROOT");
  cr_assert_not_null(root, "RL_TEST_ROOT is not set");
  char file[512];
  snprintf(file, sizeof file, "%s/openapi/openapi.yaml", root);
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f, "cannot open %s", file);
  char line[1024], current[160] = "";
  size_t n = 0;
  int in_paths = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "paths:", 6) == 0) {
      in_paths = 1;
      continue;
    }
    if (!in_paths)
      continue;
    if (isalpha((unsigned char)line[0]))
      break; /* the next top-level section */
    if (strncmp(line, "  /", 3) == 0) {
      char *colon = strrchr(line, ':');
      cr_assert_not_null(colon, "%s", line);
      *colon = '\0';
      snprintf(current, sizeof current, "%.150s", line + 2);
    } else if (strcmp(line, "    get:\n") == 0 && current[0]) {
      cr_assert_lt(n, PATHS_MAX);
      snprintf(paths[n++], 160, "%.150s", current);
    }
  }
  fclose(f);
  return n;
}

/* The GET routes of api/routes.c, as the document writes them. */
static size_t table_gets(char paths[][160])
{
  char file[512];
  snprintf(file, sizeof file, "%s/api/routes.c", getenv("RL_TEST_ROOT"));
  FILE *f = fopen(file, "r");
  cr_assert_not_null(f, "cannot open %s", file);
  char line[1024];
  size_t n = 0;
  while (fgets(line, sizeof line, f)) {
    const char *p = strstr(line, "{\"GET\", \"");
    if (p == NULL)
      continue;
    p += strlen("{\"GET\", \"");
    char out[160];
    size_t o = 0;
    int param = 0;
    for (; *p && *p != '"' && o + 2 < sizeof out; p++) {
      if (*p == ':') {
        out[o++] = '{';
        param = 1;
      } else if (*p == '/' && param) {
        out[o++] = '}';
        out[o++] = '/';
        param = 0;
      } else {
        out[o++] = *p;
      }
    }
    if (param)
      out[o++] = '}';
    out[o] = '\0';
    cr_assert_lt(n, PATHS_MAX);
    snprintf(paths[n++], 160, "%s", out);
  }
  fclose(f);
  return n;
}

struct walk {
  struct rk_scenario s;
  char tracking[64], loan_token[64], unsubscribe[64];
  const char *reader;
  long long reader_id;
};

/* The value of path parameter name in the route path. */
static const char *value_of(const struct walk *w, const char *path, const char *name)
{
  static char buf[64];
  if (strcmp(name, "code") == 0)
    return w->s.code;
  if (strcmp(name, "number") == 0)
    return w->s.number;
  if (strcmp(name, "sku") == 0)
    return w->s.sku;
  if (strcmp(name, "site") == 0)
    return w->s.site;
  if (strcmp(name, "slug") == 0)
    return strncmp(path, "/api/v1/categories/", 19) == 0 ? "laptop" : w->s.site;
  if (strcmp(name, "delivery_id") == 0)
    return "1";
  if (strcmp(name, "token") == 0) {
    if (strncmp(path, "/l/", 3) == 0)
      return w->loan_token;
    if (strncmp(path, "/u/", 3) == 0)
      return w->unsubscribe;
    return w->tracking; /* /t/, /api/v1/track/ */
  }
  if (strcmp(name, "id") != 0)
    return NULL;
  static const struct {
    const char *prefix;
    size_t offset; /* of the long in struct rk_scenario; 0: fixed */
    const char *fixed;
  } ids[] = {
      {"/api/v1/repairs/", offsetof(struct rk_scenario, repair), NULL},
      {"/api/v1/sessions/", offsetof(struct rk_scenario, session), NULL},
      {"/api/v1/loans/", offsetof(struct rk_scenario, loan), NULL},
      {"/api/v1/waitlist/", offsetof(struct rk_scenario, entry), NULL},
      {"/api/v1/parts/{sku}/movements/", offsetof(struct rk_scenario, movement), NULL},
      {"/api/v1/keys/", 0, "1"},
      {"/api/v1/publishing/targets/", 0, "1"},
      {"/api/v1/publishing/attempts/", 0, "1"},
      {"/api/v1/webhooks/", 0, "1"},
      {"/api/v1/people/erasures/", 0, "1"},
      {"/api/v1/events/", 0, "evt_00000000000000000000000000000000"},
  };
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    if (strncmp(path, ids[i].prefix, strlen(ids[i].prefix)) != 0)
      continue;
    if (ids[i].fixed)
      return ids[i].fixed;
    long v = *(const long *)((const char *)&w->s + ids[i].offset);
    snprintf(buf, sizeof buf, "%ld", v);
    return buf;
  }
  return NULL;
}

/* The path with every {name} filled; fails the test for a name it does not
 * know, so that a new route gets a value here rather than being skipped. */
static void fill(char *out, size_t cap, const struct walk *w, const char *path)
{
  size_t o = 0;
  for (const char *p = path; *p && o + 1 < cap;) {
    if (*p != '{') {
      out[o++] = *p++;
      continue;
    }
    const char *end = strchr(p, '}');
    cr_assert_not_null(end, "%s", path);
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
    const char *v = value_of(w, path, name);
    cr_assert_not_null(v, "the reader walk has no value for {%s} in %s: add one", name, path);
    o += (size_t)snprintf(out + o, cap - o, "%s", v);
    p = end + 1;
  }
  out[o < cap ? o : cap - 1] = '\0';
}

/* Whether needle is in the n bytes at hay, ignoring ASCII case. */
static int holds(const char *hay, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = 0; k && i + k <= n; i++)
    if (strncasecmp(hay + i, needle, k) == 0)
      return 1;
  return 0;
}

static void search_reply(const struct walk *w, const char *url, const struct th_resp *r)
{
  const struct rk_scenario *s = &w->s;
  const char *values[] = {
      s->owner_name,   s->owner_email,  s->owner_phone,   s->owner_digits, s->member_name,
      s->member_email, s->member_phone, s->member_digits, s->member_notes, s->member_note,
  };
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    cr_assert(!holds(r->body, r->len, values[i]), "GET %s (%ld) holds %s: %.400s", url, r->status,
              values[i], r->body);
    cr_assert(!holds(r->headers, strlen(r->headers), values[i]), "GET %s: a header holds %s: %s",
              url, values[i], r->headers);
  }
}

static void get_and_search(const struct walk *w, const char *url)
{
  struct th_resp *r = th_req("GET", url, w->reader, NULL, NULL);
  cr_assert(r->status > 0 && r->status < 500, "GET %s: %ld %.300s", url, r->status, r->body);
  search_reply(w, url, r);
  th_free(r);
}

Test(reader_walk, no_get_route_shows_personal_data_to_a_reader, .timeout = 120)
{
  struct walk w;
  rk_scenario(&w.s);
  struct rk_key reader;
  rk_new_key(&reader, "reader");
  w.reader = reader.secret;
  w.reader_id = reader.id;
  struct th_resp *r = ds_get(ds_vol(), w.s.code);
  cr_assert_eq(r->status, 200);
  snprintf(w.tracking, sizeof w.tracking, "%s", th_str(r, "tracking_token"));
  th_free(r);
  const char *t = ds_sql("SELECT token FROM loans WHERE id = %ld", w.s.loan);
  cr_assert_not_null(t);
  snprintf(w.loan_token, sizeof w.loan_token, "%s", t);
  t = ds_sql("SELECT o.unsubscribe_token FROM device_owners o JOIN devices d ON d.id = o.device_id"
             " WHERE d.code = '%s'",
             w.s.code);
  cr_assert_not_null(t);
  snprintf(w.unsubscribe, sizeof w.unsubscribe, "%s", t);

  static char documented[PATHS_MAX][160], table[PATHS_MAX][160];
  size_t nd = openapi_gets(documented), nt = table_gets(table);
  cr_assert_gt(nd, 40, "found only %zu GET operations in openapi.yaml", nd);
  /* Every GET route of the table is among those walked. */
  for (size_t i = 0; i < nt; i++) {
    int found = 0;
    for (size_t j = 0; j < nd && !found; j++)
      found = strcmp(table[i], documented[j]) == 0;
    cr_assert(found, "GET %s (api/routes.c) is not walked: it is not in openapi.yaml", table[i]);
  }
  for (size_t i = 0; i < nd; i++) {
    char url[512];
    fill(url, sizeof url, &w, documented[i]);
    get_and_search(&w, url);
  }
  /* Lists and searches that would find the person, as a volunteer would
   * ask them. */
  char enc[256], url[512];
  const char *asked[] = {w.s.member_name, w.s.member_email, w.s.member_digits, w.s.owner_name};
  for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
    ds_urlenc(enc, sizeof enc, asked[i]);
    snprintf(url, sizeof url, "/api/v1/members?q=%s", enc);
    get_and_search(&w, url);
    snprintf(url, sizeof url, "/api/v1/devices?q=%s", enc);
    get_and_search(&w, url);
  }
  snprintf(url, sizeof url, "/api/v1/devices?site=%s", w.s.site);
  get_and_search(&w, url);
  snprintf(url, sizeof url, "/api/v1/loans?member=%s", w.s.number);
  get_and_search(&w, url);
  snprintf(url, sizeof url, "/api/v1/waitlist?member=%s", w.s.number);
  get_and_search(&w, url);
  snprintf(url, sizeof url, "/api/v1/loans/%ld/agreement?name=true", w.s.loan);
  get_and_search(&w, url);

  /* Nothing a reader got is in the read log. */
  json_t *items = rk_reads_of(w.reader_id);
  cr_assert_eq(json_array_size(items), 0);
  json_decref(items);
  cr_assert_eq(ds_count("SELECT count(*) FROM personal_reads WHERE api_key_id = %lld", w.reader_id),
               0);
}
