/* What the route table's flags promise, seen from outside: replies that may
 * hold an owner's contact are kept out of every cache, on every answer of
 * their route, and other replies are not marked so. (Rate limits and the
 * access log: tests/process.) */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void assert_personal(const struct th_resp *r, const char *what)
{
  const char *cc = th_header(r, "Cache-Control");
  cr_assert(cc && strcmp(cc, "private, no-store") == 0, "%s (%ld): Cache-Control %s", what,
            r->status, cc ? cc : "(none)");
  const char *vary = th_header(r, "Vary");
  cr_assert(vary && strcmp(vary, "Authorization") == 0, "%s (%ld): Vary %s", what, r->status,
            vary ? vary : "(none)");
}

Test(route_flags, device_replies_are_personal_on_every_answer)
{
  char site[96];
  ds_site(site, sizeof site, 1);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\","
                              "\"brand\":\"Flags\",\"owner\":{\"email\":\"%s@example.org\"}}",
                              site, th_unique("owner"));
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  assert_personal(r, "intake");
  char code[CODE_CAP], etag[64];
  snprintf(code, sizeof code, "%s", th_str(r, "code"));
  th_free(r);

  char path[128], list[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  snprintf(list, sizeof list, "/api/v1/devices?site=%s", site);
  r = th_req("GET", path, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  assert_personal(r, "get");
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  th_free(r);
  char inm[96];
  snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
  const char *extra[] = {inm, NULL};
  r = th_req("GET", path, ds_vol(), NULL, extra);
  cr_assert_eq(r->status, 304);
  assert_personal(r, "get, not modified");
  th_free(r);
  r = th_req("GET", list, ds_reader(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  assert_personal(r, "list");
  th_free(r);
  r = th_reqf("PATCH", path, ds_vol(), "{\"notes\":\"flags\"}");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  assert_personal(r, "patch");
  th_free(r);
  r = ds_move(code, "diagnosing");
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  assert_personal(r, "transition");
  th_free(r);
  r = ds_move(code, "rehomed");
  cr_assert_eq(r->status, 409, "%ld %s", r->status, r->body);
  assert_personal(r, "refused transition");
  th_free(r);
  r = ds_get(ds_reader(), "RL-0000-0000");
  cr_assert_geq(r->status, 400);
  assert_personal(r, "unknown device");
  th_free(r);

  /* The history holds no contact: it is not marked personal. */
  char hist[160];
  snprintf(hist, sizeof hist, "/api/v1/devices/%s/history", code);
  r = th_req("GET", hist, ds_vol(), NULL, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(th_header(r, "Vary"), "history: Vary %s", th_header(r, "Vary"));
  th_free(r);
}
