/* Request framing (RFC 9112 §6) and expectations (RFC 9110 §10.1.1), as
 * raw bytes over a socket, where curl would not send them: a body whose
 * end cannot be found unambiguously is refused at once (not read, not
 * waited for until a timeout), and a client that waits for 100 Continue
 * hears a refusal its headers already earn instead of an invitation to
 * upload. What is refused changes nothing. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"
#include "tests/integration/raw_support.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Sends a request whose framing is at fault and returns its reply's status,
 * checking that it came at once as a problem of this type and that the
 * connection was closed after it. */
static long refused(const char *request, const char *type)
{
  char reply[4096];
  /* Read until the server closes. Before, it waited for a body until the
   * 30 s timeout: a reply that comes with 15 s of silence allowed did not
   * wait for one. */
  long status = raw_roundtrip(request, reply, sizeof reply);
  cr_assert_neq(status, 0, "no reply to:\n%s", request);
  cr_assert(strstr(reply, "application/problem+json") != NULL, "%s", reply);
  char t[96];
  snprintf(t, sizeof t, "\"type\":\"%s\"", type);
  cr_assert(strstr(reply, t) != NULL, "expected %s:\n%s", type, reply);
  cr_assert(strstr(reply, "Connection: close") != NULL, "%s", reply);
  return status;
}

/* A site creation whose framing lines are head (each ending in CRLF), the
 * body after them as sent. */
static void site_request(char *out, size_t cap, const char *head, const char *body_as_sent)
{
  snprintf(out, cap,
           "POST /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\n%s\r\n%s",
           ds_admin(), head, body_as_sent);
}

static const char *site_body(char *out, size_t cap, const char *slug)
{
  snprintf(out, cap, "{\"slug\":\"%s\",\"name\":\"Framing\"}", slug);
  return out;
}

Test(framing, content_lengths_that_disagree_are_refused_and_nothing_is_made)
{
  const char *slug = th_unique("cl-");
  char body[128], head[256], req[2048];
  site_body(body, sizeof body, slug);
  snprintf(head, sizeof head, "Content-Length: %zu\r\nContent-Length: %zu\r\n", strlen(body),
           strlen(body) + 7);
  site_request(req, sizeof req, head, body);
  cr_assert_eq(refused(req, "/problems/bad-framing"), 400);
  /* The other order, and a length that is not a number after a good one. */
  snprintf(head, sizeof head, "Content-Length: 2\r\nContent-Length: %zu\r\n", strlen(body));
  site_request(req, sizeof req, head, body);
  cr_assert_eq(refused(req, "/problems/bad-framing"), 400);
  snprintf(head, sizeof head, "Content-Length: %zu\r\nContent-Length: x\r\n", strlen(body));
  site_request(req, sizeof req, head, body);
  cr_assert_eq(refused(req, "/problems/bad-framing"), 400);
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM sites WHERE slug = '%s'", slug), "0");

  /* The same length twice is one length (RFC 9112 §6.3). */
  snprintf(head, sizeof head, "Content-Length: %zu\r\nContent-Length: %zu\r\nConnection: close\r\n",
           strlen(body), strlen(body));
  site_request(req, sizeof req, head, body);
  char reply[4096];
  cr_assert_eq(raw_roundtrip(req, reply, sizeof reply), 201, "%s", reply);
}

Test(framing, transfer_codings_other_than_chunked_alone_are_refused_at_once)
{
  const char *slug = th_unique("te-");
  char body[128], chunked[256], head[256], req[2048];
  site_body(body, sizeof body, slug);
  snprintf(chunked, sizeof chunked, "%zx\r\n%s\r\n0\r\n\r\n", strlen(body), body);
  struct {
    const char *lines;
    long status;
    const char *type;
  } cases[] = {
      {"Transfer-Encoding: gzip\r\n", 501, "/problems/transfer-coding"},
      {"Transfer-Encoding: gzip, chunked\r\n", 501, "/problems/transfer-coding"},
      {"Transfer-Encoding: identity\r\n", 501, "/problems/transfer-coding"},
      {"Transfer-Encoding: chunked, chunked\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400,
       "/problems/bad-framing"},
      {"Transfer-Encoding: chunked, gzip\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: chunked;q=1\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: ,\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: chun ked\r\n", 400, "/problems/bad-framing"},
      /* Lists the RFC reads as chunked and libmicrohttpd does not (it
       * reads the first line only, "chunked" exactly). */
      {"Transfer-Encoding: , chunked\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: chunked,\r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: chunked \r\n", 400, "/problems/bad-framing"},
      {"Transfer-Encoding: ,\r\nTransfer-Encoding: chunked\r\n", 400, "/problems/bad-framing"},
      /* Both: a proxy reading the length would see another request. */
      {"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400, "/problems/bad-framing"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    site_request(req, sizeof req, cases[i].lines, chunked);
    cr_assert_eq(refused(req, cases[i].type), cases[i].status, "case %zu: %s", i, cases[i].lines);
  }
  /* HTTP/1.0 has no transfer codings (RFC 9112 §6.1). */
  snprintf(req, sizeof req,
           "POST /api/v1/sites HTTP/1.0\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%s",
           ds_admin(), chunked);
  cr_assert_eq(refused(req, "/problems/bad-framing"), 400);
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM sites WHERE slug = '%s'", slug), "0");

  /* Chunked alone, in any case, is read. */
  snprintf(head, sizeof head, "Transfer-Encoding: Chunked\r\nConnection: close\r\n");
  site_request(req, sizeof req, head, chunked);
  char reply[4096];
  cr_assert_eq(raw_roundtrip(req, reply, sizeof reply), 201, "%s", reply);
}

/* Sends req corked (the kernel holds it and sends it with the FIN of the
 * half-close in one segment, as a client that gives up mid-body can), and
 * reads what comes back until the server closes; returns how long that
 * took. */
static double corked_then_half_closed(const char *req, char *reply, size_t cap)
{
  int s = raw_open();
  int on = 1;
  cr_assert_eq(setsockopt(s, IPPROTO_TCP, TCP_CORK, &on, sizeof on), 0);
  raw_send(s, req);
  cr_assert_eq(shutdown(s, SHUT_WR), 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  raw_read(s, reply, cap, 40000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(s);
  return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* A client that stops sending before its body is whole is let go at once,
 * not held until the 30 s timeout (libmicrohttpd alone did not see an end
 * of stream that came with the last bytes), and nothing of the cut request
 * is done; a client that half-closes after a whole body gets its reply. */
Test(framing, a_body_cut_short_ends_the_request_at_once, .timeout = 120)
{
  const char *slug = th_unique("cut-");
  char body[128], head[256], req[2048], reply[1024];
  site_body(body, sizeof body, slug);
  snprintf(head, sizeof head, "Content-Length: %zu\r\n", strlen(body) + 40);
  site_request(req, sizeof req, head, body);
  for (int i = 0; i < 3; i++) {
    double secs = corked_then_half_closed(req, reply, sizeof reply);
    cr_assert_lt(secs, 10.0, "the cut request held its connection %.1f s", secs);
  }
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM sites WHERE slug = '%s'", slug), "0");

  snprintf(head, sizeof head, "Content-Length: %zu\r\n", strlen(body));
  site_request(req, sizeof req, head, body);
  corked_then_half_closed(req, reply, sizeof reply);
  cr_assert_eq(status_of(reply), 201, "%s", reply);
}

/* RFC 9112 §5.1: "Content-Length : N" is no Content-Length to
 * libmicrohttpd, so the body would be read as a second request on the
 * connection. It is refused before the body, and the connection closed:
 * the request hidden in the body never runs. */
Test(framing, a_space_before_the_colon_cannot_hide_a_request_in_the_body)
{
  const char *hidden = "GET /api/v1/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  char req[2048];
  snprintf(req, sizeof req,
           "POST /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length : %zu\r\n\r\n%s",
           ds_admin(), strlen(hidden), hidden);
  char reply[8192];
  cr_assert_eq(raw_roundtrip(req, reply, sizeof reply), 400, "%s", reply);
  cr_assert(strstr(reply, "\"type\":\"/problems/bad-framing\"") != NULL, "%s", reply);
  /* One reply only: the 404 of the hidden request would follow it. */
  cr_assert_null(strstr(reply + 12, "HTTP/1.1 "), "a second reply: %s", reply);
}

/* Sends head, expecting Expect: 100-continue to be answered with status
 * (a final reply, no 100 before it, the body never sent). */
static void refused_before_upload(const char *head, long status, const char *type)
{
  char reply[4096];
  raw_roundtrip(head, reply, sizeof reply);
  cr_assert(strncmp(reply, "HTTP/1.1 100", 12) != 0, "invited to upload:\n%s", reply);
  cr_assert_eq(status_of(reply), status, "%s\n%s", head, reply);
  char t[96];
  snprintf(t, sizeof t, "\"type\":\"%s\"", type);
  cr_assert(strstr(reply, t) != NULL, "expected %s:\n%s", type, reply);
}

/* A request with Expect: 100-continue on path, with these header lines
 * (each ending in CRLF), this Content-Type and Content-Length. */
static void expecting(char *out, size_t cap, const char *path, const char *lines, const char *type,
                      const char *length)
{
  snprintf(out, cap,
           "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: %s\r\n"
           "Content-Length: %s\r\nExpect: 100-continue\r\n\r\n",
           path, lines, type, length);
}

Test(expect, an_upload_the_headers_already_refuse_is_not_invited)
{
  char head[1024], admin[160], reader[160], bad_if[200];
  snprintf(admin, sizeof admin, "Authorization: Bearer %s\r\n", ds_admin());
  snprintf(reader, sizeof reader, "Authorization: Bearer %s\r\n", ds_reader());
  snprintf(bad_if, sizeof bad_if, "%sIf-Match: \"1\r\n", admin);
  expecting(head, sizeof head, "/api/v1/sites", "", "application/json", "40");
  refused_before_upload(head, 401, "/problems/unauthorized");
  expecting(head, sizeof head, "/api/v1/sites", reader, "application/json", "40");
  refused_before_upload(head, 403, "/problems/forbidden");
  expecting(head, sizeof head, "/api/v1/sites", admin, "application/json", "99999999");
  refused_before_upload(head, 413, "/problems/body-too-large");
  expecting(head, sizeof head, "/api/v1/sites", admin, "text/plain", "40");
  refused_before_upload(head, 415, "/problems/unsupported-media-type");
  expecting(head, sizeof head, "/api/v1/nowhere", admin, "application/json", "40");
  refused_before_upload(head, 404, "/problems/not-found");
  expecting(head, sizeof head, "/api/v1/sites/x", admin, "application/json", "40");
  refused_before_upload(head, 405, "/problems/method-not-allowed");
  expecting(head, sizeof head, "/api/v1/sites", bad_if, "application/json", "40");
  refused_before_upload(head, 400, "/problems/validation");
}

Test(expect, an_upload_that_may_go_ahead_is_invited_then_read)
{
  const char *slug = th_unique("ex-");
  char body[128], head[1024];
  site_body(body, sizeof body, slug);
  snprintf(head, sizeof head,
           "POST /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: %zu\r\nExpect: 100-Continue\r\n"
           "Connection: close\r\n\r\n",
           ds_admin(), strlen(body));
  int s = raw_open();
  raw_send(s, head);
  char reply[4096];
  raw_read_until(s, reply, sizeof reply, 20000, "\r\n\r\n");
  cr_assert(strncmp(reply, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0, "%s", reply);
  raw_send(s, body);
  raw_read(s, reply, sizeof reply, 15000);
  close(s);
  cr_assert_eq(status_of(reply), 201, "%s", reply);
  cr_assert_str_eq(ds_sql("SELECT count(*) FROM sites WHERE slug = '%s'", slug), "1");
}

Test(expect, other_expectations_fail_and_http10_ones_are_ignored)
{
  char req[1024];
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Expect: 200-ok\r\n\r\n",
           ds_reader());
  cr_assert_eq(refused(req, "/problems/expectation-failed"), 417);
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Expect: 100-continue\r\nExpect: 100-continue\r\n\r\n",
           ds_reader());
  cr_assert_eq(refused(req, "/problems/expectation-failed"), 417);
  snprintf(req, sizeof req,
           "GET /api/v1/sites HTTP/1.0\r\nAuthorization: Bearer %s\r\nExpect: 200-ok\r\n\r\n",
           ds_reader());
  char reply[8192];
  cr_assert_eq(raw_roundtrip(req, reply, sizeof reply), 200, "%s", reply);
}
