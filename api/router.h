/* Registers the route table with ulfius and runs the steps every request
 * goes through: request id, auth, body checks, idempotency, the handler,
 * then the log line and metrics. */
#ifndef RL_API_ROUTER_H
#define RL_API_ROUTER_H

#include <ulfius.h>

#include "core/config.h"

/* Adds every route and the 404/405 fallback to the instance. cfg must
 * outlive the instance. Returns 0 or -1. */
int rl_router_install(struct _u_instance *instance, const struct rl_config *cfg);

/* From now on every reply says Connection: close (the service is
 * stopping: clients open their next connection elsewhere). */
void rl_router_drain(void);

/* Nesting depth of the JSON text (arrays and objects), stopping early once
 * it passes limit. Strings are skipped, so brackets in them do not count. */
int rl_json_depth(const char *text, size_t len, int limit);

#endif
