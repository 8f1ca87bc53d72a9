/* Building replies: JSON bodies, ETags, list envelopes, problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/http.h"
#include "api/problem.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/privacy.h"
#include "core/read_log.h"
#include "core/spec.h"

/* The records the reply being built on this thread carries (see
 * rl_reply_collect): a thread's, since the reply functions are not given
 * the request, and a handler under Idempotency-Key replies into a response
 * of its own that is copied out afterwards. */
static _Thread_local struct read_records *tl_collect;

void rl_reply_collect(struct read_records *collect) { tl_collect = collect; }

/* Out of memory, a record is missing: the router refuses the reply
 * (read_records.failed). */
static void found(void *ctx, enum privacy_record kind, const char *id)
{
  (void)read_records_add(ctx, kind, id);
}

/* Every JSON body goes through here before it is serialised. */
static void collect(const json_t *body)
{
  if (tl_collect != NULL && body != NULL)
    privacy_walk(body, found, tl_collect);
}

void rl_read_record(struct rl_req *req, int kind, const char *id)
{
  if (req->reads != NULL && id != NULL)
    found(req->reads, (enum privacy_record)kind, id);
}

const char *rl_param(const struct rl_req *req, const char *name)
{
  return u_map_get(req->u->map_url, name);
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes the n bytes at s into out (RL_PATH_VALUE_MAX + 1 bytes):
 * "" when they hold %00 or do not fit, so that a cut value cannot name
 * something else. */
static void decode_segment(char *out, const char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int hi, lo;
    char c = s[i];
    if (c == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
        (lo = hex_value(s[i + 2])) >= 0) {
      c = (char)(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || o == RL_PATH_VALUE_MAX) {
      o = 0;
      break;
    }
    out[o++] = c;
  }
  out[o] = '\0';
}

void rl_path_parse(struct rl_req *req)
{
  const char *pat = req->route->path, *url = req->u->url_path;
  req->n_path = 0;
  for (;;) {
    while (*pat == '/')
      pat++;
    while (*url == '/')
      url++;
    if (*pat == '\0' || *url == '\0')
      return;
    size_t pl = strcspn(pat, "/"), ul = strcspn(url, "/?");
    if (*pat == ':' && req->n_path < RL_PATH_PARAMS) {
      struct rl_path_param *p = &req->path[req->n_path++];
      p->name = pat + 1;
      p->name_len = pl - 1;
      decode_segment(p->value, url, ul);
    }
    pat += pl;
    url += ul;
  }
}

const char *rl_path(struct rl_req *req, const char *name)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < req->n_path; i++)
    if (req->path[i].name_len == n && strncmp(req->path[i].name, name, n) == 0)
      return req->path[i].value;
  return "";
}

long long rl_parse_id(const char *s)
{
  if (s == NULL || *s == '\0' || strlen(s) > 18)
    return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9')
      return 0;
  return strtoll(s, NULL, 10);
}

const char *rl_header(const struct rl_req *req, const char *name)
{
  return u_map_get_case(req->u->map_header, name);
}

static void set_body(struct _u_response *res, unsigned status, const char *type, char *text)
{
  ulfius_set_binary_body_response(res, status, text, strlen(text));
  u_map_put(res->map_header, "Content-Type", type);
}

void rl_reply_json(struct _u_response *res, unsigned status, json_t *body)
{
  collect(body);
  char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(body);
  if (text == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  set_body(res, status, "application/json", text);
  free(text);
}

/* Whether a 304 may answer: GET, or HEAD (the same headers as GET). */
static int is_read(const struct rl_req *req)
{
  return strcmp(req->u->http_verb, "GET") == 0 || strcmp(req->u->http_verb, "HEAD") == 0;
}

int rl_etag_listed(const char *header, const char *etag)
{
  if (header == NULL)
    return 0;
  size_t n = strlen(etag);
  for (const char *p = header; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == '*')
      return 1;
    if (strncmp(p, "W/", 2) == 0)
      p += 2;
    if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
      return 1;
    while (*p && *p != ',')
      p++;
  }
  return 0;
}

void rl_reply_versioned(const struct rl_req *req, struct _u_response *res, unsigned status,
                        json_t *body, int version, unsigned long long digest)
{
  char etag[48];
  if (digest)
    snprintf(etag, sizeof etag, "\"%d.%016llx\"", version, digest);
  else
    snprintf(etag, sizeof etag, "\"%d\"", version);
  if (status == 200 && is_read(req) && rl_etag_listed(rl_header(req, "If-None-Match"), etag)) {
    json_decref(body);
    ulfius_set_empty_body_response(res, 304);
    u_map_put(res->map_header, "ETag", etag);
    return;
  }
  rl_reply_json(res, status, body);
  if (res->status == status)
    u_map_put(res->map_header, "ETag", etag);
}

void rl_reply_json_text(const struct rl_req *req, struct _u_response *res, const char *json,
                        size_t len, const char *etag)
{
  if (is_read(req) && rl_etag_listed(rl_header(req, "If-None-Match"), etag))
    ulfius_set_empty_body_response(res, 304);
  else
    rl_reply_bytes(res, 200, "application/json", json, len);
  u_map_put(res->map_header, "ETag", etag);
}

void rl_reply_object(const struct rl_req *req, struct _u_response *res, unsigned status,
                     json_t *body)
{
  collect(body);
  char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(body);
  if (text == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  char etag[24];
  snprintf(etag, sizeof etag, "\"%016llx\"", rl_fnv1a(RL_FNV_OFFSET, text, strlen(text)));
  if (status == 200 && is_read(req) && rl_etag_listed(rl_header(req, "If-None-Match"), etag)) {
    ulfius_set_empty_body_response(res, 304);
  } else {
    set_body(res, status, "application/json", text);
  }
  u_map_put(res->map_header, "ETag", etag);
  free(text);
}

void rl_reply_list(struct _u_response *res, json_t *items, const char *next_cursor)
{
  json_t *env = json_pack("{s:o s:o}", "items", items ? items : json_array(), "next_cursor",
                          next_cursor ? json_string(next_cursor) : json_null());
  rl_reply_json(res, 200, env);
}

void rl_reply_no_content(struct _u_response *res) { ulfius_set_empty_body_response(res, 204); }

void rl_reply_bytes(struct _u_response *res, unsigned status, const char *content_type,
                    const void *data, size_t len)
{
  ulfius_set_binary_body_response(res, status, data, len);
  u_map_put(res->map_header, "Content-Type", content_type);
}

/* An HTTP date (RFC 9110 5.6.7): English names, whatever the locale. */
static void http_date(char out[32], long long t)
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
           months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* An IMF-fixdate as seconds since 1970; -1 when it is not one. The names
 * are English whatever the locale: the process never calls setlocale, so
 * strptime reads them in the C locale. */
static long long parse_http_date(const char *s)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
  if (end == NULL || *end != '\0')
    return -1;
  return (long long)timegm(&tm);
}

int rl_reply_cacheable(const struct rl_req *req, struct _u_response *res, const char *etag,
                       long long modified_s, unsigned max_age)
{
  char date[32], cache[48];
  http_date(date, modified_s);
  snprintf(cache, sizeof cache, "public, max-age=%u", max_age);
  const char *inm = rl_header(req, "If-None-Match");
  long long ims = inm ? -1 : parse_http_date(rl_header(req, "If-Modified-Since"));
  int fresh = inm ? rl_etag_listed(inm, etag) : ims >= 0 && modified_s <= ims;
  if (fresh)
    ulfius_set_empty_body_response(res, 304);
  u_map_put(res->map_header, "ETag", etag);
  u_map_put(res->map_header, "Last-Modified", date);
  u_map_put(res->map_header, "Cache-Control", cache);
  return fresh;
}

struct stream {
  rl_stream_read read;
  void (*done)(void *ctx);
  void *ctx;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)pos;
  struct stream *st = cls;
  long n = st->read(st->ctx, buf, max);
  if (n == 0)
    return U_STREAM_END;
  return n < 0 ? U_STREAM_ERROR : (ssize_t)n;
}

static void stream_done(void *cls)
{
  struct stream *st = cls;
  st->done(st->ctx);
  free(st);
}

/* Bytes asked of read at a time: what libmicrohttpd sends per write. */
#define STREAM_BLOCK ((size_t)64 * 1024)

void rl_reply_stream(struct _u_response *res, unsigned status, const char *content_type,
                     rl_stream_read read, void (*done)(void *ctx), void *ctx)
{
  struct stream *st = malloc(sizeof *st);
  if (st == NULL) {
    done(ctx);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  *st = (struct stream){read, done, ctx};
  if (ulfius_set_stream_response(res, status, stream_read, stream_done, U_STREAM_SIZE_UNKNOWN,
                                 STREAM_BLOCK, st) != U_OK) {
    stream_done(st);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  u_map_put(res->map_header, "Content-Type", content_type);
}

static void reply_problem(struct _u_response *res, int err, const char *detail, json_t *errors)
{
  /* A problem is never the object a validator or a cache time named
   * earlier in the handler: a cached error, or a 304 for a body never
   * sent, would outlive the failure. */
  u_map_remove_from_key_case(res->map_header, "ETag");
  u_map_remove_from_key_case(res->map_header, "Last-Modified");
  u_map_remove_from_key_case(res->map_header, "Cache-Control");
  /* Nor does it carry the personal data of the reply it replaces. */
  if (tl_collect != NULL)
    read_records_clear(tl_collect);
  const struct rl_problem *p = rl_problem_for(err);
  json_t *body =
      json_pack("{s:s s:s s:i}", "type", p->type, "title", p->title, "status", (int)p->status);
  if (body == NULL) {
    json_decref(errors);
    ulfius_set_empty_body_response(res, p->status);
    return;
  }
  if (detail)
    json_object_set_new(body, "detail", json_string(detail));
  if (errors)
    json_object_set_new(body, "errors", errors);
  char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
  json_decref(body);
  if (text == NULL) {
    ulfius_set_empty_body_response(res, p->status);
    return;
  }
  set_body(res, p->status, "application/problem+json", text);
  free(text);
  if (p->status == 401)
    u_map_put(res->map_header, "WWW-Authenticate", "Bearer realm=\"repair-ledger\"");
  if (p->status == 503)
    u_map_put(res->map_header, "Retry-After", "2");
}

void rl_reply_error(struct _u_response *res, int err, const char *detail)
{
  reply_problem(res, err, detail, NULL);
}

/* A problem of type err listing errors (taken), with a detail for people. */
static void reply_errors(struct _u_response *res, int err, json_t *errors)
{
  size_t n = json_array_size(errors);
  char detail[320];
  if (n == 1) {
    json_t *e = json_array_get(errors, 0);
    const char *field = json_string_value(json_object_get(e, "field"));
    snprintf(detail, sizeof detail, "%s%s%s", field ? field : "", field && *field ? " " : "",
             json_string_value(json_object_get(e, "message")));
  } else if (err == RL_EREFUSED) {
    snprintf(detail, sizeof detail, "%zu reasons; see errors", n);
  } else {
    snprintf(detail, sizeof detail, "%zu fields are invalid; see errors", n);
  }
  reply_problem(res, err, detail, errors);
}

void rl_reply_invalid(struct _u_response *res, json_t *errors)
{
  reply_errors(res, RL_EINVALID, errors);
}

void rl_reply_failure(struct _u_response *res, int rc, json_t *errors, const char *not_found)
{
  if (errors)
    reply_errors(res,
                 rc == RL_EUNPROCESSABLE || rc == RL_ESHORT || rc == RL_EREFUSED ? rc : RL_EINVALID,
                 errors);
  else
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? not_found : NULL);
}

void rl_reply_bad_field(struct _u_response *res, const char *field, const char *code,
                        const char *message)
{
  json_t *errors = json_array();
  rl_spec_error(errors, field, code, message);
  rl_reply_invalid(res, errors);
}

/* Percent-decodes s[0..n) into out (n + 1 bytes), '+' as a space, as
 * browsers encode forms. Returns -1 when it decodes to a NUL byte. */
static int url_decode(char *out, const char *s, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
        (lo = hex_value(s[i + 2])) >= 0) {
      if (hi == 0 && lo == 0)
        return -1;
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = (char)(s[i] == '+' ? ' ' : s[i]);
    }
  }
  out[o] = '\0';
  return 0;
}

/* Adds name=value to params; a repeated name collects its values in an
 * array; a value that is not text is null (rl_spec_query says so). */
static int is_utf8(const char *s)
{
  json_t *probe = json_string(s);
  json_decref(probe);
  return probe != NULL;
}

/* Adds name=value (taken) to params; a repeated name collects its values
 * in an array; a value that is not text is null (rl_spec_query says so). */
static void add_param(json_t *params, const char *raw, size_t raw_len, const char *name,
                      json_t *value)
{
  char shown[3 * 64 + 1];
  if (!is_utf8(name)) {
    /* Named as sent, its bytes escaped, so that the error can say it. */
    size_t o = 0;
    for (size_t i = 0; i < raw_len && o + 4 < sizeof shown; i++) {
      unsigned char c = (unsigned char)raw[i];
      if (c < 0x20 || c >= 0x7f)
        o += (size_t)snprintf(shown + o, sizeof shown - o, "%%%02X", c);
      else
        shown[o++] = (char)c;
    }
    shown[o] = '\0';
    name = shown;
  }
  json_t *old = json_object_get(params, name);
  if (old == NULL) {
    json_object_set_new(params, name, value);
    return;
  }
  if (!json_is_array(old)) {
    json_t *values = json_pack("[O]", old);
    json_object_set_new(params, name, values);
    old = values;
  }
  json_array_append_new(old, value);
}

json_t *rl_query_params(const char *url)
{
  json_t *params = json_object();
  const char *q = url ? strchr(url, '?') : NULL;
  while (params && q && *q) {
    q++;
    size_t len = strcspn(q, "&");
    const char *eq = memchr(q, '=', len);
    size_t nlen = eq ? (size_t)(eq - q) : len, vlen = eq ? len - nlen - 1 : 0;
    if (len > 0) {
      char *name = malloc(nlen + 1), *value = malloc(vlen + 1);
      if (name && value) {
        int bad = url_decode(name, q, nlen) != 0;
        if (bad)
          snprintf(name, nlen + 1, "%.*s", (int)nlen, q);
        json_t *v = url_decode(value, eq ? eq + 1 : "", vlen) == 0 ? json_string(value) : NULL;
        add_param(params, q, nlen, name, v ? v : json_null());
      }
      free(name);
      free(value);
    }
    q += len;
  }
  return params;
}

int rl_check_query(const struct rl_req *req, struct _u_response *res, const struct rl_field *spec,
                   json_t **query)
{
  *query = NULL;
  json_t *params = rl_query_params(req->u->http_url);
  json_t *errors = NULL;
  int rc = params ? rl_spec_query(query, &errors, params, spec) : RL_ENOMEM;
  json_decref(params);
  if (rc == RL_OK)
    return 0;
  if (errors)
    rl_reply_invalid(res, errors);
  else
    rl_reply_error(res, rc, NULL);
  return -1;
}

int rl_check_body(const struct rl_req *req, struct _u_response *res, const struct rl_field *spec,
                  int update)
{
  json_t *errors = NULL;
  int rc = rl_spec_check(&errors, req->body, spec, update ? RL_SPEC_UPDATE : RL_SPEC_CREATE);
  if (rc == RL_OK)
    return 0;
  if (errors)
    rl_reply_invalid(res, errors);
  else
    rl_reply_error(res, rc, NULL);
  return -1;
}

int rl_if_match_version(const char *h)
{
  if (h == NULL || strcmp(h, "*") == 0)
    return 0;       /* "*" matches whatever version exists */
  char *end = NULL; /* a weak tag (W/…) never matches: If-Match compares strongly */
  /* The digits as this service writes them: no sign, space or leading 0. */
  long v = h[0] == '"' && h[1] >= '1' && h[1] <= '9' ? strtol(h + 1, &end, 10) : -1;
  if (end && *end == '.') { /* "version.digest": the digest is of derived data */
    size_t digest = strspn(end + 1, "0123456789abcdef");
    end = digest > 0 ? end + 1 + digest : NULL;
  }
  if (v < 1 || v > 1000000000 || end == NULL || strcmp(end, "\"") != 0)
    return -1;
  return (int)v;
}

int rl_if_match(const struct rl_req *req, struct _u_response *res, int *version)
{
  int v = rl_if_match_version(rl_header(req, "If-Match"));
  *version = v > 0 ? v : -1;
  if (v < 0) {
    rl_reply_error(res, RL_EPRECONDITION, "If-Match must be an ETag this service sent");
    return -1;
  }
  return 0;
}

void rl_reply_add_member(struct _u_response *res, const char *name, json_t *value)
{
  json_t *body = json_loadb(res->binary_body, res->binary_body_length, 0, NULL);
  if (body == NULL) {
    json_decref(value);
    return;
  }
  json_object_set_new(body, name, value);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (text) {
    ulfius_set_binary_body_response(res, (unsigned)res->status, text, strlen(text));
    free(text);
  }
}

/* "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT" → seconds; -1 when
 * absent or not an IMF-fixdate. */
static long long http_date_seconds(const char *s)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
  return end != NULL && *end == '\0' ? (long long)timegm(&tm) : -1;
}

void rl_public_etag(char out[24], const char *data, size_t len)
{
  snprintf(out, 24, "\"%016llx\"", rl_fnv1a(RL_FNV_OFFSET, data, len));
}

void rl_reply_public_data(const struct rl_req *req, struct _u_response *res,
                          const char *content_type, const char *data, size_t len,
                          long long modified, const char *cache_control)
{
  char etag[24];
  rl_public_etag(etag, data, len);
  rl_reply_public_tagged(req, res, content_type, data, len, etag, modified, cache_control);
}

void rl_reply_public_tagged(const struct rl_req *req, struct _u_response *res,
                            const char *content_type, const char *data, size_t len,
                            const char *etag, long long modified, const char *cache_control)
{
  char lm[40];
  time_t t = (time_t)modified;
  struct tm tm;
  gmtime_r(&t, &tm);
  if (strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
    lm[0] = '\0';
  const char *inm = rl_header(req, "If-None-Match");
  long long ims = http_date_seconds(rl_header(req, "If-Modified-Since"));
  /* If-None-Match, when sent, decides alone (RFC 9110 §13.2.2). */
  int fresh = inm != NULL ? rl_etag_listed(inm, etag) : ims >= 0 && modified <= ims;
  if (fresh)
    ulfius_set_empty_body_response(res, 304);
  else
    rl_reply_bytes(res, 200, content_type, data, len);
  u_map_put(res->map_header, "ETag", etag);
  u_map_put(res->map_header, "Last-Modified", lm);
  u_map_put(res->map_header, "Cache-Control", cache_control);
}
