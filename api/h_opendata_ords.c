/* The open-data endpoints of this file: the ORDS export of repair
 * attempts, streamed, and the DCAT catalogue of every dataset (JSON-LD or
 * Turtle). Public, no key, CORS open (the route flags), cacheable: their
 * ETag comes from the records' stamp, so that a current copy costs the
 * client a 304 and the server two index reads, never an export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/client.h"
#include "api/http.h"
#include "api/problem.h"
#include "api/ratelimit.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/dcat.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/ords.h"
#include "core/spec.h"

/* Seconds a cache may keep a dataset before asking again: the data
 * changes at each repair café session, and monthly publication is what
 * the catalogue promises. */
#define MAX_AGE_S 3600
/* Exports one client address may have under way at once: a harvester
 * needs one, a person two; more would let a few slow readers hold every
 * one of the STORE_CURSORS_MAX cursors. */
#define EXPORTS_PER_CLIENT 2
/* What a client over that is told to wait, in seconds. */
#define EXPORT_RETRY_S 10

static const struct rl_field ords_query_spec[] = {
    {.name = "from", .type = RL_T_DATE},
    {.name = "to", .type = RL_T_DATE},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64, .format = &rl_format_slug},
    {0},
};

/* A fingerprint of the settings the bytes depend on. */
static unsigned long long settings_digest(const struct rl_config *cfg)
{
  unsigned long long h = RL_FNV_OFFSET;
  const char *parts[] = {cfg->opendata.ords_data_provider, cfg->opendata.publisher,
                         cfg->opendata.contact_email, cfg->public_url, cfg->timezone};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    h = rl_fnv1a(h, parts[i], strlen(parts[i]) + 1);
  return h;
}

static void stamp_etag(char *out, size_t cap, const char *kind, const struct ords_stamp *st,
                       const struct rl_config *cfg)
{
  snprintf(out, cap, "\"%s-%lld-%llx-%016llx\"", kind, st->count,
           (unsigned long long)st->modified_us, settings_digest(cfg));
}

/* An export under way, and its client's slot to give back. */
struct export
{
  struct ords_stream *s;
  unsigned slot;
};

static long ords_read(void *ctx, char *buf, size_t cap)
{
  const struct export *e = ctx;
  return ords_stream_read(e->s, buf, cap);
}

static void ords_done(void *ctx)
{
  struct export *e = ctx;
  ords_stream_close(e->s);
  rl_concurrent_release(e->slot);
  free(e);
}

/* HEAD: the headers of the export, and no export (a body that ends at
 * once, so that the reply is framed as the GET's is). */
/* NOLINTNEXTLINE(readability-non-const-parameter): its type is rl_stream_read */
static long nothing_read(void *ctx, char *buf, size_t cap)
{
  (void)ctx;
  (void)buf;
  (void)cap;
  return 0;
}

static void nothing_done(void *ctx) { (void)ctx; }

static void export_refused(struct _u_response *res, int err, const char *detail, unsigned wait)
{
  rl_reply_error(res, err, detail);
  char ra[16];
  snprintf(ra, sizeof ra, "%u", wait);
  u_map_put(res->map_header, "Retry-After", ra);
}

void h_opendata_ords(struct rl_req *req, struct _u_response *res)
{
  json_t *params;
  if (rl_check_query(req, res, ords_query_spec, &params) != 0)
    return;
  struct ords_query q = {.data_provider = req->cfg->opendata.ords_data_provider,
                         .timezone = req->cfg->timezone};
  json_t *errors = json_array();
  int rc = ords_query_parse(&q, errors, params);
  json_decref(params);
  if (rc != RL_OK) {
    rl_reply_invalid(res, errors);
    return;
  }
  json_decref(errors);
  struct ords_stamp st;
  char etag[96];
  if ((rc = ords_stamp_get(&st)) != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  stamp_etag(etag, sizeof etag, "ords", &st, req->cfg);
  if (rl_reply_cacheable(req, res, etag, st.modified_us / 1000000, MAX_AGE_S))
    return;
  if (strcmp(req->u->http_verb, "HEAD") == 0) {
    rl_reply_stream(res, 200, "text/csv; charset=utf-8", nothing_read, nothing_done, NULL);
    u_map_put(res->map_header, "Content-Disposition", "attachment; filename=\"repairs-ords.csv\"");
    return;
  }
  /* An export costs a cursor for as long as its client reads: it counts
   * against the client's public budget, and a client runs two at most. */
  struct rl_netaddr client;
  rl_client_address(&client, req->u, req->cfg);
  unsigned wait = 0;
  if (rl_ratelimit_take(&client, req->cfg->public_rate_limit, &wait) != 0) {
    export_refused(res, API_ERATELIMIT, "too many requests from your address; wait a moment", wait);
    return;
  }
  struct export *e = malloc(sizeof *e);
  if (e == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  if (rl_concurrent_take(&client, EXPORTS_PER_CLIENT, &e->slot) != 0) {
    free(e);
    export_refused(res, API_ERATELIMIT,
                   "your address has two exports under way already; finish one first",
                   EXPORT_RETRY_S);
    return;
  }
  if ((rc = ords_stream_open(&e->s, &st, &q)) != RL_OK) {
    rl_concurrent_release(e->slot);
    free(e);
    rl_reply_error(res, rc,
                   rc == RL_EUNAVAILABLE ? "too many exports at once, or no database" : NULL);
    return;
  }
  /* The stamp of the export's own snapshot: a change between the check
   * above and the snapshot gets the ETag of what is sent. */
  stamp_etag(etag, sizeof etag, "ords", &st, req->cfg);
  rl_reply_cacheable(req, res, etag, st.modified_us / 1000000, MAX_AGE_S);
  rl_reply_stream(res, 200, "text/csv; charset=utf-8", ords_read, ords_done, e);
  u_map_put(res->map_header, "Content-Disposition", "attachment; filename=\"repairs-ords.csv\"");
}

/* The q value Accept gives type (exact, type/ *, or * / *), -1 if none. */
static double accept_q(const char *accept, const char *type)
{
  double best = -1;
  int best_rank = -1;
  size_t slash = strcspn(type, "/");
  for (const char *p = accept; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, ";,");
    while (n > 0 && p[n - 1] == ' ')
      n--;
    int rank = -1;
    if (n == strlen(type) && strncasecmp(p, type, n) == 0)
      rank = 2;
    else if (n == slash + 2 && strncasecmp(p, type, slash + 1) == 0 && p[slash + 1] == '*')
      rank = 1;
    else if (n == 3 && strncmp(p, "*/*", 3) == 0)
      rank = 0;
    double q = 1;
    const char *end = p + strcspn(p, ",");
    /* The entry's own parameters only: ";q=0.5", "; Q=0.5". */
    for (const char *a = memchr(p, ';', (size_t)(end - p)); a != NULL && a < end;
         a = memchr(a + 1, ';', (size_t)(end - a - 1))) {
      const char *v = a + 1;
      while (v < end && *v == ' ')
        v++;
      if (v + 1 < end && (*v == 'q' || *v == 'Q') && v[1] == '=')
        q = strtod(v + 2, NULL);
    }
    if (rank > best_rank) {
      best_rank = rank;
      best = q;
    }
    p = end;
  }
  return best;
}

static void catalog(struct rl_req *req, struct _u_response *res, enum dcat_format f)
{
  struct ords_stamp st;
  int rc = ords_stamp_get(&st);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  char etag[96];
  stamp_etag(etag, sizeof etag, f == DCAT_TURTLE ? "ttl" : "jsonld", &st, req->cfg);
  u_map_put(res->map_header, "Vary", "Accept");
  if (rl_reply_cacheable(req, res, etag, st.modified_us / 1000000, MAX_AGE_S))
    return;
  struct dcat_info info = {.base_url = req->cfg->public_url,
                           .publisher = req->cfg->opendata.publisher,
                           .contact_email = req->cfg->opendata.contact_email};
  rc = ords_span(info.ords.modified, info.ords.first, info.ords.last, &st, req->cfg->timezone);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  /* The figures are computed from the same records: same span. */
  info.impact = info.ords;
  struct rl_buf b = {0};
  rc = dcat_catalog(&b, f, &info);
  if (rc == RL_OK) {
    rl_reply_bytes(res, 200,
                   f == DCAT_TURTLE ? "text/turtle; charset=utf-8" : "application/ld+json", b.data,
                   b.len);
    rl_reply_cacheable(req, res, etag, st.modified_us / 1000000, MAX_AGE_S);
  } else {
    rl_reply_error(res, rc, NULL);
  }
  rl_buf_free(&b);
}

void h_opendata_catalog(struct rl_req *req, struct _u_response *res)
{
  const char *accept = rl_header(req, "Accept");
  if (accept == NULL || *accept == '\0') {
    catalog(req, res, DCAT_JSONLD);
    return;
  }
  double ld = accept_q(accept, "application/ld+json");
  double json = accept_q(accept, "application/json");
  double ttl = accept_q(accept, "text/turtle");
  if (json > ld)
    ld = json;
  if (ld <= 0 && ttl <= 0) {
    rl_reply_error(res, API_ENOTACCEPTABLE, "the catalogue is application/ld+json or text/turtle");
    return;
  }
  catalog(req, res, ttl > ld ? DCAT_TURTLE : DCAT_JSONLD);
}

void h_opendata_catalog_jsonld(struct rl_req *req, struct _u_response *res)
{
  catalog(req, res, DCAT_JSONLD);
}

void h_opendata_catalog_ttl(struct rl_req *req, struct _u_response *res)
{
  catalog(req, res, DCAT_TURTLE);
}
