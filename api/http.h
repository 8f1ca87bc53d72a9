/* What every handler sees: the request as parsed by the router (caller,
 * JSON body, request id) and the helpers that build replies. */
#ifndef RL_API_HTTP_H
#define RL_API_HTTP_H

#include <jansson.h>
#include <ulfius.h>

#include "core/auth.h"
#include "core/config.h"

struct rl_req;
typedef void (*rl_handler)(struct rl_req *req, struct _u_response *res);

/* Route flags; each means one thing. */
enum {
  ROUTE_JSON_BODY = 1 << 0,    /* expects a JSON object body */
  ROUTE_IDEMPOTENT = 1 << 1,   /* honours Idempotency-Key */
  ROUTE_RATE_LIMITED = 1 << 2, /* counted against its client address's budget */
  ROUTE_CORS = 1 << 3,         /* open to any origin */
  ROUTE_SECRET_PATH = 1 << 4,  /* the path holds a capability: the log shows the route */
  ROUTE_PERSONAL = 1 << 5,     /* the reply may hold personal data: the router adds
                                  Cache-Control: private, no-store and Vary: Authorization */
  ROUTE_HEAVY = 1 << 6,        /* long rendering: at most REPAIRD_HEAVY_REQUESTS at once,
                                  so that health checks and ordinary calls keep a thread */
};

struct rl_route {
  const char *method;
  const char *path;      /* ulfius format, e.g. "/api/v1/devices/:code" */
  enum rl_role min_role; /* RL_ROLE_NONE: public */
  unsigned flags;
  rl_handler handler;
};

/* Most path parameters in one route, and the longest value of one. */
enum { RL_PATH_PARAMS = 4, RL_PATH_VALUE_MAX = 255 };

/* One ":name" segment of the route and its value in this request. */
struct rl_path_param {
  const char *name; /* points into the route's path, after the ':' */
  size_t name_len;
  char value[RL_PATH_VALUE_MAX + 1]; /* percent-decoded; "" names nothing */
};

struct rl_req {
  const struct _u_request *u;
  const struct rl_route *route;
  const struct rl_config *cfg;
  struct rl_principal who; /* role RL_ROLE_NONE on public routes */
  json_t *body;            /* parsed body on ROUTE_JSON_BODY routes, else NULL */
  char request_id[72];
  struct rl_path_param path[RL_PATH_PARAMS]; /* filled by rl_path_parse */
  size_t n_path;
  /* The records whose personal data the reply carries, for the read log
   * (core/read_log.h): set by the router on personal routes answered to a
   * volunteer or admin key, else NULL. */
  struct read_records *reads;
};

/* A query parameter; NULL if absent. */
const char *rl_param(const struct rl_req *req, const char *name);
/* Reads every ":name" segment of req->route's path from req->u->url_path,
 * once per request (the router calls it before the handler). Values come
 * from the path itself, because ulfius merges a query parameter of the same
 * name into its own map; each is percent-decoded, and one holding %00 or
 * longer than RL_PATH_VALUE_MAX bytes names nothing (""). */
void rl_path_parse(struct rl_req *req);
/* The value of the path segment ":name", valid as long as req; "" if the
 * route has no such segment. */
const char *rl_path(struct rl_req *req, const char *name);
/* A positive decimal id from a path segment; 0 if it is not one. */
long long rl_parse_id(const char *s);
/* A request header, case-insensitive; NULL if absent. */
const char *rl_header(const struct rl_req *req, const char *name);

/* Replies: each takes ownership of the json_t it is given. */
void rl_reply_json(struct _u_response *res, unsigned status, json_t *body);
/* A single object with a strong ETag of its bytes; answers 304 to a GET
 * whose If-None-Match matches. */
void rl_reply_object(const struct rl_req *req, struct _u_response *res, unsigned status,
                     json_t *body);
/* A single object whose ETag is its row version ("7"), or the version and a
 * digest of data derived at read time ("7.9c1d…") when digest is not 0;
 * rl_if_match reads the version back. 304 to a matching If-None-Match GET. */
void rl_reply_versioned(const struct rl_req *req, struct _u_response *res, unsigned status,
                        json_t *body, int version, unsigned long long digest);
/* 200 with JSON text already rendered (copied) and its ETag; 304 to a GET
 * whose If-None-Match matches. */
void rl_reply_json_text(const struct rl_req *req, struct _u_response *res, const char *json,
                        size_t len, const char *etag);
/* 200 with public data (copied) and what caches need: a strong ETag of its
 * bytes, Last-Modified from `modified` (seconds since 1970) and
 * cache_control; 304 when If-None-Match lists the ETag, or, without
 * If-None-Match, when If-Modified-Since is not older than `modified`. */
void rl_reply_public_data(const struct rl_req *req, struct _u_response *res,
                          const char *content_type, const char *data, size_t len,
                          long long modified, const char *cache_control);
/* The same with the ETag given (rl_public_etag of the bytes, kept with
 * them by a cache). */
void rl_reply_public_tagged(const struct rl_req *req, struct _u_response *res,
                            const char *content_type, const char *data, size_t len,
                            const char *etag, long long modified, const char *cache_control);
/* The strong ETag rl_reply_public_data gives these bytes (quoted). */
void rl_public_etag(char out[24], const char *data, size_t len);
/* {"items": items, "next_cursor": next_cursor or null}. */
void rl_reply_list(struct _u_response *res, json_t *items, const char *next_cursor);
void rl_reply_no_content(struct _u_response *res);
/* Raw bytes with a content type (copied). */
void rl_reply_bytes(struct _u_response *res, unsigned status, const char *content_type,
                    const void *data, size_t len);

/* Public, cacheable data (open data): puts ETag, Last-Modified (from
 * modified_s, seconds since 1970) and Cache-Control: public, max-age on
 * the reply, and answers 304 and returns 1 when the client's copy is
 * current: If-None-Match lists etag, or, without If-None-Match,
 * If-Modified-Since is not before modified_s (RFC 9110 13.2.2). Returns 0
 * when the caller must reply. */
int rl_reply_cacheable(const struct rl_req *req, struct _u_response *res, const char *etag,
                       long long modified_s, unsigned max_age);

/* Fills buf with the body's next bytes (at most cap): returns how many (at
 * least 1 while any are left), 0 at the end, or a negative number when the
 * body cannot go on (the connection is then closed, so that the client
 * sees a cut reply, never a short one that looks whole). */
typedef long (*rl_stream_read)(void *ctx, char *buf, size_t cap);

/* A streamed body (docs/architecture.md, "Streamed replies"): read is
 * called by libmicrohttpd as the client takes the bytes, on the thread
 * that polls the connection, never two calls at once; done(ctx) is called
 * once when the reply ends, sent or not (a client that went away). Takes
 * ctx: when the reply cannot be set up, done runs at once and the reply is
 * a 500. */
void rl_reply_stream(struct _u_response *res, unsigned status, const char *content_type,
                     rl_stream_read read, void (*done)(void *ctx), void *ctx);

/* Names a record whose personal data this reply carries (kind: enum
 * privacy_record of core/privacy.h, id: a device code or member number as
 * the API shows it), for replies the router's walk of JSON bodies cannot
 * read: a PDF, events that do not name their member. A no-op when the read
 * is not recorded (req->reads NULL); a problem reply forgets it. */
void rl_read_record(struct rl_req *req, int kind, const char *id);
/* The router's side of the read log: while collect is set (non-NULL), every
 * JSON body this thread serialises is walked for personal data
 * (privacy_walk) into it, and every problem reply empties it. */
void rl_reply_collect(struct read_records *collect);

/* Problem replies (RFC 9457) from the one error table in problem.c. */
void rl_reply_error(struct _u_response *res, int err, const char *detail);
/* 400 with errors: [{field, code, message}] (takes ownership of errors). */
void rl_reply_invalid(struct _u_response *res, json_t *errors);
/* A failed core call: 400 naming the fields in errors (taken) when there
 * are any (422 when rc is RL_EUNPROCESSABLE), else the problem for rc,
 * with not_found as its detail on 404. */
void rl_reply_failure(struct _u_response *res, int rc, json_t *errors, const char *not_found);
/* Adds a member to a problem reply already built (takes ownership of value). */
void rl_reply_add_member(struct _u_response *res, const char *name, json_t *value);
/* 400 naming one field, with its error code (docs/errors.md). */
void rl_reply_bad_field(struct _u_response *res, const char *field, const char *code,
                        const char *message);

/* Reads If-Match as a version ("\"7\"" → 7; -1 when absent). Returns 0, or
 * replies 412 (not a version this service issued) and returns -1. */
int rl_if_match(const struct rl_req *req, struct _u_response *res, int *version);
/* The version If-Match value h names: 0 for none (NULL) or "*", the
 * version of an ETag this service sent ("3" or "3.<hex digest>"), or -1
 * for anything else. Pure: fuzzed in tests/fuzz. */
int rl_if_match_version(const char *h);
/* Whether an If-None-Match / If-Match header value lists etag (or "*"). */
int rl_etag_listed(const char *header, const char *etag);

/* Checks the body against a field spec; on failure replies 400 and returns -1. */
struct rl_field;
int rl_check_body(const struct rl_req *req, struct _u_response *res, const struct rl_field *spec,
                  int update);

/* The query string of url (what follows '?', if anything) as the params
 * rl_spec_query reads: each name to its percent-decoded value, an array of
 * them when repeated, null when a value is not UTF-8 text once decoded. A
 * new object (caller owns), NULL when memory ran out. */
json_t *rl_query_params(const char *url);
/* Checks the query string against a query spec (core/spec.h): unknown,
 * repeated or bad parameters reply 400 naming every one, and return -1.
 * On 0, *query (caller owns) holds the parameters sent, typed. */
int rl_check_query(const struct rl_req *req, struct _u_response *res, const struct rl_field *spec,
                   json_t **query);

#endif
