/* Spare-part stock over HTTP: movements of every type, the stock beside its
 * ledger, harvests, repairs that take parts, bad input (a clear 4xx and
 * nothing stored), and real concurrency: clients racing for the last units
 * and transfers crossing each other leave the stock right, never negative,
 * and equal to the ledger's sum. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

static char g_site[96], g_other[96];

static void setup(void)
{
  ds_site(g_site, sizeof g_site, 1);
  ds_site(g_other, sizeof g_other, 1);
}

/* A part of this unit with a default threshold; returns its sku (static,
 * one of 4 rotating buffers). */
static const char *sp_part(const char *unit, int low_stock)
{
  static char skus[4][48];
  static int next;
  char *sku = skus[next++ % 4];
  snprintf(sku, 48, "%s", th_unique("SKU-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/parts", ds_admin(),
                              "{\"sku\":\"%s\",\"name\":\"Part %s\",\"unit\":\"%s\","
                              "\"low_stock\":%d,\"categories\":[\"laptop\"]}",
                              sku, sku, unit, low_stock);
  cr_assert_eq(r->status, 201, "part: %ld %s", r->status, r->body);
  th_free(r);
  return sku;
}

static struct th_resp *sp_move_as(const char *key, const char *sku, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct th_resp *sp_move_as(const char *key, const char *sku, const char *fmt, ...)
{
  char body[1024], path[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", sku);
  return th_req("POST", path, key, body, NULL);
}

static void sp_receive(const char *sku, const char *site, const char *qty)
{
  struct th_resp *r = sp_move_as(ds_vol(), sku,
                                 "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":%s,"
                                 "\"source\":\"donated\"}",
                                 site, qty);
  cr_assert_eq(r->status, 201, "receive: %ld %s", r->status, r->body);
  th_free(r);
}

/* The stock of sku at site as the API says it, as text ("3", "1.5"). */
static const char *sp_stock(const char *sku, const char *site)
{
  static char out[32];
  char path[200];
  snprintf(path, sizeof path, "/api/v1/parts/%s/stock/%s", sku, site);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "stock: %ld %s", r->status, r->body);
  json_t *q = json_object_get(r->json, "quantity");
  if (json_is_integer(q))
    snprintf(out, sizeof out, "%lld", (long long)json_integer_value(q));
  else
    snprintf(out, sizeof out, "%g", json_number_value(q));
  th_free(r);
  return out;
}

static long sp_movements(const char *sku)
{
  return ds_count("SELECT count(*) FROM part_movements m JOIN parts p ON p.id = m.part_id"
                  " WHERE p.sku = '%s'",
                  sku);
}

/* The ledger check over every part: stock rows equal their ledger's sums. */
static void sp_check_ledger(void)
{
  struct th_resp *r = th_req("GET", "/api/v1/stock/check", ds_admin(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_true(json_object_get(r->json, "ok")), "ledger mismatch: %s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM part_stock WHERE quantity < 0"), 0);
}

Test(stock, receive_read_list_and_check, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "4");
  sp_receive(sku, g_site, "3");
  sp_receive(sku, g_other, "1");
  cr_assert_str_eq(sp_stock(sku, g_site), "7");
  /* Case does not matter in the sku. */
  char lower[48];
  snprintf(lower, sizeof lower, "%s", sku);
  for (char *p = lower; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  cr_assert_str_eq(sp_stock(lower, g_site), "7");

  char path[200];
  snprintf(path, sizeof path, "/api/v1/parts/%s/stock", sku);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "sites")), 2);
  th_free(r);

  snprintf(path, sizeof path, "/api/v1/parts/%s/movements?site=%s&limit=1", sku, g_site);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 1);
  json_t *m = json_array_get(items, 0);
  cr_assert_eq(json_integer_value(json_object_get(m, "quantity")), 3, "newest first");
  cr_assert_str_eq(json_string_value(json_object_get(m, "type")), "received");
  cr_assert_str_eq(json_string_value(json_object_get(m, "source")), "donated");
  cr_assert_not_null(th_str(r, "next_cursor"));
  long long id = json_integer_value(json_object_get(m, "id"));
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements/%lld", sku, id);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  sp_check_ledger();
}

Test(stock, taking_more_than_the_stock_is_409_and_stores_nothing, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "2");
  struct th_resp *r = sp_move_as(ds_vol(), sku,
                                 "{\"type\":\"scrapped\",\"site\":\"%s\","
                                 "\"quantity\":3}",
                                 g_site);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "insufficient_stock");
  cr_assert_eq(json_integer_value(json_object_get(e, "available")), 2);
  cr_assert_eq(json_integer_value(json_object_get(e, "wanted")), 3);
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "2");
  cr_assert_eq(sp_movements(sku), 1);
}

Test(stock, counts_are_for_admins_and_set_the_stock, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "5");
  struct th_resp *r = sp_move_as(ds_vol(), sku,
                                 "{\"type\":\"adjusted\",\"site\":\"%s\","
                                 "\"counted\":3}",
                                 g_site);
  cr_assert(th_is_problem(r, 403), "%ld %s", r->status, r->body);
  th_free(r);
  r = sp_move_as(ds_admin(), sku,
                 "{\"type\":\"adjusted\",\"site\":\"%s\",\"counted\":3,"
                 "\"note\":\"shelf count\"}",
                 g_site);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  json_t *m = json_array_get(json_object_get(r->json, "movements"), 0);
  cr_assert_eq(json_integer_value(json_object_get(m, "quantity")), -2, "the difference");
  cr_assert_eq(json_integer_value(json_object_get(m, "stock_after")), 3);
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "3");
  sp_check_ledger();
}

Test(stock, a_transfer_moves_both_legs_or_neither, .init = setup)
{
  const char *sku = sp_part("g", 0);
  sp_receive(sku, g_site, "10.5");
  struct th_resp *r = sp_move_as(ds_vol(), sku,
                                 "{\"type\":\"transferred\",\"site\":\"%s\","
                                 "\"to_site\":\"%s\",\"quantity\":2.25}",
                                 g_site, g_other);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  json_t *legs = json_object_get(r->json, "movements");
  cr_assert_eq(json_array_size(legs), 2);
  json_t *t0 = json_object_get(json_array_get(legs, 0), "transfer_id");
  json_t *t1 = json_object_get(json_array_get(legs, 1), "transfer_id");
  cr_assert(json_is_integer(t0) && json_equal(t0, t1), "both legs share a transfer id");
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "8.25");
  cr_assert_str_eq(sp_stock(sku, g_other), "2.25");

  r = sp_move_as(ds_vol(), sku,
                 "{\"type\":\"transferred\",\"site\":\"%s\",\"to_site\":\"%s\","
                 "\"quantity\":1}",
                 g_site, g_site);
  cr_assert(th_is_problem(r, 422), "same site: %ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "to_site"));
  th_free(r);
  r = sp_move_as(ds_vol(), sku,
                 "{\"type\":\"transferred\",\"site\":\"%s\",\"to_site\":\"nowhere-%s\","
                 "\"quantity\":1}",
                 g_site, th_unique("x"));
  cr_assert(th_is_problem(r, 422), "unknown site: %ld %s", r->status, r->body);
  th_free(r);
  r = sp_move_as(ds_vol(), sku,
                 "{\"type\":\"transferred\",\"site\":\"%s\",\"to_site\":\"%s\","
                 "\"quantity\":100}",
                 g_site, g_other);
  cr_assert(th_is_problem(r, 409), "short: %ld %s", r->status, r->body);
  th_free(r);
  cr_assert_eq(sp_movements(sku), 3);
  sp_check_ledger();
}

Test(stock, bad_movements_are_4xx_and_store_nothing, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "5");
  struct {
    const char *body;
    long status;
    const char *field;
  } cases[] = {
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":0}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":-2}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1.5}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":100001}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":\"2\"}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\"}", 400, "quantity"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1,\"to_site\":\"x\"}", 400, "to_site"},
      {"{\"type\":\"scrapped\",\"site\":\"%s\",\"quantity\":1,\"source\":\"bought\"}", 400,
       "source"},
      {"{\"type\":\"stolen\",\"site\":\"%s\",\"quantity\":1}", 400, "type"},
      {"{\"type\":\"used\",\"quantity\":1,\"repair_id\":999999999,\"note\":\"%s\"}", 422,
       "repair_id"},
      {"{\"type\":\"received\",\"site\":\"no-such-%s\",\"quantity\":1}", 422, "site"},
      {"{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1,\"id\":3}", 400, "id"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r = sp_move_as(ds_vol(), sku, cases[i].body, g_site);
    cr_assert(th_is_problem(r, cases[i].status), "case %zu: %ld %s", i, r->status, r->body);
    cr_assert(ds_names_field(r, cases[i].field), "case %zu names %s: %s", i, cases[i].field,
              r->body);
    th_free(r);
  }
  struct th_resp *r = sp_move_as(ds_vol(), "NO-SUCH-PART",
                                 "{\"type\":\"received\",\"site\":\"%s\","
                                 "\"quantity\":1}",
                                 g_site);
  cr_assert(th_is_problem(r, 404), "%ld", r->status);
  th_free(r);
  r = sp_move_as(ds_vol(), "bad%20sku", "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1}",
                 g_site);
  cr_assert(r->status == 404 || r->status == 400, "%ld", r->status);
  th_free(r);
  r = sp_move_as(ds_reader(), sku, "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1}",
                 g_site);
  cr_assert(th_is_problem(r, 403));
  th_free(r);
  cr_assert_eq(sp_movements(sku), 1, "only the first receipt was stored");
  cr_assert_str_eq(sp_stock(sku, g_site), "5");
}

Test(stock, harvest_from_a_donated_device, .init = setup)
{
  const char *a = sp_part("piece", 0);
  const char *b = sp_part("g", 0);
  char code[CODE_CAP];
  ds_device(code, "donation", g_site, "Harvested");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/harvest", code);
  struct th_resp *r = th_reqf("POST", path, ds_vol(),
                              "{\"parts\":[{\"sku\":\"%s\",\"quantity\":2},{\"sku\":\"%s\","
                              "\"quantity\":12.5}],\"note\":\"stripped\"}",
                              a, b);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "status"), "harvested");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT status FROM devices WHERE code = '%s'", code), "harvested");
  cr_assert_str_eq(sp_stock(a, g_site), "2");
  cr_assert_str_eq(sp_stock(b, g_site), "12.5");
  /* Already harvested: just adds parts. */
  r = th_reqf("POST", path, ds_vol(), "{\"parts\":[{\"sku\":\"%s\",\"quantity\":1}]}", a);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(sp_stock(a, g_site), "3");
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id ="
                        " e.device_id WHERE d.code = '%s' AND e.to_status = 'harvested'",
                        code),
               1, "one move to harvested, in the history");

  /* A resident's own device is never harvested; nor one given back. */
  char own[CODE_CAP];
  ds_device(own, "repair", g_site, "Own");
  snprintf(path, sizeof path, "/api/v1/devices/%s/harvest", own);
  r = th_reqf("POST", path, ds_vol(), "{\"parts\":[{\"sku\":\"%s\",\"quantity\":1}]}", a);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  th_free(r);
  char avail[CODE_CAP];
  ds_device(avail, "donation", g_site, "Ready");
  const char *to_available[] = {"diagnosing", "repaired", "available", NULL};
  ds_drive(avail, to_available);
  snprintf(path, sizeof path, "/api/v1/devices/%s/harvest", avail);
  r = th_reqf("POST", path, ds_vol(), "{\"parts\":[{\"sku\":\"%s\",\"quantity\":1}]}", a);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  th_free(r);
  r = th_reqf("POST", path, ds_vol(), "{\"parts\":[{\"sku\":\"NOPE-%s\",\"quantity\":1}]}",
              th_unique("x"));
  cr_assert(r->status == 409 || r->status == 422, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(sp_stock(a, g_site), "3", "refused harvests stored nothing");
  sp_check_ledger();
}

static struct th_resp *sp_repair(const char *code, const char *parts_json)
{
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  return th_reqf("POST", path, ds_vol(), "{\"outcome\":\"fixed\",\"parts\":%s}", parts_json);
}

Test(stock, a_repair_takes_its_parts_or_nothing, .init = setup)
{
  const char *a = sp_part("piece", 1);
  const char *b = sp_part("piece", 0);
  sp_receive(a, g_site, "3");
  sp_receive(b, g_site, "1");
  char code[CODE_CAP];
  ds_device(code, "repair", g_site, "Takes");
  char parts[256];
  snprintf(parts, sizeof parts, "[{\"sku\":\"%s\",\"quantity\":2},{\"sku\":\"%s\",\"quantity\":1}]",
           a, b);
  struct th_resp *r = sp_repair(code, parts);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  json_t *got = json_object_get(r->json, "parts");
  cr_assert_eq(json_array_size(got), 2, "%s", r->body);
  char loc[128];
  snprintf(loc, sizeof loc, "%s", th_header(r, "Location"));
  th_free(r);
  cr_assert_str_eq(sp_stock(a, g_site), "1");
  cr_assert_str_eq(sp_stock(b, g_site), "0");
  r = th_req("GET", loc, ds_reader(), NULL, NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "parts")), 2, "a read shows the parts");
  th_free(r);
  /* a reached its threshold (1): an alert was recorded. */
  cr_assert_eq(ds_count("SELECT count(*) FROM part_alerts al JOIN parts p ON p.id = al.part_id"
                        " WHERE p.sku = '%s'",
                        a),
               1);
  char low[160];
  snprintf(low, sizeof low, "/api/v1/sites/%s/low-stock?limit=500", g_site);
  r = th_req("GET", low, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_not_null(strstr(r->body, a), "the part at its threshold is listed");
  th_free(r);

  /* Short: 409 naming each part short, and nothing stored. */
  char other[CODE_CAP];
  ds_device(other, "repair", g_site, "Short");
  snprintf(parts, sizeof parts, "[{\"sku\":\"%s\",\"quantity\":2},{\"sku\":\"%s\",\"quantity\":1}]",
           a, b);
  r = sp_repair(other, parts);
  cr_assert(th_is_problem(r, 409), "%ld %s", r->status, r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "errors")), 2, "%s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM repairs r JOIN devices d ON d.id = r.device_id"
                        " WHERE d.code = '%s'",
                        other),
               0);
  cr_assert_str_eq(ds_sql("SELECT status FROM devices WHERE code = '%s'", other), "received");
  cr_assert_str_eq(sp_stock(a, g_site), "1");
  /* Parts are fixed once recorded. */
  r = th_req("PATCH", loc, ds_vol(), "{\"parts\":[]}", NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  th_free(r);
  sp_check_ledger();
}

struct racer {
  const char *code, *parts;
  long status;
};

static void *race_repair(void *arg)
{
  struct racer *x = arg;
  struct th_resp *r = sp_repair(x->code, x->parts);
  x->status = r->status;
  th_free(r);
  return NULL;
}

/* 20 volunteers record 20 repairs that each need one of the last 5. */
Test(stock, twenty_repairs_race_for_the_last_five, .init = setup, .timeout = 60)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "5");
  enum { N = 20 };
  static char codes[N][CODE_CAP];
  char parts[128];
  snprintf(parts, sizeof parts, "[{\"sku\":\"%s\",\"quantity\":1}]", sku);
  for (int i = 0; i < N; i++)
    ds_device(codes[i], "repair", g_site, "Racer");
  struct racer x[N];
  pthread_t t[N];
  for (int i = 0; i < N; i++) {
    x[i] = (struct racer){codes[i], parts, 0};
    pthread_create(&t[i], NULL, race_repair, &x[i]);
  }
  int made = 0, short_ = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    cr_assert(x[i].status == 201 || x[i].status == 409, "racer %d: %ld", i, x[i].status);
    made += x[i].status == 201;
    short_ += x[i].status == 409;
  }
  cr_assert_eq(made, 5, "exactly 5 repairs got a part (%d)", made);
  cr_assert_eq(short_, 15);
  cr_assert_str_eq(sp_stock(sku, g_site), "0");
  cr_assert_eq(ds_count("SELECT count(*) FROM part_movements m JOIN parts p ON p.id = m.part_id"
                        " WHERE p.sku = '%s' AND m.type = 'used'",
                        sku),
               5);
  sp_check_ledger();
}

struct transfer {
  const char *sku, *from, *to;
  long status;
};

static void *race_transfer(void *arg)
{
  struct transfer *x = arg;
  struct th_resp *r = sp_move_as(ds_vol(), x->sku,
                                 "{\"type\":\"transferred\",\"site\":\"%s\","
                                 "\"to_site\":\"%s\",\"quantity\":1}",
                                 x->from, x->to);
  x->status = r->status;
  th_free(r);
  return NULL;
}

/* 10 transfers between two sites, both ways at once: the total stays. */
Test(stock, crossing_transfers_keep_the_total, .init = setup, .timeout = 60)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "5");
  sp_receive(sku, g_other, "5");
  enum { N = 10 };
  struct transfer x[N];
  pthread_t t[N];
  for (int i = 0; i < N; i++) {
    x[i] = (struct transfer){sku, i % 2 ? g_site : g_other, i % 2 ? g_other : g_site, 0};
    pthread_create(&t[i], NULL, race_transfer, &x[i]);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    cr_assert_eq(x[i].status, 201, "transfer %d: %ld", i, x[i].status);
  }
  long total = atol(sp_stock(sku, g_site)) + atol(sp_stock(sku, g_other));
  cr_assert_eq(total, 10);
  sp_check_ledger();
}

Test(stock, as_of_a_past_day_comes_from_the_ledger, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  sp_receive(sku, g_site, "4");
  /* Move the first receipt to last year, as if it were old. */
  cr_assert_not_null(ds_sql("UPDATE part_movements SET at = now() - interval '400 days'"
                            " WHERE part_id = (SELECT id FROM parts WHERE sku = '%s')"
                            " RETURNING 1",
                            sku));
  sp_receive(sku, g_site, "6");
  char path[200], day[16];
  time_t then = time(NULL) - 200 * 86400;
  struct tm tm;
  gmtime_r(&then, &tm);
  strftime(day, sizeof day, "%Y-%m-%d", &tm);
  snprintf(path, sizeof path, "/api/v1/parts/%s/stock/%s?as_of=%s", sku, g_site, day);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *site = json_array_get(json_object_get(r->json, "sites"), 0);
  cr_assert_eq(json_integer_value(json_object_get(site, "quantity")), 4, "%s", r->body);
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "10");
  snprintf(path, sizeof path, "/api/v1/parts/%s/stock?as_of=yesterday", sku);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld", r->status);
  th_free(r);
}

Test(stock, a_replayed_receipt_is_stored_once, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  char path[160], body[256], key[96];
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", sku);
  snprintf(body, sizeof body, "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":2}", g_site);
  snprintf(key, sizeof key, "Idempotency-Key: %s", th_unique("mv-"));
  const char *h[] = {key, NULL};
  struct th_resp *a = th_req("POST", path, ds_vol(), body, h);
  cr_assert_eq(a->status, 201, "%ld %s", a->status, a->body);
  struct th_resp *b = th_req("POST", path, ds_vol(), body, h);
  cr_assert_eq(b->status, 201);
  cr_assert_str_eq(th_header(b, "Idempotent-Replayed"), "true");
  th_free(a);
  th_free(b);
  cr_assert_str_eq(sp_stock(sku, g_site), "2");
  cr_assert_eq(sp_movements(sku), 1);
}

/* The ledger's own call records a harvest too, and a repair's use after
 * the fact; their errors name the movement's fields. */
Test(stock, harvest_and_use_through_the_movement_call, .init = setup)
{
  const char *sku = sp_part("piece", 0);
  char code[CODE_CAP];
  ds_device(code, "donation", g_site, "Movement");
  struct th_resp *r = sp_move_as(ds_vol(), sku,
                                 "{\"type\":\"harvested\",\"device\":\"%s\","
                                 "\"quantity\":2}",
                                 code);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "2");
  cr_assert_str_eq(ds_sql("SELECT status FROM devices WHERE code = '%s'", code), "harvested");
  r = sp_move_as(ds_vol(), sku, "{\"type\":\"harvested\",\"device\":\"%s\",\"quantity\":0.5}",
                 code);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert(ds_names_field(r, "quantity"), "%s", r->body);
  th_free(r);

  char own[CODE_CAP];
  ds_device(own, "repair", g_site, "Used");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", own);
  r = th_req("POST", path, ds_vol(), "{\"outcome\":\"repairable\"}", NULL);
  cr_assert_eq(r->status, 201);
  long long repair = (long long)json_integer_value(json_object_get(r->json, "id"));
  th_free(r);
  r = sp_move_as(ds_vol(), sku, "{\"type\":\"used\",\"repair_id\":%lld,\"quantity\":1}", repair);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  json_t *m = json_array_get(json_object_get(r->json, "movements"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(m, "device")), own);
  th_free(r);
  cr_assert_str_eq(sp_stock(sku, g_site), "1");
  snprintf(path, sizeof path, "/api/v1/repairs/%lld", repair);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "parts")), 1, "%s", r->body);
  th_free(r);
  sp_check_ledger();
}

/* A sku spelled like SQL's NULL is a sku like any other. */
Test(stock, a_part_called_null_has_stock_too, .init = setup)
{
  struct th_resp *r =
      th_req("POST", "/api/v1/parts", ds_admin(), "{\"sku\":\"Null\",\"name\":\"Rien\"}", NULL);
  cr_assert(r->status == 201 || r->status == 409, "%ld %s", r->status, r->body);
  th_free(r);
  r = sp_move_as(ds_vol(), "Null", "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1}",
                 g_site);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(sp_stock("Null", g_site), "1");
  r = sp_move_as(ds_vol(), "a%22b%7Bc", "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":1}",
                 g_site);
  cr_assert(th_is_problem(r, 404), "an odd sku in the path is no part: %ld %s", r->status, r->body);
  th_free(r);
}
