/* The read log without a database: the walk that finds which records a
 * reply carries personal data of (core/privacy.c), the records of one
 * reply, and the queue's bound (fail closed) when its writer cannot reach
 * the database. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/privacy.h"
#include "core/read_log.h"
#include "core/store/pool.h"

static void add(void *ctx, enum privacy_record kind, const char *id)
{
  cr_assert_eq(read_records_add(ctx, kind, id), RL_OK);
}

/* "d:CODE m:NUMBER …" of what the walk found in text, in its order. */
static const char *walked(const char *text)
{
  static char out[512];
  json_error_t err;
  json_t *j = json_loads(text, 0, &err);
  cr_assert_not_null(j, "%s: %s", text, err.text);
  struct read_records r = {0};
  privacy_walk(j, add, &r);
  json_decref(j);
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < r.n; i++)
    o += (size_t)snprintf(out + o, sizeof out - o, "%s%c:%s", i ? " " : "",
                          r.kinds[i] == PRIVACY_DEVICE ? 'd' : 'm', r.ids[i]);
  read_records_free(&r);
  return out;
}

Test(privacy_walk, devices_with_an_owner)
{
  cr_assert_str_eq(walked("{\"code\":\"RL-1\",\"owner\":{\"name\":\"A\"}}"), "d:RL-1");
  cr_assert_str_eq(walked("{\"code\":\"RL-1\",\"owner\":null}"), "");
  cr_assert_str_eq(walked("{\"code\":\"RL-1\"}"), "", "a donation has no owner member");
  cr_assert_str_eq(walked("{\"code\":7,\"owner\":{}}"), "", "a code is a string");
  cr_assert_str_eq(
      walked("{\"items\":[{\"code\":\"A\",\"owner\":{}},{\"code\":\"B\",\"owner\":null},"
             "{\"code\":\"C\",\"owner\":{\"email\":\"x\"}}],\"next_cursor\":null}"),
      "d:A d:C");
}

Test(privacy_walk, members_with_contact_or_notes)
{
  cr_assert_str_eq(walked("{\"number\":\"M-1\",\"contact\":{\"name\":\"A\"},\"notes\":null}"),
                   "m:M-1");
  cr_assert_str_eq(walked("{\"number\":\"M-1\",\"contact\":null,\"notes\":\"mornings\"}"), "m:M-1");
  cr_assert_str_eq(walked("{\"number\":\"M-1\",\"contact\":null,\"notes\":null}"), "");
  cr_assert_str_eq(walked("{\"number\":\"M-1\"}"), "", "a member stripped for a reader");
}

Test(privacy_walk, nested_shapes_of_searches_and_exports)
{
  /* POST /api/v1/people/search and /export: items naming their kind. */
  cr_assert_str_eq(
      walked("{\"items\":[{\"type\":\"owner\",\"device\":{\"code\":\"RL-2\",\"owner\":{}}},"
             "{\"type\":\"member\",\"member\":{\"number\":\"M-2\",\"contact\":{}}}]}"),
      "d:RL-2 m:M-2");
  cr_assert_str_eq(
      walked("{\"devices\":[{\"code\":\"RL-3\",\"owner\":{},\"repairs\":[{\"id\":1}]}],"
             "\"members\":[{\"number\":\"M-3\",\"contact\":{},\"loans\":[{\"device\":{\"code\":"
             "\"RL-4\",\"owner\":{\"name\":\"B\"}}}]}]}"),
      "d:RL-3 m:M-3 d:RL-4");
  /* A loan names its member by number only: nothing personal. */
  cr_assert_str_eq(walked("{\"id\":1,\"member\":\"M-5\",\"device\":\"RL-5\"}"), "");
  /* Each record once, however often it appears. */
  cr_assert_str_eq(walked("[{\"code\":\"A\",\"owner\":{}},{\"code\":\"A\",\"owner\":{}},"
                          "{\"number\":\"A\",\"notes\":\"n\"}]"),
                   "d:A m:A");
}

Test(privacy_walk, depth_is_bounded)
{
  char deep[2048];
  size_t o = 0;
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(deep + o, sizeof deep - o, "[");
  o += (size_t)snprintf(deep + o, sizeof deep - o, "{\"code\":\"X\",\"owner\":{}}");
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(deep + o, sizeof deep - o, "]");
  cr_assert_str_eq(walked(deep), "");
}

Test(read_records, clear_forgets)
{
  struct read_records r = {0};
  for (int i = 0; i < 20; i++) {
    char id[8];
    snprintf(id, sizeof id, "R%d", i % 10);
    cr_assert_eq(read_records_add(&r, PRIVACY_DEVICE, id), RL_OK);
  }
  cr_assert_eq(r.n, 10);
  cr_assert_eq(read_records_add(&r, PRIVACY_MEMBER, "R1"), RL_OK);
  cr_assert_eq(r.n, 11, "a member and a device may share a spelling");
  read_records_clear(&r);
  cr_assert_eq(r.n, 0);
  read_records_free(&r);
}

/* A database that refuses every connection: the writer keeps the entries. */
Test(read_log_queue, a_full_queue_refuses_and_a_place_given_back_is_free, .timeout = 20)
{
  store_pool_init("postgresql://127.0.0.1:1/none?connect_timeout=1");
  cr_assert_eq(read_log_reserve(), RL_EUNAVAILABLE, "no writer, no place");
  cr_assert_eq(read_log_start(3), RL_OK);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(read_log_reserve(), RL_OK);
    struct read_records r = {0};
    cr_assert_eq(read_records_add(&r, PRIVACY_DEVICE, "RL-4K7Q-9M2R"), RL_OK);
    cr_assert_eq(read_log_push(&r, 1, "GET", "/api/v1/devices/:code", "rid"), RL_OK);
    cr_assert_eq(r.n, 0, "the records are the queue's");
    read_records_free(&r);
  }
  cr_assert_eq(read_log_queued(), 3);
  cr_assert_eq(read_log_reserve(), RL_EUNAVAILABLE, "full: the reply is refused");
  cr_assert_eq(read_log_flush(300), RL_EUNAVAILABLE, "nothing can be written");
  cr_assert_eq(read_log_queued(), 3, "and nothing is dropped");
  cr_assert_eq(read_log_stop(1), 3, "what could not be written is counted at the stop");
  cr_assert_eq(read_log_reserve(), RL_EUNAVAILABLE, "stopped");
}

Test(read_log_queue, reserved_places_count_until_given_back, .timeout = 20)
{
  store_pool_init("postgresql://127.0.0.1:1/none?connect_timeout=1");
  cr_assert_eq(read_log_start(2), RL_OK);
  cr_assert_eq(read_log_reserve(), RL_OK);
  cr_assert_eq(read_log_reserve(), RL_OK);
  cr_assert_eq(read_log_reserve(), RL_EUNAVAILABLE, "two replies being built hold both");
  read_log_release();
  cr_assert_eq(read_log_reserve(), RL_OK, "a reply that carried nothing gave its place back");
  read_log_release();
  read_log_release();
  cr_assert_eq(read_log_flush(100), RL_OK, "nothing queued: nothing to wait for");
  cr_assert_eq(read_log_stop(0), 0);
}
