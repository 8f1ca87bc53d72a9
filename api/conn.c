/* The raw header lines of a request, read on its libmicrohttpd connection
 * (api/conn.h). */
#include "api/conn.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "api/problem.h"

static _Thread_local struct MHD_Connection *tl_current;
static _Thread_local const char *tl_method, *tl_version;

void rl_conn_set_current(struct MHD_Connection *con, const char *method, const char *version)
{
  tl_current = con;
  tl_method = method;
  tl_version = version;
}

struct check {
  int bad;
  const char *why; /* what the first bad header is not */
  const char *key; /* the first bad header's name, and its length */
  size_t key_len;
  const char *prev_key; /* the line before, and where its value ends */
  size_t prev_key_len;
  const char *prev_end;
  const char *lo, *hi; /* the header block in the read buffer; NULL if unknown */
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

/* libmicrohttpd 0.9.75 reads header lines as C strings, in place in its
 * read buffer: the colon and the line ends (CR, LF) become NULs, and a
 * value ends at its first NUL. A NUL sent inside a line leaves the rest of
 * that line out, silently ("If-Match: \"3\"\0x" reads as "\"3\""). What lies
 * between one line's value and the next line's name is then more than its
 * line end. So each line must lie in the request's header block [lo, hi)
 * (a line folded onto the one before is moved out of it: RFC 9112 §5.2
 * lets a server refuse those), its name, colon, spaces and value side by
 * side, and the bytes from a value's end to the next name 1 or 2 NULs (LF
 * or CRLF), up to 4 after the last line (its end and the empty line's);
 * the first line follows the request line's end the same way (a line
 * beginning with a NUL would otherwise end the block early, unseen). The
 * error names the line at or just before the fault. One NUL this cannot
 * see: one just before a bare LF, which reads as the CR of a CRLF. */
static int in_block(const struct check *c, const char *p, size_t n)
{
  /* As integers: p may point elsewhere than the block (a moved line, a
   * static string), where comparing pointers is undefined. */
  uintptr_t at = (uintptr_t)p, lo = (uintptr_t)c->lo, hi = (uintptr_t)c->hi;
  return at >= lo && at < hi && n <= hi - at;
}

static int line_end_ok(const char *end, const char *next, size_t most)
{
  if (next <= end || (size_t)(next - end) > most)
    return 0;
  for (const char *p = end; p < next; p++)
    if (*p != '\0')
      return 0;
  return 1;
}

/* The name ends where its colon was (now a NUL), and the value follows
 * after spaces or tabs. */
static int name_and_value_adjacent(const char *key, size_t key_size, const char *value)
{
  const char *colon = key + key_size;
  if (value <= colon || *colon != '\0')
    return 0;
  for (const char *p = colon + 1; p < value; p++)
    if (*p != ' ' && *p != '\t')
      return 0;
  return 1;
}

static const char *const CUT = "holds a NUL, or goes on over more than one line";

static void bad(struct check *c, const char *key, size_t key_size, const char *why)
{
  c->bad = 1;
  c->key = key;
  c->key_len = key_size;
  c->why = why;
}

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
  (void)kind;
  struct check *c = cls;
  if (value == NULL)
    value = key + key_size + 1;
  if (c->lo != NULL) {
    if (!in_block(c, key, key_size + 1) || !in_block(c, value, value_size + 1) ||
        !name_and_value_adjacent(key, key_size, value)) {
      bad(c, key, key_size, CUT);
      return MHD_NO;
    }
    if (c->prev_end != NULL && !line_end_ok(c->prev_end, key, 2)) {
      bad(c, c->prev_key, c->prev_key_len, CUT);
      return MHD_NO;
    }
  }
  if (!text_ok(key, key_size, 1) || !text_ok(value, value_size, 0))
    bad(c, key, key_size, "is not a header of UTF-8 text without control characters");
  else if (is_condition(key, key_size) && !etag_list_ok(value, value_size))
    bad(c, key, key_size, "is not \"*\" or a list of entity-tags (\"…\" or W/\"…\")");
  else {
    c->prev_key = key;
    c->prev_key_len = key_size;
    c->prev_end = value + value_size;
    return MHD_YES;
  }
  return MHD_NO;
}

int rl_conn_check_headers(char *name, size_t cap, const char **why)
{
  if (tl_current == NULL)
    return 0;
  struct check c;
  memset(&c, 0, sizeof c);
  /* The header block: header_size bytes from the method's first byte. */
  const union MHD_ConnectionInfo *ci =
      tl_method ? MHD_get_connection_info(tl_current, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE)
                : NULL;
  if (ci != NULL) {
    c.lo = tl_method;
    c.hi = tl_method + ci->header_size;
    /* The request line's end, as if it were the value of a line before
     * the first: its version, in place after the target. */
    size_t vlen = tl_version ? strlen(tl_version) : 0;
    if (tl_version != NULL && in_block(&c, tl_version, vlen + 1)) {
      c.prev_end = tl_version + vlen;
      c.prev_key = "request-line";
      c.prev_key_len = strlen(c.prev_key);
    }
  }
  MHD_get_connection_values_n(tl_current, MHD_HEADER_KIND, on_header, &c);
  if (!c.bad && c.lo != NULL && c.prev_end != NULL && !line_end_ok(c.prev_end, c.hi, 4))
    bad(&c, c.prev_key, c.prev_key_len, CUT);
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

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int is_tchar(unsigned char c)
{
  return c > ' ' && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

/* What the Transfer-Encoding lines of a request list, line by line. */
struct codings {
  unsigned chunked; /* how many times chunked is listed */
  unsigned other;   /* codings other than chunked */
  int last_chunked; /* the last coding listed is chunked */
  int bad;          /* an element is not a transfer coding */
};

static void codings_feed(struct codings *t, const char *v, size_t n)
{
  size_t i = 0;
  while (i < n) {
    while (i < n && (is_ows(v[i]) || v[i] == ','))
      i++; /* RFC 9110 §5.6.1: empty list elements are allowed */
    if (i == n)
      break;
    size_t name = i;
    while (i < n && is_tchar((unsigned char)v[i]))
      i++;
    size_t name_len = i - name;
    while (i < n && is_ows(v[i]))
      i++;
    /* Then the end of the element, or parameters (";" …) up to the next
     * comma. A comma inside a quoted parameter value is not looked for:
     * such a coding is one this server does not know either way. */
    int params = i < n && v[i] == ';';
    int ok = name_len > 0 && (i == n || v[i] == ',' || params);
    while (i < n && v[i] != ',')
      i++;
    int chunked = name_len == 7 && strncasecmp(v + name, "chunked", 7) == 0;
    if (!ok || (chunked && params)) /* RFC 9112 §7: chunked takes no parameters */
      t->bad = 1;
    if (chunked)
      t->chunked++;
    else
      t->other++;
    t->last_chunked = chunked;
  }
}

static int codings_verdict(const struct codings *t, const char **why)
{
  if (t->bad || t->chunked + t->other == 0) {
    *why = "Transfer-Encoding is not a list of transfer codings";
    return API_EFRAMING;
  }
  if (t->chunked > 1) {
    *why = "Transfer-Encoding lists chunked more than once";
    return API_EFRAMING;
  }
  if (t->chunked == 1 && !t->last_chunked) {
    *why = "Transfer-Encoding must end with chunked, or the body's end cannot be found";
    return API_EFRAMING;
  }
  if (t->other > 0) {
    *why = "this server reads request bodies sent with Content-Length, or with "
           "Transfer-Encoding: chunked alone";
    return API_ECODING;
  }
  return 0;
}

/* libmicrohttpd 0.9.75 reads the first Transfer-Encoding line only, and
 * decodes chunked only when that line is "chunked" exactly (any case, no
 * space after it); it reads any other body until the connection closes.
 * A list the RFC reads as chunked but it does not (", chunked",
 * "chunked ", a second line) would be framed one way here and another by
 * a proxy in front: refused too. */
static int exactly_chunked(const char *v, size_t n)
{
  return n == 7 && strncasecmp(v, "chunked", 7) == 0;
}

static const char *const NOT_EXACT =
    "send Transfer-Encoding: chunked, on one line with nothing else in it";

int rl_transfer_coding_verdict(const char *value, size_t n, const char **why)
{
  struct codings t = {0, 0, 0, 0};
  codings_feed(&t, value, n);
  int rc = codings_verdict(&t, why);
  if (rc == 0 && !exactly_chunked(value, n)) {
    *why = NOT_EXACT;
    rc = API_EFRAMING;
  }
  return rc;
}

struct framing {
  struct codings te; /* every Transfer-Encoding line */
  unsigned te_lines;
  int te_exact;       /* the first line is "chunked" exactly */
  const char *length; /* the first Content-Length line, trimmed */
  size_t length_len;
  int lengths_differ; /* a later Content-Length line says otherwise */
  unsigned expect_lines;
  int expect_other; /* an expectation other than 100-continue */
  int bad_name;     /* a header name that is not a token ("Content-Length :") */
};

static void trim(const char **v, size_t *n)
{
  while (*n > 0 && is_ows(**v)) {
    (*v)++;
    (*n)--;
  }
  while (*n > 0 && is_ows((*v)[*n - 1]))
    (*n)--;
}

/* Values come as libmicrohttpd reads them: the spaces after the colon
 * left out, those at the end kept. */
static enum MHD_Result on_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
  (void)kind;
  struct framing *f = cls;
  if (value == NULL) {
    value = "";
    value_size = 0;
  }
  for (size_t i = 0; i < key_size; i++)
    if (!is_tchar((unsigned char)key[i]))
      f->bad_name = 1;
  const char *trimmed = value;
  size_t trimmed_len = value_size;
  trim(&trimmed, &trimmed_len);
  if (key_size == 17 && strncasecmp(key, "Transfer-Encoding", 17) == 0) {
    if (f->te_lines++ == 0)
      f->te_exact = exactly_chunked(value, value_size);
    codings_feed(&f->te, value, value_size);
  } else if (key_size == 14 && strncasecmp(key, "Content-Length", 14) == 0) {
    if (f->length == NULL) {
      f->length = trimmed;
      f->length_len = trimmed_len;
    } else if (trimmed_len != f->length_len || memcmp(trimmed, f->length, trimmed_len) != 0) {
      f->lengths_differ = 1;
    }
  } else if (key_size == 6 && strncasecmp(key, "Expect", 6) == 0 && trimmed_len > 0) {
    /* An empty list is no expectation (RFC 9110 §5.6.1); libmicrohttpd
     * sends 100 Continue for "100-continue" exactly, so nothing else is
     * taken for it (the client would wait for a 100 that never comes). */
    f->expect_lines++;
    if (!(value_size == 12 && strncasecmp(value, "100-continue", 12) == 0))
      f->expect_other = 1;
  }
  return MHD_YES;
}

int rl_conn_check_framing(struct MHD_Connection *con, int http10, int *expects_continue,
                          const char **why)
{
  struct framing f;
  memset(&f, 0, sizeof f);
  MHD_get_connection_values_n(con, MHD_HEADER_KIND, on_framing, &f);
  *expects_continue = 0;
  if (f.bad_name) {
    /* RFC 9112 §5.1: "Content-Length : 5" is no Content-Length to
     * libmicrohttpd, and the body would be read as the next request. */
    *why = "a header name holds a space or another character names cannot have";
    return API_EFRAMING;
  }
  if (f.te_lines > 0) {
    if (http10) {
      *why = "an HTTP/1.0 request cannot be sent with Transfer-Encoding";
      return API_EFRAMING;
    }
    if (f.length != NULL) {
      *why = "a request gives Content-Length or Transfer-Encoding, not both";
      return API_EFRAMING;
    }
    int rc = codings_verdict(&f.te, why);
    if (rc != 0)
      return rc;
    if (f.te_lines > 1 || !f.te_exact) {
      *why = NOT_EXACT;
      return API_EFRAMING;
    }
  }
  if (f.lengths_differ) {
    *why = "Content-Length is given more than once, with different values";
    return API_EFRAMING;
  }
  /* RFC 9110 §10.1.1: an HTTP/1.0 client's expectation is ignored. */
  if (f.expect_lines > 0 && !http10) {
    if (f.expect_other || f.expect_lines > 1) {
      *why = "the one expectation this server meets is Expect: 100-continue";
      return API_EEXPECT;
    }
    *expects_continue = 1;
  }
  return 0;
}
