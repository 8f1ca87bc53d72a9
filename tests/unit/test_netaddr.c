/* Addresses, CIDR blocks and the X-Forwarded-For walk behind trusted
 * proxies: a client must never choose its own rate-limit bucket. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/netaddr.h"

static struct rl_netaddr ip(const char *text)
{
  struct rl_netaddr a;
  cr_assert_eq(rl_netaddr_parse(&a, text, strlen(text)), RL_OK, "%s does not parse", text);
  return a;
}

static const char *fmt(const struct rl_netaddr *a)
{
  static char buf[64];
  rl_netaddr_format(buf, sizeof buf, a);
  return buf;
}

static struct rl_cidrs blocks(const char *text)
{
  struct rl_cidrs b;
  char why[128] = "";
  cr_assert_eq(rl_netaddr_cidrs_parse(&b, text, why, sizeof why), RL_OK, "%s: %s", text, why);
  return b;
}

static void expect_bad_list(const char *text, const char *reason)
{
  struct rl_cidrs b;
  char why[128] = "";
  cr_assert_eq(rl_netaddr_cidrs_parse(&b, text, why, sizeof why), RL_EINVALID, "%s accepted", text);
  cr_assert_not_null(strstr(why, reason), "%s: reason \"%s\" lacks \"%s\"", text, why, reason);
  cr_assert_null(strchr(why, '\n'));
}

static int in(const char *list, const char *addr)
{
  struct rl_cidrs b = blocks(list);
  struct rl_netaddr a = ip(addr);
  return rl_netaddr_cidrs_match(&b, &a);
}

Test(netaddr, addresses_parse_and_print)
{
  struct rl_netaddr a = ip("192.0.2.1");
  cr_assert_eq(a.family, AF_INET);
  cr_assert_str_eq(fmt(&a), "192.0.2.1");
  a = ip("2001:DB8:0:0::1");
  cr_assert_eq(a.family, AF_INET6);
  cr_assert_str_eq(fmt(&a), "2001:db8::1");
  /* An IPv4-mapped address is the IPv4 client it maps. */
  a = ip("::ffff:192.0.2.1");
  cr_assert_eq(a.family, AF_INET);
  cr_assert_str_eq(fmt(&a), "192.0.2.1");
  const char *bad[] = {"",    "1.2.3",        "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
                       "::g", "fe80::1%eth0", "[::1]",     "unknown",   "1.2.3.4/8"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct rl_netaddr x;
    cr_assert_eq(rl_netaddr_parse(&x, bad[i], strlen(bad[i])), RL_EINVALID, "\"%s\" parsed",
                 bad[i]);
  }
}

Test(netaddr, block_lists_parse)
{
  struct rl_cidrs b = blocks("");
  cr_assert_eq(b.n, 0);
  b = blocks("   ");
  cr_assert_eq(b.n, 0);
  b = blocks(" 127.0.0.1/32 ,10.0.0.0/8,\t2001:db8::/32, ::1 , 0.0.0.0/0");
  cr_assert_eq(b.n, 5);
  cr_assert_eq(b.items[0].bits, 32);
  cr_assert_eq(b.items[1].bits, 8);
  cr_assert_eq(b.items[2].bits, 32);
  cr_assert_eq(b.items[2].net.family, AF_INET6);
  cr_assert_eq(b.items[3].bits, 128, "a bare address is a block of one");
  cr_assert_eq(b.items[4].bits, 0);
  /* An IPv4-mapped block is the IPv4 block it covers. */
  b = blocks("::ffff:10.0.0.0/104");
  cr_assert_eq(b.items[0].net.family, AF_INET);
  cr_assert_eq(b.items[0].bits, 8);
}

Test(netaddr, bad_block_lists_are_refused_with_a_reason)
{
  expect_bad_list("10.0.0.0/33", "longer than /32");
  expect_bad_list("::/129", "longer than /128");
  expect_bad_list("10.0.0.1/8", "bits set past");
  expect_bad_list("2001:db8::1/32", "bits set past");
  expect_bad_list("10.0.0.0/", "no prefix length");
  expect_bad_list("10.0.0.0/8a", "no prefix length");
  expect_bad_list("10.0.0.0/-8", "no prefix length");
  expect_bad_list("10.0.0.0/0008", "no prefix length");
  expect_bad_list("10.0.0.0 /8", "not an IPv4 or IPv6");
  expect_bad_list("localhost", "\"localhost\" is not");
  expect_bad_list("10.0.0.0/8,,::1", "empty entry");
  expect_bad_list("10.0.0.0/8,", "empty entry");
  expect_bad_list(",10.0.0.0/8", "empty entry");
  expect_bad_list("::ffff:10.0.0.0/64", "IPv4-mapped");
  char many[1024] = "";
  for (int i = 0; i <= RL_CIDRS_MAX; i++)
    snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.%d.0/24", i ? "," : "", i);
  expect_bad_list(many, "more than");
}

Test(netaddr, blocks_match_their_addresses_only)
{
  cr_assert(in("10.0.0.0/8", "10.255.1.2"));
  cr_assert_not(in("10.0.0.0/8", "11.0.0.1"));
  cr_assert(in("192.168.0.0/23", "192.168.1.255"));
  cr_assert_not(in("192.168.0.0/23", "192.168.2.0"));
  cr_assert(in("127.0.0.1/32", "127.0.0.1"));
  cr_assert_not(in("127.0.0.1/32", "127.0.0.2"));
  cr_assert(in("0.0.0.0/0", "203.0.113.9"));
  cr_assert_not(in("0.0.0.0/0", "2001:db8::1"), "an IPv4 block never holds an IPv6 address");
  cr_assert_not(in("::/0", "192.0.2.1"), "nor the reverse");
  cr_assert(in("2001:db8::/32", "2001:db8:ffff::1"));
  cr_assert_not(in("2001:db8::/32", "2001:db9::1"));
  cr_assert(in("::1", "::1"));
  cr_assert(in("10.0.0.0/8", "::ffff:10.1.2.3"), "a mapped peer matches its IPv4 block");
  struct rl_cidrs none = blocks("");
  struct rl_netaddr a = ip("127.0.0.1");
  cr_assert_not(rl_netaddr_cidrs_match(&none, &a));
}

/* The client rl_netaddr_client finds for this peer and header. */
static const char *client(const char *trusted, const char *peer, const char *xff)
{
  struct rl_cidrs t = blocks(trusted);
  struct rl_netaddr p = ip(peer), out;
  rl_netaddr_client(&out, &p, xff, &t);
  return fmt(&out);
}

Test(netaddr, untrusted_peer_header_is_ignored)
{
  cr_assert_str_eq(client("", "198.51.100.7", "203.0.113.1"), "198.51.100.7");
  cr_assert_str_eq(client("10.0.0.0/8", "198.51.100.7", "203.0.113.1"), "198.51.100.7");
  cr_assert_str_eq(client("10.0.0.0/8", "198.51.100.7", "10.0.0.1"), "198.51.100.7");
}

Test(netaddr, trusted_peer_gives_the_first_untrusted_from_the_right)
{
  const char *t = "127.0.0.1/32, 10.0.0.0/8, fd00::/8";
  cr_assert_str_eq(client(t, "127.0.0.1", "203.0.113.1"), "203.0.113.1");
  /* The client wrote the left part itself: only the rightmost untrusted
   * entry counts. */
  cr_assert_str_eq(client(t, "127.0.0.1", "6.6.6.6, 203.0.113.1"), "203.0.113.1");
  cr_assert_str_eq(client(t, "127.0.0.1", "6.6.6.6,203.0.113.1, 10.0.0.5,10.9.9.9"), "203.0.113.1");
  cr_assert_str_eq(client(t, "10.1.1.1", " 2001:db8::7 , fd00::1"), "2001:db8::7");
  /* Ports and brackets, as some proxies write them. */
  cr_assert_str_eq(client(t, "127.0.0.1", "203.0.113.1:53211"), "203.0.113.1");
  cr_assert_str_eq(client(t, "127.0.0.1", "[2001:db8::7]:443"), "2001:db8::7");
  cr_assert_str_eq(client(t, "127.0.0.1", "[2001:db8::7]"), "2001:db8::7");
  cr_assert_str_eq(client(t, "127.0.0.1", "::ffff:203.0.113.1"), "203.0.113.1");
  /* Every hop trusted: the leftmost is the client. */
  cr_assert_str_eq(client(t, "127.0.0.1", "10.0.0.9, 10.0.0.5"), "10.0.0.9");
  /* Left of the client, anything goes: it is not read. */
  cr_assert_str_eq(client(t, "127.0.0.1", "garbage, 203.0.113.1"), "203.0.113.1");
}

Test(netaddr, malformed_entry_on_the_way_means_the_peer)
{
  const char *t = "127.0.0.1/32, 10.0.0.0/8";
  const char *bad[] = {"",
                       " ",
                       "unknown",
                       "203.0.113.1,",
                       "203.0.113.1, ,10.0.0.1",
                       "203.0.113.1:port",
                       "203.0.113.1:123456",
                       "[203.0.113.1]",
                       "[2001:db8::1]x",
                       "[2001:db8::1",
                       "2001:db8::1:443x",
                       "203.0.113.1 10.0.0.1",
                       "_hidden, 10.0.0.1",
                       "for=203.0.113.1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_str_eq(client(t, "127.0.0.1", bad[i]), "127.0.0.1", "X-Forwarded-For: \"%s\"",
                     bad[i]);
  cr_assert_str_eq(client(t, "127.0.0.1", NULL), "127.0.0.1", "no header");
}
