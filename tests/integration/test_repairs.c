/* Repairs over HTTP: what an outcome does to its device (status and
 * history, in one go), the barrier rule, final states, sessions named by
 * id, PATCH moving the device, the list of a device's repairs, and bad input
 * on every field. Each test works on its own site and devices. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

/* Registers a device on g_site; copies its code (CODE_CAP bytes). */
static void rp_device(char *code, const char *kind, const char *category)
{
  struct th_resp *r;
  if (strcmp(kind, "repair") == 0)
    r = ds_post("{\"kind\":\"repair\",\"category\":\"%s\",\"site\":\"%s\",\"brand\":\"%s\","
                "\"owner\":{\"name\":\"Owner %s\",\"email\":\"o@example.org\","
                "\"phone\":\"0102030405\"},\"notes\":\"intake notes\"}",
                category, g_site, th_unique("Brand"), th_unique(""));
  else
    r = ds_post("{\"kind\":\"%s\",\"category\":\"%s\",\"site\":\"%s\",\"brand\":\"%s\"}", kind,
                category, g_site, th_unique("Brand"));
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static struct th_resp *rp_post(const char *code, const char *body)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  return th_req("POST", path, ds_vol(), body, NULL);
}

static struct th_resp *rp_patch(long long id, const char *body)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", id);
  return th_req("PATCH", path, ds_vol(), body, NULL);
}

static long long rp_id(const struct th_resp *r)
{
  return (long long)json_integer_value(json_object_get(r->json, "id"));
}

/* The device's status as the API shows it (static buffer). */
static const char *rp_status(const char *code)
{
  static char status[32];
  struct th_resp *r = ds_get(ds_reader(), code);
  cr_assert_eq(r->status, 200, "%s: %ld %s", code, r->status, r->body);
  snprintf(status, sizeof status, "%s", th_str(r, "status"));
  th_free(r);
  return status;
}

/* The device's whole history (caller owns). */
static json_t *rp_history(const char *code)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/history?limit=500", code);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
  json_t *items = json_incref(json_object_get(r->json, "items"));
  th_free(r);
  return items;
}

/* Repairs stored for the device, counted in the database. */
static long rp_count(const char *code)
{
  return ds_count("SELECT count(*) FROM repairs r JOIN devices d ON d.id = r.device_id"
                  " WHERE d.code = upper('%s')",
                  code);
}

static void rp_drive(const char *code, const char *path_csv)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path_csv);
  const char *steps[8] = {0};
  size_t n = 0;
  for (char *save = NULL, *s = strtok_r(buf, ",", &save); s && n < 7;
       s = strtok_r(NULL, ",", &save))
    steps[n++] = s;
  ds_drive(code, steps);
}

/* A well-formed code no device has: of the 32 check symbols after seven
 * random ones, the one the service does not call a typo (400). */
static void rp_unknown_code(char *out)
{
  char body7[8];
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int i = 0; i < 7; i++)
    body7[i] = ds_alphabet[rand() % 32];
  body7[7] = '\0';
  for (int k = 0; k < 32; k++) {
    snprintf(out, CODE_CAP, "RL-%.4s-%.3s%c", body7, body7 + 4, ds_alphabet[k]);
    struct th_resp *r = ds_get(ds_reader(), out);
    long st = r->status;
    th_free(r);
    if (st == 404)
      return;
  }
  cr_assert_fail("no well-formed unknown code after %s", body7);
}

struct outcome_case {
  const char *kind;
  const char *path;    /* moves before the repair, comma-separated; "" for none */
  const char *outcome; /* NULL: not sent */
  const char *expect;  /* device status after */
  const char *moves;   /* "from>to,from>to" recorded by the repair; "" for none */
};

static const struct outcome_case outcome_cases[] = {
    {"repair", "", "fixed", "repaired", "received>diagnosing,diagnosing>repaired"},
    {"repair", "", "end_of_life", "unrepairable", "received>diagnosing,diagnosing>unrepairable"},
    {"repair", "", "repairable", "diagnosing", "received>diagnosing"},
    {"repair", "", "unknown", "diagnosing", "received>diagnosing"},
    {"repair", "", NULL, "diagnosing", "received>diagnosing"},
    {"donation", "", "fixed", "repaired", "received>diagnosing,diagnosing>repaired"},
    {"donation", "", "end_of_life", "unrepairable", "received>diagnosing,diagnosing>unrepairable"},
    {"repair", "diagnosing", "fixed", "repaired", "diagnosing>repaired"},
    {"repair", "diagnosing", "end_of_life", "unrepairable", "diagnosing>unrepairable"},
    {"repair", "diagnosing", "repairable", "diagnosing", ""},
    {"repair", "diagnosing", "unknown", "diagnosing", ""},
    {"repair", "diagnosing,in_repair", "fixed", "repaired", "in_repair>repaired"},
    {"repair", "diagnosing,in_repair", "end_of_life", "unrepairable", "in_repair>unrepairable"},
    {"repair", "diagnosing,in_repair", "repairable", "in_repair", ""},
    {"repair", "diagnosing,in_repair", "unknown", "in_repair", ""},
};

Test(repairs, each_outcome_moves_the_device_and_records_the_moves, .init = setup, .timeout = 120)
{
  for (size_t c = 0; c < sizeof outcome_cases / sizeof outcome_cases[0]; c++) {
    const struct outcome_case *k = &outcome_cases[c];
    char code[CODE_CAP];
    rp_device(code, k->kind, "laptop-medium");
    if (k->path[0])
      rp_drive(code, k->path);
    json_t *before = rp_history(code);
    size_t n_before = json_array_size(before);
    json_decref(before);

    char body[256];
    if (k->outcome)
      snprintf(body, sizeof body, "{\"outcome\":\"%s\",\"problem\":\"case %zu\",\"minutes\":30}",
               k->outcome, c);
    else
      snprintf(body, sizeof body, "{\"problem\":\"case %zu\"}", c);
    struct th_resp *r = rp_post(code, body);
    cr_assert_eq(r->status, 201, "case %zu (%s from %s): %ld %s", c,
                 k->outcome ? k->outcome : "none", k->path, r->status, r->body);
    cr_assert_str_eq(th_str(r, "outcome"), k->outcome ? k->outcome : "unknown", "case %zu", c);
    cr_assert_str_eq(th_str(r, "device"), code, "case %zu", c);
    cr_assert_gt(rp_id(r), 0);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/repairs/%lld", rp_id(r));
    cr_assert_str_eq(th_header(r, "Location"), loc, "case %zu", c);
    th_free(r);

    cr_assert_str_eq(rp_status(code), k->expect, "case %zu: %s from [%s] → %s", c,
                     k->outcome ? k->outcome : "none", k->path, k->expect);

    /* The moves it caused, in order, as transitions with from and to. */
    json_t *after = rp_history(code);
    char got[256] = "";
    for (size_t i = n_before; i < json_array_size(after); i++) {
      json_t *e = json_array_get(after, i);
      cr_assert_str_eq(json_string_value(json_object_get(e, "type")), "transition",
                       "case %zu: event %zu", c, i);
      size_t len = strlen(got);
      snprintf(got + len, sizeof got - len, "%s%s>%s", len ? "," : "",
               json_string_value(json_object_get(e, "from")),
               json_string_value(json_object_get(e, "to")));
    }
    cr_assert_str_eq(got, k->moves, "case %zu: history recorded [%s], expected [%s]", c, got,
                     k->moves);
    json_decref(after);
    cr_assert_eq(rp_count(code), 1, "case %zu", c);
  }
}

Test(repairs, a_device_can_have_several_repairs_listed_oldest_first, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  long long ids[4];
  const char *outcomes[] = {"unknown", "repairable", "repairable", "fixed"};
  for (int i = 0; i < 4; i++) {
    char body[128];
    snprintf(body, sizeof body, "{\"outcome\":\"%s\",\"problem\":\"attempt %d\"}", outcomes[i], i);
    struct th_resp *r = rp_post(code, body);
    cr_assert_eq(r->status, 201, "attempt %d: %ld %s", i, r->status, r->body);
    ids[i] = rp_id(r);
    th_free(r);
  }
  cr_assert_str_eq(rp_status(code), "repaired");

  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 4, "%s", r->body);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  for (size_t i = 0; i < 4; i++) {
    json_t *it = json_array_get(items, i);
    cr_assert_eq(json_integer_value(json_object_get(it, "id")), ids[i], "item %zu", i);
    char want[32];
    snprintf(want, sizeof want, "attempt %zu", i);
    cr_assert_str_eq(json_string_value(json_object_get(it, "problem")), want);
    cr_assert_str_eq(json_string_value(json_object_get(it, "outcome")), outcomes[i]);
  }
  th_free(r);

  /* Pages of two, by cursor, in the same order. */
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs?limit=2", code);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 1), "id")), ids[1]);
  const char *cur = th_str(r, "next_cursor");
  cr_assert_not_null(cur, "%s", r->body);
  char path2[200];
  snprintf(path2, sizeof path2, "/api/v1/devices/%s/repairs?limit=2&cursor=%s", code, cur);
  th_free(r);
  r = th_req("GET", path2, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2, "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "id")), ids[2]);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 1), "id")), ids[3]);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")), "%s", r->body);
  th_free(r);

  /* One repair by id, with every field. */
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", ids[3]);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_str_eq(th_str(r, "outcome"), "fixed");
  cr_assert_str_eq(th_str(r, "device"), code);
  cr_assert_str_eq(th_str(r, "problem"), "attempt 3");
  cr_assert_not_null(th_str(r, "created_at"));
  th_free(r);
}

Test(repairs, list_of_a_device_without_repairs_and_of_unknown_devices, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 0);
  cr_assert(json_is_null(json_object_get(r->json, "next_cursor")));
  th_free(r);

  /* Well-formed code, no device: 404; not a code: 400 naming code. */
  char unknown[CODE_CAP];
  rp_unknown_code(unknown);
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", unknown);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("POST", path, ds_vol(), "{\"outcome\":\"fixed\"}", NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/devices/not-a-code/repairs", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "code"), "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs?cursor=abc", code);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "cursor"), "%s", r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/repairs/999999999999", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("GET", "/api/v1/repairs/abc", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
}

Test(repairs, lowercase_code_is_accepted, .init = setup)
{
  char code[CODE_CAP], lower[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  for (size_t i = 0; i <= strlen(code); i++)
    lower[i] = (char)((code[i] >= 'A' && code[i] <= 'Z') ? code[i] + 32 : code[i]);
  struct th_resp *r = rp_post(lower, "{\"outcome\":\"repairable\"}");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "device"), code);
  th_free(r);
}

Test(repairs, barrier_only_with_end_of_life, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  json_t *h = rp_history(code);
  size_t n_hist = json_array_size(h);
  json_decref(h);
  const char *bodies[] = {
      "{\"outcome\":\"fixed\",\"barrier\":\"too_worn_out\"}",
      "{\"outcome\":\"repairable\",\"barrier\":\"no_way_to_open\"}",
      "{\"outcome\":\"unknown\",\"barrier\":\"lack_of_equipment\"}",
      "{\"barrier\":\"spare_parts_not_available\"}",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct th_resp *r = rp_post(code, bodies[i]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bodies[i], r->status, r->body);
    cr_assert(ds_names_field(r, "barrier"), "%s: %s", bodies[i], r->body);
    th_free(r);
  }
  cr_assert_eq(rp_count(code), 0, "a refused repair was stored");
  cr_assert_str_eq(rp_status(code), "received", "a refused repair moved the device");
  h = rp_history(code);
  cr_assert_eq(json_array_size(h), n_hist, "a refused repair left history");
  json_decref(h);

  /* Every ORDS barrier is accepted with end_of_life, and kept. */
  const char *barriers[] = {
      "spare_parts_not_available",        "spare_parts_too_expensive", "no_way_to_open",
      "repair_information_not_available", "lack_of_equipment",         "too_worn_out"};
  for (size_t i = 0; i < 6; i++) {
    char body[160];
    snprintf(body, sizeof body, "{\"outcome\":\"end_of_life\",\"barrier\":\"%s\"}", barriers[i]);
    struct th_resp *r = rp_post(code, body);
    cr_assert_eq(r->status, 201, "%s: %ld %s", body, r->status, r->body);
    cr_assert_str_eq(th_str(r, "barrier"), barriers[i]);
    th_free(r);
  }
  cr_assert_str_eq(rp_status(code), "unrepairable");
  cr_assert_eq(rp_count(code), 6);
  cr_assert_eq(ds_count("SELECT count(DISTINCT r.barrier) FROM repairs r JOIN devices d"
                        " ON d.id = r.device_id WHERE d.code = '%s'",
                        code),
               6);

  /* Not an ORDS barrier. */
  struct th_resp *r = rp_post(code, "{\"outcome\":\"end_of_life\",\"barrier\":\"too_old\"}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "barrier"));
  th_free(r);
  cr_assert_eq(rp_count(code), 6);
}

Test(repairs, patch_cannot_add_a_barrier_to_another_outcome, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  rp_drive(code, "diagnosing");
  struct th_resp *r = rp_post(code, "{\"outcome\":\"repairable\",\"problem\":\"keeps\"}");
  cr_assert_eq(r->status, 201);
  long long id = rp_id(r);
  th_free(r);
  r = rp_patch(id, "{\"barrier\":\"too_worn_out\"}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "barrier"), "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT coalesce(barrier, '-') || ' ' || outcome FROM repairs"
                          " WHERE id = %lld",
                          id),
                   "- repairable");
  /* Leaving end_of_life with a barrier still set is refused too. */
  r = rp_patch(id, "{\"outcome\":\"end_of_life\",\"barrier\":\"no_way_to_open\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(rp_status(code), "unrepairable");
}

Test(repairs, refused_on_devices_in_a_final_state, .init = setup)
{
  struct {
    const char *kind, *path;
  } finals[] = {
      {"repair", "returned"},
      {"repair", "recycled"},
      {"repair", "diagnosing,repaired,returned"},
      {"donation", "diagnosing,repaired,available,rehomed"},
      {"donation", "harvested,recycled"},
  };
  for (size_t i = 0; i < sizeof finals / sizeof finals[0]; i++) {
    char code[CODE_CAP];
    rp_device(code, finals[i].kind, "laptop-medium");
    rp_drive(code, finals[i].path);
    char status[32];
    snprintf(status, sizeof status, "%s", rp_status(code));
    json_t *h = rp_history(code);
    size_t n_hist = json_array_size(h);
    json_decref(h);
    const char *outcomes[] = {"fixed", "end_of_life", "unknown"};
    for (size_t o = 0; o < 3; o++) {
      char body[96];
      snprintf(body, sizeof body, "{\"outcome\":\"%s\"}", outcomes[o]);
      struct th_resp *r = rp_post(code, body);
      cr_assert(th_is_problem(r, 409), "%s on %s: %ld %s", outcomes[o], status, r->status, r->body);
      th_free(r);
    }
    cr_assert_eq(rp_count(code), 0, "repair stored on a %s device", status);
    cr_assert_str_eq(rp_status(code), status);
    h = rp_history(code);
    cr_assert_eq(json_array_size(h), n_hist);
    json_decref(h);
  }
}

Test(repairs, outcome_the_lifecycle_refuses_is_409_with_allowed_moves, .init = setup)
{
  /* A repaired device cannot become unrepairable. */
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  struct th_resp *r = rp_post(code, "{\"outcome\":\"fixed\"}");
  cr_assert_eq(r->status, 201);
  th_free(r);
  cr_assert_str_eq(rp_status(code), "repaired");
  r = rp_post(code, "{\"outcome\":\"end_of_life\",\"barrier\":\"too_worn_out\"}");
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  json_t *allowed = json_object_get(r->json, "allowed");
  cr_assert(json_is_array(allowed), "%s", r->body);
  int has_returned = 0;
  size_t i;
  json_t *a;
  json_array_foreach(allowed, i, a)
    has_returned |= strcmp(json_string_value(a), "returned") == 0;
  cr_assert(has_returned, "%s", r->body);
  th_free(r);
  cr_assert_eq(rp_count(code), 1);
  cr_assert_str_eq(rp_status(code), "repaired");
}

Test(repairs, session_id_must_name_a_session, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  const char *bodies[] = {
      "{\"session_id\":999999999999,\"outcome\":\"fixed\"}",
      "{\"session_id\":0,\"outcome\":\"fixed\"}",
      "{\"session_id\":-4,\"outcome\":\"fixed\"}",
      "{\"session_id\":\"1\",\"outcome\":\"fixed\"}",
      "{\"session_id\":1.5,\"outcome\":\"fixed\"}",
  };
  for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
    struct th_resp *r = rp_post(code, bodies[k]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bodies[k], r->status, r->body);
    cr_assert(ds_names_field(r, "session_id"), "%s: %s", bodies[k], r->body);
    th_free(r);
  }
  cr_assert_eq(rp_count(code), 0);
  cr_assert_str_eq(rp_status(code), "received", "a refused repair moved the device");

  /* A real session is kept; an unknown one in a PATCH is refused. */
  struct th_resp *s = th_reqf("POST", "/api/v1/sessions", ds_vol(),
                              "{\"site\":\"%s\",\"starts_at\":\"2026-03-07T09:00:00Z\","
                              "\"ends_at\":\"2026-03-07T13:00:00Z\"}",
                              g_site);
  cr_assert_eq(s->status, 201, "%ld %s", s->status, s->body);
  long long sid = (long long)json_integer_value(json_object_get(s->json, "id"));
  th_free(s);
  char body[96];
  snprintf(body, sizeof body, "{\"session_id\":%lld,\"outcome\":\"repairable\"}", sid);
  struct th_resp *r = rp_post(code, body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_eq(json_integer_value(json_object_get(r->json, "session_id")), sid);
  long long id = rp_id(r);
  th_free(r);
  r = rp_patch(id, "{\"session_id\":999999999999}");
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "session_id"), "%s", r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT session_id FROM repairs WHERE id = %lld", id),
                   ds_sql("SELECT %lld", sid));
  r = rp_patch(id, "{\"session_id\":null}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "session_id")), "%s", r->body);
  th_free(r);
}

Test(repairs, patch_changing_the_outcome_moves_the_device, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  rp_drive(code, "diagnosing,in_repair");
  struct th_resp *r = rp_post(code, "{\"outcome\":\"repairable\",\"problem\":\"screen\"}");
  cr_assert_eq(r->status, 201);
  long long id = rp_id(r);
  th_free(r);
  cr_assert_str_eq(rp_status(code), "in_repair");
  json_t *h = rp_history(code);
  size_t n_hist = json_array_size(h);
  json_decref(h);

  /* Same outcome, other fields: no move. */
  r = rp_patch(id, "{\"diagnosis\":\"cracked panel\",\"minutes\":45}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "diagnosis"), "cracked panel");
  cr_assert_str_eq(th_str(r, "problem"), "screen", "merge patch kept the other fields");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "minutes")), 45);
  th_free(r);
  h = rp_history(code);
  cr_assert_eq(json_array_size(h), n_hist);
  json_decref(h);
  cr_assert_str_eq(rp_status(code), "in_repair");

  /* Now fixed: the device is repaired, and history says so. */
  r = rp_patch(id, "{\"outcome\":\"fixed\",\"actions\":\"new panel\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "outcome"), "fixed");
  th_free(r);
  cr_assert_str_eq(rp_status(code), "repaired");
  h = rp_history(code);
  cr_assert_eq(json_array_size(h), n_hist + 1);
  json_t *last = json_array_get(h, n_hist);
  cr_assert_str_eq(json_string_value(json_object_get(last, "from")), "in_repair");
  cr_assert_str_eq(json_string_value(json_object_get(last, "to")), "repaired");
  json_decref(h);

  /* A second device: received → diagnosing by an unknown outcome, then
   * end_of_life by PATCH. */
  char code2[CODE_CAP];
  rp_device(code2, "repair", "laptop-medium");
  r = rp_post(code2, "{}");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long id2 = rp_id(r);
  th_free(r);
  cr_assert_str_eq(rp_status(code2), "diagnosing");
  r = rp_patch(id2, "{\"outcome\":\"end_of_life\",\"barrier\":\"spare_parts_too_expensive\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(rp_status(code2), "unrepairable");

  /* A move the lifecycle refuses leaves the repair as it was. */
  r = rp_patch(id, "{\"outcome\":\"end_of_life\",\"barrier\":\"too_worn_out\"}");
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT outcome || ' ' || coalesce(barrier, '-') FROM repairs"
                          " WHERE id = %lld",
                          id),
                   "fixed -");
  cr_assert_str_eq(rp_status(code), "repaired");

  /* Unknown repair, read-only fields. */
  r = rp_patch(999999999999LL, "{\"outcome\":\"fixed\"}");
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  const char *ro[] = {"{\"id\":5}", "{\"device\":\"RL-0000-0000\"}",
                      "{\"created_at\":\"2026-01-01T00:00:00Z\"}"};
  for (size_t i = 0; i < 3; i++) {
    r = rp_patch(id, ro[i]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", ro[i], r->status, r->body);
    th_free(r);
  }
}

struct bad_case {
  const char *body;
  const char *field;
};

static char long_text[4200];

static const char *repeat(size_t n)
{
  memset(long_text, 'x', n);
  long_text[n] = '\0';
  return long_text;
}

Test(repairs, bad_input_on_every_field_is_400_naming_it, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  const struct bad_case cases[] = {
      {"{\"session_id\":\"7\"}", "session_id"},
      {"{\"session_id\":true}", "session_id"},
      {"{\"problem\":\"\"}", "problem"},
      {"{\"problem\":42}", "problem"},
      {"{\"problem\":[\"a\"]}", "problem"},
      {"{\"diagnosis\":{}}", "diagnosis"},
      {"{\"diagnosis\":\"\"}", "diagnosis"},
      {"{\"actions\":false}", "actions"},
      {"{\"actions\":\"\"}", "actions"},
      {"{\"outcome\":\"broken\"}", "outcome"},
      {"{\"outcome\":\"FIXED\"}", "outcome"},
      {"{\"outcome\":null}", "outcome"},
      {"{\"outcome\":1}", "outcome"},
      {"{\"barrier\":\"nope\",\"outcome\":\"end_of_life\"}", "barrier"},
      {"{\"barrier\":3,\"outcome\":\"end_of_life\"}", "barrier"},
      {"{\"next_steps\":\"pray\"}", "next_steps"},
      {"{\"next_steps\":[]}", "next_steps"},
      {"{\"minutes\":-1}", "minutes"},
      {"{\"minutes\":10001}", "minutes"},
      {"{\"minutes\":\"30\"}", "minutes"},
      {"{\"minutes\":1.5}", "minutes"},
      {"{\"repairer\":\"\"}", "repairer"},
      {"{\"repairer\":7}", "repairer"},
      {"{\"repairer\":\"Ann\\nBob\"}", "repairer"},
      {"{\"colour\":\"red\"}", "colour"},
      {"{\"parts\":[]}", "parts"},
      {"{\"id\":1}", "id"},
      {"{\"device\":\"RL-4K7Q-9M2R\"}", "device"},
      {"{\"updated_at\":\"2026-01-01T00:00:00Z\"}", "updated_at"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r = rp_post(code, cases[i].body);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", cases[i].body, r->status, r->body);
    cr_assert(ds_names_field(r, cases[i].field), "%s should name %s: %s", cases[i].body,
              cases[i].field, r->body);
    th_free(r);
  }

  /* Over-long texts. */
  struct {
    const char *field;
    size_t len;
  } longs[] = {{"problem", 2001}, {"diagnosis", 4001}, {"actions", 4001}, {"repairer", 101}};
  for (size_t i = 0; i < 4; i++) {
    char *body = NULL;
    cr_assert_geq(asprintf(&body, "{\"%s\":\"%s\"}", longs[i].field, repeat(longs[i].len)), 0);
    struct th_resp *r = rp_post(code, body);
    free(body);
    cr_assert(th_is_problem(r, 400), "%s: %ld", longs[i].field, r->status);
    cr_assert(ds_names_field(r, longs[i].field), "%s", r->body);
    th_free(r);
  }

  /* Several bad fields are all reported at once. */
  struct th_resp *r = rp_post(code, "{\"minutes\":-5,\"outcome\":\"meh\",\"extra\":1}");
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "minutes") && ds_names_field(r, "outcome") &&
                ds_names_field(r, "extra"),
            "%s", r->body);
  th_free(r);

  /* Not an object, not JSON, SQL in a string. */
  const char *malformed[] = {"[]", "\"fixed\"", "{\"outcome\":", "{'outcome':'fixed'}", ""};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    r = rp_post(code, malformed[i]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", malformed[i], r->status, r->body);
    th_free(r);
  }
  cr_assert_eq(rp_count(code), 0, "bad input stored a repair");
  cr_assert_str_eq(rp_status(code), "received", "bad input moved the device");

  r = rp_post(code, "{\"problem\":\"'); DROP TABLE repairs; --\",\"outcome\":\"repairable\"}");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "problem"), "'); DROP TABLE repairs; --");
  th_free(r);

  /* The bounds themselves are accepted. */
  char *body = NULL;
  cr_assert_geq(asprintf(&body,
                         "{\"minutes\":0,\"problem\":\"%s\",\"next_steps\":\"do_it_yourself\","
                         "\"repairer\":\"Zoé\",\"outcome\":\"repairable\"}",
                         repeat(2000)),
                0);
  r = rp_post(code, body);
  free(body);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "repairer"), "Zoé");
  cr_assert_str_eq(th_str(r, "next_steps"), "do_it_yourself");
  cr_assert_eq(json_integer_value(json_object_get(r->json, "minutes")), 0);
  th_free(r);
  r = rp_post(code, "{\"minutes\":10000,\"next_steps\":\"professional_help\"}");
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  long long id = rp_id(r);
  th_free(r);
  cr_assert_eq(rp_count(code), 3);

  /* PATCH validates the same way and stores nothing on failure. */
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    r = rp_patch(id, cases[i].body);
    cr_assert(th_is_problem(r, 400), "PATCH %s: %ld %s", cases[i].body, r->status, r->body);
    cr_assert(ds_names_field(r, cases[i].field), "PATCH %s should name %s: %s", cases[i].body,
              cases[i].field, r->body);
    th_free(r);
  }
  cr_assert_str_eq(ds_sql("SELECT minutes || ' ' || next_steps || ' ' || outcome FROM repairs"
                          " WHERE id = %lld",
                          id),
                   "10000 professional_help unknown");
}

Test(repairs, roles_and_keys, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  struct th_resp *r = th_req("POST", path, ds_reader(), "{\"outcome\":\"fixed\"}", NULL);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_req("POST", path, NULL, "{\"outcome\":\"fixed\"}", NULL);
  cr_assert(th_is_problem(r, 401), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(rp_count(code), 0);
  cr_assert_str_eq(rp_status(code), "received");
  r = th_req("POST", path, ds_admin(), "{\"outcome\":\"repairable\"}", NULL);
  cr_assert_eq(r->status, 201, "admin is above volunteer: %ld %s", r->status, r->body);
  long long id = rp_id(r);
  th_free(r);
  char rp[64];
  snprintf(rp, sizeof rp, "/api/v1/repairs/%lld", id);
  r = th_req("PATCH", rp, ds_reader(), "{\"outcome\":\"fixed\"}", NULL);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(rp_status(code), "diagnosing");
}

Test(repairs, idempotency_key_replays_without_a_second_repair_or_move, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  char path[128], hdr[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", th_unique("rep-idem"));
  const char *h[] = {hdr, NULL};
  const char *body = "{\"outcome\":\"fixed\",\"problem\":\"hinge\"}";
  struct th_resp *a = th_req("POST", path, ds_vol(), body, h);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  struct th_resp *b = th_req("POST", path, ds_vol(), body, h);
  cr_assert_eq(b->status, 201, "replay: %ld %s", b->status, b->body);
  cr_assert_eq(rp_id(a), rp_id(b), "a replay made a second repair");
  th_free(a);
  th_free(b);
  cr_assert_eq(rp_count(code), 1);
  json_t *hist = rp_history(code);
  cr_assert_eq(json_array_size(hist), 3, "intake + two moves, once");
  json_decref(hist);
  b = th_req("POST", path, ds_vol(), "{\"outcome\":\"repairable\"}", h);
  cr_assert(th_is_problem(b, 422), "same key, other body: %ld %s", b->status, b->body);
  th_free(b);
  cr_assert_eq(rp_count(code), 1);
}

/* Conventions: single objects carry an ETag, and an If-Match that no
 * longer matches gives 412. A repair's PATCH moves its device, so a stale
 * write matters. */
Test(repairs, patch_with_a_stale_if_match_is_412, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  rp_drive(code, "diagnosing");
  struct th_resp *r = rp_post(code, "{\"outcome\":\"repairable\",\"minutes\":5}");
  cr_assert_eq(r->status, 201);
  long long id = rp_id(r);
  th_free(r);
  char path[64];
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", id);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_not_null(th_header(r, "ETag"));
  char im[96];
  snprintf(im, sizeof im, "If-Match: %s", th_header(r, "ETag"));
  th_free(r);
  r = rp_patch(id, "{\"minutes\":10}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  const char *h[] = {im, NULL};
  r = th_req("PATCH", path, ds_vol(), "{\"minutes\":20,\"outcome\":\"fixed\"}", h);
  cr_assert(th_is_problem(r, 412), "a stale If-Match was applied: %ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT minutes || ' ' || outcome FROM repairs WHERE id = %lld", id),
                   "10 repairable");
  cr_assert_str_eq(rp_status(code), "diagnosing");
}

struct race {
  const char *code;
  long status;
};

static void *race_post(void *arg)
{
  struct race *x = arg;
  struct th_resp *r = rp_post(x->code, "{\"outcome\":\"fixed\"}");
  x->status = r->status;
  th_free(r);
  return NULL;
}

Test(repairs, concurrent_repairs_move_the_device_once, .init = setup)
{
  char code[CODE_CAP];
  rp_device(code, "repair", "laptop-medium");
  (void)ds_vol(); /* the key is made before the threads share it */
  enum { N = 8 };
  struct race x[N];
  pthread_t t[N];
  for (int i = 0; i < N; i++) {
    x[i].code = code;
    pthread_create(&t[i], NULL, race_post, &x[i]);
  }
  long created = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    cr_assert(x[i].status == 201 || x[i].status == 409, "thread %d: %ld", i, x[i].status);
    created += x[i].status == 201;
  }
  cr_assert_geq(created, 1);
  cr_assert_eq(rp_count(code), created);
  cr_assert_str_eq(rp_status(code), "repaired");
  json_t *hist = rp_history(code);
  cr_assert_eq(json_array_size(hist), 3, "the device moved more than received→diagnosing→repaired");
  json_decref(hist);
}
