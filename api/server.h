/* Runs the HTTP service until SIGINT or SIGTERM. */
#ifndef RL_API_SERVER_H
#define RL_API_SERVER_H

#include "core/config.h"

/* Serves until a stop signal; then stops accepting, lets requests in flight
 * finish, closes and returns 0. Returns 1 if the service cannot start. */
int rl_serve(const struct rl_config *cfg);

#endif
