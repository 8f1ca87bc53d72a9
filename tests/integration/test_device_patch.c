/* Editing devices: JSON merge patch of the editable fields, the owner's
 * contact, fields that cannot change, If-Match, and the edit in history. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char g_site[96];

static void setup(void) { ds_site(g_site, sizeof g_site, 1); }

static struct th_resp *patch(const char *code, const char *body, const char *if_match)
{
  char path[128], h[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  snprintf(h, sizeof h, "If-Match: %s", if_match ? if_match : "");
  const char *hs[] = {h, NULL};
  return th_req("PATCH", path, ds_vol(), body, if_match ? hs : NULL);
}

/* A repair device with a full owner; copies its code. */
static void repair_with_owner(char *code, const char *brand)
{
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop\",\"site\":\"%s\","
                              "\"brand\":\"%s\",\"model\":\"T420\",\"serial\":\"S1\","
                              "\"notes\":\"old\",\"owner\":{\"name\":\"Léa\","
                              "\"email\":\"lea@example.org\",\"phone\":\"0102030405\"}}",
                              g_site, brand);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  snprintf(code, CODE_CAP, "%s", th_str(r, "code"));
  th_free(r);
}

static const char *row(const char *code)
{
  return ds_sql("SELECT d.brand||'|'||coalesce(d.model,'∅')||'|'||coalesce(d.serial,'∅')||'|'||"
                "coalesce(d.notes,'∅')||'|'||d.category||'|'||d.version FROM devices d"
                " WHERE d.code = '%s'",
                code);
}

Test(patch, merge_patch_changes_only_what_is_sent, .init = setup)
{
  char code[CODE_CAP];
  const char *brand = th_unique("Lenovo");
  repair_with_owner(code, brand);
  struct th_resp *r = patch(code,
                            "{\"notes\":\"new notes\",\"category\":\"laptop-small\","
                            "\"weight_kg\":2.25,\"year_of_manufacture\":2011}",
                            NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "notes"), "new notes");
  cr_assert_str_eq(th_str(r, "category"), "laptop-small");
  cr_assert_str_eq(th_str(r, "model"), "T420");
  cr_assert_str_eq(th_str(r, "brand"), brand);
  cr_assert_str_eq(th_str(r, "status"), "received");
  cr_assert_float_eq(json_number_value(json_object_get(r->json, "weight_kg")), 2.25, 1e-9);
  json_t *owner = json_object_get(r->json, "owner");
  cr_assert_str_eq(json_string_value(json_object_get(owner, "email")), "lea@example.org",
                   "an edit without owner keeps the owner: %s", r->body);
  cr_assert_str_eq(th_header(r, "ETag"), "\"2\"");
  th_free(r);
  char want[256];
  snprintf(want, sizeof want, "%s|T420|S1|new notes|laptop-small|2", brand);
  cr_assert_str_eq(row(code), want);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id = o.device_id"
                        " WHERE d.code = '%s' AND o.name = 'Léa'",
                        code),
               1);

  /* null clears a nullable field. */
  r = patch(code, "{\"model\":null,\"serial\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "model")), "%s", r->body);
  th_free(r);
  snprintf(want, sizeof want, "%s|∅|∅|new notes|laptop-small|3", brand);
  cr_assert_str_eq(row(code), want);
  r = ds_get(ds_vol(), code);
  cr_assert(json_is_null(json_object_get(r->json, "model")));
  cr_assert_str_eq(th_str(r, "notes"), "new notes");
  th_free(r);
}

Test(patch, owner_partial_update_and_erasure, .init = setup)
{
  char code[CODE_CAP];
  repair_with_owner(code, th_unique("Owner"));
  struct th_resp *r = patch(code, "{\"owner\":{\"phone\":\"+33 6 11 22 33 44\"}}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  json_t *owner = json_object_get(r->json, "owner");
  cr_assert_str_eq(json_string_value(json_object_get(owner, "name")), "Léa");
  cr_assert_str_eq(json_string_value(json_object_get(owner, "phone")), "+33 6 11 22 33 44");
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT o.name||'|'||o.email||'|'||o.phone FROM device_owners o"
                          " JOIN devices d ON d.id = o.device_id WHERE d.code = '%s'",
                          code),
                   "Léa|lea@example.org|+33 6 11 22 33 44");

  r = patch(code, "{\"owner\":{\"email\":null}}", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id = o.device_id"
                        " WHERE d.code = '%s' AND o.email IS NULL AND o.name = 'Léa'",
                        code),
               1);

  r = patch(code, "{\"owner\":{\"email\":\"nope\"}}", NULL);
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "owner.email"), "%s", r->body);
  th_free(r);

  r = patch(code, "{\"owner\":null}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(json_is_null(json_object_get(r->json, "owner")), "%s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id = o.device_id"
                        " WHERE d.code = '%s'",
                        code),
               0, "owner: null erases the owner row");
  r = ds_get(ds_vol(), code);
  cr_assert(json_is_null(json_object_get(r->json, "owner")));
  th_free(r);

  /* An owner can be given again later. */
  r = patch(code, "{\"owner\":{\"name\":\"Nouveau\"}}", NULL);
  cr_assert_eq(r->status, 200);
  th_free(r);
  cr_assert_str_eq(ds_sql("SELECT o.name||'|'||coalesce(o.email,'∅') FROM device_owners o"
                          " JOIN devices d ON d.id = o.device_id WHERE d.code = '%s'",
                          code),
                   "Nouveau|∅");
}

Test(patch, fields_that_cannot_change, .init = setup)
{
  char code[CODE_CAP], donation[CODE_CAP];
  const char *brand = th_unique("Fixed");
  repair_with_owner(code, brand);
  ds_device(donation, "donation", g_site, th_unique("Don"));
  char before[256];
  snprintf(before, sizeof before, "%s", row(code));
  const char *bodies[][2] = {
      {"{\"kind\":\"donation\"}", "kind"},
      {"{\"code\":\"RL-0000-0000\"}", "code"},
      {"{\"status\":\"returned\"}", "status"},
      {"{\"received_at\":\"2020-01-01T00:00:00Z\"}", "received_at"},
      {"{\"tracking_token\":\"x\"}", "tracking_token"},
      {"{\"updated_at\":\"2020-01-01T00:00:00Z\"}", "updated_at"},
      {"{\"brand\":null}", "brand"},
      {"{\"brand\":\"\"}", "brand"},
      {"{\"category\":null}", "category"},
      {"{\"category\":\"spaceship\"}", "category"},
      {"{\"site\":\"no-such-site-anywhere\"}", "site"},
      {"{\"weight_kg\":0}", "weight_kg"},
      {"{\"year_of_manufacture\":3000}", "year_of_manufacture"},
      {"{\"colour\":\"red\"}", "colour"},
      {"{\"notes\":\"a\\u0000b\"}", NULL},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    struct th_resp *r = patch(code, bodies[i][0], NULL);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bodies[i][0], r->status, r->body);
    if (bodies[i][1])
      cr_assert(ds_names_field(r, bodies[i][1]), "%s: %s", bodies[i][0], r->body);
    th_free(r);
    cr_assert_str_eq(row(code), before, "%s changed the device", bodies[i][0]);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE code = '%s' AND status = 'received'"
                        " AND kind = 'repair'",
                        code),
               1);
  struct th_resp *r = patch(donation, "{\"owner\":{\"name\":\"X\"}}", NULL);
  cr_assert(th_is_problem(r, 400));
  cr_assert(ds_names_field(r, "owner"), "%s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM device_owners o JOIN devices d ON d.id = o.device_id"
                        " WHERE d.code = '%s'",
                        donation),
               0);
  r = th_reqf("PATCH", "/api/v1/devices/RL-0000-0000", ds_reader(), "{\"notes\":\"x\"}");
  cr_assert(th_is_problem(r, 403), "a reader edits: %ld", r->status);
  th_free(r);
}

Test(patch, a_device_moves_only_to_an_active_site, .init = setup)
{
  char code[CODE_CAP], closed[96], other[96];
  ds_device(code, "donation", g_site, th_unique("Move"));
  ds_site(other, sizeof other, 1);
  ds_site(closed, sizeof closed, 0);
  char body[160];
  snprintf(body, sizeof body, "{\"site\":\"%s\"}", other);
  struct th_resp *r = patch(code, body, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "site"), other);
  th_free(r);
  snprintf(body, sizeof body, "{\"site\":\"%s\"}", closed);
  r = patch(code, body, NULL);
  cr_assert(th_is_problem(r, 400), "moving a device to an inactive site: %ld %s", r->status,
            r->body);
  cr_assert(ds_names_field(r, "site"), "%s", r->body);
  th_free(r);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " WHERE d.code = '%s' AND s.slug = '%s'",
                        code, other),
               1);
}

Test(patch, if_match, .init = setup)
{
  char code[CODE_CAP];
  const char *brand = th_unique("Etag");
  ds_device(code, "donation", g_site, brand);
  struct th_resp *r = ds_get(ds_vol(), code);
  char v1[32];
  snprintf(v1, sizeof v1, "%s", th_header(r, "ETag"));
  th_free(r);

  r = patch(code, "{\"notes\":\"first\"}", v1);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  char v2[32];
  snprintf(v2, sizeof v2, "%s", th_header(r, "ETag"));
  cr_assert_str_neq(v2, v1);
  th_free(r);

  char before[256];
  snprintf(before, sizeof before, "%s", row(code));
  r = patch(code, "{\"notes\":\"stale\",\"brand\":\"Stale\"}", v1);
  cr_assert(th_is_problem(r, 412), "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(row(code), before, "a stale write changed the device");
  cr_assert_eq(ds_count("SELECT count(*) FROM device_events e JOIN devices d ON d.id = e.device_id"
                        " WHERE d.code = '%s' AND e.type = 'edit'",
                        code),
               1);

  r = patch(code, "{\"notes\":\"second\"}", v2);
  cr_assert_eq(r->status, 200);
  th_free(r);
  /* Not an entity-tag at all: a condition that cannot be read. */
  r = patch(code, "{\"notes\":\"x\"}", "garbage");
  cr_assert(th_is_problem(r, 400), "%ld", r->status);
  cr_assert(strstr(r->body, "bad_header") != NULL, "%s", r->body);
  th_free(r);

  /* GET with If-None-Match of the current ETag: 304. */
  r = ds_get(ds_vol(), code);
  char cur[32], inm[64];
  snprintf(cur, sizeof cur, "%s", th_header(r, "ETag"));
  th_free(r);
  snprintf(inm, sizeof inm, "If-None-Match: %s", cur);
  const char *h[] = {inm, NULL};
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  r = th_req("GET", path, ds_vol(), NULL, h);
  cr_assert_eq(r->status, 304);
  th_free(r);
}

Test(patch, history_records_the_edit_and_its_fields, .init = setup)
{
  char code[CODE_CAP];
  repair_with_owner(code, th_unique("Hist"));
  struct th_resp *r =
      patch(code, "{\"brand\":\"Asus\",\"notes\":null,\"owner\":{\"phone\":\"0611229977\"}}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/history", code);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  json_t *items = json_object_get(r->json, "items");
  cr_assert_eq(json_array_size(items), 2, "%s", r->body);
  json_t *ev = json_array_get(items, 1);
  cr_assert_str_eq(json_string_value(json_object_get(ev, "type")), "edit");
  json_t *fields = json_object_get(ev, "fields");
  cr_assert_eq(json_array_size(fields), 3, "%s", r->body);
  const char *want[] = {"brand", "notes", "owner"};
  for (int i = 0; i < 3; i++) {
    int found = 0;
    size_t k;
    json_t *f;
    json_array_foreach(fields, k, f)
      found |= strcmp(json_string_value(f), want[i]) == 0;
    cr_assert(found, "fields lack %s: %s", want[i], r->body);
  }
  cr_assert_null(strstr(r->body, "0611229977"), "history shows the owner's new phone");
  th_free(r);
}
