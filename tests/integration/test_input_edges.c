/* Input at the edges, as classes: characters that are not text in any text
 * field or query value, dates and times outside the years the service
 * keeps, header lines that are not UTF-8 text (which ulfius would leave
 * out, so that an If-Match or an Idempotency-Key stopped applying), HTTP/1.1
 * without Host, and list cursors the service did not issue. Raw bytes go
 * over a socket where curl would not send them. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"
#include "tests/integration/raw_support.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends raw bytes to the shared server on a connection of their own and
 * returns the status of the first reply (0 when none came within 5 s). */
static long raw_status(const char *data, size_t len)
{
  int s = raw_open();
  cr_assert_eq(send(s, data, len, 0), (ssize_t)len);
  char buf[256];
  raw_read_until(s, buf, sizeof buf, 5000, "\r\n");
  close(s);
  return status_of(buf);
}

/* A raw request with the admin key and these extra header lines (each
 * ending in CRLF), and a JSON body. */
static long raw_request(const char *method, const char *path, const char *headers, const char *body)
{
  char req[4096];
  int n = snprintf(req, sizeof req,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %zu\r\n%s"
                   "Connection: close\r\n\r\n%s",
                   method, path, ds_admin(), strlen(body), headers, body);
  cr_assert(n > 0 && (size_t)n < sizeof req);
  return raw_status(req, (size_t)n);
}

static void assert_field_code(const struct th_resp *r, const char *field, const char *code)
{
  cr_assert(th_is_problem(r, 400), "%ld %s", r->status, r->body);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0) {
      cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code, "%s", r->body);
      return;
    }
  }
  cr_assert_fail("no error about %s: %s", field, r->body);
}

Test(text, characters_that_are_not_text_are_refused_in_every_text_field)
{
  char site[64];
  ds_site(site, sizeof site, 1);
  /* C1 controls, line separators, zero-width space, bidirectional
   * overrides and isolates, word joiner, byte-order mark. */
  const char *bad[] = {"\\u0085", "\\u009b", "\\u2028", "\\u2029", "\\u200b", "\\u202e",
                       "\\u2066", "\\u2060", "\\ufeff", "\\u007f", "\\u0007"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *brand = th_unique("brand");
    struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\","
                                "\"brand\":\"%s%sx\"}",
                                site, brand, bad[i]);
    assert_field_code(r, "brand", "control_characters");
    /* The message names the character. */
    char hex[8];
    snprintf(hex, sizeof hex, "U+%s", bad[i] + 2);
    for (char *h = hex; *h; h++)
      if (*h >= 'a' && *h <= 'f')
        *h = (char)(*h - 'a' + 'A');
    cr_assert(strstr(r->body, hex) != NULL, "%s not named: %s", hex, r->body);
    th_free(r);
    cr_assert_str_eq(ds_sql("SELECT count(*) FROM devices WHERE brand LIKE '%s%%'", brand), "0");
  }
  /* Multi-line fields take tabs and new lines, not the rest. */
  struct th_resp *r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\","
                              "\"brand\":\"SEB\",\"notes\":\"a\\u0085b\"}",
                              site);
  assert_field_code(r, "notes", "control_characters");
  th_free(r);
  r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\","
              "\"brand\":\"SEB\",\"notes\":\"one\\ttwo\\r\\nthree\"}",
              site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  /* Text in any script, accents, emoji and their joiners is text. */
  r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\","
              "\"brand\":\"Électroménager \\u0645\\u0631\\u062d\\u0628\\u0627 "
              "\\ud83d\\udc69\\u200d\\ud83d\\udd27\"}",
              site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
}

Test(text, query_values_are_text_too)
{
  struct th_resp *r = th_req("GET", "/api/v1/devices?q=a%C2%85b", ds_vol(), NULL, NULL);
  assert_field_code(r, "q", "control_characters");
  th_free(r);
  r = th_req("GET", "/api/v1/devices?q=a%E2%80%AEb", ds_vol(), NULL, NULL);
  assert_field_code(r, "q", "control_characters");
  th_free(r);
}

Test(times, dates_and_times_outside_2000_to_2100_are_refused)
{
  char site[64];
  ds_site(site, sizeof site, 1);
  const char *bad[][2] = {
      {"9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00"},
      {"1999-12-31T23:59:59Z", "2000-01-01T00:30:00Z"},
      {"2100-12-31T23:00:00Z", "2101-01-01T00:00:00Z"},
      {"1900-01-01T10:00:00+14:00", "1900-01-01T12:00:00Z"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct th_resp *r = th_reqf("POST", "/api/v1/sessions", ds_admin(),
                                "{\"site\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", site,
                                bad[i][0], bad[i][1]);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i][0], r->status, r->body);
    cr_assert(strstr(r->body, "out_of_range") != NULL, "%s", r->body);
    th_free(r);
  }
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM repair_sessions s JOIN sites t ON t.id = s.site_id"
                          " WHERE t.slug = '%s'",
                          site),
                   "0");
  /* The last second of 2100 is in. */
  struct th_resp *r = th_reqf("POST", "/api/v1/sessions", ds_admin(),
                              "{\"site\":\"%s\",\"starts_at\":\"2100-12-31T22:00:00Z\","
                              "\"ends_at\":\"2100-12-31T23:59:59Z\"}",
                              site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  cr_assert_str_eq(th_str(r, "ends_at"), "2100-12-31T23:59:59Z");
  th_free(r);
  /* Dates in queries too. */
  r = th_req("GET", "/api/v1/devices?received_from=1999-12-31", ds_vol(), NULL, NULL);
  assert_field_code(r, "received_from", "out_of_range");
  th_free(r);
  r = th_req("GET", "/api/v1/devices?received_to=2101-01-01", ds_vol(), NULL, NULL);
  assert_field_code(r, "received_to", "out_of_range");
  th_free(r);
}

Test(headers, a_header_that_is_not_utf8_text_is_refused_not_ignored)
{
  char site[64], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Before");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  /* ulfius would leave these headers out: the edit would pass as if
   * unconditional. */
  const char *bad_if_match[] = {"If-Match: \"\xff\"\r\n", "If-Match: \"1\"\xc2\x85\r\n",
                                "If-Match: \"\xc3\x28\"\r\n"};
  for (size_t i = 0; i < sizeof bad_if_match / sizeof *bad_if_match; i++)
    cr_assert_eq(raw_request("PATCH", path, bad_if_match[i], "{\"brand\":\"After\"}"), 400,
                 "case %zu", i);
  struct th_resp *r = ds_get(ds_vol(), code);
  cr_assert_str_eq(th_str(r, "brand"), "Before");
  th_free(r);

  /* An Idempotency-Key ulfius would drop: two requests, one device at most
   * (here none: both are refused). */
  const char *brand = th_unique("idem");
  char body[256];
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"%s\"}", site,
           brand);
  for (int i = 0; i < 2; i++)
    cr_assert_eq(raw_request("POST", "/api/v1/devices", "Idempotency-Key: k\xfe\xff\r\n", body),
                 400);
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM devices WHERE brand = '%s'", brand), "0");

  /* Any header, not only the ones the service reads. */
  cr_assert_eq(raw_request("GET", "/api/v1/sites", "X-Anything: caf\xe9\r\n", ""), 400);
  cr_assert_eq(raw_request("GET", "/api/v1/sites", "X-Anything: bell\x07\r\n", ""), 400);
  /* UTF-8 text and tabs are fine. */
  cr_assert_eq(raw_request("GET", "/api/v1/sites", "X-Anything: caf\xc3\xa9\tok\r\n", ""), 200);
}

/* A fresh device branded "Before": its code, its path and its ETag. */
static void device_to_edit(char *code, char *path, size_t path_cap, char *etag, size_t etag_cap)
{
  char site[64];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, "Before");
  snprintf(path, path_cap, "/api/v1/devices/%s", code);
  struct th_resp *r = ds_get(ds_vol(), code);
  snprintf(etag, etag_cap, "%s", th_header(r, "ETag"));
  th_free(r);
}

/* A condition the server cannot read is refused, never taken as no
 * condition: If-None-Match would give the whole reply, If-Match the edit. */
Test(headers, a_condition_that_cannot_be_read_is_refused)
{
  char code[CODE_CAP], path[128], etag[48];
  device_to_edit(code, path, sizeof path, etag, sizeof etag);
  struct th_resp *r = NULL;
  const char *bad[] = {"\"1", "1", "\"1\" x", "W/1", "\"1\",,W/", "* \"1\"", "", "\"a b\""};
  char h[128];
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(h, sizeof h, "If-None-Match: %s\r\n", bad[i]);
    cr_assert_eq(raw_request("GET", path, h, ""), 400, "If-None-Match: %s", bad[i]);
    snprintf(h, sizeof h, "If-Match: %s\r\n", bad[i]);
    cr_assert_eq(raw_request("PATCH", path, h, "{\"brand\":\"After\"}"), 400, "If-Match: %s",
                 bad[i]);
  }
  r = ds_get(ds_vol(), code);
  cr_assert_str_eq(th_str(r, "brand"), "Before");
  th_free(r);
  /* Lists, weak tags, empty elements and "*" are read. */
  snprintf(h, sizeof h, "If-None-Match: W/\"x\", , %s\r\n", etag);
  cr_assert_eq(raw_request("GET", path, h, ""), 304);
  cr_assert_eq(raw_request("GET", path, "If-None-Match: *\r\n", ""), 304);
  cr_assert_eq(raw_request("GET", path, "If-None-Match: \"nope\"\r\n", ""), 200);
  cr_assert_eq(raw_request("PATCH", path, "If-Match: \"999\"\r\n", "{\"brand\":\"After\"}"), 412);
}

/* Sends text with each "<NUL>" in it sent as a NUL byte, and reads the
 * reply until the server closes; returns its status. */
static long raw_with_nuls(const char *text, char *reply, size_t cap)
{
  char bytes[4096];
  size_t n = 0;
  for (const char *p = text; *p && n < sizeof bytes;) {
    if (strncmp(p, "<NUL>", 5) == 0) {
      bytes[n++] = '\0';
      p += 5;
    } else {
      bytes[n++] = *p++;
    }
  }
  int s = raw_open();
  cr_assert_eq(send(s, bytes, n, MSG_NOSIGNAL), (ssize_t)n);
  raw_read(s, reply, cap, 15000);
  close(s);
  return status_of(reply);
}

/* The reply is a bad_header problem about field, and the only reply. */
static void assert_bad_header(const char *reply, const char *field)
{
  cr_assert_eq(status_of(reply), 400, "%s", reply);
  char want[128];
  snprintf(want, sizeof want, "\"field\":\"%s\",\"code\":\"bad_header\"", field);
  cr_assert(strstr(reply, want) != NULL, "expected bad_header on %s: %s", field, reply);
  cr_assert(strstr(reply, "Connection: close") != NULL, "%s", reply);
  cr_assert_null(strstr(reply + 12, "HTTP/1."), "a second reply: %s", reply);
}

/* libmicrohttpd cuts a header value at a NUL and drops the rest of the
 * line: a condition followed by a NUL and more would be read as the
 * condition alone, two Idempotency-Keys that differ after a NUL as one. A
 * NUL in a line is refused, as is a line folded onto the next (RFC 9112
 * §5.2), naming the header, and the connection is closed: a request
 * hidden after the cut never runs. */
Test(headers, a_nul_in_a_header_is_refused_not_cut)
{
  char code[CODE_CAP], path[128], etag[48];
  device_to_edit(code, path, sizeof path, etag, sizeof etag);
  struct th_resp *r = NULL;
  const char *body = "{\"brand\":\"After\"}";
  struct {
    const char *line; /* %s: the current ETag */
    const char *field;
  } cases[] = {
      /* The current ETag, then a NUL and a stale one. */
      {"If-Match: %s<NUL>\"1\"\r\n", "If-Match"},
      /* Right after the colon: the value would read as empty. */
      {"X-Anything:<NUL>%s\r\n", "X-Anything"},
      /* Folded onto a second line. */
      {"If-Match: %s\r\n \r\n", "If-Match"},
      /* Two keys that differ after a NUL. */
      {"Idempotency-Key: k-%s<NUL>a\r\n", "Idempotency-Key"},
  };
  char reply[8192], req[2048];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char line[128];
    snprintf(line, sizeof line, cases[i].line, etag);
    snprintf(req, sizeof req,
             "PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sAuthorization: Bearer %s\r\n"
             "Content-Type: application/merge-patch+json\r\nContent-Length: %zu\r\n\r\n%s",
             path, line, ds_vol(), strlen(body), body);
    raw_with_nuls(req, reply, sizeof reply);
    assert_bad_header(reply, cases[i].field);
  }
  /* In the last line too, where the empty line follows; and a request
   * hidden after the NUL on the same connection gets no reply. */
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "X-Last: a<NUL>b\r\n\r\nGET /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
           ds_reader());
  raw_with_nuls(req, reply, sizeof reply);
  assert_bad_header(reply, "X-Last");
  /* A line beginning with a NUL would end the header block early. */
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.0\r\n<NUL>X-Hidden: 1\r\nAuthorization: Bearer %s\r\n\r\n",
           ds_reader());
  raw_with_nuls(req, reply, sizeof reply);
  assert_bad_header(reply, "request-line");
  r = ds_get(ds_vol(), code);
  cr_assert_str_eq(th_str(r, "brand"), "Before");
  th_free(r);
  /* Line ends of LF alone, spaces and tabs around values, empty values:
   * all read. */
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.1\nHost:   127.0.0.1  \nAuthorization:\tBearer %s\t\n"
           "X-Empty:\r\nConnection: close\n\r\n",
           ds_reader());
  cr_assert_eq(raw_with_nuls(req, reply, sizeof reply), 200, "%s", reply);
}

Test(headers, http11_needs_a_host)
{
  const char *no_host = "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n";
  cr_assert_eq(raw_status(no_host, strlen(no_host)), 400);
  const char *http10 = "GET /healthz HTTP/1.0\r\n\r\n";
  cr_assert_eq(raw_status(http10, strlen(http10)), 200);
  const char *with_host = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  cr_assert_eq(raw_status(with_host, strlen(with_host)), 200);
}

Test(cursors, sites_and_categories_refuse_cursors_they_did_not_issue)
{
  const char *paths[] = {"/api/v1/sites?cursor=zzzz", "/api/v1/sites?cursor=aaa",
                         "/api/v1/categories?cursor=zzzz", "/api/v1/categories?cursor=kettl"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    struct th_resp *r = th_req("GET", paths[i], ds_reader(), NULL, NULL);
    assert_field_code(r, "cursor", "not_a_cursor");
    th_free(r);
  }
  /* The cursors they give work. */
  const char *lists[] = {"/api/v1/sites?limit=1", "/api/v1/categories?limit=3"};
  for (size_t i = 0; i < 2; i++) {
    char site[64];
    ds_site(site, sizeof site, 1);
    ds_site(site, sizeof site, 1);
    struct th_resp *r = th_req("GET", lists[i], ds_reader(), NULL, NULL);
    cr_assert_eq(r->status, 200);
    const char *next = th_str(r, "next_cursor");
    cr_assert_not_null(next, "%s", r->body);
    char path[256];
    snprintf(path, sizeof path, "%s&cursor=%s", lists[i], next);
    th_free(r);
    r = th_req("GET", path, ds_reader(), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %s", path, r->body);
    th_free(r);
  }
}

/* The reply to raw bytes, whole (headers and what body came within 5 s
 * of the connection's close). Caller frees. */
static char *raw_reply(const char *data)
{
  const char *url = th_url();
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(strrchr(url, ':') + 1))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(send(s, data, strlen(data), 0), (ssize_t)strlen(data));
  size_t cap = 65536, got = 0;
  char *buf = malloc(cap);
  cr_assert_not_null(buf);
  struct pollfd p = {.fd = s, .events = POLLIN};
  while (got + 1 < cap && poll(&p, 1, 5000) == 1) {
    ssize_t n = recv(s, buf + got, cap - 1 - got, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(s);
  buf[got] = '\0';
  return buf;
}

Test(methods, head_answers_wherever_get_does_with_its_headers_and_no_body)
{
  char req[512];
  const char *paths[] = {"/api/v1/sites", "/api/v1/categories/kettle", "/healthz", "/"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    snprintf(req, sizeof req,
             "HEAD %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
             paths[i], ds_reader());
    char *reply = raw_reply(req);
    cr_assert(strncmp(reply, "HTTP/1.1 200", 12) == 0, "%s: %.80s", paths[i], reply);
    const char *end = strstr(reply, "\r\n\r\n");
    cr_assert_not_null(end);
    cr_assert_str_eq(end + 4, "", "%s: a HEAD reply has no body", paths[i]);
    cr_assert(strcasestr(reply, "\r\nContent-Type: ") != NULL, "%s: %s", paths[i], reply);
    free(reply);
  }
  /* A HEAD of a category has GET's ETag. */
  struct th_resp *r = th_req("GET", "/api/v1/categories/kettle", ds_reader(), NULL, NULL);
  char etag[96];
  snprintf(etag, sizeof etag, "%s", th_header(r, "ETag"));
  th_free(r);
  snprintf(req, sizeof req,
           "HEAD /api/v1/categories/kettle HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Connection: close\r\n\r\n",
           ds_reader());
  char *reply = raw_reply(req);
  char want[128];
  snprintf(want, sizeof want, "ETag: %s\r\n", etag);
  cr_assert(strcasestr(reply, want) != NULL, "%s", reply);
  free(reply);
}

Test(methods, a_refused_method_lists_head_beside_get)
{
  struct th_resp *r = th_req("PUT", "/api/v1/sites", ds_admin(), "{}", NULL);
  cr_assert(th_is_problem(r, 405), "%ld %s", r->status, r->body);
  const char *allow = th_header(r, "Allow");
  cr_assert_not_null(allow);
  cr_assert(strstr(allow, "GET") && strstr(allow, "HEAD") && strstr(allow, "POST"), "%s", allow);
  th_free(r);
  /* A POST-only path does not offer HEAD. */
  r = th_req("GET", "/api/v1/labels", ds_admin(), NULL, NULL);
  cr_assert(th_is_problem(r, 405), "%ld %s", r->status, r->body);
  cr_assert(strstr(th_header(r, "Allow"), "HEAD") == NULL, "%s", th_header(r, "Allow"));
  th_free(r);
}
