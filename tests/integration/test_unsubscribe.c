/* The one-click way out (RFC 8058) as mail clients send it: §3.2 says they
 * SHOULD post multipart/form-data, and may post a urlencoded form. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* A resident who asked for e-mail; copies the unsubscribe token. */
static void resident(char *token, size_t cap)
{
  char site[64];
  ds_site(site, sizeof site, 1);
  struct th_resp *r = ds_post("{\"kind\":\"repair\",\"category\":\"kettle\",\"site\":\"%s\","
                              "\"brand\":\"SEB\",\"owner\":{\"email\":\"%s@example.org\","
                              "\"notify\":true}}",
                              site, th_unique("u"));
  cr_assert_eq(r->status, 201, "%s", r->body);
  const char *t = ds_sql("SELECT o.unsubscribe_token FROM device_owners o JOIN devices d"
                         " ON d.id = o.device_id WHERE d.code = '%s'",
                         th_str(r, "code"));
  cr_assert_not_null(t);
  snprintf(token, cap, "%s", t);
  th_free(r);
}

static const char *notify_of(const char *token)
{
  return ds_sql("SELECT notify FROM device_owners WHERE unsubscribe_token = '%s'", token);
}

Test(unsubscribe, a_multipart_one_click_stops_the_emails)
{
  char token[80], path[128];
  resident(token, sizeof token);
  cr_assert_str_eq(notify_of(token), "t");
  snprintf(path, sizeof path, "/u/%s", token);
  const char *body = "--xYzZY\r\n"
                     "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
                     "\r\n"
                     "One-Click\r\n"
                     "--xYzZY--\r\n";
  const char *h[] = {"Content-Type: multipart/form-data; boundary=xYzZY", NULL};
  struct th_resp *r = th_request_to(NULL, "POST", path, NULL, body, strlen(body), h);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(notify_of(token), "f");
}

Test(unsubscribe, a_urlencoded_one_click_stops_the_emails_and_another_field_does_not)
{
  char token[80], path[128];
  resident(token, sizeof token);
  snprintf(path, sizeof path, "/u/%s", token);
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  const char *other = "List-Unsubscribe=Maybe";
  struct th_resp *r = th_request_to(NULL, "POST", path, NULL, other, strlen(other), h);
  cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
  th_free(r);
  const char *mp = "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n"
                   "Two-Click\r\n--b--\r\n";
  const char *hm[] = {"Content-Type: multipart/form-data; boundary=b", NULL};
  r = th_request_to(NULL, "POST", path, NULL, mp, strlen(mp), hm);
  cr_assert_eq(r->status, 400, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(notify_of(token), "t");
  const char *one = "List-Unsubscribe=One-Click";
  r = th_request_to(NULL, "POST", path, NULL, one, strlen(one), h);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  cr_assert_str_eq(notify_of(token), "f");
}
