/* IP addresses and CIDR blocks, and the client address behind trusted
 * proxies (X-Forwarded-For). Pure functions: no I/O, no HTTP. */
#ifndef RL_CORE_NETADDR_H
#define RL_CORE_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * is held as the IPv4 address, so both spellings of one client match the
 * same blocks and share one rate-limit bucket. */
struct rl_netaddr {
  int family;        /* AF_INET or AF_INET6; 0: unknown */
  uint8_t bytes[16]; /* network order; 4 used for AF_INET */
};

/* An address block: the first `bits` bits of `net` (the rest are zero). */
struct rl_cidr {
  struct rl_netaddr net;
  unsigned bits;
};

#define RL_CIDRS_MAX 32

struct rl_cidrs {
  size_t n;
  struct rl_cidr items[RL_CIDRS_MAX];
};

/* Parses a bare IPv4 or IPv6 address of len bytes (no port, no brackets,
 * no zone). Returns RL_OK or RL_EINVALID. */
int rl_netaddr_parse(struct rl_netaddr *out, const char *text, size_t len);

/* The address of a socket address (AF_INET or AF_INET6); family 0 for
 * anything else or NULL. */
void rl_netaddr_from_sockaddr(struct rl_netaddr *out, const struct sockaddr *sa);

/* Writes the address as text ("192.0.2.1", "2001:db8::1") into out. */
void rl_netaddr_format(char *out, size_t cap, const struct rl_netaddr *addr);

/* Parses a comma-separated list of blocks ("10.0.0.0/8, 2001:db8::/32");
 * an address without /bits is a block of one. Spaces around entries are
 * allowed; "" and a list of spaces are an empty list. A block with bits
 * set past its length, an empty entry or more than RL_CIDRS_MAX entries is
 * refused: RL_EINVALID, with a one-line reason in why (cap bytes). */
int rl_netaddr_cidrs_parse(struct rl_cidrs *out, const char *text, char *why, size_t cap);

/* Whether addr is in one of the blocks (an IPv4 address never matches an
 * IPv6 block, nor the reverse). */
int rl_netaddr_cidrs_match(const struct rl_cidrs *blocks, const struct rl_netaddr *addr);

/* The client's address: the peer itself, unless the peer is in trusted;
 * then X-Forwarded-For (xff, NULL when absent) is read from the right,
 * skipping addresses that are themselves trusted, and the first untrusted
 * one is the client (the leftmost if all are trusted). Entries left of it
 * are the client's own word and are not read. An entry reached on the way
 * that is not an address ("1.2.3.4", "1.2.3.4:port", "2001:db8::1",
 * "[2001:db8::1]" or "[2001:db8::1]:port"), or an empty header, makes the
 * header worthless: the peer is the client. */
void rl_netaddr_client(struct rl_netaddr *out, const struct rl_netaddr *peer, const char *xff,
                       const struct rl_cidrs *trusted);

#endif
