/* The client address behind trusted reverse proxies. */
#include "api/client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rl_client_address(struct rl_netaddr *out, const struct _u_request *u,
                       const struct rl_config *cfg)
{
  struct rl_netaddr peer;
  rl_netaddr_from_sockaddr(&peer, u->client_address);
  if (!rl_netaddr_cidrs_match(&cfg->trusted_proxies, &peer)) {
    *out = peer;
    return;
  }
  /* ulfius joins repeated lines of one spelling with ","; lines spelled
   * with another case are separate keys, in the order they came. */
  const char **keys = u_map_enum_keys(u->map_header);
  const char *only = NULL;
  size_t total = 0, count = 0;
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
    if (strcasecmp(keys[i], "X-Forwarded-For") != 0)
      continue;
    only = u_map_get(u->map_header, keys[i]);
    total += strlen(only) + 1;
    count++;
  }
  if (count <= 1) {
    rl_netaddr_client(out, &peer, only, &cfg->trusted_proxies);
    return;
  }
  char *joined = malloc(total);
  if (joined == NULL) {
    *out = peer;
    return;
  }
  size_t len = 0;
  for (size_t i = 0; keys[i] != NULL; i++) {
    if (strcasecmp(keys[i], "X-Forwarded-For") != 0)
      continue;
    const char *v = u_map_get(u->map_header, keys[i]);
    if (len > 0)
      joined[len++] = ',';
    memcpy(joined + len, v, strlen(v));
    len += strlen(v);
  }
  joined[len] = '\0';
  rl_netaddr_client(out, &peer, joined, &cfg->trusted_proxies);
  free(joined);
}
