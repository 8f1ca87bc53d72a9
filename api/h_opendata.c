/* /opendata/: the impact figures as JSON and CSV and the factor sets,
 * public (no key, any origin, cacheable), and the admin's factor sets
 * under /api/v1/impact/. Nothing here is personal: the figures are sums
 * by month, site and category. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/impact_cache.h"
#include "core/impact_figures.h"
#include "core/store/store_impact.h"

#define OD_CACHE "public, max-age=300"

/* The query a request asks for; on failure the reply is sent and -1. */
static int read_query(struct rl_req *req, struct _u_response *res, json_t **query,
                      struct impact_query *q)
{
  if (rl_check_query(req, res, fields_impact_query, query) != 0)
    return -1;
  json_t *errors;
  int rc = impact_query_read(q, &errors, *query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    json_decref(*query);
    return -1;
  }
  return 0;
}

static char *render_json(size_t *len, const json_t *figures, const struct impact_query *q)
{
  json_t *group = json_array();
  if (q->group & STORE_IMPACT_MONTH)
    json_array_append_new(group, json_string("month"));
  if (q->group & STORE_IMPACT_SITE)
    json_array_append_new(group, json_string("site"));
  if (q->group & STORE_IMPACT_CATEGORY)
    json_array_append_new(group, json_string("category"));
  char from[8], to[8];
  snprintf(from, sizeof from, "%.7s", q->from);
  snprintf(to, sizeof to, "%.7s", q->to);
  json_t *body =
      json_pack("{s:O s:s s:s s:s s:o s:O}", "factor_version",
                json_object_get(figures, "factor_version"), "licence", "etalab-2.0", "from", from,
                "to", to, "group_by", group, "rows", json_object_get(figures, "rows"));
  char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(body);
  *len = text ? strlen(text) : 0;
  return text;
}

static int buf_write(void *ctx, const char *data, size_t len)
{
  struct rl_buf *b = ctx;
  rl_buf_add_len(b, data, len);
  return rl_buf_status(b) != RL_OK;
}

/* The figures are one row per group (at most a few thousand): the CSV is
 * built in memory, so that its ETag is known before it is sent. */
static char *render_csv(size_t *len, const json_t *figures, const struct impact_query *q)
{
  struct rl_buf b = {0};
  if (impact_csv_write_figures(buf_write, &b, figures, q->group) != RL_OK) {
    rl_buf_free(&b);
    return NULL;
  }
  return rl_buf_take(&b, len);
}

/* A slice in one format: from the cache when the rollup has not changed
 * since it was rendered (core/impact_cache.h), else read, rendered and
 * kept. */
static void
slice_reply(struct rl_req *req, struct _u_response *res, const char *kind, const char *content_type,
            char *(*render)(size_t *len, const json_t *figures, const struct impact_query *q))
{
  json_t *query, *figures, *errors;
  struct impact_query q;
  if (read_query(req, res, &query, &q) != 0)
    return;
  char key[IMPACT_CACHE_KEY_MAX];
  long long version;
  struct impact_cached c;
  int rc = impact_slice_key(key, sizeof key, &version, kind, &q);
  if (rc != RL_OK) {
    json_decref(query);
    rl_reply_error(res, rc, NULL);
    return;
  }
  if (impact_cache_get(&c, key, version) != 0) {
    rc = impact_figures(&figures, &errors, &q);
    if (rc != RL_OK) {
      json_decref(query);
      rl_reply_failure(res, rc, errors, NULL);
      return;
    }
    c.modified = (long long)json_integer_value(json_object_get(figures, "last_modified"));
    c.data = render(&c.len, figures, &q);
    json_decref(figures);
    if (c.data == NULL) {
      json_decref(query);
      rl_reply_error(res, RL_ENOMEM, NULL);
      return;
    }
    rl_public_etag(c.etag, c.data, c.len);
    impact_cache_put(key, version, c.data, c.len, c.etag, c.modified);
  }
  json_decref(query);
  rl_reply_public_tagged(req, res, content_type, c.data, c.len, c.etag, c.modified, OD_CACHE);
  free(c.data);
}

void h_od_impact_json(struct rl_req *req, struct _u_response *res)
{
  slice_reply(req, res, "json", "application/json", render_json);
}

void h_od_impact_csv(struct rl_req *req, struct _u_response *res)
{
  slice_reply(req, res, "csv", "text/csv; charset=utf-8; header=present", render_csv);
  if (res->status == 200 || res->status == 304)
    u_map_put(res->map_header, "Content-Disposition", "inline; filename=\"impact.csv\"");
}

void h_od_factors(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *sets;
  int rc = impact_factor_sets(&sets, 0);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  const json_t *last = json_array_get(sets, json_array_size(sets) - 1);
  json_t *body = json_pack("{s:O s:s s:o}", "current_version", json_object_get(last, "version"),
                           "licence", "CC-BY-SA-4.0", "items", sets);
  rl_reply_object(req, res, 200, body);
  u_map_put(res->map_header, "Cache-Control", OD_CACHE);
}

void h_factor_sets_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *sets;
  int rc = impact_factor_sets(&sets, 1);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  rl_reply_list(res, sets, NULL);
}

void h_factor_sets_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_factor_set, 0) != 0)
    return;
  json_t *set;
  int rc = impact_factor_set_create(&set, req->body, req->who.key_id);
  if (rc != RL_OK) {
    rl_reply_error(res, rc,
                   rc == RL_EDUPLICATE ? "a factor set has this version already; a set is never "
                                         "changed: add one with a new version"
                                       : NULL);
    return;
  }
  rl_reply_json(res, 201, set);
  u_map_put(res->map_header, "Location", "/api/v1/impact/factor-sets");
}
