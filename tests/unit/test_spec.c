/* The declarative validator: every bad field is reported, by name, at once. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/router.h"
#include "core/error.h"
#include "core/spec.h"

static const char *const colours[] = {"red", "green", NULL};
static const struct rl_field sub[] = {
    {.name = "email", .type = RL_T_STRING, .min = 3, .max = 10},
    {0},
};
static const struct rl_field spec[] = {
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 5},
    {.name = "count", .type = RL_T_INT, .min = 0, .max = 10},
    {.name = "weight", .type = RL_T_NUMBER, .flags = RL_F_NULLABLE, .min = 0.001, .max = 100},
    {.name = "colour", .type = RL_T_ENUM, .values = colours},
    {.name = "owner", .type = RL_T_OBJECT, .sub = sub},
    {.name = "kind", .type = RL_T_STRING, .flags = RL_F_IMMUTABLE, .min = 1, .max = 5},
    {.name = "day", .type = RL_T_DATE},
    {.name = "at", .type = RL_T_TIME},
    {.name = "id", .flags = RL_F_READONLY},
    {0},
};

static json_t *check(const char *body, enum rl_spec_mode mode, int *rc)
{
  json_t *j = json_loads(body, 0, NULL);
  cr_assert_not_null(j, "bad test JSON %s", body);
  json_t *errors = NULL;
  *rc = rl_spec_check(&errors, j, spec, mode);
  json_decref(j);
  return errors;
}

static int has_error(json_t *errors, const char *field)
{
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return 1;
  }
  return 0;
}

Test(spec, valid_body_passes)
{
  int rc;
  json_t *e = check("{\"name\":\"ab\",\"count\":3,\"weight\":1.5,\"colour\":\"red\","
                    "\"owner\":{\"email\":\"a@b.c\"},\"day\":\"2024-02-29\","
                    "\"at\":\"2026-11-29T10:00:00+01:00\"}",
                    RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_OK);
  cr_assert_null(e);
}

Test(spec, every_bad_field_is_reported)
{
  int rc;
  json_t *e = check("{\"count\":\"3\",\"weight\":-1,\"colour\":\"blue\",\"owner\":{\"email\":1,"
                    "\"x\":1},\"day\":\"2023-02-29\",\"at\":\"yesterday\",\"id\":4,\"zz\":0}",
                    RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_EINVALID);
  const char *fields[] = {"name", "count", "weight", "colour", "owner.email", "owner.x",
                          "day",  "at",    "id",     "zz"};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    cr_assert(has_error(e, fields[i]), "no error for %s", fields[i]);
  cr_assert_eq(json_array_size(e), sizeof fields / sizeof fields[0]);
  json_decref(e);
}

Test(spec, lengths_count_characters_not_bytes)
{
  int rc;
  json_t *e = check("{\"name\":\"éèçœà\"}", RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_OK);
  e = check("{\"name\":\"éèçœàa\"}", RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_EINVALID);
  json_decref(e);
  e = check("{\"name\":\"\"}", RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_EINVALID);
  json_decref(e);
  e = check("{\"name\":\"a\\u0001\"}", RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_EINVALID, "control characters must be refused");
  json_decref(e);
}

Test(spec, update_mode_requires_nothing_but_refuses_immutable)
{
  int rc;
  json_t *e = check("{\"weight\":null}", RL_SPEC_UPDATE, &rc);
  cr_assert_eq(rc, RL_OK);
  e = check("{\"kind\":\"x\"}", RL_SPEC_UPDATE, &rc);
  cr_assert_eq(rc, RL_EINVALID);
  cr_assert(has_error(e, "kind"));
  json_decref(e);
  e = check("{\"name\":null}", RL_SPEC_UPDATE, &rc);
  cr_assert_eq(rc, RL_EINVALID, "null on a non-nullable field");
  json_decref(e);
}

Test(spec, non_object_body)
{
  int rc;
  json_t *e = check("[1,2]", RL_SPEC_CREATE, &rc);
  cr_assert_eq(rc, RL_EINVALID);
  json_decref(e);
}

Test(spec, dates_and_times)
{
  cr_assert(rl_spec_is_date("2026-11-29"));
  cr_assert_not(rl_spec_is_date("2026-13-01"));
  cr_assert_not(rl_spec_is_date("2026-11-31"));
  cr_assert_not(rl_spec_is_date("26-11-29"));
  cr_assert(rl_spec_is_time("2026-11-29T07:00:00Z"));
  cr_assert(rl_spec_is_time("2026-11-29T07:00:00.123+01:00"));
  cr_assert_not(rl_spec_is_time("2026-11-29T25:00:00Z"));
  cr_assert_not(rl_spec_is_time("2026-11-29 07:00:00"));
  cr_assert_not(rl_spec_is_time("2026-11-29T07:00:00+99:99"), "PostgreSQL refuses this offset");
  cr_assert(rl_spec_is_time("2026-11-29T07:00:00+14:00"));
}

Test(router, json_depth_ignores_brackets_in_strings)
{
  cr_assert_eq(rl_json_depth("{\"a\":[1,{\"b\":2}]}", 17, 32), 3);
  const char *s = "{\"a\":\"[[[[[[\"}";
  cr_assert_eq(rl_json_depth(s, strlen(s), 32), 1);
  char deep[100];
  memset(deep, '[', 40);
  memset(deep + 40, ']', 40);
  cr_assert_gt(rl_json_depth(deep, 80, 32), 32);
}
