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

/* The code of the first error about field, or NULL. */
static const char *code_of(json_t *errors, const char *field)
{
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return json_string_value(json_object_get(e, "code"));
  }
  return NULL;
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
  const char *fields[] = {"name",    "count", "weight", "colour", "owner.email",
                          "owner.x", "day",   "at",     "id",     "zz"};
  const char *codes[] = {"required",     "not_a_whole_number", "out_of_range", "not_one_of",
                         "not_a_string", "unknown_field",      "not_a_date",   "not_a_time",
                         "read_only",    "unknown_field"};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    cr_assert(has_error(e, fields[i]), "no error for %s", fields[i]);
    cr_assert_str_eq(code_of(e, fields[i]), codes[i], "code of %s", fields[i]);
  }
  cr_assert_eq(json_array_size(e), sizeof fields / sizeof fields[0]);
  size_t i;
  json_t *one;
  json_array_foreach(e, i, one) {
    cr_assert_not_null(json_string_value(json_object_get(one, "message")));
  }
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

static const struct rl_field person[] = {
    {.name = "slug", .type = RL_T_STRING, .min = 1, .max = 64, .format = &rl_format_slug},
    {.name = "email", .type = RL_T_STRING, .min = 3, .max = 254, .format = &rl_format_email},
    {.name = "phone", .type = RL_T_STRING, .min = 3, .max = 40, .format = &rl_format_phone},
    {.name = "secret", .type = RL_T_STRING, .flags = RL_F_PERSONAL, .max = 10},
    {.name = "contact",
     .type = RL_T_OBJECT,
     .sub =
         (const struct rl_field[]){
             {.name = "note", .type = RL_T_STRING, .flags = RL_F_PERSONAL, .max = 10},
             {.name = "lang", .type = RL_T_STRING, .max = 2},
             {0}}},
    {0},
};

Test(spec, formats_have_their_own_codes)
{
  json_t *b =
      json_pack("{s:s s:s s:s}", "slug", "-Bad slug", "email", "no-at-sign", "phone", "call me");
  json_t *e = NULL;
  cr_assert_eq(rl_spec_check(&e, b, person, RL_SPEC_CREATE), RL_EINVALID);
  cr_assert_str_eq(code_of(e, "slug"), "not_a_slug");
  cr_assert_str_eq(code_of(e, "email"), "not_an_email");
  cr_assert_str_eq(code_of(e, "phone"), "not_a_phone");
  json_decref(e);
  json_decref(b);
  b = json_pack("{s:s s:s s:s}", "slug", "tiers-lieu-2", "email", "a@b.fr", "phone",
                "+33 (0)1 23.45-67");
  cr_assert_eq(rl_spec_check(&e, b, person, RL_SPEC_CREATE), RL_OK);
  json_decref(b);
}

Test(spec, unknown_fields_get_a_suggestion)
{
  json_t *b = json_pack("{s:s}", "emial", "a@b.fr");
  json_t *e = NULL;
  cr_assert_eq(rl_spec_check(&e, b, person, RL_SPEC_CREATE), RL_EINVALID);
  json_t *one = json_array_get(e, 0);
  cr_assert_str_eq(json_string_value(json_object_get(one, "code")), "unknown_field");
  cr_assert_str_eq(json_string_value(json_object_get(one, "suggestion")), "email");
  cr_assert_not_null(strstr(json_string_value(json_object_get(one, "message")), "email"));
  json_decref(e);
  json_decref(b);
}

Test(spec, personal_fields_are_stripped_at_every_level)
{
  json_t *o = json_pack("{s:s s:s s:{s:s s:s}}", "slug", "x", "secret", "s3cret", "contact", "note",
                        "private", "lang", "fr");
  rl_spec_strip_personal(o, person);
  cr_assert_null(json_object_get(o, "secret"));
  cr_assert_null(json_object_get(json_object_get(o, "contact"), "note"));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "contact"), "lang")), "fr");
  cr_assert_str_eq(json_string_value(json_object_get(o, "slug")), "x");
  json_decref(o);
}

static const char *const states[] = {"open", "closed", NULL};
static const struct rl_field query_spec[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "status", .type = RL_T_ENUM, .values = states},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "from", .type = RL_T_DATE},
    {0},
};

/* Checks a query given as JSON text (the decoded parameters). */
static int query(json_t **out, json_t **errors, const char *params, const struct rl_field *qspec)
{
  json_t *p = json_loads(params, 0, NULL);
  cr_assert_not_null(p, "bad test JSON %s", params);
  int rc = rl_spec_query(out, errors, p, qspec);
  json_decref(p);
  return rc;
}

Test(spec_query, values_are_typed)
{
  json_t *q, *e;
  cr_assert_eq(
      query(&q, &e, "{\"limit\":\"20\",\"active\":\"false\",\"status\":\"open\"}", query_spec),
      RL_OK);
  cr_assert_null(e);
  cr_assert_eq(rl_spec_limit(q), 20);
  cr_assert(json_is_false(json_object_get(q, "active")));
  cr_assert_str_eq(rl_spec_str(q, "status"), "open");
  json_decref(q);
  cr_assert_eq(query(&q, &e, "{}", query_spec), RL_OK);
  cr_assert_eq(rl_spec_limit(q), RL_SPEC_LIMIT_DEFAULT);
  cr_assert_null(json_object_get(q, "active"));
  json_decref(q);
}

Test(spec_query, unknown_and_misspelled_parameters_are_named)
{
  json_t *q, *e;
  cr_assert_eq(query(&q, &e, "{\"stauts\":\"open\",\"format\":\"csv\"}", query_spec), RL_EINVALID);
  cr_assert_null(q);
  cr_assert_eq(json_array_size(e), 2);
  cr_assert_str_eq(code_of(e, "stauts"), "unknown_parameter");
  cr_assert_str_eq(code_of(e, "format"), "unknown_parameter");
  json_t *first = json_array_get(e, 0);
  cr_assert_str_eq(json_string_value(json_object_get(first, "suggestion")), "status");
  cr_assert_null(json_object_get(json_array_get(e, 1), "suggestion"), "csv is near nothing");
  json_decref(e);
  cr_assert_eq(query(&q, &e, "{\"limit\":\"5\"}", (const struct rl_field[]){{0}}), RL_EINVALID);
  cr_assert_not_null(
      strstr(json_string_value(json_object_get(json_array_get(e, 0), "message")), "takes none"));
  json_decref(e);
}

Test(spec_query, bad_values_repeats_and_bad_text_each_have_a_code)
{
  json_t *q, *e;
  cr_assert_eq(query(&q, &e,
                     "{\"limit\":\"ten\",\"cursor\":\"\",\"status\":\"opne\","
                     "\"active\":\"yes\",\"from\":\"yesterday\"}",
                     query_spec),
               RL_EINVALID);
  cr_assert_str_eq(code_of(e, "limit"), "not_a_whole_number");
  cr_assert_str_eq(code_of(e, "cursor"), "empty");
  cr_assert_str_eq(code_of(e, "status"), "not_one_of");
  cr_assert_str_eq(code_of(e, "active"), "not_a_boolean");
  cr_assert_str_eq(code_of(e, "from"), "not_a_date");
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 2), "suggestion")), "open");
  json_decref(e);
  cr_assert_eq(query(&q, &e,
                     "{\"limit\":\"501\",\"status\":[\"open\",\"closed\"],"
                     "\"cursor\":null}",
                     query_spec),
               RL_EINVALID);
  cr_assert_str_eq(code_of(e, "limit"), "out_of_range");
  cr_assert_str_eq(code_of(e, "status"), "repeated_parameter");
  cr_assert_str_eq(code_of(e, "cursor"), "bad_encoding");
  json_decref(e);
  static const struct rl_field needs[] = {
      {.name = "q", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .max = 9}, {0}};
  cr_assert_eq(query(&q, &e, "{}", needs), RL_EINVALID);
  cr_assert_str_eq(code_of(e, "q"), "required");
  json_decref(e);
}

static const char *suggest(const char *typed, const char *const *names)
{
  struct rl_suggest s;
  rl_suggest_init(&s, typed);
  for (const char *const *n = names; *n; n++)
    rl_suggest_offer(&s, *n, *n);
  return rl_suggest_best(&s);
}

Test(spec, did_you_mean_ignores_case_accents_and_punctuation)
{
  static const char *const names[] = {
      "kettle", "Bouilloire", "Grille-pain", "toaster", "Écran plat / téléviseur", "Œuvre", NULL};
  cr_assert_str_eq(suggest("bouilloire", names), "Bouilloire");
  cr_assert_str_eq(suggest("BOUILLOIR", names), "Bouilloire");
  cr_assert_str_eq(suggest("grille pain", names), "Grille-pain");
  cr_assert_str_eq(suggest("ketle", names), "kettle");
  cr_assert_str_eq(suggest("ecran plat televiseur", names), "Écran plat / téléviseur");
  cr_assert_str_eq(suggest("oeuvre", names), "Œuvre");
  cr_assert_null(suggest("washing machine", names));
  cr_assert_null(suggest("", names));
  cr_assert_null(suggest("x", names), "one letter is near everything short");
}

Test(spec, times_compare_across_offsets)
{
  double a, b;
  cr_assert_eq(rl_spec_time_seconds(&a, "2026-11-29T14:00:00+01:00"), RL_OK);
  cr_assert_eq(rl_spec_time_seconds(&b, "2026-11-29T13:00:00Z"), RL_OK);
  cr_assert_float_eq(a, b, 1e-6);
  cr_assert_eq(rl_spec_time_seconds(&b, "2026-11-29T13:00:00.5Z"), RL_OK);
  cr_assert_float_eq(b - a, 0.5, 1e-6);
  cr_assert_eq(rl_spec_time_seconds(&a, "2026-11-29 13:00"), RL_EINVALID);
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

Test(spec, like_patterns_take_metacharacters_literally)
{
  char out[64];
  rl_spec_like(out, sizeof out, "50%_a\\b");
  cr_assert_str_eq(out, "%50\\%\\_a\\\\b%");
  rl_spec_like(out, 8, "abcdefgh");
  size_t n = strlen(out);
  cr_assert(n < 8 && n >= 3, "cut to fit: %s", out);
  cr_assert(out[0] == '%' && out[n - 1] == '%', "still closed: %s", out);
  cr_assert_eq(strncmp(out + 1, "abcd", n - 2), 0, "%s", out);
}
