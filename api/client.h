/* Who is calling: the client's address as the public rate limit counts it. */
#ifndef RL_API_CLIENT_H
#define RL_API_CLIENT_H

#include <ulfius.h>

#include "core/config.h"
#include "core/netaddr.h"

/* The TCP peer, or the client that X-Forwarded-For names when the peer is
 * one of REPAIRD_TRUSTED_PROXIES (see rl_netaddr_client). Header lines of
 * that name are read in the order received, as one list. */
void rl_client_address(struct rl_netaddr *out, const struct _u_request *u,
                       const struct rl_config *cfg);

#endif
