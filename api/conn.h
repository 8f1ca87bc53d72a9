/* The raw header lines of a request, on its libmicrohttpd connection, for
 * what a header map cannot show: lines that are not UTF-8 text (a map
 * built like ulfius's leaves them out, so that a request could pass as if
 * it had no If-Match or Idempotency-Key at all), and how the body is
 * framed (RFC 9112 §6), checked before a byte of it is read. */
#ifndef RL_API_CONN_H
#define RL_API_CONN_H

#include <microhttpd.h>
#include <stddef.h>

/* The connection of the request the router runs on this thread, or NULL
 * (api/exchange.c sets it around each call into the router), with the
 * method and version as libmicrohttpd passed them to the access handler:
 * in place in its read buffer, where the request line begins and ends. */
void rl_conn_set_current(struct MHD_Connection *con, const char *method, const char *version);

/* Checks every raw header line of the current request: names must be
 * tokens, values UTF-8 text with no control character but tab and no NUL
 * (which libmicrohttpd would cut them at), on one line, and If-Match and
 * If-None-Match "*" or entity-tags. Returns 0 when all are,
 * or when there is no current connection; else -1, the first bad header's
 * name (printable ASCII, cut to cap) in name and what it is not in *why. */
int rl_conn_check_headers(char *name, size_t cap, const char **why);

/* RFC 9112 §5.1, §6.1–6.3 and RFC 9110 §10.1.1, on the request's header
 * lines, read as libmicrohttpd frames the body: header names are tokens
 * (no space before the colon), Transfer-Encoding is "chunked" exactly, on
 * one line (not in HTTP/1.0, not beside Content-Length), Content-Length
 * lines agree, and an expectation is "100-continue" (ignored in
 * HTTP/1.0). Returns 0, *expects_continue saying whether the client waits
 * for 100 Continue before its body; else API_EFRAMING (400), API_ECODING
 * (501, a coding other than chunked) or API_EEXPECT (417), with what is
 * wrong in *why. */
int rl_conn_check_framing(struct MHD_Connection *con, int http10, int *expects_continue,
                          const char **why);

/* The verdict of rl_conn_check_framing on one Transfer-Encoding value
 * (as libmicrohttpd gives it: no leading space): 0 for "chunked" exactly,
 * else API_EFRAMING or API_ECODING with *why. */
int rl_transfer_coding_verdict(const char *value, size_t n, const char **why);

#endif
