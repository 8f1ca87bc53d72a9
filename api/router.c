/* The request pipeline around every handler. */
#include "api/router.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/client.h"
#include "api/conn.h"
#include "api/http.h"
#include "api/idempotency.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/public.h"
#include "api/ratelimit.h"
#include "api/routes.h"
#include "core/apikey.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "core/read_log.h"

#define MAX_JSON_DEPTH 32

static const struct rl_config *g_cfg;

int rl_json_depth(const char *text, size_t len, int limit)
{
  int depth = 0, max = 0, in_string = 0;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > max) {
        max = depth;
        if (max > limit)
          return max;
      }
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return max;
}

static void set_request_id(struct rl_req *req, struct _u_response *res)
{
  const char *given = rl_header(req, "X-Request-Id");
  int ok = given != NULL && *given != '\0' && strlen(given) <= 64;
  for (const char *p = given; ok && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      ok = 0;
  if (ok) {
    snprintf(req->request_id, sizeof req->request_id, "%s", given);
  } else {
    /* A random per-thread prefix and a counter: unique without a
     * getrandom() per request. */
    static _Thread_local char prefix[17];
    static _Thread_local unsigned long long counter;
    if (prefix[0] == '\0') {
      uint8_t raw[8];
      if (rl_random_bytes(raw, sizeof raw) != RL_OK)
        memset(raw, 0, sizeof raw);
      rl_hex(prefix, raw, sizeof raw);
    }
    snprintf(req->request_id, sizeof req->request_id, "%s%08llx", prefix, ++counter);
  }
  u_map_put(res->map_header, "X-Request-Id", req->request_id);
}

static int authenticate(struct rl_req *req, struct _u_response *res)
{
  if (req->route->min_role == RL_ROLE_NONE)
    return 0;
  const char *h = rl_header(req, "Authorization");
  if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
    rl_reply_error(res, RL_EUNAUTHORIZED, "send Authorization: Bearer <API key>");
    return -1;
  }
  const char *key = h + 7;
  while (*key == ' ')
    key++;
  int rc = rl_auth_key(&req->who, key, strlen(key));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_EUNAUTHORIZED ? "the API key is unknown or revoked" : NULL);
    return -1;
  }
  if (req->who.role < req->route->min_role) {
    char detail[96];
    snprintf(detail, sizeof detail, "this needs the %s role; the key has %s",
             rl_role_name(req->route->min_role), rl_role_name(req->who.role));
    rl_reply_error(res, RL_EFORBIDDEN, detail);
    return -1;
  }
  return 0;
}

static int is_json_type(const char *ct)
{
  if (ct == NULL)
    return 0;
  while (*ct == ' ')
    ct++;
  size_t n = strcspn(ct, "; ");
  return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
         (n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0);
}

/* What can be checked of the body before it is read: its announced size
 * and, on JSON routes, its type. */
static int check_body_headers(struct rl_req *req, struct _u_response *res)
{
  const char *cl = rl_header(req, "Content-Length");
  if ((cl != NULL && strtoull(cl, NULL, 10) > req->cfg->max_body) ||
      req->u->binary_body_length > req->cfg->max_body) {
    char detail[96];
    snprintf(detail, sizeof detail, "the body may be at most %zu bytes", req->cfg->max_body);
    rl_reply_error(res, API_ETOOLARGE, detail);
    return -1;
  }
  if ((req->route->flags & ROUTE_JSON_BODY) && !is_json_type(rl_header(req, "Content-Type"))) {
    rl_reply_error(res, API_EMEDIATYPE, "send Content-Type: application/json");
    return -1;
  }
  return 0;
}

static int read_body(struct rl_req *req, struct _u_response *res)
{
  if (!(req->route->flags & ROUTE_JSON_BODY))
    return 0;
  const char *text = req->u->binary_body;
  size_t len = req->u->binary_body_length;
  if (text == NULL || len == 0) {
    rl_reply_error(res, API_EBADJSON, "the body is empty");
    return -1;
  }
  if (rl_json_depth(text, len, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    rl_reply_error(res, API_EBADJSON, "the JSON is nested more than 32 levels deep");
    return -1;
  }
  json_error_t jerr;
  req->body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (req->body == NULL) {
    /* jansson ends its text with the token it stopped at ("… near
     * '\"Dupont'"): a value sent, maybe a name or an address, never to be
     * repeated. Where it stopped is enough. */
    char *near = strstr(jerr.text, " near ");
    if (near)
      *near = '\0';
    char detail[256];
    snprintf(detail, sizeof detail, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    rl_reply_error(res, API_EBADJSON, detail);
    return -1;
  }
  return 0;
}

/* Runs the handler, under the Idempotency-Key rules when the route has
 * them and the client sent a key. */
static void run_handler(struct rl_req *req, struct _u_response *res)
{
  const char *key =
      (req->route->flags & ROUTE_IDEMPOTENT) ? rl_header(req, "Idempotency-Key") : NULL;
  if (key == NULL)
    req->route->handler(req, res);
  else
    rl_idempotent_run(req, res, key);
}

/* Heavy requests running now, process-wide. Each holds its thread of
 * libmicrohttpd's pool for as long as it renders, with every connection
 * that thread serves: bounding them keeps a thread for the rest. */
static atomic_uint g_heavy;
static atomic_int g_draining;

void rl_router_drain(void) { atomic_store(&g_draining, 1); }

static void run_heavy_or_not(struct rl_req *req, struct _u_response *res)
{
  if (!(req->route->flags & ROUTE_HEAVY)) {
    run_handler(req, res);
    return;
  }
  if (atomic_fetch_add(&g_heavy, 1) >= req->cfg->heavy_requests) {
    atomic_fetch_sub(&g_heavy, 1);
    rl_reply_error(res, API_EHEAVY, NULL);
    u_map_put(res->map_header, "Retry-After", "5");
    return;
  }
  run_handler(req, res);
  atomic_fetch_sub(&g_heavy, 1);
}

/* A personal route answered to a key that sees personal data: what the
 * reply carries is recorded (core/read_log.h). A HEAD gets no body, and a
 * reader key gets replies without personal data: neither is recorded. */
static int records_reads(const struct rl_req *req)
{
  return (req->route->flags & ROUTE_PERSONAL) && req->who.role >= RL_ROLE_VOLUNTEER &&
         strcmp(req->u->http_verb, "HEAD") != 0;
}

/* Runs the handler; on a recorded route, within a place of the read log's
 * queue taken first (a full queue refuses the request before anything is
 * done: fail closed, and no write whose reply is lost), collecting what
 * its reply carries and queuing it once the reply is built. */
static void run_recorded_or_not(struct rl_req *req, struct _u_response *res)
{
  if (!records_reads(req)) {
    run_heavy_or_not(req, res);
    return;
  }
  if (read_log_reserve() != RL_OK) {
    rl_reply_error(res, RL_EUNAVAILABLE,
                   "the record of reads of personal data cannot be written now; try again "
                   "shortly");
    return;
  }
  struct read_records records = {0};
  req->reads = &records;
  rl_reply_collect(&records);
  run_heavy_or_not(req, res);
  rl_reply_collect(NULL);
  req->reads = NULL;
  /* Only a reply with a body carries anything: not a problem, not a 304. */
  int carried = res->status >= 200 && res->status < 300 && records.n > 0;
  if (records.failed) {
    read_log_release();
    rl_reply_error(res, RL_ENOMEM, "the record of this read could not be kept");
  } else if (!carried) {
    read_log_release();
  } else if (read_log_push(&records, req->who.key_id, req->u->http_verb, req->route->path,
                           req->request_id) != RL_OK) {
    rl_reply_error(res, RL_ENOMEM, "the record of this read could not be kept");
  }
  read_records_free(&records);
}

static double seconds_since(const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Whether path matches a route pattern (":x" is one segment). */
static int path_matches(const char *pattern, const char *path)
{
  const char *p = pattern, *q = path;
  for (;;) {
    while (*p == '/')
      p++;
    while (*q == '/')
      q++;
    if (*p == '\0' || *q == '\0')
      return *p == '\0' && *q == '\0';
    size_t pl = strcspn(p, "/"), ql = strcspn(q, "/");
    if (*p != ':' && (pl != ql || strncmp(p, q, pl) != 0))
      return 0;
    p += pl;
    q += ql;
  }
}

/* The route with ROUTE_SECRET_PATH whose pattern path matches, whatever
 * the method; NULL for none. */
static const struct rl_route *secret_route_of(const char *path)
{
  for (size_t i = 0; i < rl_routes_count; i++)
    if ((rl_routes[i].flags & ROUTE_SECRET_PATH) && path_matches(rl_routes[i].path, path))
      return &rl_routes[i];
  return NULL;
}

/* Bounds of the access line's fields, so that they always fit in one line:
 * a client chooses the method and the path. */
#define METHOD_MAX 32
#define ROUTE_MAX 200
#define PATH_MAX_LOGGED 1024
_Static_assert(sizeof((struct rl_req *)0)->request_id + METHOD_MAX + ROUTE_MAX + PATH_MAX_LOGGED +
                       400 <
                   RL_LOG_LINE_MAX,
               "the access line's fields fit a line");

static void log_request(const struct rl_req *req, const char *route, long status, double secs)
{
  if (!rl_log_enabled(RL_LOG_INFO))
    return;
  struct rl_log_line line;
  rl_log_begin(&line, RL_LOG_INFO, "request");
  rl_buf_add(&line.b, ",\"request_id\":");
  rl_buf_add_json(&line.b, req->request_id, sizeof req->request_id);
  rl_buf_add(&line.b, ",\"method\":");
  /* Any client may send any method: only a short one is worth logging. */
  const char *verb = req->u->http_verb;
  rl_buf_add_json(&line.b, strlen(verb) <= 16 ? verb : "(long)", METHOD_MAX);
  rl_buf_add(&line.b, ",\"route\":");
  rl_buf_add_json(&line.b, route, ROUTE_MAX);
  rl_buf_add(&line.b, ",\"path\":");
  /* A tracking token in a path is a capability: such routes log their
   * pattern instead, also when the method or the framing was refused and
   * no route took the request. */
  const struct rl_route *secret =
      req->route ? ((req->route->flags & ROUTE_SECRET_PATH) ? req->route : NULL)
                 : secret_route_of(req->u->url_path);
  rl_buf_add_json(&line.b, secret ? secret->path : req->u->url_path, PATH_MAX_LOGGED);
  rl_buf_printf(&line.b, ",\"status\":%ld,\"duration_ms\":%.3f,\"key_id\":%lld", status,
                secs * 1000.0, (long long)req->who.key_id);
  rl_log_end(&line);
}

static void add_cors(struct _u_response *res)
{
  u_map_put(res->map_header, "Access-Control-Allow-Origin", "*");
  u_map_put(res->map_header, "Access-Control-Expose-Headers", "ETag, X-Request-Id, Link");
}

/* A request begins: its start time, its rl_req (route NULL when none
 * took it) and its X-Request-Id. */
static void begin(struct rl_req *req, struct timespec *t0, const struct _u_request *u,
                  const struct rl_route *route, struct _u_response *res)
{
  clock_gettime(CLOCK_MONOTONIC, t0);
  memset(req, 0, sizeof *req);
  req->u = u;
  req->route = route;
  req->cfg = g_cfg;
  set_request_id(req, res);
}

/* A reply is built: its metric (per route, -1 for none) and its log line. */
static void end(const struct rl_req *req, const struct timespec *t0, const struct _u_response *res)
{
  double secs = seconds_since(t0);
  rl_metrics_observe(req->route ? (int)(req->route - rl_routes) : -1, (unsigned)res->status, secs);
  log_request(req, req->route ? req->route->path : "", res->status, secs);
}

/* The steps of a request on its route. Before the body is read (the client
 * sent Expect: 100-continue and waits) only those the headers decide run,
 * and a request they let through leaves nothing: no log line, no metric,
 * since it comes back once its body is in. Returns whether res holds the
 * reply. */
static int dispatch(const struct _u_request *u, struct _u_response *res,
                    const struct rl_route *route, int before_body)
{
  struct timespec t0;
  struct rl_req req;
  begin(&req, &t0, u, route, res);
  rl_path_parse(&req);
  if (route->flags & ROUTE_CORS)
    add_cors(res);

  unsigned retry_after = 0;
  struct rl_netaddr client;
  rl_client_address(&client, u, g_cfg);
  char bad_header[64];
  const char *why = NULL;
  if (!before_body && (route->flags & ROUTE_RATE_LIMITED) &&
      rl_ratelimit_take(&client, g_cfg->public_rate_limit, &retry_after) != 0) {
    rl_public_rate_limited(&req, res, retry_after);
  } else if (rl_conn_check_headers(bad_header, sizeof bad_header, &why) != 0) {
    /* A map of valid lines leaves it out: read as absent, an If-Match or
     * an Idempotency-Key would silently stop applying. Where a line was cut,
     * where the header block ends is in doubt too: the connection ends. */
    rl_reply_bad_field(res, bad_header, "bad_header", why);
    u_map_put(res->map_header, "Connection", "close");
  } else if (authenticate(&req, res) == 0 && check_body_headers(&req, res) == 0) {
    if (before_body)
      return 0;
    if (read_body(&req, res) == 0)
      run_recorded_or_not(&req, res);
  }
  if (res->status == 0)
    rl_reply_error(res, API_EINTERNAL, "the handler gave no reply");
  if (atomic_load(&g_draining))
    u_map_put(res->map_header, "Connection", "close");
  /* On every answer of the route, errors included, so that no path through
   * a handler can forget them. */
  if (route->flags & ROUTE_PERSONAL) {
    u_map_put(res->map_header, "Cache-Control", "private, no-store");
    u_map_put(res->map_header, "Vary", "Authorization");
  }

  end(&req, &t0, res);
  json_decref(req.body);
  return 1;
}

/* Appends method to the comma-separated list in allow, unless listed. */
static void allow_add(char *allow, size_t cap, const char *method)
{
  size_t ml = strlen(method);
  for (const char *p = allow; *p;) {
    size_t l = strcspn(p, ",");
    if (l == ml && strncmp(p, method, ml) == 0)
      return;
    p += l;
    while (*p == ',' || *p == ' ')
      p++;
  }
  size_t n = strlen(allow);
  snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

/* A request no route takes: 404, or 405 with Allow (an OPTIONS preflight
 * on an open route gets its answer), logged with an empty route. */
static void fallback(const struct _u_request *u, struct _u_response *res)
{
  struct timespec t0;
  struct rl_req req;
  begin(&req, &t0, u, NULL, res);

  char allow[128] = "";
  int cors = 0;
  for (size_t i = 0; i < rl_routes_count; i++) {
    if (!path_matches(rl_routes[i].path, u->url_path))
      continue;
    allow_add(allow, sizeof allow, rl_routes[i].method);
    if (strcmp(rl_routes[i].method, "GET") == 0)
      allow_add(allow, sizeof allow, "HEAD");
    cors |= (rl_routes[i].flags & ROUTE_CORS) != 0;
  }
  if (allow[0] == '\0') {
    rl_public_no_route(&req, res);
  } else if (strcmp(u->http_verb, "OPTIONS") == 0 && cors) {
    ulfius_set_empty_body_response(res, 204);
    add_cors(res);
    u_map_put(res->map_header, "Access-Control-Allow-Methods", allow);
    u_map_put(res->map_header, "Access-Control-Allow-Headers", "Content-Type, If-None-Match");
    u_map_put(res->map_header, "Access-Control-Max-Age", "86400");
  } else {
    char detail[200];
    snprintf(detail, sizeof detail, "this path allows %s", allow);
    rl_reply_error(res, API_EMETHOD, detail);
    u_map_put(res->map_header, "Allow", allow);
  }
  end(&req, &t0, res);
}

/* The route of a request: the first of its method whose pattern matches
 * (paths do not overlap, so it is the one), or for a HEAD the GET route
 * (RFC 9110: HEAD wherever GET is, with GET's headers; libmicrohttpd sends
 * no body to a HEAD); NULL for none. The table is matched here, without
 * allocating. */
static const struct rl_route *route_of(const struct _u_request *u)
{
  for (size_t i = 0; i < rl_routes_count; i++)
    if (strcmp(rl_routes[i].method, u->http_verb) == 0 &&
        path_matches(rl_routes[i].path, u->url_path))
      return &rl_routes[i];
  if (strcmp(u->http_verb, "HEAD") == 0)
    for (size_t i = 0; i < rl_routes_count; i++)
      if (strcmp(rl_routes[i].method, "GET") == 0 && path_matches(rl_routes[i].path, u->url_path))
        return &rl_routes[i];
  return NULL;
}

void rl_router_handle(const struct _u_request *u, struct _u_response *res)
{
  const struct rl_route *route = route_of(u);
  if (route)
    (void)dispatch(u, res, route, 0);
  else
    fallback(u, res);
}

int rl_router_before_body(const struct _u_request *u, struct _u_response *res)
{
  const struct rl_route *route = route_of(u);
  if (route)
    return dispatch(u, res, route, 1);
  fallback(u, res);
  return 1;
}

void rl_router_refuse(const struct _u_request *u, struct _u_response *res, int code,
                      const char *detail)
{
  struct timespec t0;
  struct rl_req req;
  begin(&req, &t0, u, route_of(u), res);
  rl_reply_error(res, code, detail);
  /* Its body cannot be told from the next request: the connection ends. */
  u_map_put(res->map_header, "Connection", "close");
  end(&req, &t0, res);
}

int rl_router_init(const struct rl_config *cfg)
{
  g_cfg = cfg;
  return rl_metrics_init() == RL_OK ? 0 : -1;
}
