/* Idempotency-Key on the POST routes that honour it. */
#ifndef RL_API_IDEMPOTENCY_H
#define RL_API_IDEMPOTENCY_H

#include "api/http.h"

/* Runs the route's handler under the Idempotency-Key rules for key (the
 * header's value): a replay gets the stored reply, the same key with another
 * request 422, a key in flight 409; the reply is stored in the same
 * transaction as the handler's work. */
void rl_idempotent_run(struct rl_req *req, struct _u_response *res, const char *key);

#endif
