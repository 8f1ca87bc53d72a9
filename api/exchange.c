/* The daemon's access handler (api/exchange.h). */
#include "api/exchange.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ulfius.h>

#include "api/conn.h"
#include "api/router.h"

struct exchange {
  struct _u_request u;         /* what the router and the handlers read */
  int started;                 /* the first call (header lines in, no body yet) is past */
  size_t body_cap;             /* bytes allocated at u.binary_body */
  unsigned long long length;   /* Content-Length, or ULLONG_MAX for none (chunked) */
  unsigned long long received; /* body bytes come so far, kept or not */
};

/* Bytes of a body kept: one more than REPAIRD_MAX_BODY, so that the router
 * can tell a body too large from one that fits; the rest is read and
 * dropped. */
static size_t g_keep;

void rl_exchange_init(const struct rl_config *cfg) { g_keep = cfg->max_body + 1; }

void *rl_exchange_begin(const char *uri)
{
  struct exchange *x = calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  if (ulfius_init_request(&x->u) != U_OK) {
    free(x);
    return NULL;
  }
  const char *q = strchr(uri, '?');
  x->u.http_url = o_strdup(uri);
  x->u.url_path = q ? o_strndup(uri, (size_t)(q - uri)) : o_strdup(uri);
  if (x->u.http_url == NULL || x->u.url_path == NULL) {
    ulfius_clean_request(&x->u);
    free(x);
    return NULL;
  }
  return x;
}

void rl_exchange_end(void **con_cls)
{
  struct exchange *x = *con_cls;
  if (x == NULL)
    return;
  ulfius_clean_request(&x->u);
  free(x);
  *con_cls = NULL;
}

/* Header lines and query parameters into a map, as ulfius fills its own:
 * lines of one spelling joined with ",", a parameter without "=" as "".
 * Raw lines that are not text are refused by the router
 * (rl_conn_check_headers) before any handler reads the map. */
static enum MHD_Result fill(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  struct _u_map *map = cls;
  if (value == NULL)
    value = "";
  /* RFC 9110 §5.5: the spaces around a field value are not part of it;
   * libmicrohttpd leaves out those before it only. */
  int len = (int)strlen(value);
  while (kind == MHD_HEADER_KIND && len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
    len--;
  const char *had = u_map_get(map, key);
  if (had == NULL && value[len] == '\0')
    return u_map_put(map, key, value) == U_OK ? MHD_YES : MHD_NO;
  size_t n = (had ? strlen(had) + 1 : 0) + (size_t)len + 1;
  char *joined = malloc(n);
  if (joined == NULL)
    return MHD_NO;
  if (had)
    snprintf(joined, n, "%s,%.*s", had, len, value);
  else
    snprintf(joined, n, "%.*s", len, value);
  int rc = u_map_put(map, key, joined);
  free(joined);
  return rc == U_OK ? MHD_YES : MHD_NO;
}

/* The request line and header lines, once they are all in. */
static int read_head(struct exchange *x, struct MHD_Connection *con, const char *method,
                     const char *version)
{
  x->u.http_verb = o_strdup(method);
  x->u.http_protocol = o_strdup(version);
  /* The whole address (ulfius kept sizeof(struct sockaddr) bytes: half of
   * an IPv6 address). */
  x->u.client_address = o_malloc(sizeof(struct sockaddr_storage));
  if (x->u.http_verb == NULL || x->u.http_protocol == NULL || x->u.client_address == NULL)
    return -1;
  memset(x->u.client_address, 0, sizeof(struct sockaddr_storage));
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci != NULL && ci->client_addr != NULL) {
    size_t len = ci->client_addr->sa_family == AF_INET6  ? sizeof(struct sockaddr_in6)
                 : ci->client_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
                                                         : sizeof(struct sockaddr);
    memcpy(x->u.client_address, ci->client_addr, len);
  }
  MHD_get_connection_values(con, MHD_HEADER_KIND, fill, x->u.map_header);
  MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, fill, x->u.map_url);
  const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
  x->length = cl ? strtoull(cl, NULL, 10) : ULLONG_MAX;
  return 0;
}

/* Whether the client has closed its side and nothing is left to read.
 * libmicrohttpd 0.9.75 reads once per readiness of its edge-triggered
 * epoll: an end of stream that came with a request's last bytes is not
 * seen until the connection times out (30 s). */
static int client_gone(struct MHD_Connection *con)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
  char b;
  return ci != NULL && recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static int keep_body(struct exchange *x, const char *data, size_t n)
{
  size_t len = x->u.binary_body_length;
  if (len >= g_keep)
    return 0;
  if (n > g_keep - len)
    n = g_keep - len;
  if (len + n > x->body_cap) {
    size_t cap = x->body_cap ? x->body_cap : 4096;
    while (cap < len + n)
      cap *= 2;
    if (cap > g_keep)
      cap = g_keep;
    void *grown = o_realloc(x->u.binary_body, cap);
    if (grown == NULL)
      return -1;
    x->u.binary_body = grown;
    x->body_cap = cap;
  }
  memcpy((char *)x->u.binary_body + len, data, n);
  x->u.binary_body_length = len + n;
  return 0;
}

/* ulfius's response as libmicrohttpd's: the body handed over, not copied.
 * NULL when out of memory. */
static struct MHD_Response *to_mhd(struct _u_response *res)
{
  struct MHD_Response *r;
  if (res->stream_callback != NULL) {
    r = MHD_create_response_from_callback(res->stream_size, res->stream_block_size,
                                          res->stream_callback, res->stream_user_data,
                                          res->stream_callback_free);
    if (r == NULL && res->stream_callback_free != NULL)
      res->stream_callback_free(res->stream_user_data);
  } else if (res->binary_body_length > 0) {
    r = MHD_create_response_from_buffer_with_free_callback(res->binary_body_length,
                                                           res->binary_body, o_free);
    if (r != NULL) {
      res->binary_body = NULL;
      res->binary_body_length = 0;
    }
  } else {
    r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  }
  if (r == NULL)
    return NULL;
  /* A header libmicrohttpd refuses (a line break in it) is left out, as
   * ulfius did, rather than the whole reply. */
  const char **keys = u_map_enum_keys(res->map_header);
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    (void)MHD_add_response_header(r, keys[i], u_map_get(res->map_header, keys[i]));
  return r;
}

enum run { RUN_WHOLE, RUN_BEFORE_BODY, RUN_REFUSE };

/* Runs the router on the request and queues its reply; for RUN_BEFORE_BODY
 * only a refusal (else the client gets 100 Continue and sends its body). */
static enum MHD_Result answer(struct exchange *x, struct MHD_Connection *con, const char *method,
                              const char *version, enum run run, int code, const char *why)
{
  struct _u_response res;
  if (ulfius_init_response(&res) != U_OK)
    return MHD_NO;
  int reply = 1;
  rl_conn_set_current(con, method, version);
  if (run == RUN_WHOLE)
    rl_router_handle(&x->u, &res);
  else if (run == RUN_BEFORE_BODY)
    reply = rl_router_before_body(&x->u, &res);
  else
    rl_router_refuse(&x->u, &res, code, why);
  rl_conn_set_current(NULL, NULL, NULL);
  enum MHD_Result rc = MHD_YES;
  if (reply) {
    struct MHD_Response *r = to_mhd(&res);
    rc = r != NULL ? MHD_queue_response(con, (unsigned)res.status, r) : MHD_NO;
    if (r != NULL)
      MHD_destroy_response(r);
  }
  ulfius_clean_response(&res);
  return rc;
}

enum MHD_Result rl_exchange_access(void *cls, struct MHD_Connection *con, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
  (void)cls;
  (void)url; /* decoded: the router reads the target as sent (u.url_path) */
  struct exchange *x = *con_cls;
  if (x == NULL)
    return MHD_NO;
  if (!x->started) {
    /* The header lines are in, the body (if any) not yet. A reply queued
     * now goes out without the body being read, and the connection is
     * closed after it. */
    x->started = 1;
    if (read_head(x, con, method, version) != 0)
      return MHD_NO;
    int waits = 0;
    const char *why = NULL;
    int code = rl_conn_check_framing(con, strcmp(version, MHD_HTTP_VERSION_1_0) == 0, &waits, &why);
    if (code != 0)
      return answer(x, con, method, version, RUN_REFUSE, code, why);
    if (waits)
      return answer(x, con, method, version, RUN_BEFORE_BODY, 0, NULL);
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    x->received += *upload_data_size;
    if (keep_body(x, upload_data, *upload_data_size) != 0)
      return MHD_NO;
    *upload_data_size = 0;
    /* A body short of its length whose client has gone will never be
     * whole: the request ends now, not at the timeout (MHD_NO closes the
     * connection). A client that half-closes after a whole body still
     * gets its reply. */
    if (x->length != ULLONG_MAX && x->received < x->length && client_gone(con))
      return MHD_NO;
    return MHD_YES;
  }
  return answer(x, con, method, version, RUN_WHOLE, 0, NULL);
}
