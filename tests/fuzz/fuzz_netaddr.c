/* Addresses, CIDR lists and X-Forwarded-For: a client address is always
 * the peer or an address the header names after a trusted proxy. */
#include "core/netaddr.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_string(data, size);
  struct rl_netaddr a;
  if (rl_netaddr_parse(&a, s, strlen(s)) == 0) {
    char text[64];
    rl_netaddr_format(text, sizeof text, &a);
    struct rl_netaddr b;
    FUZZ_CHECK(rl_netaddr_parse(&b, text, strlen(text)) == 0);
    FUZZ_CHECK(a.family == b.family && memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0);
  }
  struct rl_cidrs blocks;
  char why[128];
  (void)rl_netaddr_cidrs_parse(&blocks, s, why, sizeof why);
  struct rl_cidrs trusted;
  FUZZ_CHECK(rl_netaddr_cidrs_parse(&trusted, "127.0.0.0/8,10.0.0.0/8,::1", why, sizeof why) == 0);
  struct rl_netaddr peer, client;
  FUZZ_CHECK(rl_netaddr_parse(&peer, "127.0.0.1", 9) == 0);
  rl_netaddr_client(&client, &peer, s, &trusted);
  FUZZ_CHECK(client.family == AF_INET || client.family == AF_INET6);
  free(s);
  return 0;
}
