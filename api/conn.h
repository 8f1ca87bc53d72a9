/* The libmicrohttpd connection behind a request, for what ulfius does not
 * pass on: its raw header lines. ulfius copies only the header values that
 * are valid UTF-8 and silently leaves the others out, so that a request
 * could pass as if it had no If-Match or Idempotency-Key at all; the router
 * checks the raw lines first.
 *
 * Each connection stays on one thread of libmicrohttpd's pool, where its
 * requests begin, run and end: the table is per thread, without locks. */
#ifndef RL_API_CONN_H
#define RL_API_CONN_H

#include <microhttpd.h>
#include <stddef.h>
#include <sys/socket.h>

/* A request begins (from the URI logger) and ends (from the completion
 * callback) on connection con. */
void rl_conn_begin(struct MHD_Connection *con);
void rl_conn_end(struct MHD_Connection *con);

/* Checks every raw header line of the request from client (the address
 * ulfius gives; two IPv6 clients on one thread with the same port and the
 * same first 64 address bits would be told apart by nothing, so one of
 * them is then checked against the other's lines): names must be tokens, values UTF-8 text with no
 * control character but tab (a NUL included), and If-Match and If-None-Match "*" or entity-tags.
 * Returns 0 when all are, or when the connection is not known here (nothing to check against); else
 * -1, the first bad header's name (printable ASCII, cut to cap) in name and what it is not in *why.
 */
int rl_conn_check_headers(const struct sockaddr *client, char *name, size_t cap, const char **why);

#endif
