/* The device lifecycle over HTTP: every allowed and every refused move for
 * both kinds, from every status a device can reach; final states; on_loan;
 * concurrent moves; and the history they leave. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const statuses[] = {"received", "diagnosing",   "in_repair", "awaiting_parts",
                                       "repaired", "unrepairable", "returned",  "available",
                                       "on_loan",  "rehomed",      "harvested", "recycled"};
#define N_STATUS 12

/* PRODUCT.md's table for manual moves (transitions), by kind: "*" any. */
static const struct {
  const char *from, *to, *kind;
} manual[] = {
    {"received", "diagnosing", "*"},         {"received", "returned", "repair"},
    {"received", "harvested", "donation"},   {"received", "recycled", "*"},
    {"diagnosing", "in_repair", "*"},        {"diagnosing", "awaiting_parts", "*"},
    {"diagnosing", "repaired", "*"},         {"diagnosing", "unrepairable", "*"},
    {"diagnosing", "returned", "repair"},    {"awaiting_parts", "in_repair", "*"},
    {"awaiting_parts", "unrepairable", "*"}, {"awaiting_parts", "returned", "repair"},
    {"in_repair", "repaired", "*"},          {"in_repair", "awaiting_parts", "*"},
    {"in_repair", "unrepairable", "*"},      {"in_repair", "returned", "repair"},
    {"repaired", "returned", "repair"},      {"repaired", "available", "donation"},
    {"unrepairable", "returned", "repair"},  {"unrepairable", "harvested", "donation"},
    {"unrepairable", "recycled", "*"},       {"available", "rehomed", "*"},
    {"available", "diagnosing", "*"},        {"available", "harvested", "*"},
    {"available", "recycled", "*"},          {"harvested", "recycled", "*"},
};

static int allowed(const char *kind, const char *from, const char *to)
{
  for (size_t i = 0; i < sizeof manual / sizeof manual[0]; i++)
    if (strcmp(manual[i].from, from) == 0 && strcmp(manual[i].to, to) == 0 &&
        (strcmp(manual[i].kind, "*") == 0 || strcmp(manual[i].kind, kind) == 0))
      return 1;
  return 0;
}

/* How a fresh device of each kind reaches each status by manual moves. */
static const struct {
  const char *kind, *status;
  const char *path[5];
} routes[] = {
    {"donation", "received", {NULL}},
    {"donation", "diagnosing", {"diagnosing", NULL}},
    {"donation", "in_repair", {"diagnosing", "in_repair", NULL}},
    {"donation", "awaiting_parts", {"diagnosing", "awaiting_parts", NULL}},
    {"donation", "repaired", {"diagnosing", "repaired", NULL}},
    {"donation", "unrepairable", {"diagnosing", "unrepairable", NULL}},
    {"donation", "available", {"diagnosing", "repaired", "available", NULL}},
    {"donation", "rehomed", {"diagnosing", "repaired", "available", "rehomed", NULL}},
    {"donation", "harvested", {"harvested", NULL}},
    {"donation", "recycled", {"recycled", NULL}},
    {"repair", "received", {NULL}},
    {"repair", "diagnosing", {"diagnosing", NULL}},
    {"repair", "in_repair", {"diagnosing", "in_repair", NULL}},
    {"repair", "awaiting_parts", {"diagnosing", "awaiting_parts", NULL}},
    {"repair", "repaired", {"diagnosing", "repaired", NULL}},
    {"repair", "unrepairable", {"diagnosing", "unrepairable", NULL}},
    {"repair", "returned", {"returned", NULL}},
    {"repair", "recycled", {"recycled", NULL}},
};

static char g_site[96];
static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static void fresh_at(char *code, const char *kind, size_t route)
{
  ds_device(code, kind, g_site, th_unique("Life"));
  ds_drive(code, routes[route].path);
}

static long events(const char *code, const char *type)
{
  return ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
                  " WHERE d.code = '%s' AND e.type = '%s'",
                  code, type);
}

static const char *db_status(const char *code)
{
  return ds_sql("SELECT status FROM devices WHERE code = '%s'", code);
}

/* The 409 lists exactly the moves the table allows from `from`. */
static void assert_allowed_list(const struct th_resp *r, const char *kind, const char *from)
{
  json_t *list = json_object_get(r->json, "allowed");
  cr_assert(json_is_array(list), "%s %s: no allowed list: %s", kind, from, r->body);
  int want = 0;
  for (int t = 0; t < N_STATUS; t++)
    want += allowed(kind, from, statuses[t]);
  cr_assert_eq(json_array_size(list), (size_t)want, "%s from %s: %s", kind, from, r->body);
  size_t i;
  json_t *s;
  json_array_foreach(list, i, s) {
    cr_assert(json_is_string(s));
    cr_assert(allowed(kind, from, json_string_value(s)), "%s from %s lists %s", kind, from,
              json_string_value(s));
  }
}

static void every_move_for(const char *kind)
{
  for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
    if (strcmp(routes[k].kind, kind) != 0)
      continue;
    const char *from = routes[k].status;
    char stay[CODE_CAP];
    fresh_at(stay, kind, k);
    cr_assert_str_eq(db_status(stay), from);
    for (int t = 0; t < N_STATUS; t++) {
      const char *to = statuses[t];
      if (strcmp(to, "on_loan") == 0)
        continue; /* its own test */
      if (allowed(kind, from, to)) {
        char code[CODE_CAP];
        fresh_at(code, kind, k);
        long before = events(code, "transition");
        struct th_resp *r = ds_move(code, to);
        cr_assert_eq(r->status, 200, "%s %s -> %s: %ld %s", kind, from, to, r->status, r->body);
        cr_assert_str_eq(th_str(r, "status"), to);
        th_free(r);
        cr_assert_str_eq(db_status(code), to, "%s %s -> %s", kind, from, to);
        cr_assert_eq(events(code, "transition"), before + 1);
      } else {
        long before = events(stay, "transition");
        struct th_resp *r = ds_move(stay, to);
        cr_assert(th_is_problem(r, 409), "%s %s -> %s: %ld %s", kind, from, to, r->status, r->body);
        assert_allowed_list(r, kind, from);
        th_free(r);
        cr_assert_str_eq(db_status(stay), from, "%s %s -> %s refused but moved", kind, from, to);
        cr_assert_eq(events(stay, "transition"), before);
      }
    }
  }
}

Test(lifecycle_http, every_move_of_a_donation, .init = setup, .timeout = 120)
{
  every_move_for("donation");
}

Test(lifecycle_http, every_move_of_a_repair, .init = setup, .timeout = 120)
{
  every_move_for("repair");
}

Test(lifecycle_http, final_states_are_final, .init = setup)
{
  const char *finals[][2] = {{"repair", "returned"},
                             {"donation", "rehomed"},
                             {"donation", "recycled"},
                             {"repair", "recycled"}};
  for (size_t f = 0; f < 4; f++) {
    size_t k = 0;
    while (strcmp(routes[k].kind, finals[f][0]) || strcmp(routes[k].status, finals[f][1]))
      k++;
    char code[CODE_CAP];
    fresh_at(code, finals[f][0], k);
    for (int t = 0; t < N_STATUS; t++) {
      struct th_resp *r = ds_move(code, statuses[t]);
      cr_assert(th_is_problem(r, 409), "%s -> %s: %ld", finals[f][1], statuses[t], r->status);
      if (strcmp(statuses[t], "on_loan") != 0)
        cr_assert_eq(json_array_size(json_object_get(r->json, "allowed")), 0, "%s", r->body);
      th_free(r);
    }
    cr_assert_str_eq(db_status(code), finals[f][1]);
  }
}

/* No manual move puts a device on loan, from anywhere. */
Test(lifecycle_http, on_loan_only_through_a_loan, .init = setup)
{
  for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
    char code[CODE_CAP];
    fresh_at(code, routes[k].kind, k);
    struct th_resp *r = ds_move(code, "on_loan");
    cr_assert(th_is_problem(r, 409), "%s %s -> on_loan: %ld", routes[k].kind, routes[k].status,
              r->status);
    th_free(r);
    cr_assert_str_eq(db_status(code), routes[k].status);
    long steps = 0;
    while (routes[k].path[steps])
      steps++;
    cr_assert_eq(events(code, "transition"), steps, "a refused move left an event");
  }
}

Test(lifecycle_http, on_loan_refusal_lists_the_allowed_moves, .init = setup)
{
  char code[CODE_CAP];
  fresh_at(code, "donation", 6); /* available */
  cr_assert_str_eq(routes[6].status, "available");
  struct th_resp *r = ds_move(code, "on_loan");
  cr_assert(th_is_problem(r, 409));
  assert_allowed_list(r, "donation", "available");
  th_free(r);
}

/* A device on loan (put there as a loan would) refuses every manual move. */
Test(lifecycle_http, a_device_on_loan_moves_only_through_its_loan, .init = setup)
{
  char code[CODE_CAP];
  fresh_at(code, "donation", 6);
  cr_assert_not_null(ds_sql("UPDATE devices SET status = 'on_loan', version = version + 1"
                            " WHERE code = '%s' RETURNING id",
                            code));
  for (int t = 0; t < N_STATUS; t++) {
    struct th_resp *r = ds_move(code, statuses[t]);
    cr_assert(th_is_problem(r, 409), "on_loan -> %s: %ld %s", statuses[t], r->status, r->body);
    if (strcmp(statuses[t], "on_loan") != 0)
      cr_assert_eq(json_array_size(json_object_get(r->json, "allowed")), 0, "%s", r->body);
    th_free(r);
  }
  cr_assert_str_eq(db_status(code), "on_loan");
}

Test(lifecycle_http, bad_transition_requests, .init = setup)
{
  char code[CODE_CAP], path[128];
  ds_device(code, "donation", g_site, th_unique("BadMove"));
  snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", code);
  const char *bodies[][2] = {{"{\"to\":\"flying\"}", "to"},
                             {"{}", "to"},
                             {"{\"to\":3}", "to"},
                             {"{\"to\":\"diagnosing\",\"note\":\"\"}", "note"},
                             {"{\"to\":\"diagnosing\",\"note\":\"a\\u0001\"}", "note"},
                             {"{\"to\":\"diagnosing\",\"from\":\"received\"}", "from"}};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct th_resp *r = th_req("POST", path, ds_vol(), bodies[i][0], NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bodies[i][0], r->status, r->body);
    cr_assert(ds_names_field(r, bodies[i][1]), "%s: %s", bodies[i][0], r->body);
    th_free(r);
  }
  struct th_resp *r = th_req("POST", path, ds_reader(), "{\"to\":\"diagnosing\"}", NULL);
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  cr_assert_str_eq(db_status(code), "received");
  cr_assert_eq(events(code, "transition"), 0);
}

Test(lifecycle_http, transition_replay_with_idempotency_key, .init = setup)
{
  char code[CODE_CAP], path[128], key[96];
  ds_device(code, "donation", g_site, th_unique("IdemMove"));
  snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", code);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("mv-"));
  const char *h[] = {key, NULL};
  struct th_resp *a = th_req("POST", path, ds_vol(), "{\"to\":\"diagnosing\"}", h);
  struct th_resp *b = th_req("POST", path, ds_vol(), "{\"to\":\"diagnosing\"}", h);
  cr_assert_eq(a->status, 200);
  cr_assert_eq(b->status, 200, "the replay is the stored 200, not a 409: %ld", b->status);
  cr_assert_str_eq(a->body, b->body);
  th_free(a);
  th_free(b);
  cr_assert_eq(events(code, "transition"), 1);
}

/* ---- Concurrent moves of one device: exactly one wins. */

#define RACERS 8

struct racer {
  const char *path, *key;
  pthread_barrier_t *go;
  long status;
};

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
  (void)p;
  (void)ud;
  return s * n;
}

static void *race(void *arg)
{
  struct racer *r = arg;
  CURL *c = curl_easy_init();
  char url[512], auth[256];
  snprintf(url, sizeof url, "%s%s", th_url(), r->path);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->key);
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"to\":\"diagnosing\"}");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  pthread_barrier_wait(r->go);
  r->status = curl_easy_perform(c) == CURLE_OK ? 0 : -1;
  if (r->status == 0)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return NULL;
}

Test(lifecycle_http, concurrent_moves_cannot_both_win, .init = setup)
{
  curl_global_init(CURL_GLOBAL_ALL);
  for (int round = 0; round < 5; round++) {
    char code[CODE_CAP], path[128];
    ds_device(code, round % 2 ? "repair" : "donation", g_site, th_unique("Race"));
    snprintf(path, sizeof path, "/api/v1/devices/%s/transitions", code);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    struct racer rs[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
      rs[i] = (struct racer){path, ds_vol(), &go, 0};
      pthread_create(&t[i], NULL, race, &rs[i]);
    }
    int ok = 0, conflict = 0;
    for (int i = 0; i < RACERS; i++) {
      pthread_join(t[i], NULL);
      ok += rs[i].status == 200;
      conflict += rs[i].status == 409;
    }
    pthread_barrier_destroy(&go);
    cr_assert_eq(ok, 1, "round %d: %d moves won", round, ok);
    cr_assert_eq(conflict, RACERS - 1, "round %d: %d refused with 409", round, conflict);
    cr_assert_eq(events(code, "transition"), 1, "round %d", round);
    cr_assert_str_eq(db_status(code), "diagnosing");
    cr_assert_eq(ds_count("SELECT version FROM devices WHERE code = '%s'", code), 2);
  }
}

/* ---- History. */

Test(history, every_change_in_order_with_actor_and_notes, .init = setup)
{
  char name[96];
  snprintf(name, sizeof name, "%s", th_unique("Intake desk "));
  char *key = ds_new_key("volunteer", name);
  struct th_resp *r = th_reqf("POST", "/api/v1/devices", key,
                              "{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"%s\"}",
                              g_site, th_unique("Hist"));
  cr_assert_eq(r->status, 201);
  char code[CODE_CAP];
  snprintf(code, sizeof code, "%s", th_str(r, "code"));
  th_free(r);
  r = ds_move_as(key, code, "diagnosing", "battery swollen, \\\"careful\\\"");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  r = th_req("PATCH", path, key, "{\"notes\":\"needs a part\",\"model\":\"X1\"}", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = ds_move_as(key, code, "awaiting_parts", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = ds_move_as(key, code, "in_repair", "part arrived\\nfrom the stock");
  cr_assert_eq(r->status, 200);
  th_free(r);
  r = ds_move_as(key, code, "returned", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  /* A refused move leaves no trace. */
  r = ds_move_as(key, code, "diagnosing", "never");
  cr_assert_eq(r->status, 409);
  th_free(r);

  const struct {
    const char *type, *from, *to, *note;
  } want[] = {
      {"intake", NULL, "received", NULL},
      {"transition", "received", "diagnosing", "battery swollen, \"careful\""},
      {"edit", NULL, NULL, NULL},
      {"transition", "diagnosing", "awaiting_parts", NULL},
      {"transition", "awaiting_parts", "in_repair", "part arrived\nfrom the stock"},
      {"transition", "in_repair", "returned", NULL},
  };
  size_t n_want = sizeof want / sizeof want[0];
  for (int limit = 50; limit >= 1; limit -= 48) {
    json_t *all = json_array();
    char cursor[64] = "";
    for (int pages = 0; pages < 20; pages++) {
      char hp[256];
      snprintf(hp, sizeof hp, "/api/v1/devices/%s/history?limit=%d%s%s", code, limit,
               cursor[0] ? "&cursor=" : "", cursor);
      r = th_req("GET", hp, ds_reader(), NULL, NULL);
      cr_assert_eq(r->status, 200, "%s: %ld %s", hp, r->status, r->body);
      json_array_extend(all, json_object_get(r->json, "items"));
      json_t *next = json_object_get(r->json, "next_cursor");
      cr_assert(json_is_null(next) || json_is_string(next));
      if (!json_is_string(next)) {
        th_free(r);
        break;
      }
      snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
      th_free(r);
    }
    cr_assert_eq(json_array_size(all), n_want, "limit %d: %zu events", limit, json_array_size(all));
    double last = 0;
    for (size_t i = 0; i < n_want; i++) {
      json_t *ev = json_array_get(all, i);
      const char *type = json_string_value(json_object_get(ev, "type"));
      cr_assert_str_eq(type, want[i].type, "event %zu", i);
      cr_assert_str_eq(json_string_value(json_object_get(ev, "actor")), name, "event %zu", i);
      const char *from = json_string_value(json_object_get(ev, "from"));
      const char *to = json_string_value(json_object_get(ev, "to"));
      const char *note = json_string_value(json_object_get(ev, "note"));
      if (want[i].from)
        cr_assert_str_eq(from, want[i].from, "event %zu", i);
      else
        cr_assert_null(from, "event %zu", i);
      if (want[i].to)
        cr_assert_str_eq(to, want[i].to, "event %zu", i);
      if (want[i].note)
        cr_assert_str_eq(note, want[i].note, "event %zu", i);
      else
        cr_assert_null(note, "event %zu", i);
      double at = ds_time(json_string_value(json_object_get(ev, "at")));
      cr_assert_gt(at, 0, "event %zu time", i);
      cr_assert_geq(at, last, "event %zu is older than the one before", i);
      last = at;
      if (strcmp(type, "edit") == 0)
        cr_assert_eq(json_array_size(json_object_get(ev, "fields")), 2);
    }
    json_decref(all);
  }
  free(key);
  struct th_resp *bad =
      th_req("GET", "/api/v1/devices/RL-0000-0000/history?limit=0", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(bad, 400));
  th_free(bad);
}
