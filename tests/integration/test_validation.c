/* Validation over HTTP: every problem of a request in one reply, each with
 * a stable code (documented in docs/errors.md) and, for unknown slugs and
 * names, a suggestion; query parameters checked like body fields;
 * implausible weights refused until confirmed. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The error about field in a problem reply, or NULL. */
static json_t *error_for(const struct th_resp *r, const char *field)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && strcmp(f, field) == 0)
      return e;
  }
  return NULL;
}

/* Position of the error about field in errors[], or -1. */
static long position_of(const struct th_resp *r, const char *field)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return (long)i;
  }
  return -1;
}

/* Asserts the reply names field with this code (and suggestion, if not NULL). */
static void assert_error(const struct th_resp *r, const char *field, const char *code,
                         const char *suggestion)
{
  json_t *e = error_for(r, field);
  cr_assert_not_null(e, "no error about %s: %s", field, r->body);
  cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code, "%s: %s", field, r->body);
  cr_assert_not_null(json_string_value(json_object_get(e, "message")), "%s: no message", field);
  if (suggestion) {
    cr_assert_str_eq(json_string_value(json_object_get(e, "suggestion")), suggestion, "%s: %s",
                     field, r->body);
    cr_assert_not_null(strstr(json_string_value(json_object_get(e, "message")), suggestion),
                       "the message of %s does not say %s", field, suggestion);
  }
}

/* The documentation of the error codes, read once. */
static const char *errors_doc(void)
{
  static char *doc;
  if (doc == NULL) {
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/errors.md", getenv("RL_TEST_ROOT"));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    doc = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(doc, 1, (size_t)n, f), (size_t)n);
    fclose(f);
  }
  return doc;
}

/* Every error of a validation problem has a code, documented as a table
 * row of docs/errors.md, and a message. */
static void assert_codes_documented(const struct th_resp *r)
{
  json_t *errors = json_object_get(r->json, "errors");
  cr_assert_gt(json_array_size(errors), 0, "no errors: %s", r->body);
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *code = json_string_value(json_object_get(e, "code"));
    cr_assert_not_null(code, "an error without a code: %s", r->body);
    cr_assert_not_null(json_string_value(json_object_get(e, "message")), "%s", r->body);
    char row[96];
    snprintf(row, sizeof row, "| `%s` |", code);
    cr_assert_not_null(strstr(errors_doc(), row), "code %s is not in docs/errors.md", code);
  }
}

Test(one_reply, an_intake_with_four_kinds_of_mistakes_is_answered_once)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *model = th_unique("FourMistakes-");
  /* A format error (brand empty), an unknown category, a rule (year in the
   * future, an owner on a donation), an unknown field. */
  struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"bouilloire\",\"site\":\"%s\","
                              "\"brand\":\"\",\"model\":\"%s\",\"year_of_manufacture\":2150,"
                              "\"owner\":{\"name\":\"Camille\"},\"colour\":\"red\"}",
                              site, model);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/validation");
  assert_error(r, "brand", "empty", NULL);
  assert_error(r, "colour", "unknown_field", NULL);
  assert_error(r, "category", "unknown_category", "kettle");
  assert_error(r, "year_of_manufacture", "in_the_future", NULL);
  assert_error(r, "owner", "owner_on_donation", NULL);
  cr_assert_eq(json_array_size(json_object_get(r->json, "errors")), 5, "%s", r->body);
  /* Formats first, then references, then the rules. */
  cr_assert_lt(position_of(r, "brand"), position_of(r, "category"));
  cr_assert_lt(position_of(r, "colour"), position_of(r, "category"));
  cr_assert_lt(position_of(r, "category"), position_of(r, "year_of_manufacture"));
  cr_assert_lt(position_of(r, "category"), position_of(r, "owner"));
  assert_codes_documented(r);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE model = '%s'", model), 0);
}

Test(one_reply, an_unknown_site_is_told_with_the_other_mistakes)
{
  char site[96];
  snprintf(site, sizeof site, "%s", th_unique("mediatheque-aragon-"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"Médiathèque\"}", site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  char typo[96];
  snprintf(typo, sizeof typo, "%s", site);
  memcpy(typo, "mediatehque", 11); /* two letters swapped */
  const char *model = th_unique("SiteTypo-");
  r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"Seb\","
              "\"model\":\"%s\",\"year_of_manufacture\":2150}",
              typo, model);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "site", "unknown_site", site);
  assert_error(r, "year_of_manufacture", "in_the_future", NULL);
  cr_assert_lt(position_of(r, "site"), position_of(r, "year_of_manufacture"));
  th_free(r);
  /* Alone, the unknown site is found by the write, with the same help. */
  r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"Seb\","
              "\"model\":\"%s\"}",
              typo, model);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "site", "unknown_site", site);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE model = '%s'", model), 0);
}

Test(one_reply, an_inactive_site_has_its_own_code)
{
  char site[96];
  ds_site(site, sizeof site, 0);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\","
                              "\"brand\":\"Seb\"}",
                              site);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "site", "inactive_site", NULL);
  th_free(r);
}

Test(one_reply, an_edit_with_several_mistakes_is_answered_once_and_changes_nothing)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Lenovo");
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  struct th_resp *r =
      th_req("PATCH", path, ds_vol(),
             "{\"category\":\"Grille pain\",\"serial\":\"\",\"owner\":{\"name\":\"X\"},"
             "\"year_of_manufacture\":2150,\"status\":\"repaired\",\"flavour\":1}",
             NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "serial", "empty", NULL);
  assert_error(r, "status", "read_only", NULL);
  assert_error(r, "flavour", "unknown_field", NULL);
  assert_error(r, "category", "unknown_category", "toaster");
  assert_error(r, "year_of_manufacture", "in_the_future", NULL);
  assert_error(r, "owner", "owner_on_donation", NULL);
  assert_codes_documented(r);
  th_free(r);
  r = ds_get(ds_vol(), code);
  cr_assert_str_eq(th_str(r, "category"), "laptop");
  cr_assert_str_eq(th_header(r, "ETag"), "\"1\"", "the device changed");
  th_free(r);
}

Test(one_reply, a_session_and_a_repair_tell_every_mistake_at_once)
{
  const char *notes = th_unique("session-");
  struct th_resp *r = th_reqf("POST", "/api/v1/sessions", ds_vol(),
                              "{\"site\":\"no-such-place\",\"starts_at\":\"2026-04-12T16:00:00Z\","
                              "\"ends_at\":\"2026-04-12T17:00:00+02:00\",\"volunteers\":-1,"
                              "\"notes\":\"%s\",\"hours\":3}",
                              notes);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "volunteers", "out_of_range", NULL);
  assert_error(r, "hours", "unknown_field", NULL);
  assert_error(r, "site", "unknown_site", NULL);
  assert_error(r, "ends_at", "ends_before_start", NULL);
  assert_codes_documented(r);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM repair_sessions WHERE notes = '%s'", notes), 0);

  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "repair", site, "Seb");
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", code);
  r = th_req("POST", path, ds_vol(),
             "{\"outcome\":\"fixed\",\"barrier\":\"too_worn_out\",\"minutes\":-5,\"cost\":3}",
             NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "minutes", "out_of_range", NULL);
  assert_error(r, "cost", "unknown_field", NULL);
  assert_error(r, "barrier", "barrier_needs_end_of_life", NULL);
  assert_codes_documented(r);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM repairs r JOIN devices d ON d.id = r.device_id"
                        " WHERE d.code = '%s'",
                        code),
               0);
}

Test(query, unknown_and_misspelled_parameters_are_refused_by_name)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Asus");
  char dev[96], label[128], history[128];
  snprintf(dev, sizeof dev, "/api/v1/devices/%s?foo=1", code);
  snprintf(label, sizeof label, "/api/v1/devices/%s/label?format=csv", code);
  snprintf(history, sizeof history, "/api/v1/devices/%s/history?limt=5", code);
  struct {
    const char *path, *field, *code, *suggestion;
  } cases[] = {
      {"/api/v1/devices?stauts=returned", "stauts", "unknown_parameter", "status"},
      {"/api/v1/devices?format=csv", "format", "unknown_parameter", NULL},
      {"/api/v1/devices?status=retruned", "status", "not_one_of", "returned"},
      {"/api/v1/devices?limit=1&limit=2", "limit", "repeated_parameter", NULL},
      {"/api/v1/sites?actve=true", "actve", "unknown_parameter", "active"},
      {"/api/v1/parts?categroy=kettle", "categroy", "unknown_parameter", "category"},
      {"/api/v1/parts?category=bouilloire", "category", "unknown_category", "kettle"},
      {"/api/v1/sessions?form=2026-01-01", "form", "unknown_parameter", "from"},
      {"/api/v1/categories?lang=fr", "lang", "unknown_parameter", NULL},
      {"/api/v1/keys?cursor=abc", "cursor", "not_a_cursor", NULL},
      {dev, "foo", "unknown_parameter", NULL},
      {label, "format", "not_one_of", NULL},
      {history, "limt", "unknown_parameter", "limit"},
      {"/healthz?verbose=1", "verbose", "unknown_parameter", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r = th_req("GET", cases[i].path, ds_admin(), NULL, NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", cases[i].path, r->status, r->body);
    assert_error(r, cases[i].field, cases[i].code, cases[i].suggestion);
    assert_codes_documented(r);
    th_free(r);
  }
}

Test(query, known_parameters_still_work_however_they_are_encoded)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Dell");
  char path[256];
  /* "st%61tus" is "status" percent-encoded. */
  snprintf(path, sizeof path, "/api/v1/devices?site=%s&st%%61tus=received&limit=5", site);
  struct th_resp *r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 1, "%s", r->body);
  th_free(r);
  /* A bare flag with no value is a value that is empty. */
  r = th_req("GET", "/api/v1/devices?q", ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "q", "empty", NULL);
  th_free(r);
}

Test(query, the_public_pages_ignore_parameters_they_do_not_read)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Philips");
  char path[128];
  snprintf(path, sizeof path, "/d/%s?utm_source=newsletter&lang=en", code);
  struct th_resp *r = th_req("GET", path, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_not_null(strstr(r->body, "<html lang=\"en\""));
  th_free(r);
}

Test(codes, every_field_error_has_a_documented_code)
{
  const char *bad_key = "Idempotency-Key: \x01";
  const char *h[] = {bad_key, NULL};
  struct {
    const char *method, *path, *body;
    const char *const *headers;
  } cases[] = {
      {"POST", "/api/v1/sites", "{\"slug\":\"-Bad Slug\",\"name\":7,\"active\":\"yes\"}", NULL},
      {"POST", "/api/v1/sites", "[1,2]", NULL},
      {"POST", "/api/v1/keys", "{\"name\":\"x\",\"role\":\"root\",\"id\":3}", NULL},
      {"POST", "/api/v1/labels", "{\"codes\":[\"nope\",7],\"skip\":1.5}", NULL},
      {"POST", "/api/v1/labels", "{\"codes\":[]}", NULL},
      {"POST", "/api/v1/devices",
       "{\"kind\":\"gift\",\"category\":\"kettle\",\"site\":\"x\",\"brand\":\"B\","
       "\"owner\":{\"email\":\"nope\",\"phone\":\"call me\"},\"weight_kg\":\"heavy\","
       "\"notes\":null,\"year_of_manufacture\":1.5,\"model\":\"a\\u0001b\"}",
       NULL},
      {"POST", "/api/v1/sessions", "{\"site\":\"x\",\"starts_at\":\"tomorrow\",\"ends_at\":1}",
       NULL},
      {"GET", "/api/v1/devices/RL-0000-000Z", NULL, NULL},
      {"GET", "/api/v1/devices/not-a-code", NULL, NULL},
      {"POST", "/api/v1/parts",
       "{\"sku\":\"-x\",\"name\":\"\",\"categories\":[\"kettle\",\"kettle\",\"nope\"],"
       "\"low_stock\":0.5,\"site_low_stock\":{\"nowhere\":1.5,\"x\":\"1\"}}",
       NULL},
      {"POST", "/api/v1/parts",
       "{\"sku\":\"OK\",\"name\":\"x\",\"unit\":\"g\",\"low_stock\":0.0001}", NULL},
      {"GET", "/api/v1/parts/-x", NULL, NULL},
      {"GET", "/api/v1/parts?cursor=-x&active=maybe", NULL, NULL},
      {"POST", "/api/v1/labels", "{\"skus\":[\"-x\"]}", NULL},
      {"POST", "/api/v1/devices", "{}", h},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r =
        th_req(cases[i].method, cases[i].path, ds_admin(), cases[i].body, cases[i].headers);
    cr_assert(th_is_problem(r, 400), "%s %s: %ld %s", cases[i].method, cases[i].path, r->status,
              r->body);
    assert_codes_documented(r);
    th_free(r);
  }
}

Test(did_you_mean, a_french_or_english_category_name_suggests_its_slug)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  struct {
    const char *typed, *slug;
  } cases[] = {
      {"Bouilloire", "kettle"},
      {"grille-pain", "toaster"},
      {"ordinateur portable", "laptop"},
      {"Sèche cheveux", "hair-dryer"},
      {"ketle", "kettle"},
      {"Vacuum", "vacuum"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"%s\",\"site\":\"%s\","
                                "\"brand\":\"B\"}",
                                cases[i].typed, site);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", cases[i].typed, r->status, r->body);
    assert_error(r, "category", "unknown_category", cases[i].slug);
    th_free(r);
  }
  struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"spaceship\",\"site\":\"%s\","
                              "\"brand\":\"B\"}",
                              site);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "category", "unknown_category", NULL);
  cr_assert_null(json_object_get(error_for(r, "category"), "suggestion"), "%s", r->body);
  th_free(r);
}

Test(weight, an_implausible_intake_weight_is_422_until_confirmed)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  const char *model = th_unique("Grams-");
  /* A toaster weighs about 1.47 kg: 1200 is grams typed as kilograms. */
  struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"toaster\",\"site\":\"%s\","
                              "\"brand\":\"Moulinex\",\"model\":\"%s\",\"weight_kg\":1200}",
                              site, model);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "type"), "/problems/unprocessable");
  assert_error(r, "weight_kg", "implausible_weight", NULL);
  assert_codes_documented(r);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE model = '%s'", model), 0);

  /* With another mistake, both are told, as a 400. */
  r = ds_post("{\"kind\":\"donation\",\"category\":\"toaster\",\"site\":\"%s\",\"brand\":\"\","
              "\"model\":\"%s\",\"weight_kg\":1200}",
              site, model);
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  assert_error(r, "weight_kg", "implausible_weight", NULL);
  assert_error(r, "brand", "empty", NULL);
  th_free(r);

  /* Ten times is still plausible; a category without a usual weight has
   * no check. */
  r = ds_post("{\"kind\":\"donation\",\"category\":\"toaster\",\"site\":\"%s\","
              "\"brand\":\"Moulinex\",\"model\":\"%s\",\"weight_kg\":14.7}",
              site, model);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  r = ds_post("{\"kind\":\"donation\",\"category\":\"misc\",\"site\":\"%s\","
              "\"brand\":\"Anvil\",\"model\":\"%s\",\"weight_kg\":1500}",
              site, model);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);

  r = ds_post("{\"kind\":\"donation\",\"category\":\"toaster\",\"site\":\"%s\","
              "\"brand\":\"Moulinex\",\"model\":\"%s\",\"weight_kg\":1200,"
              "\"weight_confirmed\":true}",
              site, model);
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert_float_eq(json_number_value(json_object_get(r->json, "weight_kg")), 1200, 1e-9);
  cr_assert_null(json_object_get(r->json, "weight_confirmed"), "weight_confirmed is not kept");
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE model = '%s'", model), 3);
}

Test(weight, an_edit_to_an_implausible_weight_or_category_is_422_until_confirmed)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Lenovo"); /* a laptop, 1.83 kg usually */
  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  struct th_resp *r = th_req("PATCH", path, ds_vol(), "{\"weight_kg\":2.1}", NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);

  r = th_req("PATCH", path, ds_vol(), "{\"weight_kg\":2100}", NULL);
  cr_assert_eq(r->status, 400, "over the bounds of weight_kg: %s", r->body);
  assert_error(r, "weight_kg", "out_of_range", NULL);
  th_free(r);
  r = th_req("PATCH", path, ds_vol(), "{\"weight_kg\":1900}", NULL);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  assert_error(r, "weight_kg", "implausible_weight", NULL);
  th_free(r);

  /* 2.1 kg is fine for a laptop, not for a mobile phone (0.15 kg). */
  r = th_req("PATCH", path, ds_vol(), "{\"category\":\"mobile\"}", NULL);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  assert_error(r, "weight_kg", "implausible_weight", NULL);
  th_free(r);
  r = ds_get(ds_vol(), code);
  cr_assert_str_eq(th_str(r, "category"), "laptop");
  cr_assert_float_eq(json_number_value(json_object_get(r->json, "weight_kg")), 2.1, 1e-9);
  th_free(r);

  /* An edit of something else does not bring the weight up. */
  r = th_req("PATCH", path, ds_vol(), "{\"notes\":\"checked\"}", NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);

  r = th_req("PATCH", path, ds_vol(), "{\"category\":\"mobile\",\"weight_confirmed\":true}", NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_str(r, "category"), "mobile");
  cr_assert_null(json_object_get(r->json, "weight_confirmed"));
  th_free(r);
  /* The history names the fields changed, not the confirmation. */
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
                        " WHERE d.code = '%s' AND e.fields::text LIKE '%%weight_confirmed%%'",
                        code),
               0);
  /* A confirmation alone changes nothing: no new version, no event. */
  r = ds_get(ds_vol(), code);
  char before[32];
  snprintf(before, sizeof before, "%s", th_header(r, "ETag"));
  th_free(r);
  long events = ds_count("SELECT count(*) FROM device_events e JOIN devices d"
                         " ON d.id = e.device_id WHERE d.code = '%s'",
                         code);
  r = th_req("PATCH", path, ds_vol(), "{\"weight_confirmed\":true}", NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  cr_assert_str_eq(th_header(r, "ETag"), before, "a confirmation alone made a new version");
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d"
                        " ON d.id = e.device_id WHERE d.code = '%s'",
                        code),
               events, "a confirmation alone was recorded as an edit");
}
