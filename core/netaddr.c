/* Addresses, blocks, and the X-Forwarded-For walk behind trusted proxies. */
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void set_v4(struct rl_netaddr *out, const uint8_t *four)
{
  memset(out, 0, sizeof *out);
  out->family = AF_INET;
  memcpy(out->bytes, four, 4);
}

static void set_v6(struct rl_netaddr *out, const uint8_t *sixteen)
{
  if (memcmp(sixteen, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
    set_v4(out, sixteen + 12);
    return;
  }
  memset(out, 0, sizeof *out);
  out->family = AF_INET6;
  memcpy(out->bytes, sixteen, 16);
}

int rl_netaddr_parse(struct rl_netaddr *out, const char *text, size_t len)
{
  char buf[INET6_ADDRSTRLEN];
  if (text == NULL || len == 0 || len >= sizeof buf)
    return RL_EINVALID;
  memcpy(buf, text, len);
  buf[len] = '\0';
  uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) {
    set_v4(out, raw);
    return RL_OK;
  }
  if (inet_pton(AF_INET6, buf, raw) == 1) {
    set_v6(out, raw);
    return RL_OK;
  }
  return RL_EINVALID;
}

void rl_netaddr_from_sockaddr(struct rl_netaddr *out, const struct sockaddr *sa)
{
  memset(out, 0, sizeof *out);
  if (sa != NULL && sa->sa_family == AF_INET)
    set_v4(out, (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
  else if (sa != NULL && sa->sa_family == AF_INET6)
    set_v6(out, (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

void rl_netaddr_format(char *out, size_t cap, const struct rl_netaddr *addr)
{
  char buf[INET6_ADDRSTRLEN] = "";
  if (addr->family == AF_INET || addr->family == AF_INET6)
    inet_ntop(addr->family, addr->bytes, buf, sizeof buf);
  snprintf(out, cap, "%s", buf[0] ? buf : "unknown");
}

static int in_block(const struct rl_cidr *b, const struct rl_netaddr *a)
{
  if (a->family != b->net.family)
    return 0;
  unsigned whole = b->bits / 8, rest = b->bits % 8;
  if (memcmp(a->bytes, b->net.bytes, whole) != 0)
    return 0;
  if (rest == 0)
    return 1;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (a->bytes[whole] & mask) == b->net.bytes[whole];
}

int rl_netaddr_cidrs_match(const struct rl_cidrs *blocks, const struct rl_netaddr *addr)
{
  for (size_t i = 0; blocks != NULL && i < blocks->n; i++)
    if (in_block(&blocks->items[i], addr))
      return 1;
  return 0;
}

/* Whether the bits of a past its first `bits` are all zero. */
static int host_bits_clear(const struct rl_netaddr *a, unsigned bits)
{
  unsigned size = a->family == AF_INET ? 4 : 16;
  for (unsigned i = bits / 8; i < size; i++) {
    unsigned keep = i == bits / 8 ? bits % 8 : 0;
    uint8_t host = (uint8_t)(0xff >> keep);
    if (a->bytes[i] & host)
      return 0;
  }
  return 1;
}

static int bad_entry(char *why, size_t cap, const char *entry, size_t len, const char *reason)
{
  snprintf(why, cap, "\"%.*s\" %s", (int)(len > 40 ? 40 : len), entry, reason);
  return RL_EINVALID;
}

/* One block of len bytes, spaces trimmed. */
static int parse_block(struct rl_cidr *out, const char *s, size_t len, char *why, size_t cap)
{
  const char *slash = memchr(s, '/', len);
  size_t alen = slash ? (size_t)(slash - s) : len;
  if (rl_netaddr_parse(&out->net, s, alen) != RL_OK)
    return bad_entry(why, cap, s, len, "is not an IPv4 or IPv6 address or block");
  /* An IPv4-mapped block is held as the IPv4 block it covers. */
  int mapped = out->net.family == AF_INET && memchr(s, ':', alen) != NULL;
  unsigned max = out->net.family == AF_INET ? 32 : 128;
  unsigned bits = max;
  if (slash) {
    const char *d = slash + 1, *end = s + len;
    if (d == end || end - d > 3)
      return bad_entry(why, cap, s, len, "has no prefix length after /");
    bits = 0;
    for (; d < end; d++) {
      if (*d < '0' || *d > '9')
        return bad_entry(why, cap, s, len, "has no prefix length after /");
      bits = bits * 10 + (unsigned)(*d - '0');
    }
    if (mapped) {
      if (bits < 96 || bits > 128)
        return bad_entry(why, cap, s, len, "is an IPv4-mapped block shorter than /96");
      bits -= 96;
    } else if (bits > max) {
      return bad_entry(why, cap, s, len,
                       max == 32 ? "has a prefix longer than /32"
                                 : "has a prefix longer than /128");
    }
  }
  if (!host_bits_clear(&out->net, bits))
    return bad_entry(why, cap, s, len, "has bits set past its prefix length");
  out->bits = bits;
  return RL_OK;
}

static int is_space(char c)
{
  return c == ' ' || c == '\t';
}

int rl_netaddr_cidrs_parse(struct rl_cidrs *out, const char *text, char *why, size_t cap)
{
  memset(out, 0, sizeof *out);
  const char *p = text ? text : "";
  while (is_space(*p))
    p++;
  if (*p == '\0')
    return RL_OK;
  for (;;) {
    size_t n = strcspn(p, ",");
    const char *end = p + n;
    const char *s = p;
    while (s < end && is_space(*s))
      s++;
    const char *e = end;
    while (e > s && is_space(e[-1]))
      e--;
    if (e == s) {
      snprintf(why, cap, "has an empty entry (two commas, or one at an end)");
      return RL_EINVALID;
    }
    if (out->n == RL_CIDRS_MAX) {
      snprintf(why, cap, "has more than %d entries", RL_CIDRS_MAX);
      return RL_EINVALID;
    }
    if (parse_block(&out->items[out->n], s, (size_t)(e - s), why, cap) != RL_OK)
      return RL_EINVALID;
    out->n++;
    if (*end == '\0')
      return RL_OK;
    p = end + 1;
  }
}

/* Whether s[0..len) is 1 to 5 decimal digits. */
static int is_port(const char *s, size_t len)
{
  if (len == 0 || len > 5)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

/* One X-Forwarded-For entry, spaces trimmed, with its optional port. */
static int parse_forwarded(struct rl_netaddr *out, const char *s, size_t len)
{
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (close == NULL)
      return RL_EINVALID;
    size_t after = len - (size_t)(close + 1 - s);
    if (after != 0 && !(close[1] == ':' && is_port(close + 2, after - 1)))
      return RL_EINVALID;
    if (rl_netaddr_parse(out, s + 1, (size_t)(close - s - 1)) != RL_OK || out->family != AF_INET6)
      return RL_EINVALID;
    return RL_OK;
  }
  const char *colon = memchr(s, ':', len);
  if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) == NULL) {
    /* One colon: an IPv4 address and its port. */
    if (!is_port(colon + 1, len - (size_t)(colon + 1 - s)))
      return RL_EINVALID;
    if (rl_netaddr_parse(out, s, (size_t)(colon - s)) != RL_OK || out->family != AF_INET)
      return RL_EINVALID;
    return RL_OK;
  }
  return rl_netaddr_parse(out, s, len);
}

void rl_netaddr_client(struct rl_netaddr *out, const struct rl_netaddr *peer, const char *xff,
                       const struct rl_cidrs *trusted)
{
  *out = *peer;
  if (xff == NULL || !rl_netaddr_cidrs_match(trusted, peer))
    return;
  struct rl_netaddr hop;
  const char *end = xff + strlen(xff);
  for (;;) {
    const char *start = end;
    while (start > xff && start[-1] != ',')
      start--;
    const char *s = start, *e = end;
    while (s < e && is_space(*s))
      s++;
    while (e > s && is_space(e[-1]))
      e--;
    if (parse_forwarded(&hop, s, (size_t)(e - s)) != RL_OK)
      return; /* *out is still the peer */
    if (!rl_netaddr_cidrs_match(trusted, &hop) || start == xff) {
      *out = hop;
      return;
    }
    end = start - 1;
  }
}
