/* The steps every request goes through: request id, auth, body checks, idempotency, the handler,
 * then the log line and metrics. */
#ifndef RL_API_ROUTER_H
#define RL_API_ROUTER_H

#include <ulfius.h>

#include "core/config.h"

/* Before the first request; cfg must outlive the server. Returns 0 or -1. */
int rl_router_init(const struct rl_config *cfg);

/* The reply to a request read whole (headers and body): every step from
 * the request id to the handler, the log line and the metrics. */
void rl_router_handle(const struct _u_request *u, struct _u_response *res);

/* Before the body of a request whose client waits for 100 Continue: runs
 * the steps its headers decide (route, header lines, key and role, size,
 * media type). Returns 0 to read the body (res is then thrown away), or 1
 * when res holds the refusal, logged like any reply. */
int rl_router_before_body(const struct _u_request *u, struct _u_response *res);

/* A request refused before its body for its framing (code API_EFRAMING,
 * API_ECODING or API_EEXPECT, api/problem.h): the problem, with
 * Connection: close, logged like any reply. */
void rl_router_refuse(const struct _u_request *u, struct _u_response *res, int code,
                      const char *detail);

/* From now on every reply says Connection: close (the service is
 * stopping: clients open their next connection elsewhere). */
void rl_router_drain(void);

/* Nesting depth of the JSON text (arrays and objects), stopping early once
 * it passes limit. Strings are skipped, so brackets in them do not count. */
int rl_json_depth(const char *text, size_t len, int limit);

#endif
