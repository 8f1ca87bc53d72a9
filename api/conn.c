/* Requests' connections, per thread (api/conn.h). */
#include "api/conn.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"

/* Open addressing; more connections than this at once on one thread are
 * not checked (the check is skipped, never wrong). */
#define SLOTS 2048

#define KEY_LEN sizeof(struct sockaddr)

struct slot {
  struct MHD_Connection *con;
  unsigned char key[KEY_LEN];
};

static _Thread_local struct slot g_slots[SLOTS];

/* The key of a client address: the first bytes of its struct sockaddr
 * (family, port, then the address), as many as ulfius copies into a
 * request (it keeps sizeof(struct sockaddr) bytes: all of an IPv4 address,
 * the first 8 bytes of an IPv6 one). */
static int key_of(unsigned char key[KEY_LEN], const struct sockaddr *sa)
{
  if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
    return -1;
  memcpy(key, sa, KEY_LEN);
  return 0;
}

static size_t home(const unsigned char key[KEY_LEN])
{
  return (size_t)(rl_fnv1a(RL_FNV_OFFSET, key, KEY_LEN) % SLOTS);
}

static const struct sockaddr *client_of(struct MHD_Connection *con)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return ci ? ci->client_addr : NULL;
}

/* Linear probing with no tombstones: a removal shifts back the entries
 * after it (Knuth's algorithm R), so that an empty slot always ends a
 * probe and the table never fills with dead keys. */
void rl_conn_begin(struct MHD_Connection *con)
{
  unsigned char key[KEY_LEN];
  if (key_of(key, client_of(con)) != 0)
    return;
  size_t h = home(key);
  for (size_t i = 0; i < SLOTS; i++) {
    struct slot *s = &g_slots[(h + i) % SLOTS];
    if (s->con == NULL || memcmp(s->key, key, KEY_LEN) == 0) {
      /* A free slot, or a new connection from a reused address and port. */
      s->con = con;
      memcpy(s->key, key, KEY_LEN);
      return;
    }
  }
}

static size_t find(const unsigned char key[KEY_LEN])
{
  size_t h = home(key);
  for (size_t i = 0; i < SLOTS; i++) {
    size_t at = (h + i) % SLOTS;
    if (g_slots[at].con == NULL)
      return SLOTS;
    if (memcmp(g_slots[at].key, key, KEY_LEN) == 0)
      return at;
  }
  return SLOTS;
}

static void remove_at(size_t i)
{
  g_slots[i].con = NULL;
  for (size_t j = (i + 1) % SLOTS; g_slots[j].con != NULL; j = (j + 1) % SLOTS) {
    size_t k = home(g_slots[j].key);
    /* It stays when its home lies cyclically in (i, j]. */
    int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays)
      continue;
    g_slots[i] = g_slots[j];
    g_slots[j].con = NULL;
    i = j;
  }
}

void rl_conn_end(struct MHD_Connection *con)
{
  unsigned char key[KEY_LEN];
  if (key_of(key, client_of(con)) != 0)
    return;
  size_t at = find(key);
  if (at < SLOTS && g_slots[at].con == con)
    remove_at(at);
}

struct check {
  int bad;
  const char *why; /* what the first bad header is not */
  const char *key; /* the first bad header's name, and its length */
  size_t key_len;
};

static int text_ok(const char *s, size_t n, int is_name)
{
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if (is_name) {
      /* RFC 9110 token characters. */
      if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
        return 0;
      i++;
      continue;
    }
    if (c < 0x80) {
      if ((c < ' ' && c != '\t') || c == 0x7f)
        return 0;
      i++;
      continue;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + len > n)
      return 0;
    uint32_t cp = c & (0x7fU >> len);
    for (size_t k = 1; k < len; k++) {
      unsigned char d = (unsigned char)s[i + k];
      if ((d & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (d & 0x3fU);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
      return 0;
    i += len;
  }
  return 1;
}

/* RFC 9110 §13.1.1–2: "*" or a list of entity-tags ([W/]"…", etagc being
 * any visible character but '"', or obs-text), empty elements allowed. A
 * condition the server cannot read must not pass as no condition. */
static int etag_list_ok(const char *s, size_t n)
{
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i < n && s[i] == '*') {
    for (i++; i < n; i++)
      if (s[i] != ' ' && s[i] != '\t')
        return 0;
    return 1;
  }
  int tags = 0;
  while (i < n) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
      i++;
      continue;
    }
    if (n - i >= 2 && s[i] == 'W' && s[i + 1] == '/')
      i += 2;
    if (i >= n || s[i] != '"')
      return 0;
    for (i++; i < n && s[i] != '"'; i++)
      if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
        return 0;
    if (i >= n)
      return 0;
    i++; /* the closing quote: then only OWS up to a comma or the end */
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i < n && s[i] != ',')
      return 0;
    tags++;
  }
  return tags > 0;
}

static int is_condition(const char *key, size_t n)
{
  return (n == 8 && strncasecmp(key, "If-Match", n) == 0) ||
         (n == 13 && strncasecmp(key, "If-None-Match", n) == 0);
}

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
  (void)kind;
  struct check *c = cls;
  if (!text_ok(key, key_size, 1) || (value != NULL && !text_ok(value, value_size, 0)))
    c->why = "is not a header of UTF-8 text without control characters";
  else if (value != NULL && is_condition(key, key_size) && !etag_list_ok(value, value_size))
    c->why = "is not \"*\" or a list of entity-tags (\"…\" or W/\"…\")";
  else
    return MHD_YES;
  c->bad = 1;
  c->key = key;
  c->key_len = key_size;
  return MHD_NO;
}

int rl_conn_check_headers(const struct sockaddr *client, char *name, size_t cap, const char **why)
{
  unsigned char key[KEY_LEN];
  if (key_of(key, client) != 0)
    return 0;
  size_t at = find(key);
  if (at == SLOTS)
    return 0;
  struct check c = {0, NULL, NULL, 0};
  MHD_get_connection_values_n(g_slots[at].con, MHD_HEADER_KIND, on_header, &c);
  if (!c.bad)
    return 0;
  size_t o = 0;
  for (size_t i = 0; i < c.key_len && o + 1 < cap; i++) {
    unsigned char ch = (unsigned char)c.key[i];
    name[o++] = c.key[i];
    if (ch <= ' ' || ch >= 0x7f)
      name[o - 1] = '?';
  }
  name[o] = '\0';
  *why = c.why;
  return -1;
}
