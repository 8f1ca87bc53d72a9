/* Every route, its minimum role and its handler. Order does not matter to
 * ulfius here: paths do not overlap. */
#include "api/routes.h"

const struct rl_route rl_routes[] = {
    {"GET", "/healthz", RL_ROLE_NONE, 0, h_healthz},
    {"GET", "/readyz", RL_ROLE_NONE, 0, h_readyz},
    {"GET", "/metrics", RL_ROLE_NONE, 0, h_metrics},
    {"GET", "/openapi.yaml", RL_ROLE_NONE, ROUTE_CORS, h_openapi},

    {"GET", "/api/v1/keys", RL_ROLE_ADMIN, 0, h_keys_list},
    {"POST", "/api/v1/keys", RL_ROLE_ADMIN, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT, h_keys_create},
    {"DELETE", "/api/v1/keys/:id", RL_ROLE_ADMIN, 0, h_keys_revoke},

    {"GET", "/api/v1/categories", RL_ROLE_READER, 0, h_categories_list},
    {"GET", "/api/v1/categories/:slug", RL_ROLE_READER, 0, h_categories_get},
};

const size_t rl_routes_count = sizeof rl_routes / sizeof rl_routes[0];
